"""Valid transcript files for the fuzz suite, with the turns they hold (see fuzzgen.py).

Random speakers (clinician labels, named people, T/C), text with unicode,
emoji, quotes, commas, tabs, brackets, very long and near-empty turns, in each
format's layouts, line endings and encodings. Texts are made so that their
turns are unambiguous: speakers alternate where a format joins consecutive
turns of one speaker, a continuation line never looks like a speaker label,
and each file names its clinician (by a label such as "T" or "Dr. ...", or by
`--clinician` in group "named"), so that role inference has nothing to refuse.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

VALID, MAYBE, ERROR, ANY = "valid", "maybe", "error", "any"
FORMATS = ("txt", "csv", "tsv", "jsonl", "json", "vtt", "srt", "docx", "otter", "rev",
           "descript", "whisper", "eaf", "chat", "parquet", "xlsx")
SUFFIX = {"txt": ".txt", "csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "json": ".json",
          "vtt": ".vtt", "srt": ".srt", "docx": ".docx", "otter": ".txt", "rev": ".txt",
          "descript": ".txt", "whisper": ".json", "eaf": ".eaf", "chat": ".cha",
          "parquet": ".parquet", "xlsx": ".xlsx"}
BINARY = frozenset({"docx", "xlsx", "parquet"})
# Group "named" is read with --clinician naming these; group "labelled" with no options.
CLINICIANS = ("SPEAKER_01", "Amara Osei", "Speaker 1", "Jane Doe")

# -- the words -------------------------------------------------------------------------------

WORDS = (
    "i", "think", "she", "was", "just", "tired", "that", "day", "and", "it", "felt", "like",
    "nobody", "in", "the", "room", "noticed", "me", "maybe", "he", "meant", "differently",
    "but", "know", "what", "saw", "because", "always", "happens", "when", "we", "talk", "about",
    "money", "or", "kids", "my", "mother", "who", "never", "calls", "back", "on", "sundays",
    "really", "honestly", "sort", "of", "kind", "anyway", "okay", "right", "so", "well",
    "actually",
)
UNICODE_WORDS = (
    "café", "naïve", "Zoë", "Łódź", "straße", "Ñandú", "Ørsted", "Ærø", "İstanbul", "東京",
    "こんにちは", "Привет", "مرحبا", "שלום", "ήλιος", "ﬁne", "e\u0301te\u0301", "Đorđe",
    "résumé", "jalapeño", "Þórr", "ǅemal", "señor", "Åsa", "cœur",
)
EMOJI = ("😀", "👍🏽", "👨‍👩‍👧", "🇬🇧", "❤️", "🙃", "😢", "🤷‍♀️", "✨", "🔥")
SPECIAL = (
    '"fine"', "“fine”", "'okay'", "‘so’", "«oui»", "it's", "don't", "[inaudible]", "(laughs)",
    "{sic}", "[crosstalk]", "a,b", "yes, no", "well...", "—", "–", "…", "50%", "$5", "#1",
    "C++", "a/b", "back\\slash", "semi;colon", "at 10:30", "3.5", "tab\there", "<3", "->",
    "x&y", "he said: no", "'quoted, with comma'", '"double ""quoted"""', "q?", "wow!",
    "(maybe)", "[sic]", "100", "1st", "Mr. Smith", "e.g.", "…really?", "~", "*sigh*",
)
# First words of a line: no colon, never a speaker label. The second word of every
# line is lower case, so no line opens with "Name:" (continuation lines stay continuations).
OPENERS = ("So", "And", "I", "Honestly,", "Yeah", "Maybe", "Everyone", "But", "well", "and",
           "so", "It", "The", "Zoë", "Élodie", "“Why", "(He", "Then", "Um,", "No,")
EMPTYISH = ("Mm.", "…", "Yeah.", "?", "(laughs)", "—", "Mm-hmm.", "👍", "[inaudible]", "Ok",
            "Hm?", "...")
LATIN1_SAFE = re.compile(r"^[\x20-\x7e\xa0-\xff\t]*$")
CP1252_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"

# -- speakers --------------------------------------------------------------------------------

LABELLED_CLINICIANS = ("T", "Therapist", "Th", "Dr. Amara Osei", "Dr Kim", "Interviewer",
                       "Counsellor", "Clinician", "Psychologist", "Dr. Łukasz Nowak")
