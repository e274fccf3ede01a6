"""The short block before the first turn: a title, a date, "Transcript", "Recorded on ...".

Kept in `Transcript.meta` rather than refused. A long block is still an error:
then the file is probably an unlabelled transcript, and its words must not
vanish into metadata.
"""

from __future__ import annotations

import re

from mbt_nlp.errors import InputError

MAX_PREAMBLE_LINES = 5
MAX_PREAMBLE_CHARS = 300
# Otter.ai's exports open with a title, a date and these sections, each heading on its
# own line above its content: a longer block, but one that says what it is.
OTTER_SECTIONS = {"SUMMARY KEYWORDS": "keywords", "SPEAKERS": "speakers"}
MAX_OTTER_LINES = 12
MAX_OTTER_CHARS = 2_000

# "Key: value" lines that describe the file, not a speaker, when they come before any turn.
# No word that research transcripts use as a speaker label ("Subject:", "Interviewee:").
META_LABELS = frozenset(
    {
        "title", "date", "session", "recorded", "recorded on", "recording", "location",
        "duration", "participants", "transcript", "transcribed by", "transcriber", "file",
        "time", "topic", "meeting", "language",
    }
)  # fmt: skip
# A short key, a colon and the rest: "Date: 12 March", "Participant ID: P07". The value is
# stripped in code: a lazy value before `\s*$` tried every split of a run of spaces.
_KEY_VALUE = re.compile(r"^\s*(?P<key>[^\W\d][\w .'/-]{0,30}?)\s*:(?P<value>.*)$")
_MONTH = (r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?")
_DATE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)(?!\w)"
)
_GENERIC_TITLES = frozenset({"transcript", "transcription", "interview transcript"})


def is_meta_label(label: str) -> bool:
    return label.strip().casefold() in META_LABELS


def key_value(line: str) -> tuple[str, str] | None:
    """(key, value) of a "Key: value" line, both stripped; None for any other line."""
    m = _KEY_VALUE.match(line)
    return (m["key"].strip(), m["value"].strip()) if m else None


def _key_value(line: str) -> tuple[str, str] | None:
    pair = key_value(line)
    if pair and is_meta_label(pair[0]):
        return pair[0].casefold(), pair[1]
    return None


def preamble_meta(lines: list[tuple[int, str]], source: str) -> dict[str, object]:
    """Meta for the non-blank lines before the first turn, or an InputError if too long."""
    lines = [(number, text.strip()) for number, text in lines if text.strip()]
    if not lines:
        return {}
    chars = sum(len(text) for _, text in lines)
    texts = [text for _, text in lines]
    otter = {OTTER_SECTIONS[text]: texts[i + 1] for i, text in enumerate(texts[:-1])
             if text in OTTER_SECTIONS}
    max_lines, max_chars = ((MAX_OTTER_LINES, MAX_OTTER_CHARS) if otter
                            else (MAX_PREAMBLE_LINES, MAX_PREAMBLE_CHARS))
    if len(lines) > max_lines or chars > max_chars:
        raise InputError(
            f"text before the first speaker label ({len(lines)} lines, {chars:,} characters: "
            "too long for a title block, so probably an unlabelled transcript; expected e.g. "
            "'T: ...' or 'Client: ...')",
            source, lines[0][0],
        )
    meta: dict[str, object] = {"preamble": texts, **otter}
    section = {i for i, text in enumerate(texts) if text in OTTER_SECTIONS}
    free_lines = []
    for i, text in enumerate(texts):
        if i in section or i - 1 in section:
            continue  # an Otter heading and its content, kept above
        pair = _key_value(text)
        if pair:
            meta.setdefault(pair[0], pair[1])
        else:
            free_lines.append(text)
    if "date" not in meta:
        # "Recorded on 14/03/2024" says more than the title's "14 March": prefer a year.
        dates = [found.group(0) for text in texts for found in _DATE.finditer(text)]
        with_year = [d for d in dates if re.search(r"\d{4}|\d[./]\d{1,2}[./]\d", d)]
        if dates:
            meta["date"] = (with_year or dates)[0]
    if "title" not in meta:
        for text in free_lines:
            only_date = _DATE.fullmatch(text.strip(" ,.;"))
            if not only_date and text.casefold().strip(" .:") not in _GENERIC_TITLES:
                meta["title"] = text
                break
    return meta


def preamble_notice(meta: dict[str, object]) -> list[str]:
    """The one-line notice (no transcript text) that a preamble was kept out of the turns."""
    lines = meta.get("preamble")
    if not isinstance(lines, list) or not lines:
        return []
    return [f"kept {len(lines)} line(s) before the first speaker label as the file's "
            "preamble (meta), not as turns"]
