"""The contrast part: modes and their look-alikes, one client turn per imagined client.

    python annotations/build_contrast.py import TURNS.tsv   # a writer's set -> contrast/
    python annotations/build_contrast.py blind  TURNS.tsv OUT.txt
    python annotations/build_contrast.py build              # gold labels from raw/

A writer's set is a TSV (`id`, `label_a`, `context`, `text`): each row one client
turn answering one clinician line, a different person every row. `import` writes
contrast/<writer>.jsonl, one two-turn session per row (the clinician line, then the
client turn), and queues the writer's labels in raw/_incoming/; `blind` writes the
items without labels for a second labeller; `build` sets each client turn's gold
label from raw/labeller_a.tsv and raw/labeller_b.tsv, or raw/adjudication.tsv where
they disagree, as build_spoken.py does for the spoken part.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pandas as pd
from build_spoken import set_gold
from draft_tools import LABELS

HERE = Path(__file__).resolve().parent / "contrast"


def read_set(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False,
                        quoting=csv.QUOTE_NONE)
    if missing := {"id", "label_a", "context", "text"} - set(table.columns):
        raise SystemExit(f"{path}: missing columns {', '.join(sorted(missing))}")
    if table.id.duplicated().any():
        raise SystemExit(f"{path}: repeated ids {', '.join(table.id[table.id.duplicated()])}")
    if bad := set(table.label_a) - LABELS:
        raise SystemExit(f"{path}: unknown labels {', '.join(sorted(bad))}")
    return table


def import_(path: Path) -> None:
    table = read_set(path)
    writer = table.id.iloc[0].split("_")[0]
    records = []
    for row in table.itertuples():
        records.append({"session": row.id, "turn": 0, "speaker": "Th", "role": "clinician",
                        "text": row.context.strip(), "label": None, "secondary": None,
                        "writer": writer})
        records.append({"session": row.id, "turn": 1, "speaker": "Client", "role": "client",
                        "text": row.text.strip(), "label": row.label_a, "secondary": None,
                        "writer": writer})
    HERE.mkdir(exist_ok=True)
    (HERE / f"{writer}.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    incoming = HERE / "raw" / "_incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    (incoming / f"{writer}_labels.tsv").write_text(
        "".join(f"{row.id}:1\t{row.label_a}\t\n" for row in table.itertuples()),
        encoding="utf-8")
    print(f"{writer}: {len(table)} client turns")


def blind(path: Path, out: Path) -> None:
    lines = []
    for row in read_set(path).itertuples():
        lines += [f"[{row.id}] CLINICIAN: {row.context.strip()}",
                  f"[{row.id}] CLIENT: {row.text.strip()}", ""]
    out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["help"]
    if command == "import" and len(rest) == 1:
        import_(Path(rest[0]))
    elif command == "blind" and len(rest) == 2:
        blind(Path(rest[0]), Path(rest[1]))
    elif command == "build" and not rest:
        set_gold(HERE)
    else:
        raise SystemExit(__doc__)
