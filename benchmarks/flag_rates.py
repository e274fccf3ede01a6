"""How often the tagger flags a mode on real speech, by turn length.

    python benchmarks/flag_rates.py                      # rev16, every speaker a client
    python benchmarks/flag_rates.py sessions.csv --clinician therapist \\
        --session-field transcript_id --turn-field utterance_id \\
        --speaker-field interlocutor --text-field utterance_text

On a corpus where modes are rare (ordinary conversation, most counselling
talk) the share of client turns flagged is close to a false-alarm rate, so
this is the quickest honest check of a new kind of speech before anyone labels
it. rev16 (the default) is 8,829 turns of real podcast conversation
transcribed verbatim; its labelled sample (annotations/rev16/) shows the modes
are rare there. Target: at most 5% in every length bucket.

Only counts and probabilities are printed; `--show N` adds the N likeliest
flagged turns' ids (never their text), to look up in the source.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import mbt_nlp
from mbt_nlp.annotation.flag_rates import BUCKETS, FlagRates, length_bucket
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.pipeline.resources import MODES
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.transcript import RoleMap

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/rev16/rev16.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path, default=[DEFAULT],
                        help="transcript files (default: rev16)")
    parser.add_argument("--model", default=None, help="a trained pipeline (default: bundled)")
    parser.add_argument("--clinician", default=None,
                        help="comma list of clinician speaker labels (default: none, every "
                             "speaker is a client, as for podcast hosts and guests)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="P(any mode) needed to flag (default: the model's; a turn with "
                        "a marker-floor marker needs only the floor)")
    parser.add_argument("--show", type=int, default=0, help="list the N likeliest flags' ids")
    for name, default in (("session", "session"), ("turn", "turn"), ("speaker", "speaker"),
                          ("text", "text")):
        parser.add_argument(f"--{name}-field", default=default)
    args = parser.parse_args()

    nlp = mbt_nlp.load(model=args.model)
    if args.threshold is not None:
        nlp.get_pipe("mbt_classifier").configure(None, args.threshold, None)
    # No clinician by default: podcast hosts and guests are all read as clients.
    roles = RoleMap.from_options(args.clinician) if args.clinician else RoleMap(frozenset())
    options = ReadOptions(session_field=args.session_field, turn_field=args.turn_field,
                          speaker_field=args.speaker_field, text_field=args.text_field,
                          roles=roles)
    turns = [turn for path in args.inputs for turn in read_transcript(path, options)]
    start = time.perf_counter()
    records = [r for r in annotate_turns(nlp, turns) if r["role"] == "client"]
    seconds = time.perf_counter() - start
    rates = FlagRates().add(records)
    by_mode = Counter(r["mode"] for r in records if r["mode"] in MODES)
    flags = [(r["proba"][r["mode"]], r, length_bucket(len(r["text"].split())))
             for r in records if r["mode"] in MODES]
    print(f"{len(records)} client turns tagged in {seconds:.1f} s")
    print(f"{'words':>8} {'turns':>6} {'flagged':>8} {'share':>7}")
    for bucket in BUCKETS:
        print(f"{bucket:>8} {rates.judged[bucket]:>6} {rates.flagged[bucket]:>8} "
              f"{rates.share(bucket):>7.1%}")
    n, f = rates.total_judged, sum(rates.flagged.values())
    print(f"{'all':>8} {n:>6} {f:>8} {f / max(n, 1):>7.1%}   by mode: {dict(by_mode)}")
    for proba, record, bucket in sorted(flags, key=lambda flag: -flag[0])[:args.show]:
        print(f"  {record['session']}:{record['turn']} {record['mode']} {proba:.2f} "
              f"({bucket} words)")


if __name__ == "__main__":
    main()
