"""`mbt agree`: agreement statistics, coders' files, the model as a coder, the command."""

from __future__ import annotations

import csv
import json
import time
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

import mbt_nlp
from mbt_nlp.errors import InputError
from mbt_nlp.readers import read_transcript
from mbt_nlp.research.agreement import (
    COEFFICIENTS,
    MISSING,
    Ratings,
    agreement_report,
    bootstrap,
    cohen_kappa,
    fleiss_kappa,
    formula_estimates,
    gwet_ac1,
    krippendorff_alpha,
    observed_agreement,
    point_estimates,
    resample_weights,
)
from mbt_nlp.research.coder_agreement import add_model, disagreements, load_study, study_report
from mbt_nlp.research.coder_files import CoderFields, read_coder_file
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "agree"
A, B, C = FIXTURES / "coder_a.jsonl", FIXTURES / "coder_b.tsv", FIXTURES / "coder_c.csv"
runner = CliRunner()

# --- published worked examples ----------------------------------------------------------

# Fleiss (1971), Table 1: 30 patients, each diagnosed by 6 of 43 psychiatrists into
# 1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other. One row per
# patient: the six diagnoses (which psychiatrist gave which does not matter to Fleiss).
FLEISS_1971 = [
    "444444", "222555", "233335", "555555", "222444", "113333", "333355", "113334",
    "114444", "555555", "144444", "124444", "222333", "144444", "224445", "333335",
    "111455", "111112", "224444", "133555", "555555", "244444", "224555", "114444",
    "144445", "222224", "111155", "224444", "133333", "555555",
]

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, twelve units, nominal values 1-5, "*" = missing. Gwet (2014, Handbook of
# Inter-Rater Reliability, 4th ed., ch. 2) uses the same data for AC1 with missing ratings.
KRIPPENDORFF_2011 = [
    "1 2 3 3 2 1 4 1 2 * * *",
    "1 2 3 3 2 2 4 1 2 5 * 3",
    "* 3 3 3 2 3 4 2 2 5 1 *",
    "1 2 3 3 2 4 4 1 2 5 1 *",
]


def krippendorff_example() -> Ratings:
    rows = [[None if x == "*" else x for x in observer.split()]
            for observer in KRIPPENDORFF_2011]
    return Ratings.from_labels(list(zip(*rows, strict=True)), "ABCD", "12345")


def test_fleiss_kappa_reproduces_fleiss_1971():
    ratings = Ratings.from_labels([list(row) for row in FLEISS_1971], "abcdef", "12345")
    assert fleiss_kappa(ratings) == pytest.approx(0.430, abs=5e-4)
    # Fleiss reports the mean agreement P-bar = .556 beside kappa.
    assert observed_agreement(ratings) == pytest.approx(0.556, abs=5e-4)


def test_krippendorff_alpha_reproduces_krippendorff_2011():
    assert krippendorff_alpha(krippendorff_example()) == pytest.approx(0.743, abs=5e-4)


def test_gwet_ac1_on_gwets_four_rater_example_by_hand():
    """Gwet (2014) reports AC1 = 0.7754 (pa 0.8182, pe 0.1903) for these data. By hand:
    units 1-11 have two or more ratings; their agreement r_k(r_k-1)/(r(r-1)) is 1 except
    unit 2 (3 of 4 agree: 6/12), unit 6 (all differ: 0) and unit 8 (6/12): pa = 9/11.
    pi_k = mean over the 12 units of each unit's share of k:
    pi = (3, 3.25, 3.5, 1.25, 1)/12, pe = sum pi(1-pi) / (5-1)."""
    pa = F(9, 11)
    pi = [F(3, 12), F(13, 48), F(14, 48), F(5, 48), F(1, 12)]
    assert sum(pi) == 1
    pe = sum(p * (1 - p) for p in pi) / 4
    expected = (pa - pe) / (1 - pe)
    assert float(pe) == pytest.approx(0.1903, abs=1e-4)
    assert float(expected) == pytest.approx(0.7754, abs=1e-4)
    assert gwet_ac1(krippendorff_example()) == pytest.approx(float(expected), abs=1e-12)


def test_cohen_kappa_reproduces_a_published_table():
    """SAS's PROC FREQ example, as in statsmodels' tests: a 3x3 table, kappa 0.4842."""
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    pairs = [(str(i), str(j)) for i, row in enumerate(table) for j, n in enumerate(row)
             for _ in range(n)]
    ratings = Ratings.from_labels(pairs, "xy", "012")
    assert cohen_kappa(ratings) == pytest.approx(0.4842, abs=5e-5)


def test_ac1_stays_high_where_kappa_collapses_on_a_rare_label():
    """100 turns, 'pretend' rare: 95 both none, 1 both pretend, 2 + 2 split.
    Hand: pa = 0.96; Cohen pe = 0.03^2 + 0.97^2 = 0.9418, kappa = 0.0182/0.0582;
    Gwet pi_pretend = (1 + 4 * 0.5)/100 = 0.03, pe = 2 * 0.03 * 0.97 = 0.0582,
    AC1 = (0.96 - 0.0582)/(1 - 0.0582)."""
    rows = ([("none", "none")] * 95 + [("pretend", "pretend")]
            + [("pretend", "none")] * 2 + [("none", "pretend")] * 2)
    ratings = Ratings.from_labels(rows, "ab", ("pretend", "none"))
    assert cohen_kappa(ratings) == pytest.approx(0.0182 / 0.0582, abs=1e-9)
    assert gwet_ac1(ratings) == pytest.approx((0.96 - 0.0582) / (1 - 0.0582), abs=1e-9)
    assert gwet_ac1(ratings) > 0.95 > 0.32 > cohen_kappa(ratings)


def test_undefined_coefficients_are_none_not_nan():
    ratings = Ratings.from_labels([("none", "none")] * 4, "ab")
    estimates = point_estimates(ratings)
    assert estimates["cohen_kappa"] is None and estimates["krippendorff_alpha"] is None
    assert estimates["fleiss_kappa"] is None
    assert estimates["observed_agreement"] == 1.0 and estimates["gwet_ac1"] == 1.0


# --- properties -------------------------------------------------------------------------


@st.composite
def ratings_data(draw, min_groups=1, categories=4):
    """Codes of 2-4 coders (some missing) on 3-40 units in 1-6 sessions."""
    n_coders = draw(st.integers(2, 4))
    n_units = draw(st.integers(3, 40))
    codes = draw(st.lists(st.lists(st.integers(MISSING, categories - 1), min_size=n_coders,
                                   max_size=n_coders), min_size=n_units, max_size=n_units))
    n_groups = draw(st.integers(min_groups, min(6, n_units)))
    # Every session holds a unit: the first n_groups units open one each.
    groups = list(range(n_groups)) + draw(st.lists(
        st.integers(0, n_groups - 1), min_size=n_units - n_groups, max_size=n_units - n_groups))
    return Ratings(np.array(codes, dtype=int), tuple(f"k{k}" for k in range(categories)),
                   tuple(f"c{j}" for j in range(n_coders)), np.array(groups))


@settings(max_examples=150, deadline=None)
@given(ratings_data())
def test_vectorised_formulas_match_the_libraries(ratings):
    """The bootstrap's own formulas give what sklearn, statsmodels and krippendorff give."""
    formulas = formula_estimates(ratings)
    libraries = point_estimates(ratings)
    for name in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
        if libraries[name] is None:
            assert formulas[name] is None or (name == "cohen_kappa" and len(ratings.coders) != 2)
        else:
            assert formulas[name] == pytest.approx(libraries[name], abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(ratings_data(), st.data())
def test_perfect_agreement_gives_one(ratings, data):
    # Every coder who codes a unit gives it the same label; each unit coded at least twice.
    truth = data.draw(st.lists(st.integers(0, 3), min_size=len(ratings.codes),
                               max_size=len(ratings.codes)))
    codes = np.where(ratings.codes == MISSING, MISSING, np.array(truth)[:, None])
    codes[:, :2] = np.array(truth)[:, None]
    estimates = point_estimates(Ratings(codes, ratings.categories, ratings.coders,
                                        ratings.groups))
    assert estimates["observed_agreement"] == 1.0 and estimates["gwet_ac1"] == 1.0
    # Kappa and alpha are 0/0 when only one label is in play (Fleiss: on complete units).
    complete = {t for t, row in zip(truth, codes, strict=True) if (row != MISSING).all()}
    defined = {"cohen_kappa": len(set(truth)) >= 2 and len(ratings.coders) == 2,
               "fleiss_kappa": len(complete) >= 2,
               "krippendorff_alpha": len(set(truth)) >= 2}
    for name, is_defined in defined.items():
        assert estimates[name] == (pytest.approx(1.0) if is_defined else None), name


@settings(max_examples=100, deadline=None)
@given(ratings_data(), st.permutations(range(4)))
def test_renaming_the_labels_changes_nothing(ratings, permutation):
    recoded = np.where(ratings.codes == MISSING, MISSING,
                       np.array(permutation)[np.maximum(ratings.codes, 0)])
    renamed = Ratings(recoded, ratings.categories, ratings.coders, ratings.groups)
    before, after = point_estimates(ratings), point_estimates(renamed)
    for name in COEFFICIENTS:
        assert (before[name] is None) == (after[name] is None)
        if before[name] is not None:
            assert after[name] == pytest.approx(before[name], abs=1e-9)


@st.composite
def coded_study(draw):
    """A study's shape: 8-30 sessions of 5-30 turns, 2-4 coders who each give the true
    label with some probability (else a random one) and skip some turns."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sessions = draw(st.integers(8, 30))
    sizes = rng.integers(5, 31, sessions)
    coders = draw(st.integers(2, 4))
    accuracy = draw(st.floats(0.5, 1.0))
    skipped = draw(st.floats(0.0, 0.3))
    truth = rng.choice(5, sizes.sum(), p=[0.05, 0.05, 0.05, 0.3, 0.55])
    right = rng.random((len(truth), coders)) < accuracy
    codes = np.where(right, truth[:, None], rng.integers(0, 5, (len(truth), coders)))
    codes[rng.random(codes.shape) < skipped] = MISSING
    return Ratings(codes, tuple("abcde"), tuple(f"c{j}" for j in range(coders)),
                   np.repeat(np.arange(sessions), sizes))


@settings(max_examples=40, deadline=None)
@given(coded_study(), st.integers(0, 2**16))
def test_bootstrap_interval_contains_the_point_estimate(ratings, seed):
    """On data of a study's size. (On a handful of turns a percentile interval need not
    contain the estimate: hypothesis finds 6 turns whose kappa lies below what 97.5% of
    the resamples reach. Such a study is too small for any interval to mean much.)"""
    intervals = bootstrap(ratings, resample_weights(ratings.n_groups, 400, seed))
    for name, value in formula_estimates(ratings).items():
        if value is not None:
            low, high = intervals[name]
            assert low - 1e-9 <= value <= high + 1e-9, name


def test_bootstrap_resamples_sessions_not_turns():
    # One session: every resample is that session, so the interval has no width, however
    # much the turns inside it vary.
    rows = [("none", "none"), ("pretend", "none"), ("pretend", "pretend"), ("none", "none")]
    ratings = Ratings.from_labels(rows, "ab", groups=["s1"] * 4)
    low, high = bootstrap(ratings, resample_weights(1, 100, 0))["cohen_kappa"]
    assert low == high == pytest.approx(cohen_kappa(ratings))
    # The same turns as four sessions do vary.
    spread = Ratings.from_labels(rows, "ab", groups=["s1", "s2", "s3", "s4"])
    low, high = bootstrap(spread, resample_weights(4, 100, 0))["observed_agreement"]
    assert low < high


def test_bootstrap_is_seeded_and_counts_sessions():
    weights = resample_weights(7, 50, seed=3)
    assert weights.shape == (50, 7) and (weights.sum(axis=1) == 7).all()
    assert (weights == resample_weights(7, 50, seed=3)).all()
    assert not (weights == resample_weights(7, 50, seed=4)).all()


def test_bootstrap_is_linear_in_the_data():
    """5,000 turns in 100 sessions, three coders, 1,000 resamples, all labels: the whole
    report in well under the seconds a per-resample recount would take."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 5, 5000)
    codes = np.where(rng.random((5000, 3)) < 0.9, truth[:, None], rng.integers(0, 5, (5000, 3)))
    ratings = Ratings(codes, tuple("abcde"), ("x", "y", "z"), np.repeat(np.arange(100), 50))
    started = time.perf_counter()
    report = agreement_report(ratings, resample_weights(100, 1000, 0))
    assert time.perf_counter() - started < 10
    assert report["fleiss_kappa"]["low"] < report["fleiss_kappa"]["value"] \
        < report["fleiss_kappa"]["high"]


# --- coders' files ----------------------------------------------------------------------


def test_reads_annotation_jsonl_tsv_ids_and_csv_with_own_columns():
    a = read_coder_file(A)
    assert len(a.labels) == 8 and a.labels[("s1", 5)] == "psychic_equivalence"
    assert len(a.turns) == 16  # clinician turns too: context for the model
    b = read_coder_file(B)  # an "id" column holding session:turn; s3:5 skipped
    assert len(b.labels) == 7 and ("s3", 5) not in b.labels
    c = read_coder_file(C)
    assert c.labels[("s2", 3)] == "none" and not c.turns


def test_context_only_turns_are_not_codes(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"session": "s", "turn": 1, "label": "none"}\n'
        '{"session": "s", "turn": 2, "label": "pretend", "coded": false}\n'
        '{"session": "s", "turn": 3, "label": null}\n', encoding="utf-8")
    assert read_coder_file(path).labels == {("s", 1): "none"}


