"""CHAT transcripts (.cha, TalkBank/CHILDES/AphasiaBank): a small reader of our own.

    @Participants:	PAR Participant, INV Investigator
    *INV:	how was the week ? •15123_17456•
    %mor:	...
    *PAR:	&-um I [/] I don't know , it was xxx +...

Main tiers (`*PAR:`) are the speech; `%` dependent tiers are annotations and
are skipped; a line starting with a tab continues the tier above. CHAT codes
are cleaned to the words as spoken: retracing marks, replacements, comments
and events (`[/]`, `[: x]`, `[% x]`, `&=laughs`) go, fillers and fragments
(`&-um`, `&+fr`) stay as words, unintelligible `xxx` goes, terminators such as
`+...` become punctuation. Media bullets (`\\x15123_456\\x15`, ms) give start and
end. Consecutive utterances of one speaker form a turn. Roles come from
`@Participants` (Investigator, Therapist ... -> clinician; Participant,
Patient, Target_Child ... -> client) unless --clinician/--client are given.
Our own parser rather than pylangacq: we need the source line of every
utterance and the words, not CHAT's morphology.
"""

from __future__ import annotations

import re
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers.decoding import read_text
from mbt_nlp.readers.options import ReadOptions
from mbt_nlp.transcript import (
    CLIENT,
    CLINICIAN,
    RoleMap,
    Transcript,
    Turn,
    assign_role,
    check_turn_length,
    normalise_speaker,
)

CHAT_CLINICIAN_ROLES = frozenset(
    {"investigator", "interviewer", "therapist", "clinician", "examiner", "experimenter",
     "doctor", "nurse", "psychologist", "counselor", "counsellor", "speech_therapist"}
)
CHAT_CLIENT_ROLES = frozenset(
    {"participant", "patient", "client", "subject", "informant", "target_child",
     "target_adult", "child"}
)

_MAIN = re.compile(r"^\*(?P<code>[^:\s]{1,20}):\s*(?P<text>.*)$")
_HEADER = re.compile(r"^@(?P<key>[^:\t]+)(?::\s*(?P<value>.*))?$")
_BULLET = re.compile(r"\x15(?P<start>\d+)_(?P<end>\d+)\x15")
_CODE = re.compile(r"\[[^\]]*\]")  # [/], [//], [: word], [% note], [=! laughs], [*], [<] ...
_PAUSE = re.compile(r"^\(\d*(?::\d+)?\.*\d*\)$")  # (.), (..), (...), (1.5), (2:3.5)
_WORD_SUFFIX = re.compile(r"@[\w:$-]*")  # shop@s:eng, gonna@f, dada@b
_NOT_WORD = re.compile(r"[^\w'’\- ]")  # CA intonation arrows, overlap brackets, ° ...
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;:.?!])")
# Punctuation written onto a word, as hand-made or exported CHAT often has ("met?",
# "rough,"). A trailing colon is CHAT's lengthening ("no:"), not punctuation.
_ATTACHED_PUNCT = re.compile(r"(?<=[\w')\]])[,;.?!]+$")


def _terminator(token: str) -> str:
    """A CHAT terminator or linker ("+...", "+/.", "+/?", "+<") as plain punctuation."""
    if "?" in token:
        return "?"
    if "!" in token:
        return "!"
    if "..." in token or "/" in token:
        return "..."
    if "." in token:
        return "."
    return ""  # a linker such as +< or ++ marks how the utterance joins the one above


def clean_chat(text: str) -> str:
    """The words of a CHAT main tier, with codes removed and terminators as punctuation."""
    text = _CODE.sub(" ", text).replace("<", " ").replace(">", " ")
    words = []
    for token in text.split():
        attached = ""
        if not token.startswith("+") and (found := _ATTACHED_PUNCT.search(token)):
            token, attached = token[:found.start()], found.group()
        words += [_chat_word(token), attached]
    cleaned = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(w for w in words if w))
    return cleaned.strip() if re.search(r"\w", cleaned) else ""


def _chat_word(token: str) -> str:
    """One CHAT token as plain text: a word, punctuation, or "" for what is no word."""
    if token in {".", "?", "!", ",", ";", ":"}:
        return token
    if token in {"„", "‡"}:  # CHAT's tag-question and vocative markers
        return ","
    if token.startswith("+"):
        return _terminator(token)
    if token.casefold() in {"xxx", "yyy", "www", "xx", "yy"} or _PAUSE.match(token):
        return ""  # unintelligible or untranscribed speech, a pause: no words
    if token.startswith(("&=", "&{", "&}", "&*")) or token[0] == "0":
        return ""  # an event ("&=laughs"), another speaker's aside, an omitted word
    word = token.removeprefix("&-").removeprefix("&+").removeprefix("&~").lstrip("&")
    word = _WORD_SUFFIX.sub("", word).replace("(", "").replace(")", "")
    return _NOT_WORD.sub("", word.replace("_", " ").replace("+", " ").replace(":", "")).strip()


