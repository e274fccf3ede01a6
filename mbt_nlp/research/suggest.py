"""Which uncoded turns to code next (`mbt suggest`): active learning for the mode classifier.

Every uncoded client passage (a turn, or consecutive lines of one speaker, which the
classifier judges together) gets three signals, each from the model's probabilities at its
*training* prior, where they spread over the labels (at a realistic prior almost every turn
is confidently "none"):

- uncertainty: 1 - margin, the gap between the two most likely labels;
- disagreement: the marker rules against the classifier. Where the rules found markers of
  a family (a mode family first, else mentalizing), 1 - the model's probability of that
  family; where they found none there is nothing to disagree with (0);
- rare mode: sum over the modes of P(mode) x boost, boost = sqrt(share of the rarest mode /
  share of this mode) in the model's training labels, so the least coded mode counts most.

Their scales differ by orders of magnitude (P(pretend) may be a few hundredths everywhere),
so each becomes its rank among the candidates (0 = lowest, 1 = highest) before the weighted
sum (`Weights`). Then a greedy choice, best first, spreads the picks: at most
`per_session` from one session, a score cut of `session` per earlier pick from the same
session, and one of `similarity` x the cosine (TF-IDF) to the most similar pick so far, so
near-duplicates ("yeah", "I don't know") are not picked twice. Both cuts only grow as picks
are made, so a candidate's cut is brought up to date only when it reaches the top (lazy
greedy): candidates are compared with the picks, never with each other.

With a codebook (a model trained by `mbt train --codebook`, `Scheme` of the same codes),
the candidates are the uncoded turns of the codebook's role, each on its own (the codes are
given per line), and the signals come from `code_proba`: uncertainty as above, rare code as
rare mode over the codebook's flag codes (all codes if it has none) with their shares of
the model's training codes; disagreement does not apply (weight 0). Reasons name codes.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mbt_nlp.errors import InputError, ModelError
from mbt_nlp.pipeline.names import CLASSIFIER
from mbt_nlp.pipeline.priors import adjust
from mbt_nlp.pipeline.resources import FAMILIES, LABELS, MODES
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.research.exchange import FORMATS, export_turns
from mbt_nlp.research.exchange.codebook import MBT, Scheme, model_codes
from mbt_nlp.research.exchange.inputs import (
    ANNOTATION,
    TAGGED,
    from_annotation,
    input_files,
    kind_of,
)
from mbt_nlp.research.exchange.output import write_jsonl
from mbt_nlp.research.exchange.turns import ExchangeTurn, check_unique
from mbt_nlp.transcript import CLIENT, Turn

if TYPE_CHECKING:  # the pipeline's modules load only where turns are scored: the CLI
    from spacy.language import Language  # imports this module for its formats

# The exchange tools' formats, plus two plain ones for coding in a spreadsheet or editor.
OUTPUT_FORMATS = {**FORMATS,
                  "csv": "a table: one row per turn, empty label and secondary columns to fill",
                  "jsonl": "annotation records (annotations/README.md) with label null to fill"}
SIGNALS = ("uncertainty", "disagreement", "rare_mode")
UNSURE_MARGIN = 0.25  # below this gap between the two likeliest labels, a reason says "uncertain"


@dataclass(frozen=True)
class Weights:
    """How the signals are combined (each signal is a rank in 0-1 first) and how hard
    the choice spreads picks. On benchmarks/suggest_curve.py each signal alone beats
    random picks; rare modes alone over-enrich (recall of modes falls as the coded turns
    fill with modes), and these weights keep the gains of each."""

    uncertainty: float = 0.4
    disagreement: float = 0.2
    rare_mode: float = 0.4
    similarity: float = 0.5  # score x (1 - similarity x cosine to the nearest pick)
    session: float = 0.05  # minus this per earlier pick from the same session

    def __post_init__(self) -> None:
        if min(self.uncertainty, self.disagreement, self.rare_mode) < 0 or \
                self.uncertainty + self.disagreement + self.rare_mode <= 0:
            raise ValueError("signal weights must be >= 0 and not all 0")
        if not 0 <= self.similarity <= 1 or self.session < 0:
            raise ValueError("similarity must be in 0-1 and session >= 0")


@dataclass
class Pick:
    """A chosen candidate: its position in the input order, rank (1 = code first), the
    combined score after the cuts, the raw signals, and why, in words."""

    index: int
    rank: int
    score: float
    signals: dict[str, float]
    reason: str


def marker_verdict(families: Mapping[str, float]) -> str | None:
    """What the marker rules alone say: the mode family with most markers, else
    mentalizing if any of its markers, else nothing (None)."""
    modes = {f: families.get(f, 0) for f in MODES if families.get(f, 0) > 0}
    if modes:
        return max(modes, key=lambda f: (modes[f], -FAMILIES.index(f)))
    return "mentalizing" if families.get("mentalizing", 0) > 0 else None


def enriched(scheme: Scheme) -> tuple[str, ...]:
    """The labels the rare signal looks for: the modes, or a codebook's flag codes (every
    code of a codebook without flags)."""
    return scheme.flags or scheme.labels


def rare_boosts(train_prior: Mapping[str, float],
                rare: Sequence[str] = MODES) -> dict[str, float]:
    """Per-mode (or code) weights: 1 for the one least present in the training labels, less
    for the others (square root of the ratio of shares, so none is ignored)."""
    shares = {m: max(float(train_prior.get(m, 0.0)), 1e-6) for m in rare}
    rarest = min(shares.values())
    return {m: float(np.sqrt(rarest / shares[m])) for m in rare}


def signals(proba: np.ndarray, train_prior: Mapping[str, float],
            families: Sequence[Mapping[str, float]],
            scheme: Scheme = MBT) -> dict[str, np.ndarray]:
    """The raw signals of each candidate (rows of `proba`: the scheme's labels in order,
    training prior). With a codebook there are no markers to disagree with (0)."""
    proba = np.asarray(proba, dtype=float)
    labels = scheme.labels
    top = np.sort(proba, axis=1)
    margin = top[:, -1] - top[:, -2]
    verdicts = [None if scheme.codebook else marker_verdict(f) for f in families]
    disagreement = np.array([0.0 if v is None else 1.0 - row[labels.index(v)]
                             for v, row in zip(verdicts, proba, strict=True)])
    boosts = rare_boosts(train_prior, enriched(scheme))
    rare = sum(proba[:, labels.index(m)] * boosts[m] for m in boosts)
    return {"uncertainty": 1.0 - margin, "disagreement": disagreement,
            "rare_mode": np.asarray(rare, dtype=float), "margin": margin}


def to_ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank among all, scaled to 0-1 (ties share their average rank)."""
    from scipy.stats import rankdata  # here: `mbt` and its batch workers import this module

    if len(values) < 2:
        return np.ones(len(values))
    return (rankdata(values) - 1) / (len(values) - 1)