LABELLED_CLIENTS = ("C", "Client", "P", "Patient", "Participant", "Lena Fischer", "Zoë Ávila",
                    "Élodie", "Mum", "Ángel Ruiz", "O'Brien", "Mary-Jane Watson", "Speaker 2",
                    "Øystein Berg")
NAMED_CLIENTS = ("SPEAKER_00", "Lena Fischer", "Speaker 2", "Zoë", "Ólafur Arnalds", "Partner")
THIRD_SPEAKERS = ("Partner", "Mother", "Ilse")


@dataclass(frozen=True)
class Turn:
    """One expected turn: who, their role, the words (compared with whitespace collapsed)."""

    speaker: str
    role: str
    text: str


def normalise(text: str) -> str:
    """Whitespace collapsed: readers join lines, strip and may turn CR into LF."""
    return " ".join(text.split())


@dataclass
class Speech:
    """A generated turn before rendering: its speaker, role and lines of words."""

    speaker: str
    role: str
    lines: list[str]

    def text(self) -> str:
        return " ".join(self.lines)


# -- text -------------------------------------------------------------------------------------

def _token(rng: random.Random, charset: str) -> str:
    roll = rng.random()
    if charset == "ascii" or roll < 0.7:
        return rng.choice(WORDS)
    if roll < 0.8:
        pool = UNICODE_WORDS
    elif roll < 0.87:
        pool = EMOJI
    else:
        pool = SPECIAL
    token = rng.choice(pool)
    if charset == "latin1" and not LATIN1_SAFE.match(token):
        return rng.choice(WORDS)
    if charset == "cp1252" and not all(LATIN1_SAFE.match(c) or c in CP1252_EXTRA for c in token):
        return rng.choice(WORDS)
    return token


def words_line(rng: random.Random, words: int, charset: str) -> str:
    opener = rng.choice(OPENERS)
    if charset != "any" and not LATIN1_SAFE.match(opener):
        opener = "So"
    tokens = [opener, rng.choice(WORDS)]
    tokens += [_token(rng, charset) for _ in range(max(0, words - 2))]
    line = " ".join(tokens)
    if rng.random() < 0.6:
        line += rng.choice((".", "?", "!", "…") if charset in ("any", "cp1252") else ".?!,")
    if line[-1].isdigit():
        line += "."  # "... at 10:30" could read as an Otter header "Name  10:30"
    return line


def _lines(rng: random.Random, charset: str, long_ok: bool = True) -> list[str]:
    roll = rng.random()
    if roll < 0.1:
        return [rng.choice(EMPTYISH if charset == "any" else ("Mm.", "Yeah.", "?", "Ok"))]
    if roll < 0.13 and long_ok:  # a very long turn: one line, or many
        if rng.random() < 0.5:
            return [words_line(rng, rng.randint(2000, 9000), charset)]
        return [words_line(rng, rng.randint(20, 80), charset) for _ in range(rng.randint(20, 60))]
    count = rng.choice((1, 1, 1, 2, 3))
    return [words_line(rng, rng.randint(2, 25), charset) for _ in range(count)]


def _dialogue(rng: random.Random, group: str, charset: str = "any", *, turns: int | None = None,
              long_ok: bool = True) -> list[Speech]:
    """Alternating speakers (never one speaker twice in a row); a clinician is always named."""
    if group == "named":
        clinician = rng.choice(CLINICIANS)
        clients = [rng.choice(NAMED_CLIENTS)]
    else:
        clinician = rng.choice(LABELLED_CLINICIANS)
        clients = [rng.choice(LABELLED_CLIENTS)]
    if rng.random() < 0.1:
        clients.append(rng.choice([s for s in THIRD_SPEAKERS if s not in clients]))
    if charset != "any":
        clinician = clinician if LATIN1_SAFE.match(clinician) else "Therapist"
        clients = [c if LATIN1_SAFE.match(c) else "Client" for c in clients]
    if turns is None:
        turns = rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12)) if rng.random() < 0.95 else \
            rng.randint(40, 150)
    speech = []
    previous = None
    for i in range(turns):
        if i % 2 == 0:
            speaker, role = clinician, "clinician"
        else:
            speaker, role = rng.choice(clients), "client"
        if speaker == previous:  # three speakers: never the same one twice in a row
            speaker = clinician
            role = "clinician"
        previous = speaker
        speech.append(Speech(speaker, role, _lines(rng, charset, long_ok)))
    if rng.random() < 0.3:  # clients open sessions too
        speech = speech[1:] or speech
    return speech