def _participants(value: str) -> dict[str, tuple[str, str]]:
    """`PAR Ann Participant, INV Investigator` -> {code: (name, role)}."""
    found = {}
    for entry in value.split(","):
        parts = entry.split()
        if len(parts) >= 2:
            found[parts[0]] = (" ".join(parts[1:-1]), parts[-1])
    return found


def _role(options: ReadOptions, code: str, name: str, chat_role: str, source: str,
          line: int) -> str:
    if options.roles == RoleMap():  # no --clinician/--client: CHAT says who is who
        if chat_role.casefold() in CHAT_CLINICIAN_ROLES:
            return CLINICIAN
        if chat_role.casefold() in CHAT_CLIENT_ROLES:
            return CLIENT
        return assign_role(options.roles, code, source, line)
    roles = [options.roles.role(label) for label in (code, name, chat_role) if label]
    if CLINICIAN in roles:
        return CLINICIAN
    if CLIENT in roles:
        return CLIENT
    return assign_role(options.roles, code, source, line)  # unknown: raises, naming the code


def _tiers(text: str, source: str) -> list[tuple[int, str]]:
    """(first line, whole tier) with continuation lines joined."""
    tiers: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if line[0] in "\t ":
            if not tiers:
                raise InputError("continuation line before any tier", source, number)
            tiers[-1] = (tiers[-1][0], f"{tiers[-1][1]} {line.strip()}")
        elif line[0] in "@*%":
            tiers.append((number, line.rstrip()))
        else:
            raise InputError("not a CHAT line (expected '@Header:', '*SPK:', '%tier:' or a "
                             "tab-indented continuation)", source, number)
    return tiers


def read_chat(path: str | Path, options: ReadOptions) -> Transcript:
    source = str(path)
    tiers = _tiers(read_text(path).lstrip("\ufeff"), source)
    participants: dict[str, tuple[str, str]] | None = None
    headers: list[list[str]] = []
    utterances = []  # (line, code, words, start, end)
    empty = 0
    for number, tier in tiers:
        if tier.startswith("@"):
            header = _HEADER.match(tier)
            key, value = (header["key"].strip(), (header["value"] or "").strip()) if header \
                else (tier[1:], "")
            headers.append([key, value])
            if key.casefold() == "participants":
                participants = {**(participants or {}), **_participants(value)}
            continue
        if tier.startswith("%"):
            continue  # %mor, %gra, %com ...: annotations of the tier above, not speech
        main = _MAIN.match(tier)
        if not main:
            raise InputError("malformed main tier (expected '*CODE:' and a tab)", source, number)
        code = main["code"]
        if participants is not None and code not in participants:
            raise InputError(f"speaker *{code} is not in @Participants", source, number)
        bullets = list(_BULLET.finditer(main["text"]))
        words = clean_chat(_BULLET.sub(" ", main["text"]))
        if not words:
            empty += 1
            continue
        start = int(bullets[0]["start"]) / 1000 if bullets else None
        end = int(bullets[-1]["end"]) / 1000 if bullets else None
        utterances.append((number, code, words, start, end))
    if not utterances and not empty:
        raise InputError("no CHAT main tiers ('*PAR:\t...') found", source)

    session = Path(path).stem
    turns: list[Turn] = []
    for number, code, words, start, end in utterances:
        if turns and normalise_speaker(turns[-1].speaker) == normalise_speaker(code):
            turns[-1].text = f"{turns[-1].text} {words}"
            turns[-1].end = end if end is not None else turns[-1].end
            continue
        name, chat_role = (participants or {}).get(code, ("", ""))
        role = _role(options, code, name, chat_role, source, number)
        turns.append(Turn(session=session, index=len(turns), speaker=code, role=role,
                          text=words, source=source, line=number, start=start, end=end,
                          meta={"chat_role": chat_role} if chat_role else {}))
    for turn in turns:
        check_turn_length(turn.text, options.max_turn_chars, source, turn.line)
    meta: dict[str, object] = {"headers": headers}
    for key, value in headers:
        if key.casefold() == "date" and value:
            meta.setdefault("date", value)
    notices = []
    if empty:
        notices.append(f"{empty} utterance(s) with no intelligible words (xxx, events only) "
                       "were not read as turns")
    return Transcript(source, turns, meta=meta, notices=notices)
