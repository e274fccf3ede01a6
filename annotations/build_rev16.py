"""Build annotations/rev16/ from the rev16 transcripts and the two blind label files.

    python annotations/build_rev16.py [--rev16 ../shared/data/rev16/rev16.jsonl]

rev16 is real podcast speech transcribed verbatim (CC BY-SA 4.0, see
rev16/ATTRIBUTION.md). The two draws of sample_rev16.py (raw/sample.tsv, weighted
to long turns and marker words, and raw/sample_scored.tsv, the turns a model
ranked likeliest to be a mode plus as many ordinary ones) were labelled twice,
blind, and every disagreement adjudicated (raw/adjudication.tsv). Writes one
JSONL per episode with every turn, so each labelled turn keeps its context;
turns outside the sample carry `"coded": false` and no label. Each coded turn
carries its `design_weight`: how many turns of the source it stands for in a
false-alarm rate of the whole source (see `design_weights`). Also writes
raw/agreement.json.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from build_real import read_raw, read_tsv

from mbt_nlp.annotation.flag_rates import length_bucket

HERE = Path(__file__).resolve().parent / "rev16"


def design_weights(words: dict[str, int], first: set[str],
                   second: dict[str, str]) -> dict[str, float]:
    """How many turns of the source each sampled turn stands for (`words`: every turn
    of the source by key; `first`: the first draw; `second`: the second, key -> "model"
    or "random").

    Given the first draw, each length bucket of the source splits into three: the
    first draw's turns, the model's turns of the second draw (every turn it ranked at
    P >= 0.02 outside the first draw) and the rest, from which the second draw took its
    random turns. The first two are labelled whole (weight 1); a random turn stands for
    all the rest of its bucket over the random turns drawn from it."""
    bucket = {key: length_bucket(n) for key, n in words.items()}
    size = Counter(bucket.values())
    whole = Counter(bucket[k] for k in words if k in first or second.get(k) == "model")
    drawn = Counter(bucket[k] for k, how in second.items() if how == "random")
    return {key: (size[bucket[key]] - whole[bucket[key]]) / drawn[bucket[key]]
            if second.get(key) == "random" else 1.0
            for key in first | set(second)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared/data/rev16/rev16.jsonl"
    parser.add_argument("--rev16", type=Path, default=default)
    args = parser.parse_args()

    first, second, adjudicated, report = read_raw(HERE / "raw")
    first_draw = read_tsv(HERE / "raw" / "sample.tsv")
    second_draw = read_tsv(HERE / "raw" / "sample_scored.tsv")
    sample = first_draw | second_draw
    if set(sample) != set(first):
        raise SystemExit("the label files do not cover exactly the sampled turns")

    rows = [json.loads(line) for line in args.rev16.read_text(encoding="utf-8").splitlines()]
    weights = design_weights({f"{r['session']}:{r['turn']}": len(r["text"].split()) for r in rows},
                             set(first_draw),
                             {key: row["drawn"] for key, row in second_draw.items()})
    sessions: dict[str, list[dict]] = {}
    for row in rows:
        key = f"{row['session']}:{row['turn']}"
        record = {"session": row["session"], "turn": row["turn"], "speaker": row["speaker"],
                  "role": "client", "text": row["text"], "label": None, "secondary": None,
                  "coded": key in sample,
                  # One "writer" per show: leave-one-writer-out holds out a whole show.
                  "writer": f"rev16:{row['show']}"}
        if key in adjudicated:
            record["label"] = adjudicated[key]["label"]
            record["secondary"] = adjudicated[key]["secondary"] or None
        elif key in sample:
            if first[key]["label"] != second[key]["label"]:
                raise SystemExit(f"{key}: disagreement without adjudication")
            record["label"] = first[key]["label"]
            record["secondary"] = first[key]["secondary"] or second[key]["secondary"] or None
        if record["secondary"] == record["label"]:
            record["secondary"] = None
        if key in sample:
            record["design_weight"] = round(weights[key], 4)
        sessions.setdefault(row["session"], []).append(record)
    for session, records in sessions.items():
        (HERE / f"{session}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    coded = sum(r["coded"] for rs in sessions.values() for r in rs)
    print(f"{coded} coded turns in {len(sessions)} episodes; kappa {report['kappa']}")


if __name__ == "__main__":
    main()