def _expected(speech: list[Speech]) -> tuple[Turn, ...]:
    return tuple(Turn(s.speaker, s.role, normalise(s.text())) for s in speech)


def _split(rng: random.Random, speech: Speech) -> list[list[str]]:
    """The turn's lines spread over one or more cues (segments, annotations)."""
    if len(speech.lines) > 1 and rng.random() < 0.5:
        cut = rng.randint(1, len(speech.lines) - 1)
        return [speech.lines[:cut], speech.lines[cut:]]
    return [speech.lines]


# -- clocks ----------------------------------------------------------------------------------

def _clock(seconds: float, style: str) -> str:
    whole, ms = divmod(round(seconds * 1000), 1000)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    if style == "m:ss":  # Otter: "0:03", "12:40", "1:02:03"
        return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    if style == "hh:mm:ss":
        return f"{h:02d}:{m:02d}:{s:02d}"
    if style == "vtt":
        return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
    if style == "vtt-short":  # WebVTT may leave out the hours under one hour
        return f"{m:02d}:{s:02d}.{ms:03d}" if not h else f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
    if style == "srt":
        return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"
    if style == "teams":
        return f"{h}:{m}:{s}.{ms}"
    raise ValueError(style)


def _times(rng: random.Random, n: int) -> Iterator[tuple[float, float]]:
    t = rng.uniform(0, 5)
    for _ in range(n):
        length = rng.uniform(0.5, 20)
        yield round(t, 3), round(t + length, 3)
        t += length + rng.uniform(0.05, 2)


# -- valid renderers: (content, expected turns) ----------------------------------------------

Rendered = tuple[str | bytes, tuple[Turn, ...]]


def _preamble(rng: random.Random) -> list[str]:
    return rng.choice((
        ["Session 7 – 14 March", "Transcript"],
        ["Interview transcript", "Date: 14/03/2024"],
        ["Recorded on 3 May 2024"],
    ))


def render_txt(rng: random.Random, group: str, charset: str) -> Rendered:
    speech = _dialogue(rng, group, charset)
    out = [*_preamble(rng), ""] if rng.random() < 0.15 else []
    for s in speech:
        if rng.random() < 0.1:
            out.append(_clock(rng.uniform(0, 3000), rng.choice(("m:ss", "hh:mm:ss"))))
        sep = rng.choice((": ", ": ", ":  ", ":\t", " : "))
        out.append(f"{s.speaker}{sep}{s.lines[0]}")
        out.extend(("  " if rng.random() < 0.1 else "") + line for line in s.lines[1:])
        if rng.random() < 0.3:
            out.append("")
    return "\n".join(out), _expected(speech)


def render_otter(rng: random.Random, group: str, charset: str) -> Rendered:
    speech = _dialogue(rng, group, charset)
    out = [*_preamble(rng), ""] if rng.random() < 0.15 else []
    if rng.random() < 0.2:
        out.append(f"{speech[0].speaker} started transcription")
    clock = rng.uniform(0, 10)
    gap = rng.choice(("  ", "   ", "\t"))
    for s in speech:
        for piece in _split(rng, s):  # Otter starts a new paragraph of one speaker now and then
            out.append(f"{s.speaker}{gap}{_clock(clock, rng.choice(('m:ss', 'hh:mm:ss')))}")
            out.extend(piece)
            out.append("")
            clock += rng.uniform(1, 60)
    if rng.random() < 0.3:
        out.append("Transcribed by https://otter.ai")
    return "\n".join(out), _expected(speech)


def render_rev(rng: random.Random, group: str, charset: str) -> Rendered:
    speech = _dialogue(rng, group, charset)
    layout = rng.choice(("label-then-clock", "clock-in-label", "headed"))
    out = []
    clock = 0.0
    for s in speech:
        ts = _clock(clock, rng.choice(("m:ss", "hh:mm:ss")))
        if layout == "label-then-clock":
            out.append(f"{s.speaker}: ({ts})")
            out.extend(s.lines)
        elif layout == "clock-in-label":
            out.append(f"{s.speaker} ({ts}): {s.lines[0]}")
            out.extend(s.lines[1:])
        else:
            out.append(f"{s.speaker}  {ts}")
            out.extend(s.lines)
        out.append("")
        clock += rng.uniform(1, 90)
    return "\n".join(out), _expected(speech)


