"""The clinician-code part: sessions written for it, blind items, and the build.

    python annotations/build_clinician.py import [WRITER...]  # drafts -> sessions/*.jsonl
    python annotations/build_clinician.py items SET w19 w20   # blind items, one set
    python annotations/build_clinician.py build    # adjudicated codes -> `intervention`

Sessions written for the intervention codes (drafts in clinician/drafts/<writer>/,
see draft_tools.py) carry the writer's client labels (single-labelled, so they are
not part of the mode corpus) and the writer's intended clinician codes, kept apart
in raw/<writer>_intended.tsv so that labellers never see them. Every sampled
clinician turn (raw/sample.tsv, raw/items*.jsonl) is labelled twice, blind, and
each disagreement adjudicated (raw/adjudication*.tsv); `build` writes the codes as
`intervention` into the session files of written/, spoken/ and clinician/sessions/
and the agreement figures to raw/agreement.json. The rev16 interview hosts' codes
(sample_clinician.py HOSTS) go to clinician/hosts/<episode>.jsonl, the episode with the
host as clinician: real speech, kept out of training as a check of the classifier.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

from draft_tools import drafts
from sample_clinician import HOSTS, host_rows

HERE = Path(__file__).resolve().parent
PART = HERE / "clinician"
RAW = PART / "raw"
SESSIONS = PART / "sessions"
HOST_FILES = PART / "hosts"
CODES = ("validation", "exploration", "challenge", "affect_focus", "relationship",
         "argue", "content_focus", "join_pretend", "doing", "other")


def import_drafts(writers: list[str]) -> None:
    """Drafts of the given writers (all when none is named) -> session files."""
    SESSIONS.mkdir(parents=True, exist_ok=True)
    for folder in sorted((PART / "drafts").iterdir()):
        if not folder.is_dir() or (writers and folder.name not in writers):
            continue
        intended = ["id\tintended"]
        for meta, turns in drafts(folder):
            session = meta["session"]
            records = []
            for i, t in enumerate(turns):
                client = t["who"] == "C"
                records.append({
                    "session": session, "turn": i, "speaker": "C" if client else "T",
                    "role": "client" if client else "clinician", "text": t["text"],
                    "label": t["label"] if client else None,
                    "secondary": t["secondary"] if client else None, "writer": folder.name,
                })
                if not client:
                    intended.append(f"{session}:{i}\t{t['label'] or ''}")
            (SESSIONS / f"{session}.jsonl").write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                encoding="utf-8")
        (RAW / f"{folder.name}_intended.tsv").write_text("\n".join(intended) + "\n",
                                                         encoding="utf-8")
        print(f"{folder.name}: {len(intended) - 1} clinician turns")


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def items(suffix: str, writers: list[str]) -> None:
    """Blind items for the clinician turns of the given writers' sessions.

    Each labelling round is its own set (raw/items_<suffix>.jsonl, labeller and
    adjudication files with the same suffix), so earlier rounds stay as they were.
    """
    out = []
    paths = [p for w in writers for p in sorted(SESSIONS.glob(f"{w}_s*.jsonl"))]
    if not paths:
        raise SystemExit(f"no sessions for writers {writers} in {SESSIONS}")
    for path in paths:
        rows = _rows(path)
        for i, row in enumerate(rows):
            if row["role"] != "clinician":
                continue
            view = [{"role": r["role"], "text": r["text"]} for r in rows[max(0, i - 2):i]]
            after = rows[i + 1] if i + 1 < len(rows) else None
            out.append({"id": f"{row['session']}:{row['turn']}", "before": view,
                        "clinician": row["text"],
                        "after": {"role": after["role"], "text": after["text"]} if after
                        else None})
    (RAW / f"items_{suffix}.jsonl").write_text(
        "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out), encoding="utf-8")
    print(f"{len(out)} clinician turns in {len(paths)} sessions")


def read_tsv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f, delimiter="\t")}


def final_codes() -> tuple[dict[str, str], dict]:
    """Adjudicated codes for every labelled turn, and the agreement report."""
    from mbt_nlp.research.agreement import agreement

    codes: dict[str, str] = {}
    first_all, second_all = [], []
    # "" the sampled written/spoken turns, then one suffix per round of new sessions
    rounds = sorted(p.stem.removeprefix("labeller_a") for p in RAW.glob("labeller_a_*.tsv"))
    suffixes = ["", *rounds]
    for suffix in suffixes:
        a, b = RAW / f"labeller_a{suffix}.tsv", RAW / f"labeller_b{suffix}.tsv"
        if not (a.exists() and b.exists()):
            continue
        first, second = read_tsv(a), read_tsv(b)
        adjudicated = read_tsv(RAW / f"adjudication{suffix}.tsv")
        if set(first) != set(second):
            raise SystemExit(f"labeller files{suffix} cover different turns")
        for key in first:
            x, y = first[key]["label"], second[key]["label"]
            if x not in CODES or y not in CODES:
                raise SystemExit(f"{key}: unknown code")
            if x == y:
                codes[key] = x
            elif key in adjudicated and adjudicated[key]["label"] in CODES:
                codes[key] = adjudicated[key]["label"]
            else:
                raise SystemExit(f"{key}: disagreement without adjudication")
            first_all.append(x)
            second_all.append(y)
    return codes, agreement(first_all, second_all, labels=CODES)


def build() -> None:
    codes, report = final_codes()
    seen = set()
    for folder in (HERE / "written", HERE / "spoken", SESSIONS):
        for path in sorted(folder.rglob("*.jsonl")):
            if "raw" in path.parts or path.name == "manifest.jsonl":
                continue
            rows = _rows(path)
            for row in rows:
                key = f"{row['session']}:{row['turn']}"
                if row.get("role") == "clinician":
                    row["intervention"] = codes.get(key)
                    seen.add(key) if key in codes else None
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                            encoding="utf-8")
    HOST_FILES.mkdir(exist_ok=True)
    for session in HOSTS:
        rows = host_rows(session)
        for row in rows:
            key = f"{row['session']}:{row['turn']}"
            row["label"] = row["secondary"] = None  # the mode sample lives in rev16/
            row.pop("coded", None)
            row["intervention"] = codes.get(key) if row["role"] == "clinician" else None
            seen.add(key) if key in codes else None
        (HOST_FILES / f"{session}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    missing = set(codes) - seen
    if missing:
        raise SystemExit(f"{len(missing)} coded turns not found, e.g. {sorted(missing)[:3]}")
    counts = Counter(codes.values())
    report["codes"] = {c: counts[c] for c in CODES}
    (RAW / "agreement.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"{len(codes)} clinician turns coded; kappa {report['kappa']}; "
          + ", ".join(f"{c} {counts[c]} ({counts[c] / len(codes):.1%})" for c in CODES))


if __name__ == "__main__":
    if sys.argv[1] == "items":
        items(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "import":
        import_drafts(sys.argv[2:])
    else:
        build()
