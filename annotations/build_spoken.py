"""Set the gold labels of annotations/spoken/ from its two blind label files.

    python annotations/build_spoken.py

Each client turn gets the label both labellers gave, or the adjudicated label
where they disagreed (raw/adjudication.tsv). The session files are rewritten
in place (text untouched) and raw/agreement.json is recomputed.
"""

from __future__ import annotations

import json
from pathlib import Path

from build_real import read_raw

HERE = Path(__file__).resolve().parent / "spoken"


def main() -> None:
    set_gold(HERE)


def set_gold(part: Path) -> None:
    """Rewrite the labels of every session file of `part` from part/raw/."""
    first, second, adjudicated, report = read_raw(part / "raw")
    ids = list(first)

    seen = 0
    for path in sorted(part.glob("*.jsonl")):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for record in records:
            if record["role"] != "client":
                continue
            key = f"{record['session']}:{record['turn']}"
            seen += 1
            if key in adjudicated:
                record["label"] = adjudicated[key]["label"]
            elif first[key]["label"] == second[key]["label"]:
                record["label"] = first[key]["label"]
            else:
                raise SystemExit(f"{key}: disagreement without adjudication")
            if record["secondary"] == record["label"]:
                record["secondary"] = None
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                        encoding="utf-8")
    if seen != len(ids):
        raise SystemExit(f"{seen} client turns but {len(ids)} labels")
    print(f"{seen} labelled client turns; kappa {report['kappa']}")


if __name__ == "__main__":
    main()