def render_descript(rng: random.Random, group: str, charset: str) -> Rendered:
    speech = _dialogue(rng, group, charset)
    bracketed = rng.random() < 0.7
    out = []
    clock = 0.0
    for s in speech:
        ts = _clock(clock, "hh:mm:ss")
        first = f"[{ts}] {s.speaker}: {s.lines[0]}" if bracketed else \
            f"{s.speaker} ({ts}): {s.lines[0]}"
        out.append(first)
        out.extend(s.lines[1:])
        if rng.random() < 0.5:
            out.append("")
        clock += rng.uniform(1, 90)
    return "\n".join(out), _expected(speech)


def _cue_text(rng: random.Random, speaker: str | None, lines: list[str], voice: bool,
              italic: bool) -> list[str]:
    body = [f"<i>{line}</i>" if italic else line for line in lines]
    if speaker is None:
        return body
    if voice:
        body[0] = f"<v {speaker}>{body[0]}"
        if rng.random() < 0.5:
            body[-1] += "</v>"
        return body
    body[0] = f"{speaker}: {body[0]}"
    return body


def render_subtitles(rng: random.Random, group: str, charset: str, srt: bool) -> Rendered:
    speech = _dialogue(rng, group, charset)
    voice = rng.random() < (0.3 if srt else 0.7)
    italic = srt and rng.random() < 0.2
    style = "srt" if srt else rng.choice(("vtt", "vtt", "vtt-short"))
    cues: list[list[str]] = []
    for s in speech:
        for n, piece in enumerate(_split(rng, s)):
            # A later cue of the turn repeats the speaker, or names none (it continues).
            speaker = s.speaker if n == 0 or rng.random() < 0.5 else None
            cues.append(_cue_text(rng, speaker, piece, voice, italic))
    times = list(_times(rng, len(cues)))
    out = []
    if not srt:
        out.append(rng.choice(("WEBVTT", "WEBVTT", "WEBVTT - session 7", "\ufeffWEBVTT")))
        if rng.random() < 0.2:
            out += ["Kind: captions", "Language: en"]
        out.append("")
        if rng.random() < 0.2:
            out += ["NOTE exported by a meeting app", "", "STYLE", "::cue { color: white }", ""]
    for number, (cue, (start, end)) in enumerate(zip(cues, times, strict=True), start=1):
        if srt:
            out.append(str(number))
        elif rng.random() < 0.5:
            out.append(f"0b7f8c5e-91d2/{number}-0")
        timing = f"{_clock(start, style)} --> {_clock(end, style)}"
        if not srt and rng.random() < 0.2:
            timing += " align:start position:10%"
        out.append(timing)
        out.extend(cue)
        out.append("")
    return "\n".join(out), _expected(speech)


