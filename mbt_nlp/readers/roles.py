"""Which speaker is the clinician, inferred from how each one talks.

Zoom/Teams captions (`<v Dana Smith>`), CSVs with first names and "SPEAKER 1/2"
exports carry no role. Read as they are, every speaker would be a client and
the report would flag the clinician. A clinician, whatever the school, asks
most of the questions, reflects ("it sounds like", "you feel"), says "you"
where the client says "I", takes shorter turns, gives the back-channels
("mm-hmm") and usually opens the session. Each cue gives every speaker a
share (of the session's questions, of its reflections, ...); the weighted
excess over an equal share is the speaker's score. The clinician is named
only when the best score leads the next by a clear margin; otherwise the
user is asked to say who it is. Every cue's count is kept, so the choice can
be shown and checked. Speaker labels only: no transcript text leaves here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mbt_nlp.errors import InputError
from mbt_nlp.transcript import (
    CLIENT,
    CLINICIAN,
    DEFAULT_CLIENT_LABELS,
    Transcript,
    Turn,
    normalise_speaker,
)

# Weight of each cue in the score: questions are the surest sign of who leads the
# conversation; turn length and who opens vary most between clinicians.
WEIGHTS = {
    "questions": 3.0,
    "reflections": 2.0,
    "you_vs_i": 2.0,
    "brevity": 1.0,
    "backchannels": 1.0,
    "first": 1.0,
}
# The leader's score minus the runner-up's, as a share of the largest possible gap
# (one speaker with every question, reflection, ...: 1.0). Below this, we ask.
MIN_MARGIN = 0.2

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_WH = r"what|how|why|when|where|who|which"
_AUX = r"do|does|did|is|was|are|were|can|could|would|will|have|has|had"
# Questions that captions often write without "?": "what happened then", "do you mean".
_QUESTION_OPENING = re.compile(
    rf"^(?:(?:and|so|but|okay|ok|well)[,\s]+)?(?:"
    rf"(?:{_WH})\s+(?:{_AUX}|happened|about|else|made|makes|kind|sort)\b"
    rf"|(?:{_AUX})\s+(?:you|it|that|this|they|he|she|we|there)\b"
    r"|tell me\s+(?:more|about|what|how)\b|say more\b)",
    re.IGNORECASE,
)
_REFLECTION = re.compile(
    r"\b(?:"
    r"(?:it|that) sounds like|sounds like you|so you(?:'re| are) saying|what i(?:'m| am) hearing"
    r"|what i hear|you(?:'re| are) feeling|you feel|you felt|you seem|it seems (?:like|as if) you"
    r"|i(?:'m| am)? wonder(?:ing)?|i notice|if i(?:'m| am)? understand(?:ing)?"
    r"|you (?:just )?(?:mentioned|said)|(?:it|that) must have been"
    r")\b",
    re.IGNORECASE,
)
_BACKCHANNEL = frozenset({
    "mm", "mmm", "mhm", "mm-hmm", "mmhmm", "mm hmm", "hmm", "uh-huh", "uh huh", "uhuh",
    "yeah", "yes", "yep", "right", "okay", "ok", "sure", "i see", "go on", "got it", "oh",
    "ah", "aha", "alright", "all right", "of course", "true", "exactly",
})  # fmt: skip
_PHRASE_SPLIT = re.compile(r"[,.!?;:…]+")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_YOU = frozenset({"you", "your", "yours", "yourself", "you're", "you've", "you'd", "you'll"})
_I = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll", "im", "ive"})


def count_questions(text: str) -> int:
    """Sentences that ask: ending in "?" or opening like a question."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    return sum(s.endswith("?") or bool(_QUESTION_OPENING.match(s)) for s in sentences)


def count_reflections(text: str) -> int:
    return len(_REFLECTION.findall(text.replace("’", "'")))


def is_backchannel(text: str) -> bool:
    """A turn of nothing but "mm-hmm", "yeah", "I see" ...: listening, not telling."""
    phrases = [p.strip() for p in _PHRASE_SPLIT.split(text.casefold()) if p.strip()]
    return bool(phrases) and all(p in _BACKCHANNEL for p in phrases)


