"""Build annotations/annomi/labels.tsv from the two blind label files and the adjudication.

    python annotations/annomi/build_labels.py

The sample (raw/sample.tsv, drawn by sample_annomi.py) was labelled twice,
blind, and every disagreement adjudicated (raw/adjudication.tsv). Writes
labels.tsv (id, label, secondary: ids only, no AnnoMI text) and
raw/agreement.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from build_real import read_raw, read_tsv  # noqa: E402


def main() -> None:
    first, second, adjudicated, report = read_raw(HERE / "raw")
    sample = read_tsv(HERE / "raw" / "sample.tsv")
    if set(sample) != set(first):
        raise SystemExit("the label files do not cover exactly the sampled turns")
    lines = ["id\tlabel\tsecondary"]
    for key in sample:
        if key in adjudicated:
            label, secondary = adjudicated[key]["label"], adjudicated[key]["secondary"]
        elif first[key]["label"] != second[key]["label"]:
            raise SystemExit(f"{key}: disagreement without adjudication")
        else:
            label = first[key]["label"]
            secondary = first[key]["secondary"] or second[key]["secondary"]
        lines.append(f"{key}\t{label}\t{secondary if secondary != label else ''}")
    (HERE / "labels.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(sample)} labelled turns; kappa {report['kappa']}; "
          f"{len(adjudicated)} adjudicated")


if __name__ == "__main__":
    main()
