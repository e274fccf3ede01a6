"""mbt suggest: which uncoded turns to code next, and why.

The ranking and the spreading are tested on probabilities made up for each case (so that
only the signal under test differs); the reading, tagging and writing on a small
annotation file with the bundled model, and one export round trip through `mbt import`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

import mbt_nlp
from mbt_nlp.errors import InputError, ModelError
from mbt_nlp.pipeline.resources import LABELS
from mbt_nlp.research.suggest import (
    Weights,
    choose,
    marker_verdict,
    picked_turns,
    rank_candidates,
    signals,
    suggest,
    write_suggestions,
)

FIXTURES = Path(__file__).parent / "fixtures" / "suggest"
UNCODED = FIXTURES / "uncoded.jsonl"
# Client turns of the fixture with no label or `coded: false` (turn 1 of s1, 3 of s2 and 5
# of s3 are coded).
CANDIDATES = {("s1", 3), ("s1", 5), ("s1", 7), ("s1", 9), ("s2", 1), ("s2", 5), ("s2", 7),
              ("s3", 1), ("s3", 3)}
EVEN = {label: 0.2 for label in LABELS}
runner = CliRunner()


def row(**p: float) -> list[float]:
    """Probabilities in LABELS order; what is not given shares the rest equally."""
    rest = [label for label in LABELS if label not in p]
    left = (1 - sum(p.values())) / len(rest) if rest else 0
    return [p.get(label, left) for label in LABELS]


def ranked(proba, sessions=None, texts=None, families=None, prior=EVEN, n=None, **kw):
    k = len(proba)
    return rank_candidates(np.array(proba), prior, families or [{}] * k,
                           sessions or [f"s{i}" for i in range(k)],
                           texts or [f"turn{i}" for i in range(k)],  # nothing in common
                           n or k, **kw)


# --- ranking --------------------------------------------------------------------------


def test_an_unsure_turn_outranks_a_confident_one():
    # The same mode probabilities (same rare-mode signal), no markers: only the margin differs.
    confident = row(psychic_equivalence=0.05, teleological=0.05, pretend=0.05, none=0.80)
    unsure = row(psychic_equivalence=0.05, teleological=0.05, pretend=0.05, none=0.435)
    picks = ranked([confident, unsure])
    assert [p.index for p in picks] == [1, 0]
    assert picks[0].signals["margin"] == pytest.approx(0.02)
    assert "uncertain between none and mentalizing (margin 0.02)" in picks[0].reason


def test_a_likely_rare_mode_outranks_a_likely_none_at_equal_uncertainty():
    likely_none = row(psychic_equivalence=0.01, teleological=0.01, pretend=0.01,
                      mentalizing=0.45, none=0.52)
    likely_mode = row(psychic_equivalence=0.45, teleological=0.01, pretend=0.01,
                      mentalizing=0.01, none=0.52)
    picks = ranked([likely_none, likely_mode])
    assert picks[0].signals["uncertainty"] == picks[1].signals["uncertainty"]
    assert [p.index for p in picks] == [1, 0]
    assert "may be psychic_equivalence (P 0.45" in picks[0].reason


def test_the_mode_least_present_in_training_counts_most():
    prior = {"psychic_equivalence": 0.10, "teleological": 0.05, "pretend": 0.01,
             "mentalizing": 0.24, "none": 0.60}
    maybe_psychic = row(psychic_equivalence=0.4, pretend=0.0, none=0.45)
    maybe_pretend = row(pretend=0.4, psychic_equivalence=0.0, none=0.45)
    picks = ranked([maybe_psychic, maybe_pretend], prior=prior)
    assert [p.index for p in picks] == [1, 0]
    # sqrt(0.01 / 0.10): the common mode's probability counts a third as much.
    # teleological (0.075) counts sqrt(0.01 / 0.05); mentalizing and none not at all.
    assert picks[1].signals["rare_mode"] == pytest.approx(
        0.4 * 0.1 ** 0.5 + 0.075 * 0.2 ** 0.5, abs=1e-4)


def test_markers_against_the_model():
    assert marker_verdict({}) is None
    assert marker_verdict({"mentalizing": 2, "pretend": 1}) == "pretend"  # modes first
    assert marker_verdict({"mentalizing": 1}) == "mentalizing"
    proba = np.array([row(none=0.88), row(pretend=0.6, none=0.3), row(none=0.88)])
    raw = signals(proba, EVEN, [{"pretend": 2}, {"pretend": 2}, {}])
    assert raw["disagreement"] == pytest.approx([0.97, 0.4, 0.0])
    picks = ranked(proba.tolist(), families=[{"pretend": 2}, {"pretend": 2}, {}],
                   weights=Weights(uncertainty=0, disagreement=1, rare_mode=0))
    assert picks[0].index == 0
    assert "model and markers disagree: 2 pretend marker(s), model P(pretend) 0.03" \
        in picks[0].reason


# --- spreading ------------------------------------------------------------------------


def test_at_most_per_session_picks_from_one_session():
    # Session a holds the eight best candidates; the cap sends the rest of the picks elsewhere.
    proba = [row(mentalizing=0.40 + 0.001 * i, none=0.41) for i in range(8)]
    proba += [row(none=0.9)] * 4
    sessions = ["a"] * 8 + ["b", "b", "c", "c"]
    picks = ranked(proba, sessions=sessions, n=6, per_session=2)
    chosen = [sessions[p.index] for p in picks]
    assert len(picks) == 6 and chosen.count("a") == 2
    assert sorted(chosen) == ["a", "a", "b", "b", "c", "c"]
    assert "2nd pick from session a" in picks[1].reason
    # Nothing is left to pick once every session has given its share.
    assert len(ranked(proba, sessions=sessions, n=10, per_session=1)) == 3


def test_near_duplicates_are_not_picked_together():
    # Equal mode probabilities: the copies are ahead on uncertainty alone.
    best = row(psychic_equivalence=0.05, teleological=0.05, pretend=0.05, mentalizing=0.40)
    next_best = row(psychic_equivalence=0.05, teleological=0.05, pretend=0.05,
                    mentalizing=0.30)
    texts = ["yeah I know", "yeah I know", "yeah I know", "the bus was late again",
             "my sister called on sunday"]
    picks = ranked([best, best, best, next_best, next_best], texts=texts, n=3)
    assert sorted(texts[p.index] for p in picks) == sorted(
        ["yeah I know", "the bus was late again", "my sister called on sunday"])
    # Without the cut, the three copies come first.
    plain = ranked([best, best, best, next_best, next_best], texts=texts, n=3,
                   weights=Weights(similarity=0))
    assert [texts[p.index] for p in plain] == ["yeah I know"] * 3
    assert "words like pick 1 (cosine 1.00)" in plain[1].reason


def naive_choice(scores, sessions, vectors, n, per_session, weights):
    """The same greedy choice computed plainly: every candidate against every pick."""
    picks: list[int] = []
    while len(picks) < n:
        best, best_value = None, -np.inf
        for i in range(len(scores)):
            taken = sum(sessions[j] == sessions[i] for j in picks)
            if i in picks or taken >= per_session:
                continue
            near = max((float((vectors[i] @ vectors[j].T).toarray()[0, 0]) for j in picks),
                       default=0.0)
            value = scores[i] * (1 - weights.similarity * near) - weights.session * taken
            if value > best_value + 1e-12:
                best, best_value = i, value
        if best is None:
            break
        picks.append(best)
    return picks


def test_the_lazy_choice_equals_the_plain_greedy_one():
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.default_rng(3)
    words = ["yeah", "no", "he", "she", "never", "always", "work", "home", "angry", "sad"]
    texts = [" ".join(rng.choice(words, size=3)) for _ in range(60)]
    sessions = [f"s{k}" for k in rng.integers(0, 8, size=60)]
    scores = rng.random(60)  # distinct: no ties for the order to break
    weights = Weights()
    lazy = [i for i, *_ in choose(scores, sessions, texts, 15, per_session=3, weights=weights)]
    vectors = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    assert lazy == naive_choice(scores, sessions, vectors, 15, 3, weights)


def test_the_same_seed_gives_the_same_picks():
    # Ten equal candidates: only the seed orders them.
    proba = [row(none=0.6)] * 10
    texts = [f"turn{w}" for w in "abcdefghij"]
    sessions = [f"s{i}" for i in range(10)]
    first = [p.index for p in ranked(proba, sessions=sessions, texts=texts, n=4, seed=7)]
    again = [p.index for p in ranked(proba, sessions=sessions, texts=texts, n=4, seed=7)]
    assert first == again
    others = {tuple(p.index for p in ranked(proba, sessions=sessions, texts=texts, n=4,
                                            seed=s)) for s in range(5)}
    assert len(others) > 1


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        Weights(uncertainty=0, disagreement=0, rare_mode=0)
    with pytest.raises(ValueError):
        ranked([row(none=0.9)], per_session=0)


# --- inputs, model and outputs ----------------------------------------------------------


@pytest.fixture(scope="module")
def model(full_nlp):
    return full_nlp


def test_only_uncoded_client_turns_are_candidates(model):
    found, picks = suggest(lambda: model, [UNCODED], 4, per_session=2, seed=0)
    assert {line.key for c in found for line in c.lines} == CANDIDATES
    assert len(picks) == 4
    sessions = [found[p.index].session for p in picks]
    assert max(sessions.count(s) for s in sessions) <= 2
    assert all(p.reason and "pick from session" in p.reason for p in picks)
    assert [p.rank for p in picks] == [1, 2, 3, 4]
    assert [p.score for p in picks] == sorted((p.score for p in picks), reverse=True)


def test_a_transcript_is_all_candidates_and_errors_name_the_file(model, tmp_path):
    transcript = tmp_path / "session.txt"
    transcript.write_text("T: How are you?\nC: Fine I guess.\nT: Fine?\nC: Nobody cares "
                          "anyway, it is just how it is.\n", encoding="utf-8")
    found, picks = suggest(lambda: model, [transcript], 5)
    assert {line.key for c in found for line in c.lines} == {("session", 1), ("session", 3)}
    assert len(picks) == 2
    coded = FIXTURES / "coded.jsonl"
    with pytest.raises(InputError, match="no uncoded client turns") as err:
        suggest(lambda: pytest.fail("no model needed"), [coded], 5)
    assert str(coded) in str(err.value)
    with pytest.raises(ModelError):
        suggest(lambda: mbt_nlp.load(rules_only=True), [UNCODED], 5)


def test_jsonl_holds_the_picks_to_fill_in(model, tmp_path):
    found, picks = suggest(lambda: model, [UNCODED], 3)
    turns = picked_turns(found, picks)
    write_suggestions("jsonl", turns, tmp_path / "next.jsonl")
    records = [json.loads(x) for x in (tmp_path / "next.jsonl").read_text().splitlines()]
    assert [(r["session"], r["turn"]) for r in records] == [t.key for t in turns]
    assert all(r["label"] is None and "coded" not in r for r in records)
    assert [r["suggest"]["rank"] for r in records] == [1, 2, 3]
    assert records[0]["suggest"]["reason"] == picks[0].reason
    with pytest.raises(InputError, match="exists"):
        write_suggestions("jsonl", turns, tmp_path / "next.jsonl")


def test_cli_csv_has_a_row_per_pick_with_its_reason(tmp_path):
    out = tmp_path / "next.csv"
    done = runner.invoke(app, ["suggest", str(UNCODED), "-n", "4", "--format", "csv",
                               "-o", str(out), "--per-session", "2", "--seed", "1"])
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4]
    assert {(r["session"], int(r["turn"])) for r in rows} <= CANDIDATES
    assert all(r["reason"] and r["label"] == "" for r in rows)
    # The printed table gives each pick's reason, never its words.
    assert "pick from session" in done.output
    assert not any(r["text"] in done.output for r in rows if len(r["text"]) > 20)


def test_labelstudio_export_comes_back_through_mbt_import(model, tmp_path):
    out, back = tmp_path / "next.json", tmp_path / "back.jsonl"
    done = runner.invoke(app, ["suggest", str(UNCODED), "-n", "3", "--format", "labelstudio",
                               "-o", str(out), "--per-session", "1"])
    assert done.exit_code == 0, done.output
    assert "3 of 9 uncoded passages" in done.output
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 3 and not any(t.get("predictions") for t in tasks)  # coded blind
    done = runner.invoke(app, ["import", "labelstudio", str(out), "-o", str(back)])
    assert done.exit_code == 0, done.output
    records = [json.loads(x) for x in back.read_text(encoding="utf-8").splitlines()]
    assert len({r["session"] for r in records}) == 3  # one per session
    assert {(r["session"], r["turn"]) for r in records} <= CANDIDATES
    assert sorted(r["suggest"]["rank"] for r in records) == [1, 2, 3]
    assert all(r["label"] is None and not r["coded"] for r in records)
    source = {(r["session"], r["turn"]): r for r in map(json.loads, UNCODED.read_text(
        encoding="utf-8").splitlines())}
    assert all(r["text"] == source[(r["session"], r["turn"])]["text"] for r in records)


@pytest.mark.parametrize("args, names", [
    (["suggest", "{coded}", "-o", "{out}"], "coded.jsonl"),
    (["suggest", "{missing}", "-o", "{out}"], "nope.jsonl"),
    (["suggest", "{uncoded}", "-o", "{existing}"], "existing.csv"),
    (["suggest", "{uncoded}", "-o", "{out}", "--format", "brat", "--model", "{missing}"],
     "nope.jsonl"),
])
def test_cli_errors_are_one_line_with_exit_code_2(args, names, tmp_path):
    (tmp_path / "existing.csv").write_text("x\n")
    args = [a.format(coded=FIXTURES / "coded.jsonl", missing=tmp_path / "nope.jsonl",
                     uncoded=UNCODED, out=tmp_path / "out.jsonl",
                     existing=tmp_path / "existing.csv") for a in args]
    done = runner.invoke(app, args)
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    message = done.output.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error:")
    assert names in message
    assert (tmp_path / "existing.csv").read_text() == "x\n"