def _records(rng: random.Random, group: str, charset: str, *, newlines: bool = True,
             max_chars: int | None = None) -> tuple[list[dict[str, object]], tuple[Turn, ...]]:
    speech = _dialogue(rng, group, charset)
    if max_chars is not None:
        for s in speech:
            if len(s.text()) > max_chars:
                s.lines = [line[: max_chars // 2 - 1] for line in s.lines[:2]]
    session = rng.choice((None, "s07", "Session 7"))
    explicit_role = rng.random() < 0.15
    records = []
    clock = 0.0
    for i, s in enumerate(speech):
        joiner = "\n" if newlines and rng.random() < 0.5 else " "
        speaker = f" {s.speaker} " if rng.random() < 0.1 else s.speaker
        record: dict[str, object] = {"speaker": speaker, "text": joiner.join(s.lines)}
        if session is not None:
            record["session"] = session
        if rng.random() < 0.5:
            record["turn"] = i + 1
        if rng.random() < 0.4:
            record["start"] = round(clock, 2)
        if explicit_role:
            record["role"] = s.role
        clock += rng.uniform(1, 30)
        records.append(record)
    return records, _expected(speech)


def render_table(rng: random.Random, group: str, charset: str, delimiter: str) -> Rendered:
    records, turns = _records(rng, group, charset)
    columns = list(dict.fromkeys(k for r in records for k in r))
    rng.shuffle(columns)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter,
                        quoting=rng.choice((csv.QUOTE_MINIMAL, csv.QUOTE_ALL)),
                        lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow(["" if record.get(c) is None else record.get(c) for c in columns])
        if rng.random() < 0.05:
            out.write("\n")  # a blank line between rows is skipped
    return out.getvalue(), turns


def render_jsonl(rng: random.Random, group: str, charset: str) -> Rendered:
    records, turns = _records(rng, group, charset)
    ascii_only = rng.random() < 0.3
    lines = []
    for record in records:
        lines.append(json.dumps(record, ensure_ascii=ascii_only))
        if rng.random() < 0.05:
            lines.append("")
    return "\n".join(lines), turns


def render_json(rng: random.Random, group: str, charset: str) -> Rendered:
    records, turns = _records(rng, group, charset)
    shape = rng.choice(("list", "utterances", "nested"))
    if shape == "list":
        data: object = records
    elif shape == "utterances":
        data = {"session_id": "s07", "utterances": records}
    else:
        data = {"meta": {"title": "Session 7", "duration": 3000},
                "transcript": {"turns": records}}
    return json.dumps(data, ensure_ascii=rng.random() < 0.3,
                      indent=rng.choice((None, 1, 2))), turns


def render_whisper(rng: random.Random, group: str, charset: str) -> Rendered:
    speech = _dialogue(rng, group, charset, long_ok=False)
    segments = []
    for s in speech:
        for n, piece in enumerate(_split(rng, s)):
            label = s.speaker if n == 0 or rng.random() < 0.5 else None
            segments.append((label, " ".join(piece)))
    leading = []
    if rng.random() < 0.1:  # speech before diarisation's first speaker joins the first turn
        leading = [words_line(rng, 4, charset)]
        speech[0].lines = leading + speech[0].lines
    out = []
    labelled = [(None, t) for t in leading] + segments
    for (label, text), (start, end) in zip(labelled, _times(rng, len(labelled)), strict=True):
        segment: dict[str, object] = {"id": len(out), "start": start, "end": end,
                                      "text": " " + text}
        if label is not None:
            segment["speaker"] = label
        if rng.random() < 0.2:
            segment["words"] = [{"word": w, "start": start, "end": end, "score": 0.9}
                                for w in text.split()[:5]]
        out.append(segment)
        if rng.random() < 0.05:
            out.append({"start": end, "end": end + 0.1, "text": " ", "speaker": label})
    data = {"segments": out, "language": "en"}
    return json.dumps(data, ensure_ascii=rng.random() < 0.3, indent=rng.choice((None, 2))), \
        _expected(speech)


def render_eaf(rng: random.Random, group: str, charset: str) -> Rendered:
    speech = _dialogue(rng, group, charset, long_ok=False)
    speakers = list(dict.fromkeys(s.speaker for s in speech))
    tier_ids = {}
    for n, speaker in enumerate(speakers):
        tier_ids[speaker] = speaker if rng.random() < 0.5 else f"Tier-{n + 1}"
    annotations: dict[str, list[tuple[str, str, str, str]]] = {s: [] for s in speakers}
    slots = []
    count = 0
    pieces = [(s.speaker, piece) for s in speech for piece in _split(rng, s)]
    for (speaker, piece), (start, end) in zip(pieces, _times(rng, len(pieces)), strict=True):
        count += 1
        slots += [(f"ts{2 * count - 1}", int(start * 1000)), (f"ts{2 * count}", int(end * 1000))]
        text = rng.choice(("\n", " ")).join(piece)
        annotations[speaker].append((f"a{count}", f"ts{2 * count - 1}", f"ts{2 * count}", text))
    dependent = rng.random() < 0.2
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-03-14T11:02:45+01:00" FORMAT="3.0" '
           'VERSION="3.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">',
           '    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">',
           '        <MEDIA_DESCRIPTOR MEDIA_URL="file:///s07.wav" MIME_TYPE="audio/x-wav"/>',
           '    </HEADER>', '    <TIME_ORDER>']
    out += [f'        <TIME_SLOT TIME_SLOT_ID="{i}" TIME_VALUE="{v}"/>' for i, v in slots]
    out.append('    </TIME_ORDER>')
    for speaker in speakers:
        tier = tier_ids[speaker]
        participant = f" PARTICIPANT={quoteattr(speaker)}" if tier != speaker else ""
        out.append(f'    <TIER LINGUISTIC_TYPE_REF="utterance"{participant} '
                   f'TIER_ID={quoteattr(tier)}>')
        for aid, ts1, ts2, text in annotations[speaker]:
            out += ['        <ANNOTATION>',
                    f'            <ALIGNABLE_ANNOTATION ANNOTATION_ID="{aid}" '
                    f'TIME_SLOT_REF1="{ts1}" TIME_SLOT_REF2="{ts2}">',
                    f'                <ANNOTATION_VALUE>{escape(text)}</ANNOTATION_VALUE>',
                    '            </ALIGNABLE_ANNOTATION>', '        </ANNOTATION>']
        out.append('    </TIER>')
    if dependent:
        first_tier, (aid, *_rest) = tier_ids[speakers[0]], annotations[speakers[0]][0]
        out += [f'    <TIER LINGUISTIC_TYPE_REF="translation" PARENT_REF={quoteattr(first_tier)} '
                'TIER_ID="notes">',
                '        <ANNOTATION>',
                f'            <REF_ANNOTATION ANNOTATION_ID="a{count + 1}" ANNOTATION_REF="{aid}">',
                '                <ANNOTATION_VALUE>tearful</ANNOTATION_VALUE>',
                '            </REF_ANNOTATION>', '        </ANNOTATION>', '    </TIER>']
    out += ['    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="utterance" '
            'TIME_ALIGNABLE="true"/>',
            '    <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" '
            'LINGUISTIC_TYPE_ID="translation" TIME_ALIGNABLE="false"/>',
            '    <CONSTRAINT DESCRIPTION="1-1 association" STEREOTYPE="Symbolic_Association"/>',
            '</ANNOTATION_DOCUMENT>']
    return "\n".join(out), _expected(speech)


CHAT_WORDS = ("I", "don't", "know", "she", "was", "tired", "maybe", "he", "meant", "it", "my",
              "mother", "never", "calls", "café", "Zoë", "naïve", "straße", "mm-hmm", "okay",
              "really", "Łódź", "you’re", "3", "kids", "always", "the", "why")
CHAT_DROPPED = ("[/]", "[//]", "&=laughs", "(.)", "xxx", "[% softly]", "[?]", "&=sighs",
                "(..)", "[: word]")
CHAT_ROLES = {"clinician": (("INV", "Investigator"), ("THE", "Therapist"),
                            ("CLN", "Clinician")),
              "client": (("PAR", "Participant"), ("PAT", "Patient"), ("CHI", "Target_Child"))}
CHAT_TERMINATORS = {".": ".", "?": "?", "!": "!", "+...": "...", "+/.": "...", "+!?": "?"}


def _chat_utterance(rng: random.Random) -> tuple[str, str]:
    """(main tier text, the words the reader keeps)."""
    tokens, kept = [], []
    for _ in range(rng.randint(1, 14)):
        roll = rng.random()
        if roll < 0.12:
            tokens.append(rng.choice(CHAT_DROPPED))
        elif roll < 0.2 and kept:
            tokens.append(",")
            kept.append(",")
        elif roll < 0.25:
            word = rng.choice(("um", "uh", "er"))
            tokens.append(f"&-{word}")
            kept.append(word)
        else:
            word = rng.choice(CHAT_WORDS)
            tokens.append(word)
            kept.append(word)
    if not any(t != "," for t in kept):
        tokens.append("okay")
        kept.append("okay")
    terminator = rng.choice(list(CHAT_TERMINATORS))
    tokens.append(terminator)
    kept.append(CHAT_TERMINATORS[terminator])
    text = ""
    for word in kept:
        text += word if word[0] in ",;:.?!" else (" " if text else "") + word
    return " ".join(tokens), text


def render_chat(rng: random.Random, group: str, charset: str) -> Rendered:
    turns = rng.choice((1, 2, 3, 4, 6, 9))
    clinician = rng.choice(CHAT_ROLES["clinician"])
    client = rng.choice(CHAT_ROLES["client"])
    out = ["@UTF8", "@Begin", "@Languages:\teng",
           f"@Participants:\t{clinician[0]} {clinician[1]}, {client[0]} Ann {client[1]}",
           f"@ID:\teng|corpus|{client[0]}|34;|female|||{client[1]}|||", "@Date:\t14-MAR-2024"]
    expected = []
    clock = 0
    for i in range(turns):
        code, role = (clinician[0], "clinician") if i % 2 == 0 else (client[0], "client")
        words = []
        for _ in range(rng.choice((1, 1, 2))):  # one speaker's utterances in a row: one turn
            tier, kept = _chat_utterance(rng)
            if rng.random() < 0.5:
                tier += f" \x15{clock}_{clock + 1500}\x15"
            clock += 2000
            if len(tier) > 60 and rng.random() < 0.5:  # a long tier goes on, tab-indented
                cut = tier.index(" ", 40) if " " in tier[40:] else len(tier)
                tier = tier[:cut] + "\n\t" + tier[cut:].lstrip()
            out.append(f"*{code}:\t{tier}")
            if rng.random() < 0.3:
                out.append("%mor:\tpro|I v|know")
            words.append(kept)
        expected.append(Turn(code, role, normalise(" ".join(words))))
    if rng.random() < 0.2:
        out.append(f"*{clinician[0]}:\txxx .")  # no words: not a turn, a notice
    out.append("@End")
    return "\n".join(out), tuple(expected)


def fixed_zip(data: bytes) -> bytes:
    """The archive again with a fixed date on every part and in its properties (python-docx
    and openpyxl stamp the time of saving): the same bytes on every run."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return zip_parts({info.filename: source.read(info.filename)
                          for info in source.infolist()})


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """A zip of these parts, dated and stamped as fixed_zip does."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if name == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>2024-03-14T10:00:00Z", content)
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 3, 14, 10, 0, 0)), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