@dataclass
class SpeakerCues:
    """What one speaker did in one session: the counts behind every cue."""

    speaker: str  # the label as first seen
    turns: int = 0
    words: int = 0
    questions: int = 0
    reflections: int = 0
    backchannels: int = 0
    you_words: int = 0
    i_words: int = 0
    first: bool = False

    def add(self, text: str) -> None:
        words = _WORD.findall(text.casefold().replace("’", "'"))
        self.turns += 1
        self.words += len(text.split())
        self.questions += count_questions(text)
        self.reflections += count_reflections(text)
        self.backchannels += is_backchannel(text)
        self.you_words += sum(w in _YOU for w in words)
        self.i_words += sum(w in _I for w in words)

    def values(self) -> dict[str, float]:
        """The raw value of each cue (its share is taken across the session's speakers)."""
        return {
            "questions": self.questions,
            "reflections": self.reflections,
            # Smoothed share of "you" among "you" and "I": 0.5 for a speaker using neither.
            "you_vs_i": (self.you_words + 1) / (self.you_words + self.i_words + 2),
            "brevity": self.turns / max(self.words, 1),  # 1 / words per turn
            "backchannels": self.backchannels,
            "first": float(self.first),
        }


@dataclass
class RoleInference:
    """The outcome for one session: every speaker's cues and score, and the choice."""

    session: str
    speakers: list[SpeakerCues]
    shares: dict[str, list[float]]  # cue -> share of each speaker, in `speakers` order
    scores: list[float]
    margin: float  # leader's score minus runner-up's, 0..1
    clinician: str | None  # the chosen label, or None when the cues do not decide

    def table(self) -> list[dict[str, object]]:
        """One row per speaker: counts, shares and score (for showing the reasoning)."""
        rows = []
        for i, cues in enumerate(self.speakers):
            row: dict[str, object] = dict(vars(cues))
            row.update({f"share_{cue}": round(shares[i], 3)
                        for cue, shares in self.shares.items()})
            row["score"] = round(self.scores[i], 3)
            rows.append(row)
        return rows

    def reasons(self) -> str:
        """The chosen speaker's strongest cues, e.g. "asks 14 of 16 questions, speaks first"."""
        if self.clinician is None:
            return ""
        i = next(i for i, c in enumerate(self.speakers) if c.speaker == self.clinician)
        cues = self.speakers[i]
        fair = 1 / len(self.speakers)
        total = {name: sum(getattr(c, name) for c in self.speakers)
                 for name in ("questions", "reflections", "backchannels")}
        words = {
            "questions": f"asks {cues.questions} of {total['questions']} questions",
            "reflections": f"makes {cues.reflections} of {total['reflections']} reflections",
            "you_vs_i": f"says 'you' {_times(cues.you_words)}, 'I' {_times(cues.i_words)}",
            "brevity": f"shorter turns ({cues.words / max(cues.turns, 1):.0f} words on average)",
            "backchannels": f"gives {cues.backchannels} of {total['backchannels']} "
                            "back-channels ('mm-hmm')",
            "first": "speaks first",
        }
        support = sorted(((WEIGHTS[cue] * (shares[i] - fair), cue)
                          for cue, shares in self.shares.items()
                          if cue != "first" and shares[i] > fair + 1e-9), reverse=True)
        chosen = [cue for _, cue in support[:3]]
        if cues.first:
            chosen.append("first")  # easy for the user to check, so always said
        return ", ".join(words[cue] for cue in chosen)


def _times(n: int) -> str:
    return {0: "never", 1: "once", 2: "twice"}.get(n, f"{n} times")


def speaker_cues(turns: Sequence[Turn]) -> list[SpeakerCues]:
    """Cues per speaker (labels compared as `normalise_speaker` does), in order of first turn."""
    found: dict[str, SpeakerCues] = {}
    for turn in turns:
        key = normalise_speaker(turn.speaker)
        if key not in found:
            found[key] = SpeakerCues(turn.speaker, first=not found)
        found[key].add(turn.text)
    return list(found.values())


