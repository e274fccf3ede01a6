"""ELAN annotation files (.eaf), read with pympi-ling.

One top-level tier per speaker: the tier's PARTICIPANT attribute names the
speaker, else the tier name does. Annotations of all speaker tiers are put in
time order and consecutive ones of one speaker form a turn. Dependent tiers
(translations, glosses, notes on a parent tier) are not speech and are
skipped with a notice. The "line" of a turn is the line of its first
annotation in the XML.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.transcript import (
    Transcript,
    Turn,
    assign_role,
    check_turn_length,
    normalise_speaker,
)

_ANNOTATION_ID = re.compile(r'ANNOTATION_ID\s*=\s*"([^"]+)"')


# Top-level tiers that hold notes, not a speaker's words, when no participant is named.
NOTE_TIERS = frozenset({"notes", "note", "comments", "comment", "remarks", "coding", "codes",
                        "annotations", "transcriber notes", "observations"})


def _annotation_lines(text: str) -> dict[str, int]:
    lines = {}
    for number, line in enumerate(text.split("\n"), start=1):
        for found in _ANNOTATION_ID.finditer(line):
            lines.setdefault(found.group(1), number)
    return lines


def read_eaf(path: str | Path, options: ReadOptions) -> Transcript:
    from pympi.Elan import Eaf  # imported here so the other readers do not pay for it

    source = str(path)
    text = read_text(path)  # also refuses empty and binary files with the usual messages
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pympi warns about EAF versions it does not know
            eaf = Eaf(str(path), suppress_version_warning=True)
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source) from None
    except Exception as err:
        # pympi raises a bare Exception for broken XML and KeyError/ValueError/IndexError
        # for missing attributes: each is one line for the user, never a traceback.
        raise InputError(f"not a readable ELAN .eaf file ({type(err).__name__})", source) from None

    lines = _annotation_lines(text)
    annotations = []  # (start ms, end ms, tier order, line, speaker, text)
    skipped = []
    for tier_id, (aligned, _refs, attributes, order) in eaf.tiers.items():
        if attributes.get("PARENT_REF"):
            if aligned or _refs:
                skipped.append(tier_id)
            continue
        speaker = (attributes.get("PARTICIPANT") or "").strip()
        if not speaker and tier_id.strip().casefold() in NOTE_TIERS:
            skipped.append(tier_id)  # the transcriber's or coder's notes, not speech
            continue
        speaker = speaker or tier_id
        for annotation_id, (slot1, slot2, value, _svg) in aligned.items():
            start, end = eaf.timeslots.get(slot1), eaf.timeslots.get(slot2)
            line = lines.get(annotation_id)
            if start is None or end is None:
                raise InputError(f"annotation {annotation_id!r} on tier {tier_id!r} has no "
                                 "time (unaligned top-level annotation)", source, line)
            annotations.append((start, end, order, line, speaker, (value or "").strip()))
    if not annotations:
        raise InputError("no annotations on any top-level (speaker) tier", source)
    annotations.sort(key=lambda a: (a[0], a[1], a[2]))

    session = Path(path).stem
    turns: list[Turn] = []
    for start, end, _order, line, speaker, value in annotations:
        if not value:
            continue  # an empty annotation has no words to lose
        if turns and normalise_speaker(turns[-1].speaker) == normalise_speaker(speaker):
            turns[-1].text = f"{turns[-1].text} {value}"
            turns[-1].end = max(turns[-1].end or 0.0, end / 1000)
            continue
        role = assign_role(options.roles, speaker, source, line)
        turns.append(Turn(session=session, index=len(turns), speaker=speaker, role=role,
                          text=value, source=source, line=line, start=start / 1000,
                          end=end / 1000))
    for turn in turns:
        check_turn_length(turn.text, options.max_turn_chars, source, turn.line)
    notices = []
    if skipped:
        notices.append(f"dependent or note tier(s) not read as speech: {', '.join(skipped)}")
    meta: dict[str, object] = {}
    media = [m.get("MEDIA_URL") for m in eaf.media_descriptors if m.get("MEDIA_URL")]
    if media:
        meta["media"] = media
    return Transcript(source, turns, meta=meta, notices=notices)
