"""Turn writers' session drafts into the spoken part's files.

    python annotations/draft_tools.py check  annotations/spoken/drafts/w11
    python annotations/draft_tools.py blind  annotations/spoken/drafts/w11 OUT.txt
    python annotations/draft_tools.py import annotations/spoken/drafts/w11

A draft is one text file per session, one turn per line:

    # session: w11_s01
    # presentation: panic attacks at work
    # client_style: nurse in her 40s, fast, self-critical
    T: So where would you like to start?
    C [none]: Um, yeah, so, the- the week was...
    C [psychic_equivalence/mentalizing]: I'm just useless, I- I dunno, maybe.

`T` is the clinician, `C` the client; a clinician turn may carry the writer's
intended intervention code (`T [argue]: ...`); a client turn carries the writer's
label (primary, then an optional secondary after a slash). `check` prints
length and label figures, `blind` writes the client turns with their ids and
without labels for a second labeller, `import` writes the session JSONL files
and the writer's labels (spoken/raw/_incoming/<writer>_labels.tsv) and
manifest lines (spoken/raw/_incoming/<writer>_manifest.jsonl).
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

LABELS = {"psychic_equivalence", "teleological", "pretend", "mentalizing", "none"}
# Clinician codes (codebook, "Clinician turns"); a writer may mark the intended one.
INTERVENTIONS = {"validation", "exploration", "challenge", "affect_focus", "relationship",
                 "argue", "content_focus", "join_pretend", "doing", "other"}
SPOKEN = Path(__file__).resolve().parent / "spoken"
TURN = re.compile(r"^(T|C)(?: \[([a-z_]+)(?:/([a-z_]+))?\])?: (.+)$")
HEADER = re.compile(r"^# (session|presentation|client_style|clinician_style): (.+)$")


def parse(path: Path) -> tuple[dict, list[dict]]:
    meta: dict[str, str] = {}
    turns: list[dict] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        if m := HEADER.match(line):
            meta[m[1]] = m[2].strip()
            continue
        m = TURN.match(line)
        if not m:
            raise SystemExit(f"{path}:{number}: not a turn line: {line[:60]!r}")
        who, label, secondary, text = m.groups()
        if who == "C":
            if label not in LABELS or (secondary and secondary not in LABELS - {"none"}):
                raise SystemExit(f"{path}:{number}: client turn needs a valid [label]")
            if secondary == label:
                secondary = None
        elif label and (label not in INTERVENTIONS or secondary):
            raise SystemExit(f"{path}:{number}: a clinician turn's [label] must be one "
                             "intervention code")
        turns.append({"who": who, "label": label, "secondary": secondary, "text": text.strip()})
    if "session" not in meta:
        raise SystemExit(f"{path}: missing '# session:' header")
    return meta, turns


def drafts(folder: Path) -> list[tuple[dict, list[dict]]]:
    return [parse(p) for p in sorted(folder.glob("*.txt"))]


def check(folder: Path) -> None:
    words, labels, codes = [], Counter(), Counter()
    for _meta, turns in drafts(folder):
        for t in turns:
            if t["who"] == "T":
                codes[t["label"] or "(unmarked)"] += 1
            if t["who"] == "C":
                words.append(len(t["text"].split()))
                labels[t["label"]] += 1
    n = len(words)
    if not n:
        raise SystemExit(f"{folder}: no client turns")
    print(f"sessions {len(list(folder.glob('*.txt')))}, client turns {n}, "
          f"median words {statistics.median(words)}, "
          f">100 words {sum(w > 100 for w in words) / n:.1%}, "
          f">200 words {sum(w > 200 for w in words) / n:.1%}")
    print("labels: " + ", ".join(f"{k} {v} ({v / n:.1%})" for k, v in labels.most_common()))
    if codes:
        print("clinician codes: " + ", ".join(f"{k} {v}" for k, v in codes.most_common()))


def blind(folder: Path, out: Path) -> None:
    lines = []
    for meta, turns in drafts(folder):
        lines.append(f"=== session {meta['session']}")
        for i, t in enumerate(turns):
            prefix = f"[{meta['session']}:{i}] C" if t["who"] == "C" else "T"
            lines.append(f"{prefix}: {t['text']}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def import_(folder: Path) -> None:
    incoming = SPOKEN / "raw" / "_incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    writer = folder.name
    labels = ["id\tlabel\tsecondary"]
    manifest = []
    for meta, turns in drafts(folder):
        session = meta["session"]
        records = []
        for i, t in enumerate(turns):
            client = t["who"] == "C"
            records.append({
                "session": session, "turn": i, "speaker": "Client" if client else "Th",
                "role": "client" if client else "clinician", "text": t["text"],
                "label": t["label"], "secondary": t["secondary"], "writer": writer,
            })
            if client:
                labels.append(f"{session}:{i}\t{t['label']}\t{t['secondary'] or ''}")
        (SPOKEN / f"{session}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        manifest.append(json.dumps({"session": session, "format": "individual",
                                    "presentation": meta.get("presentation", ""),
                                    "client_style": meta.get("client_style", "")},
                                   ensure_ascii=False))
    (incoming / f"{writer}_labels.tsv").write_text("\n".join(labels) + "\n", encoding="utf-8")
    (incoming / f"{writer}_manifest.jsonl").write_text("\n".join(manifest) + "\n",
                                                       encoding="utf-8")
    print(f"{writer}: {len(manifest)} sessions, {len(labels) - 1} client turns")


if __name__ == "__main__":
    command, folder, *rest = sys.argv[1:]
    if command == "check":
        check(Path(folder))
    elif command == "blind":
        blind(Path(folder), Path(rest[0]))
    elif command == "import":
        import_(Path(folder))
    else:
        raise SystemExit(__doc__)
