"""Whether a line opens a speaker's turn, and whose: the label grammar every text-like
reader shares (plain text, DOCX paragraphs, caption cues).

`T: ...`, `Therapist: ...`, `[00:01:02] Client: ...`, `SPEAKER 1: ...`, `Dr. Smith:`,
display names (`Maria Lopez (she/her):`, `Maria's iPhone:`), Markdown bold labels, a tab
or (after a role label) a spaced dash instead of the colon, a role label alone on its
line. A sentence with a colon in it ("So I told her: no") is not a label: a label's
words are capitalised.
"""

from __future__ import annotations

import re

from mbt_nlp.readers.timecode import CLOCK, to_seconds
from mbt_nlp.transcript import ROLE_LABELS, role_label

_TIMESTAMP = rf"(?P<ts>{CLOCK})"
_TITLE = r"(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?\s+"
# One to four capitalised words or numbers ("Dr. Smith", "SPEAKER 1", "Mum", "Élodie"),
# or a known lowercase label: keeps "So I told her: no" from reading as a speaker. `re`
# has no class of capitals beyond A-Z, so any letter matches here and _capitalised checks.
_NAME = r"(?:[^\W\d_][\w'\-]*|\d+)(?:\s+(?:[^\W\d_][\w'\-]*|\d+)){0,3}"
# Video-call display names carry an aside: "Maria Lopez (she/her)", "Sam Reid (Therapist)".
# Not a clock: "(00:01:02)" is the turn's time, matched below.
_AFFIX = r"(?P<affix>\s*\((?!\s*\d)[^()\n:]{1,40}\))?"
# A colon followed by two digits is a clock time ("Jane Doe  0:03"), not a label's colon.
# The time may be a range, as Whisper with speaker labels writes it:
# "[00:00:03.120 --> 00:00:08.000] SPEAKER_00: ..." (the turn starts at the first).
_SPEAKER_LINE = re.compile(
    rf"^\s*(?:[\[(]?{_TIMESTAMP}(?:\s*(?:-->|[-–])\s*{CLOCK})?[\])]?\s*[-–]?\s*)?"
    rf"(?P<speaker>(?:{_TITLE})?{_NAME}){_AFFIX}\s*"
    rf"(?:[\[(]{_TIMESTAMP.replace('ts', 'ts2')}[\])]\s*)?"
    r":(?!\d{2}\b)\s*(?P<text>.*)$"
)
_LOWER_LABEL = re.compile(
    r"^\s*(?P<speaker>t|th|c|p|therapist|client|patient)\s*:(?!\d{2}\b)\s*(?P<text>.*)$"
)
# Typed and spreadsheet-pasted transcripts put a tab after the label, not a colon:
# "Th<TAB>How was it?", "00:00:03<TAB>Therapist<TAB>How was it?".
_TAB_LINE = re.compile(
    rf"^\s*(?:{_TIMESTAMP}\t+)?(?P<speaker>(?:{_TITLE})?{_NAME}){_AFFIX}\t+(?P<text>.*)$")
# A spaced dash instead of the colon, after a role label only ("Therapist - How was it?"):
# after any word it would split sentences ("So - I went").
_DASH_LINE = re.compile(r"^\s*(?P<speaker>[^\W\d_][\w ]{0,24}?)\s+[-–—]\s+(?P<text>\S.*)$")
_BARE_LABEL_CHARS = 20
# Markdown bold around a label, as notes apps and pasted documents keep it:
# "**Therapist:** How was it?" or "**Therapist**: How was it?".
_BOLD_LABEL = re.compile(r"^(\s*)\*\*([^*\n]{1,60}?)(?::\*\*|\*\*:)")
# Rev puts the time after the label: "Speaker 1: (00:01)" or "Speaker 1: [00:00:05] Hi".
_LEADING_CLOCK = re.compile(rf"^[\[(](?P<ts>{CLOCK})[\])]\s*")


# Lower-case words inside a name: "Maria de la Cruz", "Ludwig van Beethoven".
_PARTICLES = frozenset({"al", "bin", "da", "das", "de", "del", "della", "den", "der", "di",
                        "dos", "du", "la", "le", "ten", "ter", "van", "von"})


def _capitalised(name: str) -> bool:
    """Every word starts with a digit or a letter that is not lower case: "Łukasz Nowak",
    "SPEAKER 1", and names in scripts without case ("王芳"); not "so then". Also a word
    with a capital inside ("Maria's iPhone", Zoom's name for a phone) and a particle
    between two words of a name ("Maria de la Cruz")."""
    words = name.split()
    last = len(words) - 1
    return all(word[0].isdigit() or not word[0].islower()
               or any(c.isupper() for c in word[1:])
               or (0 < i < last and word in _PARTICLES)
               for i, word in enumerate(words))


def match_speaker_line(line: str) -> tuple[str, str, float | None] | None:
    """(speaker, text, start seconds) when `line` opens a turn, else None."""
    line = _BOLD_LABEL.sub(r"\1\2:", line, count=1)
    m = _SPEAKER_LINE.match(line)
    if m and not _capitalised(m["speaker"]):
        m = None
    if m:
        speaker = (m["speaker"] + (m["affix"] or "")).strip()
        text, ts = m["text"], m["ts"] or m["ts2"]
    elif (m := _LOWER_LABEL.match(line)) is not None:
        speaker, text, ts = m["speaker"], m["text"], None
    elif (m := _TAB_LINE.match(line)) is not None and _capitalised(m["speaker"]):
        speaker = (m["speaker"] + (m["affix"] or "")).strip()
        text, ts = m["text"], m["ts"]
    elif (m := _DASH_LINE.match(line)) is not None and _is_role_label(m["speaker"]):
        speaker, text, ts = m["speaker"], m["text"], None
    elif _is_bare_role_label(line):
        speaker, text, ts = line.strip(), "", None
    else:
        return None
    if ts is None:
        leading = _LEADING_CLOCK.match(text)
        if leading:
            ts, text = leading["ts"], text[leading.end():]
    return speaker, text, to_seconds(ts)


def _is_bare_role_label(line: str) -> bool:
    """A role label alone on its line, the words below it ("THERAPIST", "Client 2"):
    only the usual role labels, so that "Okay" or "Sarah" on a line of their own stay
    words."""
    label = line.strip()
    return 0 < len(label) <= _BARE_LABEL_CHARS and _is_role_label(label)


def _is_role_label(label: str) -> bool:
    """One of the usual role labels, in capitals or title case ("T", "Therapist",
    "CLIENT 2"), not a word of a sentence."""
    return (label.isupper() or label.istitle()) and role_label(label) in ROLE_LABELS