@pytest.mark.parametrize(("content", "line", "words"), [
    ("id\tlabel\ns1:1\tnone\ns1:3\tmentalising\n", 3, "unknown label 'mentalising'"),
    ("id\tlabel\ns1\tnone\n", 2, "not 'session:turn'"),
    ("id\tlabel\ns1:x\tnone\n", 2, "not a whole number"),
    ("id\tlabel\ns1:1\tnone\ns1:1\tnone\n", 3, "coded twice"),
    ("id\tcode\ns1:1\tnone\n", 1, "no 'label' column"),
])
def test_bad_rows_name_file_and_line(tmp_path, content, line, words):
    path = tmp_path / "coder.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_coder_file(path)
    assert caught.value.path == str(path) and caught.value.line == line
    assert words in str(caught.value)


def test_unknown_label_that_looks_like_text_is_not_quoted(tmp_path):
    path = tmp_path / "coder.csv"
    path.write_text("session,turn,label\ns,1,I keep thinking about the night it happened\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_coder_file(path)
    assert "night" not in str(caught.value) and "characters" in str(caught.value)


def test_a_coder_with_no_turn_in_common_is_named():
    with pytest.raises(InputError) as caught:
        load_study([A, FIXTURES / "no_overlap.tsv"])
    assert caught.value.path == str(FIXTURES / "no_overlap.tsv")


# --- the study: hand-checked agreement of the fixture coders ------------------------------


def test_two_coders_by_hand():
    """A and B both coded 7 turns and agree on 5 (s1:5 and s3:1 differ; B skipped s3:5).
    A: none 3, mentalizing 2, psychic_equivalence 1, teleological 1; B: none 3,
    mentalizing 3, teleological 1. Cohen: pe = (3*3 + 2*3 + 1*0 + 1*1)/49, kappa =
    (5/7 - 16/49)/(1 - 16/49) = 19/33. Scott/Fleiss: pooled 6, 5, 2, 1 of 14, pe = 66/196,
    kappa = 74/130. Krippendorff: 4 off-diagonal coincidences, n = 14, alpha =
    1 - 13 * 4 / (196 - 66) = 0.6. Gwet: shares over all 8 turns give pi = (none 4,
    mentalizing 2.5, psychic_equivalence .5, teleological 1, pretend 0)/8."""
    report = study_report(load_study([A, B]), resamples=0)
    (pair,) = report["comparisons"]
    assert pair["units"] == 8 and pair["pairable"] == 7
    assert pair["observed_agreement"]["value"] == round(5 / 7, 4)
    assert pair["cohen_kappa"]["value"] == round(19 / 33, 4)
    assert pair["fleiss_kappa"]["value"] == round(74 / 130, 4)
    assert pair["krippendorff_alpha"]["value"] == 0.6
    pi = [F(4, 8), F(5, 16), F(1, 16), F(1, 8), F(0)]
    pe = sum(p * (1 - p) for p in pi) / 4
    assert pair["gwet_ac1"]["value"] == round(float((F(5, 7) - pe) / (1 - pe)), 4)
    confusion = np.array(pair["confusion"]["matrix"])
    labels = pair["confusion"]["labels"]
    assert confusion.sum() == 7 and np.trace(confusion) == 5
    assert confusion[labels.index("psychic_equivalence"), labels.index("none")] == 1
    assert pair["per_label"]["teleological"]["cohen_kappa"]["value"] == 1.0
    assert pair["per_label"]["pretend"]["cohen_kappa"]["value"] is None  # nobody used it


def test_three_coders_together_and_pairwise():
    """Fleiss on the 7 turns all three coded (B skipped s3:5), per turn (label counts):
    none 3 | mentalizing 3 | psychic_equivalence 2 + none 1 | none 3 | teleological 2 +
    none 1 | none 1 + mentalizing 2 | mentalizing 3. P_i = 1 or 1/3: P-bar = 5/7; pooled
    none 9, mentalizing 8, psychic_equivalence 2, teleological 2 of 21: pe = 153/441,
    kappa = (5/7 - 153/441) / (1 - 153/441) = 162/288."""
    report = study_report(load_study([A, B, C]), resamples=50)
    names = [c["name"] for c in report["comparisons"]]
    assert names == ["all 3 coders", "coder_a ~ coder_b", "coder_a ~ coder_c",
                     "coder_b ~ coder_c"]
    together = report["comparisons"][0]
    assert together["fleiss_kappa"]["n"] == 7
    assert together["fleiss_kappa"]["value"] == round(162 / 288, 4)
    assert together["cohen_kappa"]["value"] is None  # defined for two coders only
    assert "confusion" not in together
    assert all("confusion" in pair for pair in report["comparisons"][1:])
    # Krippendorff's alpha uses s3:5 (two codes) too; Fleiss cannot.
    assert together["krippendorff_alpha"]["n"] == 8


def test_field_names_are_configurable(tmp_path):
    path = tmp_path / "custom.csv"
    path.write_text("sess,t,code\ns1,1,none\ns1,3,Mentalizing\n", encoding="utf-8")
    coder = read_coder_file(path, CoderFields(session="sess", turn="t", label="code"))
    assert coder.labels == {("s1", 1): "none", ("s1", 3): "mentalizing"}
    with pytest.raises(InputError, match="--label-field"):
        read_coder_file(path)
    path.write_text("sess,t,label\ns1,1,none\n", encoding="utf-8")
    with pytest.raises(InputError, match="--turn-field"):
        read_coder_file(path)


def test_disagreements_for_adjudication():
    study = load_study([A, B], adjudicated=FIXTURES / "adjudication.tsv")
    records = disagreements(study)
    assert [(r["session"], r["turn"]) for r in records] == [("s1", 5), ("s3", 1)]
    first = records[0]
    assert first["coder_a"] == "psychic_equivalence" and first["coder_b"] == "none"
    assert first["speaker"] == "Client" and first["text"].startswith("She hates me")
    assert first["label"] == "psychic_equivalence"  # adjudicated already
    assert records[1]["label"] is None and records[1]["reason"] is None


def test_reference_is_adjudicated_else_majority():
    study = load_study([A, B], adjudicated=FIXTURES / "adjudication.tsv")
    reference = study.reference()
    assert reference[("s1", 5)] == "psychic_equivalence"  # adjudicated
    assert reference[("s1", 3)] == "mentalizing"  # both agree
    assert reference[("s3", 1)] is None  # split, not adjudicated
    assert reference[("s3", 5)] is None  # one coder is no majority


@pytest.mark.parametrize("part", ["spoken", "rev16", "real"])
def test_kappa_matches_the_recorded_agreement_of_the_raw_coder_files(part):
    raw = REPO / "annotations" / part / "raw"
    recorded = json.loads((raw / "agreement.json").read_text(encoding="utf-8"))
    report = study_report(load_study([raw / "labeller_a.tsv", raw / "labeller_b.tsv"]),
                          resamples=0)
    (pair,) = report["comparisons"]
    assert pair["pairable"] == recorded["n"]
    assert pair["observed_agreement"]["value"] == recorded["observed_agreement"]
    assert pair["cohen_kappa"]["value"] == recorded["kappa"]
    for label, entry in recorded["per_label"].items():
        mine = pair["per_label"][label]
        assert mine["cohen_kappa"]["value"] == entry["kappa"], label
        assert list(mine["codes"].values()) == [entry["first"], entry["second"]]
    disputed = disagreements(load_study([raw / "labeller_a.tsv", raw / "labeller_b.tsv"]))
    assert len(disputed) == recorded["adjudicated"]


# --- the model as a coder -------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled(full_nlp):
    return full_nlp


def test_model_labels_are_the_tagged_modes_in_context(bundled):
    study = load_study([A, B])
    add_model(study, bundled)
    tagged = mbt_nlp.annotate(read_transcript(A), bundled)
    modes = {(r["session"], r["turn"]): r["mode"] for r in tagged if r["role"] == "client"}
    assert study.model == modes
    names = [c["name"] for c in study_report(study, resamples=20)["comparisons"]]
    assert names == ["coder_a ~ coder_b", "model ~ coder_a", "model ~ coder_b",
                     "model ~ reference"]


def test_model_needs_the_words(bundled):
    study = load_study([B, C])
    with pytest.raises(InputError, match="--transcripts"):
        add_model(study, bundled)


# --- the command ----------------------------------------------------------------------


def test_cli_reports_and_writes_json_and_disagreements(tmp_path):
    report, disputed = tmp_path / "agreement.json", tmp_path / "disputed.csv"
    result = runner.invoke(app, ["agree", str(A), str(B), "--bootstrap", "100", "--json",
                                 str(report), "--disagreements", str(disputed)])
    assert result.exit_code == 0, result.output
    assert "Cohen's κ" in result.output and f"{19 / 33:.3f}" in result.output
    assert "2 disagreement(s)" in result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    (pair,) = data["comparisons"]
    assert pair["cohen_kappa"]["value"] == round(19 / 33, 4)
    assert pair["cohen_kappa"]["low"] <= pair["cohen_kappa"]["value"] <= \
        pair["cohen_kappa"]["high"]
    assert data["bootstrap"]["resamples"] == 100 and data["sessions"] == 3
    with disputed.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["session", "turn", "speaker", "text", "coder_a", "coder_b",
                             "label", "reason"]
    assert [(r["session"], r["turn"], r["coder_a"], r["coder_b"]) for r in rows] == [
        ("s1", "5", "psychic_equivalence", "none"), ("s3", "1", "none", "mentalizing")]


def test_filled_in_disagreements_come_back_as_adjudication(tmp_path):
    disputed = tmp_path / "disputed.csv"
    result = runner.invoke(app, ["agree", str(A), str(B), "--bootstrap", "0",
                                 "--disagreements", str(disputed)])
    assert result.exit_code == 0, result.output
    with disputed.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["label"], rows[1]["label"] = "psychic_equivalence", "none"
    with disputed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    study = load_study([A, B], adjudicated=disputed)
    assert study.reference()[("s3", 1)] == "none"


def test_cli_writes_disagreements_as_jsonl(tmp_path):
    disputed = tmp_path / "disputed.jsonl"
    result = runner.invoke(app, ["agree", str(A), str(B), str(C), "--bootstrap", "0",
                                 "--disagreements", str(disputed)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in disputed.read_text(encoding="utf-8").splitlines()]
    # A/B split on s1:5 and s3:1; C also splits s2:3 (none vs teleological).
    assert [(r["session"], r["turn"]) for r in records] == [("s1", 5), ("s2", 3), ("s3", 1)]
    assert records[1]["coder_c"] == "none" and records[1]["text"].startswith("He'd have")


@pytest.mark.parametrize(("files", "where"), [
    (["unknown_label.tsv"], "unknown_label.tsv:3"),
    (["no_overlap.tsv"], "no_overlap.tsv"),
    (["missing.tsv"], "missing.tsv"),
])
def test_cli_errors_are_one_line_naming_the_file(files, where):
    result = runner.invoke(app, ["agree", str(A), *(str(FIXTURES / f) for f in files)])
    assert result.exit_code == 2, result.output
    assert where in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_needs_two_coders_or_the_model_and_keeps_outputs(tmp_path):
    result = runner.invoke(app, ["agree", str(A)])
    assert result.exit_code == 2 and "two or more" in result.output
    existing = tmp_path / "report.json"
    existing.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["agree", str(A), str(B), "--json", str(existing)])
    assert result.exit_code == 2 and "--force" in result.output
    assert existing.read_text(encoding="utf-8") == "{}"


def test_cli_model_beside_the_coders(tmp_path):
    report = tmp_path / "agreement.json"
    result = runner.invoke(app, ["agree", str(A), str(B), "--model", "bundled",
                                 "--adjudicated", str(FIXTURES / "adjudication.tsv"),
                                 "--bootstrap", "50", "--json", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    names = [c["name"] for c in data["comparisons"]]
    assert names == ["coder_a ~ coder_b", "model ~ coder_a", "model ~ coder_b",
                     "model ~ reference"]
    # s1:5 adjudicated; 5 turns both coders agree on; s3:1 split; s3:5 coded once.
    assert data["reference"] == {"adjudicated": 1, "majority": 5, "none": 2}
    assert data["comparisons"][-1]["pairable"] == 6
    assert "model ~ reference" in result.output


def test_cli_help_teaches_with_an_example():
    result = runner.invoke(app, ["agree", "--help"])
    assert result.exit_code == 0
    assert "Krippendorff" in result.output and "mbt agree annotations/" in result.output


def test_disagreements_without_words_round_trip(tmp_path):
    disputed = tmp_path / "disputed.csv"
    result = runner.invoke(app, ["agree", str(B), str(C), "--bootstrap", "0",
                                 "--disagreements", str(disputed)])
    assert result.exit_code == 0, result.output
    with disputed.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # B and C split on s1:5 and s2:3 (C's s3:5 has no partner); no words in either file.
    assert [(r["session"], r["turn"], r["speaker"], r["text"]) for r in rows] == [
        ("s1", "5", "", ""), ("s2", "3", "", "")]
    rows[1]["label"] = "none"
    with disputed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    study = load_study([B, C], adjudicated=disputed)
    assert study.adjudicated == {("s2", 3): "none"}
    assert not study.turns


def test_cli_takes_another_coding_scheme(tmp_path):
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    first.write_text("session,turn,label\ns,1,yes\ns,2,no\ns,3,yes\ns,4,no\n", encoding="utf-8")
    second.write_text("session,turn,label\ns,1,yes\ns,2,no\ns,3,no\ns,4,no\n",
                      encoding="utf-8")
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["agree", str(first), str(second), "--labels", "yes,no",
                                 "--bootstrap", "0", "--json", str(report)])
    assert result.exit_code == 0, result.output
    (pair,) = json.loads(report.read_text(encoding="utf-8"))["comparisons"]
    # po = 3/4; marginals yes 2/4 and 1/4: pe = (2*1 + 2*3)/16 = 1/2; kappa = 1/2.
    assert pair["cohen_kappa"]["value"] == 0.5
    result = runner.invoke(app, ["agree", str(first), str(second)])
    assert result.exit_code == 2 and "one.csv:2" in result.output
