"""How often a run flagged a mode, by turn length, and whether that looks like the model
is off its ground.

In ordinary sessions the modes are a few percent of client turns, and on every kind of
talk the bundled model was checked on it flags at most about 5% of ordinary turns at any
length (models/EVALUATION.md). On talk unlike anything it was trained on, false alarms
grow with turn length (models/MODEL_CARD.md). So a run that flags far more long turns
than that is worth a look before anyone reads its rates: `unusual` names those buckets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mbt_nlp.pipeline.resources import MODES

# Turn-length buckets (words) used for every false-alarm and recall figure: false alarms
# that grow with length are the failure real sessions expose.
BUCKETS = ("1-10", "11-30", "31-100", ">100")
# A bucket is unusual when more than this share of its client turns is flagged, counted
# only over enough turns for the share to mean something. Twice the worst rate the
# project accepts on ordinary talk (5%): below it a crisis session or a chance cluster is
# the likelier reason; far above it (a quarter of long turns, on a kind of talk held out
# of training) the model is the likelier one.
UNUSUAL_SHARE = 0.10
UNUSUAL_MIN_TURNS = 30


def length_bucket(words: int) -> str:
    if words <= 10:
        return "1-10"
    if words <= 30:
        return "11-30"
    return "31-100" if words <= 100 else ">100"


@dataclass
class FlagRates:
    """Client turns the classifier judged, and how many it flagged, per length bucket."""

    judged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    flagged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))

    def add(self, records: Iterable[Mapping[str, Any]]) -> FlagRates:
        """Count records that carry a decision (client turns of a pipeline with a
        classifier); others (clinician turns, rules-only runs) are not judged."""
        for record in records:
            if record.get("role") != "client" or "mode" not in record:
                continue
            bucket = length_bucket(len(str(record.get("text") or "").split()))
            self.judged[bucket] += 1
            self.flagged[bucket] += record["mode"] in MODES
        return self

    def merge(self, counts: Mapping[str, Mapping[str, int]] | None) -> FlagRates:
        """Add counts made elsewhere (`to_dict()` of a worker's FlagRates)."""
        judged, flagged = (counts or {}).get("judged", {}), (counts or {}).get("flagged", {})
        for bucket in BUCKETS:
            self.judged[bucket] += int(judged.get(bucket, 0))
            self.flagged[bucket] += int(flagged.get(bucket, 0))
        return self

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {"judged": dict(self.judged), "flagged": dict(self.flagged)}

    @property
    def total_judged(self) -> int:
        return sum(self.judged.values())

    def share(self, bucket: str) -> float:
        return self.flagged[bucket] / self.judged[bucket] if self.judged[bucket] else 0.0

    def unusual(self, limit: float = UNUSUAL_SHARE,
                min_turns: int = UNUSUAL_MIN_TURNS) -> list[str]:
        """Buckets with at least `min_turns` judged turns of which more than `limit` were
        flagged."""
        return [b for b in BUCKETS if self.judged[b] >= min_turns and self.share(b) > limit]

    def summary(self) -> str:
        """One line: flagged of judged overall, then per length bucket that has turns."""
        parts = [f"{b} words {self.share(b):.1%} ({self.flagged[b]}/{self.judged[b]})"
                 for b in BUCKETS if self.judged[b]]
        return (f"flagged {sum(self.flagged.values())} of {self.total_judged} client turns"
                + (f"; by length: {', '.join(parts)}" if parts else ""))

    def warning(self) -> str | None:
        """What to tell the user when some bucket is unusual, else None."""
        buckets = self.unusual()
        if not buckets:
            return None
        shares = ", ".join(f"{self.share(b):.0%} of {self.judged[b]} turns of {b} words"
                           for b in buckets)
        return (f"a mode was flagged on {shares}. In ordinary sessions the modes are a few "
                "percent of client turns; unless these sessions are unusual (a crisis, a "
                "sample chosen for modes), the talk may be unlike what the model was "
                "trained on. Read a sample with `mbt report` before trusting the rates "
                "(the model card's known failure modes).")
