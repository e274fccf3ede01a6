"""Build annotations/real/ from the MIBot transcripts and the two blind label files.

    python annotations/build_real.py [--mibot ../shared/data/mibot/transcripts]

Each client utterance carries the label both labellers agreed on, or the
adjudicated label where they disagreed (raw/adjudication.tsv). Writes one
JSONL per conversation (the schema `mbt tag` reads, plus label/secondary) and
raw/agreement.json. The MIBot text is CC BY-SA 4.0: see LICENSE, ATTRIBUTION.md.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from mbt_nlp.research.agreement import agreement

HERE = Path(__file__).resolve().parent / "real"


def read_tsv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {row["id"]: row for row in rows}


Labels = dict[str, dict[str, str]]


def read_raw(raw: Path) -> tuple[Labels, Labels, Labels, dict]:
    """Both blind label files and the adjudication record of `raw`; writes its
    agreement.json and returns (first, second, adjudicated, agreement report)."""
    first = read_tsv(raw / "labeller_a.tsv")
    second = read_tsv(raw / "labeller_b.tsv")
    adjudicated = read_tsv(raw / "adjudication.tsv")
    if first.keys() != second.keys():
        raise SystemExit(f"{raw}: the two label files cover different turns")
    ids = list(first)
    report = agreement([first[i]["label"] for i in ids], [second[i]["label"] for i in ids])
    report["adjudicated"] = len(adjudicated)
    (raw / "agreement.json").write_text(json.dumps(report, indent=1) + "\n")
    return first, second, adjudicated, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared/data/mibot/transcripts"
    parser.add_argument("--mibot", type=Path, default=default)
    args = parser.parse_args()

    first, second, adjudicated, report = read_raw(HERE / "raw")
    ids = list(first)

    n_client = 0
    for path in sorted(args.mibot.glob("*.json")):
        utterances = json.loads(path.read_text(encoding="utf-8"))["utterances"]
        lines = []
        for i, u in enumerate(utterances):
            key = f"{path.stem[:12]}:{i}"
            label = secondary = None
            if u["speaker"] == "client":
                n_client += 1
                if key in adjudicated:
                    label, secondary = adjudicated[key]["label"], adjudicated[key]["secondary"]
                else:
                    if first[key]["label"] != second[key]["label"]:
                        raise SystemExit(f"{key}: disagreement without adjudication")
                    label = first[key]["label"]
                    secondary = first[key]["secondary"] or second[key]["secondary"]
            lines.append({
                "session": path.stem[:12], "turn": i, "speaker": u["speaker"],
                "role": "client" if u["speaker"] == "client" else "clinician",
                "text": u["text"], "label": label, "secondary": secondary or None,
                "writer": "mibot",
            })
        out = HERE / f"{path.stem[:12]}.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines),
                       encoding="utf-8")
    if n_client != len(ids):
        raise SystemExit(f"{n_client} client utterances but {len(ids)} labels")
    print(f"{n_client} labelled client utterances; kappa {report['kappa']}")


if __name__ == "__main__":
    main()
