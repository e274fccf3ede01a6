"""Classifier: training, the saved pipeline, safe loading, priors, segments."""

from __future__ import annotations

import json
import os
import pathlib

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

import mbt_nlp
from mbt_nlp.annotation.turns import annotate
from mbt_nlp.errors import ModelError
from mbt_nlp.learn.training import train_pipeline
from mbt_nlp.pipeline.model_file import load_model
from mbt_nlp.pipeline.priors import DEFAULT_PRIOR, adjust, decide, parse_prior
from mbt_nlp.pipeline.resources import LABELS, MODES
from mbt_nlp.readers import read_transcript
from tests.conftest import REPO

WRITTEN = REPO / "annotations" / "written"
EXAMPLE = REPO / "mbt_nlp" / "examples" / "session.txt"


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A pipeline trained on four sessions of each writer (fast, still all five labels)."""
    files = [f for w in sorted(WRITTEN.iterdir()) if w.is_dir()
             for f in sorted(w.glob("*_s0[1-4].jsonl"))]
    out = tmp_path_factory.mktemp("model") / "pipe"
    train_pipeline(files, out, seed=0, combine_windows=True)
    return out


@pytest.fixture(scope="module")
def sklearn_model():
    """A small scikit-learn model of the bundled kind, fitted on a few written sessions."""
    from mbt_nlp.learn.corpus import load_corpus
    from mbt_nlp.learn.training import build_model

    files = sorted((WRITTEN / "w1").glob("*_s0[1-3].jsonl"))
    corpus = load_corpus(mbt_nlp.load(rules_only=True), files)
    return build_model().fit(corpus.X, corpus.units.labels)


def test_trained_pipeline_loads_and_labels_client_turns(small_model):
    nlp = mbt_nlp.load(model=str(small_model))
    assert nlp.pipe_names[-1] == "mbt_classifier"
    records = annotate(read_transcript(EXAMPLE), nlp)
    for record in records:
        if record["role"] == "client":
            assert record["mode"] in LABELS
            assert set(record["proba"]) == set(LABELS)
            assert sum(record["proba"].values()) == pytest.approx(1, abs=1e-3)
        else:
            assert record["mode"] is None and record["proba"] is None
    flagged = [r for r in records if r["mode"] in MODES]
    assert flagged, "the example session has clear non-mentalizing turns"
    for record in flagged:
        assert record["segments"]
        for seg in record["segments"]:
            assert 0 <= seg["start"] < seg["end"] <= len(record["text"])
            assert seg["mode"] in MODES


def test_label_clinician_option(small_model):
    nlp = mbt_nlp.load(model=str(small_model))
    records = annotate(read_transcript(EXAMPLE), nlp, label_clinician=True)
    assert all(r["mode"] in LABELS for r in records)


def test_training_is_reproducible(small_model, tmp_path):
    files = [f for w in sorted(WRITTEN.iterdir()) if w.is_dir()
             for f in sorted(w.glob("*_s0[1-4].jsonl"))]
    again = train_pipeline(files, None, seed=0, combine_windows=True)
    first = mbt_nlp.load(model=str(small_model))
    text = "If he cared he would have rung. Talk is cheap."
    assert again(text)._.mbt_proba == first(text)._.mbt_proba


def test_bundled_model_is_loaded_by_default():
    nlp = mbt_nlp.load()
    assert "mbt_classifier" in nlp.pipe_names
    doc = nlp("I know she hates me. It just is, there's nothing to discuss.")
    assert doc._.mbt_mode == "psychic_equivalence"
    assert mbt_nlp.load(rules_only=True).pipe_names[-1] == "mbt_profile"


def test_saved_model_is_arrays_read_without_unpickling(small_model):
    folder = small_model / "mbt_classifier"
    assert (folder / "model.npz").is_file() and (folder / "combiner.npz").is_file()
    assert not list(folder.glob("*.skops"))
    with np.load(folder / "model.npz", allow_pickle=False) as archive:
        assert all(archive[key].dtype != object for key in archive.files)


def test_word_view_keeps_one_letter_words_and_contractions(sklearn_model):
    # The text is spaCy's tokens joined by spaces; scikit-learn's default token pattern
    # dropped "i", "a", "n't" and "'m", which say who a verdict is about and whether
    # it is denied. The array model must split the text the same way.
    from mbt_nlp.pipeline.linear_model import from_sklearn

    vocabulary = sklearn_model.named_steps["features"].named_transformers_["ngrams"].vocabulary_
    assert {"i", "n't", "'m"} <= set(vocabulary)
    block = from_sklearn(sklearn_model).block("ngrams")
    assert block.analyzer_function()("i 'm a mess") == [
        "i", "'m", "a", "mess", "i 'm", "'m a", "a mess"]


def test_model_folder_of_an_older_version_still_loads(small_model, sklearn_model, tmp_path):
    # Folders written before the array format hold skops files: read safely, converted,
    # and scored exactly as the same model saved as arrays.
    import shutil

    from mbt_nlp.pipeline.linear_model import from_sklearn
    from mbt_nlp.pipeline.model_file import save_model, write_model

    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        shutil.copytree(small_model, folder)
        for stale in (folder / "mbt_classifier").glob("*.npz"):
            stale.unlink()
    save_model(sklearn_model, old / "mbt_classifier" / "model.skops")
    write_model(from_sklearn(sklearn_model), new / "mbt_classifier")
    text = "If he cared he would have rung. Talk is cheap."
    assert mbt_nlp.load(model=str(old))(text)._.mbt_proba == \
        mbt_nlp.load(model=str(new))(text)._.mbt_proba



def test_model_with_foreign_type_is_refused(tmp_path):
    evil = Pipeline([("f", FunctionTransformer(func=os.getcwd))])
    path = tmp_path / "evil.skops"
    sio.dump(evil, path)
    with pytest.raises(ModelError, match="outside the allowlist") as err:
        load_model(path)
    assert "getcwd" in str(err.value) and str(path) in str(err.value)


def test_corrupt_model_file_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.skops"
    path.write_bytes(b"not a zip archive")
    with pytest.raises(ModelError, match="skops"):
        load_model(path)


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match=r"config\.cfg"):
        mbt_nlp.load(model=str(tmp_path))


def test_parse_prior_fills_and_normalises():
    prior = parse_prior("psychic_equivalence=0.05,pretend=0.02")
    assert prior["psychic_equivalence"] == 0.05 and prior["pretend"] == 0.02
    assert sum(prior.values()) == pytest.approx(1)
    for bad in ("nonsense=0.1", "pretend=2", "pretend", "pretend=0.6,none=0.6"):
        with pytest.raises(ValueError):
            parse_prior(bad)


def test_prior_adjustment_and_decision():
    classes = list(LABELS)
    raw = np.array([[0.3, 0.1, 0.1, 0.2, 0.3]])
    flat = dict.fromkeys(LABELS, 0.2)
    same = adjust(raw, classes, flat, flat)
    assert np.allclose(same, raw)
    rare = adjust(raw, classes, flat, DEFAULT_PRIOR)
    assert rare[0, :3].sum() < raw[0, :3].sum()
    assert np.isclose(rare.sum(), 1)
    assert decide(raw, classes, threshold=0.9) == ["none"]
    assert decide(raw, classes, threshold=0.5) == ["psychic_equivalence"]


def test_cli_train_and_tag_with_model(tmp_path, small_model):
    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(app, ["tag", str(EXAMPLE), "--model", str(small_model),
                                      "--prior", "psychic_equivalence=0.2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert all("mode" in r for r in records)
    bad = CliRunner().invoke(app, ["tag", str(EXAMPLE), "--prior", "calm=1", "-o", "-"])
    assert bad.exit_code == 2 and "--prior" in bad.output


def test_clinician_turns_are_not_classified(small_model):
    from mbt_nlp.annotation.turns import annotate_pairs

    nlp = mbt_nlp.load(model=str(small_model))
    pairs = list(annotate_pairs(nlp, read_transcript(EXAMPLE)))
    clinician = [(r, d) for r, d in pairs if r["role"] == "clinician"]
    assert clinician
    for record, doc in clinician:
        assert doc._.mbt_proba is None  # never scored: its probabilities were thrown away
        assert record["mode"] is None and record["proba"] is None and record["segments"] == []


def test_long_turn_is_judged_with_its_windows(small_model, tmp_path):
    story = ("We drove down on the Friday after work and my sister had the kids in the back. "
             "It rained the whole way and the satnav kept sending us through little villages. ")
    verdict = ("And she didn't even look at me when we got there. She hates me. She has always "
               "hated me, that's just a fact, nobody will ever change that, it just is.")
    path = tmp_path / "long.txt"
    path.write_text("T: How was the weekend?\nC: " + story * 4 + verdict + "\n", encoding="utf-8")
    nlp = mbt_nlp.load(model=str(small_model))
    doc = nlp(path.read_text().split("C: ", 1)[1].strip())
    windows = doc.user_data["mbt_windows"]
    assert len(windows) >= 3
    pe = LABELS.index("psychic_equivalence")
    strongest = max(windows, key=lambda w: w[1][pe])
    assert "hates me" in doc.text[strongest[0][0]:strongest[0][1]]
    record = annotate(read_transcript(path), nlp)[1]
    if record["mode"] in MODES:  # a flag names the window that carries it, not the story
        assert any("hates me" in record["text"][s["start"]:s["end"]] for s in record["segments"])
        assert all(s["end"] - s["start"] < len(record["text"]) for s in record["segments"])


def test_train_refuses_to_write_into_the_installed_package(tmp_path):
    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    from mbt_nlp.pipeline.build import bundled_model_dir

    target = bundled_model_dir().parent / "somewhere_new"
    result = CliRunner().invoke(app, ["train", str(WRITTEN / "w1"), "-o", str(target)])
    assert result.exit_code == 2 and "inside the installed package" in result.output
    assert not target.exists()


def _own_interventions(files: list[pathlib.Path]) -> list[str]:
    """`--interventions` on the files given: without it `mbt train` also fits the
    intervention classifier on every bundled clinician code (about 20 s)."""
    return [arg for f in files for arg in ("--interventions", str(f))]


def test_train_warns_on_tiny_one_session_data(tmp_path):
    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    one = sorted((WRITTEN / "w1").glob("*_s01.jsonl"))
    result = CliRunner().invoke(app, ["train", *map(str, one), *_own_interventions(one),
                                      "-o", str(tmp_path / "m")])
    assert "warning: only" in result.output and "1 session(s)" in result.output
    assert result.exit_code == 0 and (tmp_path / "m" / "config.cfg").is_file()
    # The windows combiner needs out-of-fold scores, so two sessions at least: one line.
    result = CliRunner().invoke(app, ["train", *map(str, one), "--combine-windows",
                                      "-o", str(tmp_path / "m2")])
    assert result.exit_code == 1 and "at least two sessions" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_train_fits_the_intervention_classifier_on_every_bundled_code_by_default(tmp_path):
    from mbt_nlp.cli.main import app, default_intervention_paths
    from typer.testing import CliRunner

    from mbt_nlp.learn.interventions import load_clinician_turns

    one = sorted((WRITTEN / "w1").glob("*_s01.jsonl"))
    result = CliRunner().invoke(app, ["train", *map(str, one), "-o", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    coded = load_clinician_turns(default_intervention_paths())
    settings = mbt_nlp.load(model=str(tmp_path / "m")).get_pipe("mbt_intervention").settings
    assert settings["trained_on"]["turns"] == len(coded.codes) > 10_000
    assert f"intervention classifier: {len(coded.codes)} coded clinician turns" in result.output


def test_train_makes_the_output_folder_or_says_why_not(tmp_path):
    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    one = sorted((WRITTEN / "w1").glob("*_s01.jsonl"))
    nested = tmp_path / "runs" / "fold1" / "m"
    result = CliRunner().invoke(app, ["train", *map(str, one), *_own_interventions(one),
                                      "-o", str(nested)])
    assert result.exit_code == 0 and (nested / "config.cfg").is_file()
    (tmp_path / "a_file").write_text("x")
    result = CliRunner().invoke(app, ["train", *map(str, one), "-o",
                                      str(tmp_path / "a_file" / "m")])
    assert result.exit_code == 2 and "cannot make its folder" in result.output
    assert "Traceback" not in result.output


def test_evaluate_scores_a_given_model_without_training(small_model, tmp_path):
    import json as json_lib

    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    spoken = REPO / "annotations" / "spoken"
    files = [str(spoken / "w9_s01.jsonl"), str(spoken / "w9_s02.jsonl")]
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(app, ["evaluate", "--model", str(small_model),
                                      "--spoken", files[0], "--spoken", files[1],
                                      "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "| >100 |" in result.output or "| 31-100 |" in result.output
    scores = json_lib.loads(out.read_text())["spoken"]
    gold = sum(1 for f in files
               for line in pathlib.Path(f).read_text(encoding="utf-8").splitlines()
               if json_lib.loads(line)["role"] == "client")
    assert scores["turns"] == gold
    assert sum(b["turns"] for b in scores["by_length"].values()) == gold
    # Written sessions of two writers (not trained on): macro-F1 of each beside the pooled one.
    written = [str(WRITTEN / w / f"{w}_s05.jsonl") for w in ("w1", "w2")]
    result = CliRunner().invoke(app, ["evaluate", "--model", str(small_model), "--written",
                                      written[0], "--written", written[1], "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert list(json_lib.loads(out.read_text())["written"]["by_writer"]) == ["w1", "w2"]
    assert "macro-F1 by writer (2 writers): lowest" in result.output
    missing = CliRunner().invoke(app, ["evaluate", "--model", str(small_model)])
    assert missing.exit_code == 2 and "files the model was not trained on" in missing.output
    contrast = CliRunner().invoke(app, ["evaluate", "--model", str(small_model),
                                        "--contrast", files[0]])
    assert contrast.exit_code == 2 and "--written" in contrast.output