FIXED_DATE = datetime.datetime(2024, 3, 14, 10, 0, 0)


def render_docx(rng: random.Random, group: str, charset: str) -> Rendered:
    import docx

    layout = rng.choice(("labelled", "labelled", "teams", "legacy"))
    speech = _dialogue(rng, group, charset)
    document = docx.Document()
    document.core_properties.created = FIXED_DATE
    document.core_properties.modified = FIXED_DATE
    paragraphs = []
    if layout != "legacy" and rng.random() < 0.2:
        paragraphs += _preamble(rng)
    clock = 0.0
    for s in speech:
        if layout == "labelled":
            if rng.random() < 0.5:  # line breaks inside one paragraph
                paragraphs.append(f"{s.speaker}: " + "\n".join(s.lines))
            else:
                paragraphs.append(f"{s.speaker}: {s.lines[0]}")
                paragraphs.extend(s.lines[1:])
        elif layout == "teams":
            paragraphs.append(f"{s.speaker}   {_clock(clock, 'm:ss')}")
            paragraphs.extend(s.lines)
        else:
            for piece in _split(rng, s):
                paragraphs += [f"{_clock(clock, 'teams')} --> {_clock(clock + 3, 'teams')}",
                               s.speaker, *piece, ""]
                clock += 4
        clock += rng.uniform(1, 60)
    for text in paragraphs:
        document.add_paragraph(text)
    if rng.random() < 0.1:
        document.add_table(rows=1, cols=2).cell(0, 0).text = "notes"
    data = io.BytesIO()
    document.save(data)
    return fixed_zip(data.getvalue()), _expected(speech)


