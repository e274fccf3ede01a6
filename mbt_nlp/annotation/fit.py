"""Fit to the moment: what the clinician did right after a flagged client moment,
read against the codebook's table of which responses fit which mode.

For each client record with a mode, the next clinician record of the session is
`consistent`, `risky` or `neither`, with a one-line reading a supervisor can use
("a cognitive challenge of a psychic-equivalence belief"), and whether a long,
complex intervention followed a psychic-equivalence moment (it takes the client's
thinking over instead of rekindling it). Observations for supervision, never a
score of the clinician's competence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mbt_nlp.errors import ResourceError
from mbt_nlp.pipeline.resources import (
    INTERVENTIONS,
    MODES,
    check_keys,
    packaged_path,
    read_json,
)

FIT_FILE = "fit.json"


@dataclass(frozen=True)
class FitTable:
    consistent: Mapping[str, frozenset[str]]
    risky: Mapping[str, frozenset[str]]
    readings: Mapping[str, Mapping[str, str]]
    long_words: int

    @classmethod
    def from_dict(cls, data: Any, source: str | Path) -> FitTable:
        check_keys(data, {"modes", "long_words"}, set(), source, "fit table")
        if not isinstance(data["long_words"], int) or data["long_words"] < 1:
            raise ResourceError("'long_words' must be a whole number >= 1", source)
        check_keys(data["modes"], set(MODES), set(), source, "'modes'")
        consistent, risky, readings = {}, {}, {}
        for mode, entry in data["modes"].items():
            check_keys(entry, {"consistent", "risky", "readings"}, set(), source, mode)
            for key in ("consistent", "risky"):
                codes = entry[key]
                if not isinstance(codes, list) or set(codes) - set(INTERVENTIONS):
                    raise ResourceError(f"{mode}.{key} must list codes from "
                                        f"{list(INTERVENTIONS)}", source)
            if set(entry["consistent"]) & set(entry["risky"]):
                raise ResourceError(f"{mode}: a code cannot be both consistent and risky",
                                    source)
            named = set(entry["consistent"]) | set(entry["risky"])
            if set(entry["readings"]) != named:
                raise ResourceError(f"{mode}: give one reading for each listed code", source)
            consistent[mode] = frozenset(entry["consistent"])
            risky[mode] = frozenset(entry["risky"])
            readings[mode] = dict(entry["readings"])
        return cls(consistent, risky, readings, data["long_words"])

    @classmethod
    def load(cls, path: str | Path | None = None) -> FitTable:
        path = path or packaged_path(FIT_FILE)
        return cls.from_dict(read_json(path), path)


@lru_cache(maxsize=1)
def packaged_table() -> FitTable:
    return FitTable.load()


def judge(mode: str, intervention: str | None, response_words: int,
          table: FitTable | None = None) -> dict[str, Any]:
    """The fit of one response (its code and length) to one client mode."""
    table = table or packaged_table()
    long_after_pe = mode == "psychic_equivalence" and response_words >= table.long_words
    if intervention is None:
        fit, reading = "unknown", "no intervention code (the pipeline has no intervention " \
                                  "classifier)"
    elif intervention in table.consistent[mode]:
        fit, reading = "consistent", table.readings[mode][intervention]
    elif intervention in table.risky[mode]:
        fit, reading = "risky", table.readings[mode][intervention]
    else:
        fit, reading = "neither", f"{intervention.replace('_', ' ')} after a " \
                                  f"{mode.replace('_', '-')} moment: not named in the table"
    if long_after_pe:
        reading += f"; a long intervention ({response_words} words) after a " \
                   "psychic-equivalence moment"
    return {"fit": fit, "reading": reading, "long_after_psychic_equivalence": long_after_pe}


def moment_fits(records: Sequence[Mapping[str, Any]],
                table: FitTable | None = None) -> list[dict[str, Any]]:
    """For each flagged client record, the next clinician record of its session and the fit."""
    found = []
    for i, record in enumerate(records):
        mode = record.get("mode")
        if record.get("role") != "client" or mode not in MODES:
            continue
        response = next((r for r in records[i + 1:] if r.get("session") != record["session"]
                         or r.get("role") == "clinician"), None)
        if response is None or response.get("session") != record["session"]:
            continue
        words = len(str(response.get("text", "")).split())
        found.append({"session": record["session"], "client_turn": record["turn"],
                      "mode": mode, "response_turn": response["turn"],
                      "intervention": response.get("intervention"),
                      **judge(mode, response.get("intervention"), words, table)})
    return found
