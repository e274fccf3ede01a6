"""Learning curve of `mbt suggest`: suggested versus random picks, simulated on our corpus.

    python benchmarks/suggest_curve.py [--part annotations/spoken] [--seeds 3] [--rounds 5]
        [--picks 50] [--seed-sessions 6] [--per-session 3] [--weights 0.4,0.2,0.4]

Active learning as a researcher would do it, with the annotations as the oracle. A fixed
30% of the part's sessions is held out for testing. Each run starts from a few sessions
drawn from the rest, coded in full (the seed set), and trains the turn model on them
(learn/training.fit_model, as `mbt train` does). Then, each round, N more passages of the
rest get "coded" (their gold labels are revealed) and the model is trained again: the N
that research/suggest.py ranks first (uncertainty, model vs markers, rare modes, spread
over sessions and content) against N drawn at random. After every round, on the held-out
sessions' lines:

- macro-F1 over the five labels, the most likely label after moving the probabilities to
  the part's own label mix (as `mbt evaluate` scores the written part);
- false alarms (ordinary turns flagged) and recall of modes, as tagged: default prior and
  threshold (as `mbt evaluate` scores the realistic parts).

Figures are means over the runs (--seeds); the seed set of run s is drawn with seed s and
is the same for both strategies. The default run takes about 8 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import mbt_nlp
from mbt_nlp.learn.corpus import Corpus, load_corpus
from mbt_nlp.learn.metrics import align, classification_report
from mbt_nlp.learn.training import DEFAULT_C, class_prior, fit_model, length_weights
from mbt_nlp.pipeline.priors import DEFAULT_PRIOR, DEFAULT_THRESHOLD, adjust, decide
from mbt_nlp.pipeline.resources import FAMILIES, LABELS, MODES
from mbt_nlp.research.suggest import Weights, rank_candidates

ROOT = Path(__file__).resolve().parents[1]
SPLIT_SEED = 12345  # the held-out sessions are the same in every run
STRATEGIES = ("suggest", "random")


class Simulation:
    """The part's passages (the unit picked and trained on) and the held-out lines."""

    def __init__(self, corpus: Corpus, test_share: float) -> None:
        self.corpus = corpus
        self.y = np.asarray(corpus.units.labels)
        self.sessions = np.asarray(corpus.units.sessions)
        names = sorted(set(self.sessions))
        order = np.random.default_rng(SPLIT_SEED).permutation(len(names))
        held_out = {names[i] for i in order[:round(len(names) * test_share)]}
        in_test = np.isin(self.sessions, sorted(held_out))
        self.test = np.flatnonzero(in_test)
        self.pool = np.flatnonzero(~in_test)
        self.test_lines = np.flatnonzero(np.isin(corpus.unit_of_line, self.test))
        self.mix = class_prior(self.y[self.pool])
        # Marker counts by family, as the rules found them (features hold log1p counts).
        self.families = [dict(zip(FAMILIES, row, strict=True)) for row in
                         np.rint(np.expm1(corpus.X[[f"family_{f}" for f in FAMILIES]]
                                          .to_numpy()))]
        self.texts = [t.text for t in corpus.units.turns]

    def fit(self, coded: np.ndarray):
        words = self.corpus.unit_words[coded]
        model = fit_model(self.corpus.X.iloc[coded], self.y[coded], words, C=DEFAULT_C)
        return model, class_prior(self.y[coded], length_weights(self.y[coded], words))

    def proba(self, model, units: np.ndarray) -> np.ndarray:
        return align(model.predict_proba(self.corpus.X.iloc[units]), model.classes_)

    def score(self, model, train_prior) -> dict[str, float]:
        raw = np.zeros((len(self.y), len(LABELS)))
        raw[self.test] = self.proba(model, self.test)
        lines = self.corpus.per_line(raw)[self.test_lines]
        gold = [self.corpus.lines.labels[i] for i in self.test_lines]
        own = adjust(lines, LABELS, train_prior, self.mix)
        f1 = classification_report(gold, [LABELS[j] for j in own.argmax(1)])["macro_f1"]
        tagged = decide(adjust(lines, LABELS, train_prior, DEFAULT_PRIOR), LABELS,
                        DEFAULT_THRESHOLD)
        flagged = np.array([label in MODES for label in tagged])
        is_mode = np.array([label in MODES for label in gold])
        return {"macro_f1": f1, "false_alarms": float(flagged[~is_mode].mean()),
                "recall": float(flagged[is_mode].mean())}

    def pick(self, strategy: str, model, train_prior, rest: np.ndarray, n: int,
             per_session: int, weights: Weights, rng: np.random.Generator,
             seed: int) -> np.ndarray:
        if strategy == "random":
            return rng.choice(rest, size=min(n, len(rest)), replace=False)
        picks = rank_candidates(self.proba(model, rest), train_prior,
                                [self.families[i] for i in rest], self.sessions[rest],
                                [self.texts[i] for i in rest], n, per_session=per_session,
                                weights=weights, seed=seed)
        return rest[[p.index for p in picks]]


