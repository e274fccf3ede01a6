"""Turn a structured record (CSV row, JSON object) into a Turn via the field mapping."""

from __future__ import annotations

from collections.abc import Mapping

from mbt_nlp.errors import InputError
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.transcript import (
    CLIENT,
    CLINICIAN,
    DEFAULT_CLIENT_LABELS,
    DEFAULT_CLINICIAN_LABELS,
    Turn,
    assign_role,
    check_turn_length,
    role_label,
)


def record_to_turn(
    record: Mapping[str, object],
    position: int,
    source: str,
    default_session: str,
    options: ReadOptions,
    line: int | None = None,
    record_number: int | None = None,
) -> Turn:
    """Map one record to a Turn; missing session -> file stem, missing turn -> position."""

    def fail(message: str) -> InputError:
        return InputError(message, source, line, record_number)

    if not isinstance(record, Mapping):
        raise fail(f"expected an object with fields, got {type(record).__name__}")
    if options.text_field not in record:
        raise fail(
            f"no {options.text_field!r} field (fields: {', '.join(map(str, record)) or 'none'}; "
            "choose one with --text-field)"
        )
    if options.speaker_field not in record:
        raise fail(
            f"no {options.speaker_field!r} field (fields: {', '.join(map(str, record))}; "
            "choose one with --speaker-field)"
        )
    text = record[options.text_field]
    if text is None:
        text = ""
    if not isinstance(text, (str, int, float)):
        raise fail(f"field {options.text_field!r} is a {type(text).__name__}, not text")
    text = str(text)
    speaker = str(record[options.speaker_field] or "")
    # An explicit role column (as in our annotation files) wins over label guessing.
    role_key = _role_key(record)
    explicit = record.get(role_key) if role_key else None
    if explicit in (None, ""):
        role = assign_role(options.roles, speaker, source, line, record_number)
    else:
        role = _named_role(explicit)
        if role is None:
            raise fail(f"field 'role' must be 'client' or 'clinician' (or a word for one, "
                       f"such as 'therapist' or 'patient'), got {explicit!r}")
    check_turn_length(text, options.max_turn_chars, source, line, record_number)

    session = record.get(options.session_field)
    session = default_session if session in (None, "") else str(session)
    turn_value = record.get(options.turn_field)
    if turn_value in (None, ""):
        index = position
    else:
        try:
            index = int(str(turn_value))
        except ValueError:
            raise fail(f"field {options.turn_field!r} is not a whole number") from None
    # "role" stays in meta: it tells roles.py that the file said who is who.
    mapped = {options.session_field, options.turn_field, options.speaker_field,
              options.text_field}
    meta = {k: v for k, v in record.items() if k not in mapped}
    if role_key is not None and explicit not in (None, ""):
        meta.pop(role_key, None)
        meta["role"] = role  # as the file meant it: "Therapist" is the clinician
    return Turn(session=session, index=index, speaker=speaker.strip(), role=role, text=text,
                source=source, line=line, record=record_number, meta=meta)


def _named_role(value: object) -> str | None:
    """The role a role field names: 'client' or 'clinician', or one of the speaker labels
    that mean one ('Therapist', 'counsellor', 'patient', 'T'); None for anything else."""
    if not isinstance(value, str):
        return None
    label = role_label(value)  # the default labels hold "client" and "clinician" too
    if label in DEFAULT_CLINICIAN_LABELS:
        return CLINICIAN
    return CLIENT if label in DEFAULT_CLIENT_LABELS else None


def _role_key(record: Mapping[str, object]) -> str | None:
    """The record's role field: "role", or the same name in another case ("Role")."""
    if "role" in record:
        return "role"
    return next((k for k in record if isinstance(k, str) and k.strip().casefold() == "role"),
                None)
