"""Draw the clinician turns to label with the intervention codes (GUIDELINE.md section 8).

    python annotations/sample_clinician.py
    python annotations/sample_clinician.py rest   # every turn not yet sampled
    python annotations/sample_clinician.py hosts  # rev16 interview hosts (HOSTS)

Writes annotations/clinician/raw/sample.tsv (id, part, after: the label of the
client turn before it) and raw/items.jsonl, the blind items the labellers see:
the two turns before, the clinician turn, the turn after, with roles and no
labels. Deterministic (seed 0). Strata: every spoken clinician turn after a
client mode turn; written ones after a mode turn up to WRITTEN_AFTER_MODE;
turns after mentalizing and none at random (AFTER_OTHER per part). Sessions
written for the intervention codes (writer names in FULL_WRITERS) are taken
whole.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "clinician" / "raw"
MODES = {"psychic_equivalence", "teleological", "pretend"}
WRITTEN_AFTER_MODE = 900
AFTER_OTHER = {"written": 350, "spoken": 450}
FULL_WRITERS: set[str] = set()
REST_ROUND = "r4"
# The rev16 episodes where a host interviews a guest about their own life (eating-
# disorder and alcohol recovery), and the host's speaker label: the only podcast
# turns that answer a person's account of themselves, as a clinician's do.
HOSTS = {"rev16_23": "Speaker 1", "rev16_32": "Speaker 1"}


def sessions(part: str) -> list[list[dict]]:
    found = []
    for path in sorted((HERE / part).rglob("*.jsonl")):
        if "raw" in path.parts or path.name == "manifest.jsonl":
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        rows = [r for r in rows if r.get("role") in ("client", "clinician")]
        if rows:
            found.append(rows)
    return found


def item(rows: list[dict], i: int) -> dict:
    def view(j: int) -> dict | None:
        if 0 <= j < len(rows):
            return {"role": rows[j]["role"], "text": rows[j]["text"]}
        return None

    return {"id": f"{rows[i]['session']}:{rows[i]['turn']}",
            "before": [v for v in (view(i - 2), view(i - 1)) if v],
            "clinician": rows[i]["text"], "after": view(i + 1)}


def main() -> None:
    rng = random.Random(0)
    chosen: list[tuple[str, str, dict]] = []
    for part in ("spoken", "written"):
        after_mode, after_other, whole = [], [], []
        for rows in sessions(part):
            for i, row in enumerate(rows):
                if row["role"] != "clinician":
                    continue
                prev = rows[i - 1] if i else None
                after = prev["label"] if prev and prev["role"] == "client" else "start"
                entry = (part, str(after), item(rows, i))
                if row.get("writer") in FULL_WRITERS:
                    whole.append(entry)
                elif after in MODES:
                    after_mode.append(entry)
                else:
                    after_other.append(entry)
        rng.shuffle(after_mode)
        rng.shuffle(after_other)
        if part == "written":
            after_mode = after_mode[:WRITTEN_AFTER_MODE]
        chosen += whole + after_mode + after_other[: AFTER_OTHER[part]]
    chosen.sort(key=lambda e: e[2]["id"])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sample.tsv").write_text(
        "id\tpart\tafter\n" + "".join(f"{e[2]['id']}\t{e[0]}\t{e[1]}\n" for e in chosen),
        encoding="utf-8")
    (OUT / "items.jsonl").write_text(
        "".join(json.dumps(e[2], ensure_ascii=False) + "\n" for e in chosen), encoding="utf-8")
    print(f"{len(chosen)} clinician turns sampled")


def rest() -> None:
    """Every clinician turn of the written and spoken parts outside the sample, as one
    set of blind items per writer (raw/items_r4_<writer>.jsonl), so that the whole of
    both parts is coded; each set is labelled and adjudicated like the sample."""
    sampled = {line.split("\t")[0] for line in
               (OUT / "sample.tsv").read_text(encoding="utf-8").splitlines()[1:]}
    by_writer: dict[str, list[dict]] = {}
    for part in ("written", "spoken"):
        for rows in sessions(part):
            for i, row in enumerate(rows):
                entry = item(rows, i)
                if row["role"] == "clinician" and entry["id"] not in sampled:
                    by_writer.setdefault(row["writer"], []).append(entry)
    for writer, entries in sorted(by_writer.items()):
        (OUT / f"items_{REST_ROUND}_{writer}.jsonl").write_text(
            "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries),
            encoding="utf-8")
        print(f"{writer}: {len(entries)} clinician turns")


def host_rows(session: str) -> list[dict]:
    """A rev16 episode with the host as clinician and everyone else as client."""
    path = HERE / "rev16" / f"{session}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [dict(r, role="clinician" if r["speaker"] == HOSTS[session] else "client")
            for r in rows]


def hosts() -> None:
    """Every host turn of the HOSTS episodes that answers someone (not the opening),
    as blind items (raw/items_r4_rev16_hosts.jsonl)."""
    entries = []
    for session in HOSTS:
        rows = host_rows(session)
        entries += [item(rows, i) for i, row in enumerate(rows)
                    if i and row["role"] == "clinician"]
    (OUT / f"items_{REST_ROUND}_rev16_hosts.jsonl").write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    print(f"rev16 hosts: {len(entries)} turns")


if __name__ == "__main__":
    import sys

    {"rest": rest, "hosts": hosts}.get(sys.argv[1] if sys.argv[1:] else "", main)()