def run(sim: Simulation, seed: int, args: argparse.Namespace,
        weights: Weights) -> dict[str, list[dict[str, float]]]:
    rng = np.random.default_rng(seed)
    pool_sessions = sorted(set(sim.sessions[sim.pool]))
    start = rng.choice(pool_sessions, size=args.seed_sessions, replace=False)
    seeded = sim.pool[np.isin(sim.sessions[sim.pool], start)]
    model0, prior0 = sim.fit(seeded)
    first = {"coded": len(seeded), "modes": int(np.isin(sim.y[seeded], MODES).sum()),
             **sim.score(model0, prior0)}
    curves: dict[str, list[dict[str, float]]] = {}
    for strategy in STRATEGIES:
        coded, model, prior = seeded, model0, prior0
        draws = np.random.default_rng(seed + 1000)
        curve = [first]
        for round_ in range(1, args.rounds + 1):
            rest = np.setdiff1d(sim.pool, coded)
            chosen = sim.pick(strategy, model, prior, rest, args.picks, args.per_session,
                              weights, draws, seed)
            coded = np.concatenate([coded, chosen])
            model, prior = sim.fit(coded)
            curve.append({"coded": len(coded), "modes": int(np.isin(sim.y[coded], MODES).sum()),
                          **sim.score(model, prior)})
            last = curve[-1]
            print(f"  run {seed} {strategy} round {round_}: {last['coded']} coded, "
                  f"{last['modes']} modes, macro-F1 {last['macro_f1']:.3f}, false alarms "
                  f"{last['false_alarms']:.3f}", file=sys.stderr, flush=True)
        curves[strategy] = curve
    return curves


def table(runs: list[dict[str, list[dict[str, float]]]]) -> str:
    def mean(strategy: str, round_: int, key: str) -> float:
        return float(np.mean([r[strategy][round_][key] for r in runs]))

    lines = ["| round | coded passages | modes coded (suggested / random) | macro-F1 "
             "(suggested / random) | false alarms (suggested / random) | recall of modes "
             "(suggested / random) |", "|---|---|---|---|---|---|"]
    for k in range(len(runs[0]["suggest"])):
        cells = [f"{mean('suggest', k, 'modes'):.0f} / {mean('random', k, 'modes'):.0f}"]
        cells += [f"{mean('suggest', k, key):.3f} / {mean('random', k, key):.3f}"
                  for key in ("macro_f1", "false_alarms", "recall")]
        lines.append(f"| {k} | {mean('suggest', k, 'coded'):.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", type=Path, default=ROOT / "annotations" / "spoken",
                        help="annotation files or folder to simulate on")
    parser.add_argument("--seeds", type=int, default=3, help="runs (seeds 0..N-1)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--picks", type=int, default=50, help="passages coded per round")
    parser.add_argument("--seed-sessions", type=int, default=6,
                        help="sessions coded in full before the first round")
    parser.add_argument("--per-session", type=int, default=3)
    parser.add_argument("--test-share", type=float, default=0.3)
    parser.add_argument("--weights", default=None,
                        help="uncertainty,disagreement,rare_mode (default: Weights())")
    args = parser.parse_args()
    weights = Weights()
    if args.weights:
        u, d, r = (float(x) for x in args.weights.split(","))
        weights = Weights(uncertainty=u, disagreement=d, rare_mode=r)

    began = time.perf_counter()
    corpus = load_corpus(mbt_nlp.load(rules_only=True), [args.part])
    sim = Simulation(corpus, args.test_share)
    print(f"{args.part.name}: {len(sim.pool)} passages to pick from "
          f"({len(set(sim.sessions[sim.pool]))} sessions), {len(sim.test_lines)} held-out "
          f"lines ({len(set(sim.sessions[sim.test]))} sessions); {args.seeds} run(s) of "
          f"{args.rounds} rounds x {args.picks} picks from {args.seed_sessions} seed "
          f"sessions; weights {weights}", flush=True)
    runs = [run(sim, seed, args, weights) for seed in range(args.seeds)]
    print(table(runs))
    print(f"{time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