def render_xlsx(rng: random.Random, group: str, charset: str) -> Rendered:
    from openpyxl import Workbook

    # Excel holds at most 32,767 characters in a cell.
    records, turns = _records(rng, group, charset, max_chars=30_000)
    columns = list(dict.fromkeys(k for r in records for k in r))
    workbook = Workbook()
    workbook.properties.created = FIXED_DATE
    workbook.properties.modified = FIXED_DATE
    sheet = workbook.active
    sheet.append(columns)
    for record in records:
        sheet.append([record.get(c) for c in columns])
        if rng.random() < 0.05:
            sheet.append([None] * len(columns))  # a blank row is skipped
    if rng.random() < 0.1:
        workbook.create_sheet("notes").append(["supervision notes"])
    data = io.BytesIO()
    workbook.save(data)
    return fixed_zip(data.getvalue()), turns


def render_parquet(rng: random.Random, group: str, charset: str) -> Rendered:
    import pandas as pd

    records, turns = _records(rng, group, charset)
    frame = pd.DataFrame(records)
    if "turn" in frame:
        frame["turn"] = frame["turn"].astype("Int64")
    if "session" in frame and rng.random() < 0.3:
        frame = frame.set_index("session")  # a named index is read as a field
    if rng.random() < 0.2:
        frame["speaker"] = frame["speaker"].astype("category")
    data = io.BytesIO()
    frame.to_parquet(data, engine="pyarrow", index=None if frame.index.name else False)
    return data.getvalue(), turns


