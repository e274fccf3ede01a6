"""Which column holds what, when a table does not use our field names.

Spreadsheets and exported datasets name their columns "Speaker" and "Text",
"interlocutor" and "utterance_text", "transcript_id": refused for want of a
`text` column, a researcher would rename columns by hand before every run. A
field left at its default is looked up case-insensitively, then under its usual
other names; each column read under another name is a notice, so the choice is
seen and can be changed with --text-field etc. A field the user named is taken
exactly as given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, replace

from mbt_nlp.readers.options import ReadOptions

# Our name first, then the names other transcripts use, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "text_field": ("text", "utterance", "utterance_text", "transcript", "content", "message",
                   "turn_text", "speech"),
    "speaker_field": ("speaker", "interlocutor", "speaker_name", "speaker_label", "speaker_id",
                      "name", "participant", "who"),
    "session_field": ("session", "session_id", "transcript_id", "conversation_id",
                      "dialogue_id", "dialog_id"),
    "turn_field": ("turn", "turn_id", "turn_index", "utterance_id"),
}
_DEFAULTS = {f.name: f.default for f in fields(ReadOptions)}
_OPTION = {"text_field": "--text-field", "speaker_field": "--speaker-field",
           "session_field": "--session-field", "turn_field": "--turn-field"}


def resolve_fields(columns: Iterable[str], options: ReadOptions) -> tuple[ReadOptions, list[str]]:
    """`options` naming the columns a table really has, and a notice for each field read
    from a column of another name."""
    present = list(columns)
    by_folded: dict[str, str] = {}
    for column in present:
        by_folded.setdefault(column.strip().casefold(), column)
    changes: dict[str, str] = {}
    notices: list[str] = []
    for name, aliases in ALIASES.items():
        wanted = getattr(options, name)
        if wanted != _DEFAULTS[name] or wanted in present:
            continue
        found = next((by_folded[a] for a in aliases if a in by_folded), None)
        if found is not None:
            changes[name] = found
            if found.strip().casefold() != aliases[0]:  # "Speaker" needs no notice
                notices.append(f"column {found!r} read as the {aliases[0]} field "
                               f"(choose another with {_OPTION[name]})")
    return (replace(options, **changes) if changes else options), notices