def combined(raw: Mapping[str, np.ndarray], weights: Weights) -> np.ndarray:
    total = weights.uncertainty + weights.disagreement + weights.rare_mode
    return sum(getattr(weights, name) * to_ranks(raw[name]) for name in SIGNALS) / total


def _similarity_matrix(texts: Sequence[str]):
    """L2-normalised TF-IDF rows (a row's dot product with another is their cosine)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        return TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    except ValueError:  # no word in any text (all empty or punctuation)
        return None


def choose(scores: np.ndarray, sessions: Sequence[str], texts: Sequence[str], n: int, *,
           per_session: int = 3, weights: Weights = Weights(), seed: int = 0,
           ) -> list[tuple[int, float, int, float, int | None]]:
    """Greedy, lazy choice of `n` candidates: (index, score after the cuts, how many picks
    before it from its session, cosine to the most similar earlier pick, that pick's
    position). Ties are broken by a random order drawn with `seed`."""
    if n < 1 or per_session < 1:
        raise ValueError("n and per_session must be at least 1")
    vectors = _similarity_matrix(texts)
    tiebreak = np.random.default_rng(seed).permutation(len(scores))
    nearest = np.zeros(len(scores))
    nearest_pick: list[int | None] = [None] * len(scores)
    compared = np.zeros(len(scores), dtype=int)  # picks this candidate was compared with
    taken: Counter[str] = Counter()
    picks: list[tuple[int, float, int, float, int | None]] = []
    heap = [(-float(s), int(t), i) for i, (s, t) in enumerate(zip(scores, tiebreak, strict=True))]
    heapq.heapify(heap)
    while heap and len(picks) < n:
        negative, order, i = heapq.heappop(heap)
        session = sessions[i]
        if taken[session] >= per_session:
            continue
        if compared[i] < len(picks):  # picks were made since its score was cut: cut again
            if vectors is not None:
                chosen = [p[0] for p in picks[compared[i]:]]
                cosines = (vectors[chosen] @ vectors[i].T).toarray().ravel()
                best = int(np.argmax(cosines))
                if cosines[best] > nearest[i]:
                    nearest[i] = float(cosines[best])
                    nearest_pick[i] = compared[i] + best
            compared[i] = len(picks)
            cut = float(scores[i]) * (1 - weights.similarity * nearest[i]) \
                - weights.session * taken[session]
            heapq.heappush(heap, (-cut, order, i))
            continue
        picks.append((i, -negative, taken[session], float(nearest[i]), nearest_pick[i]))
        taken[session] += 1
    return picks


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def reason(proba: np.ndarray, raw: Mapping[str, float], ranks: Mapping[str, float],
           families: Mapping[str, float], train_prior: Mapping[str, float], session: str,
           earlier: int, cosine: float, like: int | None, scheme: Scheme = MBT) -> str:
    """Why a candidate was picked, in words: the signals that placed it high among the
    candidates (the top half; for uncertainty a margin that is small in itself too), then
    where it stands among the picks."""
    labels = scheme.labels
    order = np.argsort(proba)[::-1]
    first, second = labels[order[0]], labels[order[1]]
    parts = []
    if raw["margin"] < UNSURE_MARGIN:
        parts.append(f"uncertain between {first} and {second} (margin {raw['margin']:.2f})")
    elif ranks["uncertainty"] >= 0.75 and raw["margin"] < 2 * UNSURE_MARGIN:
        parts.append(f"less sure than most: {first} over {second} (margin "
                     f"{raw['margin']:.2f})")
    verdict = None if scheme.codebook else marker_verdict(families)
    if verdict is not None and ranks["disagreement"] >= 0.5 and first != verdict:
        count = round(families[verdict])
        parts.append(f"model and markers disagree: {count} {verdict} marker(s), model "
                     f"P({verdict}) {proba[LABELS.index(verdict)]:.2f}, likeliest {first}")
    if ranks["rare_mode"] >= 0.5:
        mode = max(enriched(scheme), key=lambda m: proba[labels.index(m)])
        parts.append(f"may be {mode} (P {proba[labels.index(mode)]:.2f}; "
                     f"{train_prior.get(mode, 0):.0%} of the training {scheme.term}s)")
    if not parts:
        parts.append(f"best left after spreading the picks (model: {first} "
                     f"{proba[order[0]]:.2f})")
    parts.append(f"{_ordinal(earlier + 1)} pick from session {session}")
    if like is not None and cosine >= 0.3:
        parts.append(f"words like pick {like + 1} (cosine {cosine:.2f})")
    return "; ".join(parts)


def rank_candidates(proba: np.ndarray, train_prior: Mapping[str, float],
                    families: Sequence[Mapping[str, float]], sessions: Sequence[str],
                    texts: Sequence[str], n: int, *, per_session: int = 3,
                    weights: Weights = Weights(), seed: int = 0,
                    scheme: Scheme = MBT) -> list[Pick]:
    """The `n` candidates to code next, best first, each with its reason.

    proba: the classifier's probabilities at its training prior (rows: candidates, columns
    the scheme's labels: LABELS, or a codebook's codes from code_proba); train_prior: its
    training labels' mix; families: marker counts per family found by the rules in each
    candidate (unused with a codebook: its disagreement weight is 0); sessions, texts: for
    spreading the picks.
    """
    if not len(proba):
        return []
    if scheme.codebook is not None:
        weights = replace(weights, disagreement=0.0)
    raw = signals(proba, train_prior, families, scheme)
    ranks = {name: to_ranks(raw[name]) for name in SIGNALS}
    scores = combined(raw, weights)
    picks = []
    for rank, (i, score, earlier, cosine, like) in enumerate(
            choose(scores, sessions, texts, n, per_session=per_session, weights=weights,
                   seed=seed), start=1):
        values = {name: round(float(raw[name][i]), 4) for name in (*SIGNALS, "margin")}
        picks.append(Pick(i, rank, round(score, 4), values, reason(
            proba[i], {k: float(v[i]) for k, v in raw.items()},
            {k: float(v[i]) for k, v in ranks.items()}, families[i], train_prior,
            sessions[i], earlier, cosine, like, scheme)))
    return picks


@dataclass
class Candidate:
    """An uncoded client passage of the inputs: its uncoded lines (what gets exported),
    its words, the model's probabilities (training prior) and the markers' families."""

    lines: list[ExchangeTurn]
    text: str
    proba: np.ndarray
    families: dict[str, float] = field(default_factory=dict)

    @property
    def session(self) -> str:
        return self.lines[0].session


def classifier_settings(nlp: Language) -> dict[str, Any]:
    from mbt_nlp.annotation.turns import has_classifier

    if not has_classifier(nlp):
        raise ModelError("suggestions need the classifier's probabilities (not --rules-only)")
    return nlp.get_pipe(next(name for name in nlp.pipe_names
                             if nlp.get_pipe_meta(name).factory == CLASSIFIER)).settings


def train_prior(nlp: Language, scheme: Scheme = MBT) -> dict[str, float]:
    """The mix of labels the model was trained on: the classifier's, or with a codebook
    each code's share of the model's training codes (a model of other codes is refused)."""
    if scheme.codebook is None:
        return classifier_settings(nlp)["train_prior"]
    counts = model_codes(nlp, scheme).settings.get("trained_on", {}).get("codes", {})
    total = sum(counts.values()) or 1
    return {code: counts.get(code, 0) / total for code in scheme.labels}


def _uncoded(turn: Turn, kind: str, scheme: Scheme = MBT) -> bool:
    if turn.role != (scheme.role or CLIENT):
        return False
    return kind != ANNOTATION or turn.meta.get("coded") is False \
        or turn.meta.get(scheme.field) is None


def _exchange_turn(turn: Turn, kind: str, scheme: Scheme = MBT) -> ExchangeTurn:
    if kind == ANNOTATION:
        return from_annotation(turn, scheme)
    # Blind: a transcript's or tagged file's turn goes out without the model's mode or
    # markers, so that the new codes stay independent of the model they will test.
    return ExchangeTurn(turn.session, turn.index, turn.speaker, turn.role, turn.text,
                        source=turn.source, line=turn.line, record=turn.record, scheme=scheme)


@dataclass
class InputFile:
    """The turns of one input file that matter: the uncoded client turns (as they will be
    exported, by id of their Turn) and every turn of their sessions (their context)."""

    context: list[Turn]
    wanted: dict[int, ExchangeTurn]


def read_inputs(paths: Sequence[str | Path], options: ReadOptions | None = None,
                input_format: str | None = None, scheme: Scheme = MBT) -> list[InputFile]:
    """The inputs' uncoded client turns (annotation files: client turns with `coded: false`
    or no label; transcripts and tagged JSONL: every client turn), with their sessions.
    With a codebook: turns of its role, uncoded in its field."""
    files: list[InputFile] = []
    for path in input_files(paths):
        kind = kind_of(path, input_format, scheme.field)
        if kind in (ANNOTATION, TAGGED):
            turns = list(read_transcript(path, input_format="jsonl"))
        else:
            turns = list(read_transcript(path, options, input_format))
        wanted = {id(t): _exchange_turn(t, kind, scheme) for t in turns
                  if _uncoded(t, kind, scheme)}
        sessions = {t.session for t in turns if id(t) in wanted}
        files.append(InputFile([t for t in turns if t.session in sessions], wanted))
    check_unique(turn for file in files for turn in file.wanted.values())
    return files


def candidates(nlp: Language, files: Sequence[InputFile],
               scheme: Scheme = MBT) -> list[Candidate]:
    """The uncoded client passages of `files`, each tagged in its session's context (with a
    codebook: each uncoded turn of its role with words, by its code_proba)."""
    from mbt_nlp.annotation.turns import annotate_turns

    settings = classifier_settings(nlp) if scheme.codebook is None else {}
    found: list[Candidate] = []
    for file in files:
        by_passage: dict[tuple[str, int], Candidate] = {}
        for turn, record in zip(file.context, annotate_turns(nlp, file.context), strict=True):
            if id(turn) not in file.wanted:
                continue
            if scheme.codebook is not None:
                if record.get("code_proba") is None:  # no words: nothing to code
                    continue
                key = (turn.session, turn.index)
                proba = np.array([record["code_proba"][code] for code in scheme.labels])
                by_passage[key] = Candidate([file.wanted[id(turn)]], turn.text, proba)
                continue
            key = (turn.session, int(record["passage"][0]))
            if key not in by_passage:
                target = np.array([[record["proba"][label] for label in LABELS]])
                # Back to the training prior (records carry the target prior's, rounded).
                proba = adjust(target, LABELS, settings["target_prior"],
                               settings["train_prior"])[0]
                by_passage[key] = Candidate([], "", proba)
            candidate = by_passage[key]
            candidate.lines.append(file.wanted[id(turn)])
            candidate.text = " ".join(filter(None, (candidate.text, turn.text)))
            for marker in record["markers"]:
                family = marker["family"]
                candidate.families[family] = candidate.families.get(family, 0) + 1
        found += by_passage.values()
    return found


def suggest(pipeline: Callable[[], Language], paths: Sequence[str | Path], n: int, *,
            per_session: int = 3, seed: int = 0, weights: Weights = Weights(),
            options: ReadOptions | None = None, input_format: str | None = None,
            scheme: Scheme = MBT) -> tuple[list[Candidate], list[Pick]]:
    """All candidates of the inputs and the `n` picks among them (best first).

    pipeline: gives the trained pipeline (e.g. `mbt_nlp.load`); called only once the
    inputs are read and hold something to choose from. scheme: a codebook's codes, which
    the pipeline's mbt_codes must have been trained on.
    """
    files = read_inputs(paths, options, input_format, scheme)
    where = ", ".join(map(str, paths))
    if not any(file.wanted for file in files):
        raise InputError(f"no uncoded {scheme.role or CLIENT} turns to choose from "
                         f"(annotation files: turns with `coded: false` or {scheme.field} "
                         "null)", where)
    nlp = pipeline()
    prior = train_prior(nlp, scheme)
    found = candidates(nlp, files, scheme)
    if not found:
        raise InputError("no uncoded turn has words to code", where)
    picks = rank_candidates(np.vstack([c.proba for c in found]), prior,
                            [c.families for c in found], [c.session for c in found],
                            [c.text for c in found], n, per_session=per_session,
                            weights=weights, seed=seed, scheme=scheme)
    return found, picks


def picked_turns(found: Sequence[Candidate], picks: Sequence[Pick]) -> list[ExchangeTurn]:
    """The turns of the picks, in rank order, each carrying `suggest` (rank, score,
    reason) with its other fields, so the reason travels with it through a tool and back."""
    turns = []
    for pick in picks:
        for line in found[pick.index].lines:
            line.extra = {**line.extra, "suggest": {"rank": pick.rank, "score": pick.score,
                                                    "reason": pick.reason}}
            turns.append(line)
    return turns


def csv_columns(scheme: Scheme = MBT) -> tuple[str, ...]:
    """The table's columns: label and secondary, or a codebook's field, to fill in."""
    codes = ("label", "secondary") if scheme.secondary else (scheme.field,)
    return ("rank", "score", "reason", "session", "turn", "speaker", "role", "text", *codes,
            "writer")


CSV_COLUMNS = csv_columns()


def csv_rows(turns: Sequence[ExchangeTurn],
             columns: Sequence[str] = CSV_COLUMNS) -> list[dict[str, Any]]:
    """The picked turns as table rows (`columns`), their codes empty to fill in."""
    rows = []
    for turn in turns:
        record = turn.to_annotation()
        rows.append({**{k: record.get(k) for k in columns}, **record["suggest"]})
    return rows


def write_suggestions(fmt: str, turns: Sequence[ExchangeTurn], out: Path,
                      force: bool = False) -> list[Path]:
    """Write the picked turns for an exchange tool or as annotation JSONL (`csv` is the
    writers' job: see `csv_rows`)."""
    if fmt in FORMATS:
        return export_turns(fmt, turns, out, force=force)
    if fmt != "jsonl":
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(OUTPUT_FORMATS)})")
    if out.is_dir():
        raise InputError(f"is a folder; {fmt} writes one file", out)
    if out.exists() and not force:
        raise InputError("exists; use --force to overwrite", out)
    return [write_jsonl(out, [_record(turn) for turn in turns])]


def _record(turn: ExchangeTurn) -> dict[str, Any]:
    """An annotation record to fill in: no `coded` field, so `mbt train` reads it once the
    label is set (and stops on a label left empty instead of skipping the turn)."""
    record = turn.to_annotation()
    record.pop("coded", None)
    return record