RENDERERS: dict[str, Callable[[random.Random, str, str], Rendered]] = {
    "txt": render_txt,
    "csv": lambda r, g, c: render_table(r, g, c, ","),
    "tsv": lambda r, g, c: render_table(r, g, c, "\t"),
    "jsonl": render_jsonl,
    "json": render_json,
    "vtt": lambda r, g, c: render_subtitles(r, g, c, srt=False),
    "srt": lambda r, g, c: render_subtitles(r, g, c, srt=True),
    "docx": render_docx,
    "otter": render_otter,
    "rev": render_rev,
    "descript": render_descript,
    "whisper": render_whisper,
    "eaf": render_eaf,
    "chat": render_chat,
    "parquet": render_parquet,
    "xlsx": render_xlsx,
}

# -- encodings of text formats ---------------------------------------------------------------

# (name, charset the words must fit, codec, expectation). A BOM says what it is; UTF-16
# without one is a guess the readers may refuse; cp1252 and latin-1 have no BOM at all.
ENCODINGS = (
    ("utf-8", "any", "utf-8", VALID),
    ("utf-8-sig", "any", "utf-8-sig", VALID),
    ("utf-16", "any", "utf-16", VALID),
    ("utf-16-be-bom", "any", "utf-16-be", VALID),
    ("utf-32", "any", "utf-32", VALID),
    ("cp1252", "cp1252", "cp1252", VALID),
    ("latin-1", "latin1", "latin-1", VALID),
    ("utf-16-le-nobom", "ascii", "utf-16-le", MAYBE),
    ("utf-16-be-nobom", "ascii", "utf-16-be", MAYBE),
)
XML_ENCODING = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16",
                "utf-16-be-bom": "UTF-16", "utf-32": "UTF-32", "cp1252": "windows-1252",
                "latin-1": "ISO-8859-1", "utf-16-le-nobom": "UTF-16",
                "utf-16-be-nobom": "UTF-16"}


def _encode(text: str, name: str, codec: str) -> bytes:
    data = text.encode(codec)
    if name == "utf-16-be-bom":
        data = codecs.BOM_UTF16_BE + data
    return data


def valid_file(rng: random.Random, fmt: str,
               group: str) -> tuple[str, str, bytes, tuple[Turn, ...]]:
    """(how, expect, bytes, turns) of a valid file, in a random layout and encoding."""
    if fmt in BINARY:
        content, turns = RENDERERS[fmt](rng, group, "any")
        return "valid", VALID, bytes(content), turns
    # CHAT's words are its own (not of a charset): only the Unicode encodings for it.
    choices = [e for e in ENCODINGS if fmt != "chat" or e[1] == "any"]
    name, charset, codec, expect = ENCODINGS[0] if rng.random() < 0.6 else rng.choice(choices)
    content, turns = RENDERERS[fmt](rng, group, charset)
    text = str(content)
    if fmt == "eaf":
        text = text.replace('encoding="UTF-8"', f'encoding="{XML_ENCODING[name]}"', 1)
        if name == "utf-32":
            expect = MAYBE  # XML parsers need not read UTF-32 (expat, under pympi, does not)
    how = ["valid"]
    ending = rng.choice(("\n", "\n", "\n", "\r\n", "\r"))
    if ending != "\n":
        how.append("crlf" if ending == "\r\n" else "cr")
        text = text.replace("\n", ending)
    if rng.random() < 0.5:
        text += ending  # with or without a final newline
    if name != "utf-8":
        how.append(name)
    try:
        data = _encode(text, name, codec)
    except UnicodeEncodeError:  # a character outside the charset slipped in: stay in UTF-8
        data, expect, how = text.encode("utf-8"), VALID, [*how[:-1], "utf-8 fallback"]
    return " ".join(how), expect, data, turns