def _shares(values: list[float]) -> list[float]:
    total = sum(values)
    if total <= 0:
        return [1 / len(values)] * len(values)
    return [v / total for v in values]


def infer_clinician(turns: Sequence[Turn], min_margin: float = MIN_MARGIN) -> RoleInference:
    """Score every speaker of ONE session's turns; name the clinician when the lead is clear.

    Clear: the best score leads the next by `min_margin`, and its speaker asks and
    reflects more than any other. A speaker labelled as a client ("C", "Client",
    "Patient", ...) is never chosen: when they lead, the cues contradict the labels,
    and the user must decide.
    """
    if not turns:
        raise ValueError("infer_clinician needs the turns of one session; got none")
    speakers = speaker_cues(turns)
    n = len(speakers)
    raw = [c.values() for c in speakers]
    shares = {cue: _shares([r[cue] for r in raw]) for cue in WEIGHTS}
    total_weight = sum(WEIGHTS.values())
    scores = [sum(WEIGHTS[cue] * (shares[cue][i] - 1 / n) for cue in WEIGHTS) / total_weight
              for i in range(n)]
    order = sorted(range(n), key=lambda i: scores[i], reverse=True)
    margin = scores[order[0]] - scores[order[1]] if n > 1 else 0.0
    leader = speakers[order[0]]
    asks = [c.questions + c.reflections for c in speakers]
    confident = (n > 1 and margin >= min_margin
                 # Brevity, "you" and opening alone also fit a terse client: the leader
                 # must also ask or reflect more than anyone else.
                 and asks[order[0]] > max(a for i, a in enumerate(asks) if i != order[0])
                 and normalise_speaker(leader.speaker) not in DEFAULT_CLIENT_LABELS)
    return RoleInference(turns[0].session, speakers, shares, scores, margin,
                         leader.speaker if confident else None)


def _quoted(labels: list[str], limit: int = 6) -> str:
    shown = ", ".join(repr(label) for label in labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def session_prefix(session: str) -> str:
    """How a notice about one session of a several-session file begins."""
    return f"session {session!r}: "


def session_notices(notices: Sequence[str], session: str) -> list[str]:
    """The notices for one session's page: its own and those about the whole file."""
    own = session_prefix(session)
    return [n for n in notices if n.startswith(own) or not n.startswith("session ")]


def infer_missing_clinicians(transcript: Transcript) -> None:
    """Give each session with no clinician the speaker who talks like one, or refuse.

    Called only when the user named no roles. A session is left as it is when a
    turn is a clinician by its label, when its roles came from a role field, or
    when it has one speaker. Otherwise the inferred clinician's turns change role
    and a notice says so; with no clear lead, an InputError asks for --clinician.
    """
    sessions = transcript.sessions()
    for session, turns in sessions.items():
        if any(t.role == CLINICIAN or t.meta.get("role") in (CLIENT, CLINICIAN) for t in turns):
            continue
        if len({normalise_speaker(t.speaker) for t in turns}) < 2:
            continue
        inference = infer_clinician(turns)
        prefix = session_prefix(session) if len(sessions) > 1 else ""
        if inference.clinician is None:
            names = _quoted([c.speaker for c in inference.speakers])
            raise InputError(
                f"{prefix}cannot tell which speaker is the clinician among {names}: no label "
                "such as 'T:' or 'Therapist:', and the way they talk does not single one out; "
                "pass --clinician NAME (or --client with every speaker if none is)",
                transcript.source,
            )
        chosen = normalise_speaker(inference.clinician)
        for turn in turns:
            if normalise_speaker(turn.speaker) == chosen:
                turn.role = CLINICIAN
        transcript.notices.append(
            f"{prefix}{inference.clinician!r} taken as the clinician ({inference.reasons()}); "
            "use --clinician to change"
        )
