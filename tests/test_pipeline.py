"""Components serialise, pickle, run in worker processes and on a trained base."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
import spacy
from spacy.tokens import DocBin

import mbt_nlp
from mbt_nlp.pipeline.build import MBT_COMPONENTS
from mbt_nlp.pipeline.components.base import SavedAsJson
from tests.conftest import trained_base

TEXTS = [
    "I know he hates me. It just is.",
    "Maybe she was tired, I'm not sure.",
    "If you cared you would ring me (T: Mhm) and you don't.",
    "It's my attachment stuff on some level.",
]


def spans(doc):
    return [(s.start_char, s.end_char, s.label_, s.kb_id_, s.id_) for s in doc.spans["mbt"]]


def test_pipeline_components(nlp):
    assert list(MBT_COMPONENTS) == [n for n in nlp.pipe_names if n.startswith("mbt_")]


def test_to_disk_and_spacy_load_round_trip(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "mbt_markers" / "rules.json").exists()
    loaded = spacy.load(tmp_path / "pipe")
    for text in TEXTS:
        assert spans(loaded(text)) == spans(nlp(text))
        assert loaded(text)._.mbt_profile == nlp(text)._.mbt_profile


def test_saved_rules_travel_with_the_pipeline(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipe")
    rules_file = tmp_path / "pipe" / "mbt_markers" / "rules.json"
    data = json.loads(rules_file.read_text())
    data["rules"] = [r for r in data["rules"] if r["id"] != "pe.finality"]
    rules_file.write_text(json.dumps(data))
    loaded = spacy.load(tmp_path / "pipe")
    assert "pe.finality" not in {s.id_ for s in loaded("It just is.").spans["mbt"]}


def test_component_bytes_and_pickle(nlp):
    markers = nlp.get_pipe("mbt_markers")
    clone = pickle.loads(pickle.dumps(markers))
    assert clone.ruleset.to_dict() == markers.ruleset.to_dict()
    restored = nlp.get_pipe("mbt_context").from_bytes(nlp.get_pipe("mbt_context").to_bytes())
    assert restored.config.data["window"] > 0


ALTERED = {  # a valid change to each component's state, to see that loading replaces it
    "mbt_risk": lambda d: d["rules"].pop(),
    "mbt_markers": lambda d: d["rules"].pop(),
    "mbt_context": lambda d: d.update(window=d["window"] + 1),
    "mbt_discourse": lambda d: d["circular"].update(min_words=d["circular"]["min_words"] + 1),
}


def test_every_saved_as_json_component_keeps_its_whole_state(nlp, tmp_path):
    # Rules, lexicons and configurations, non-ASCII quote characters included, come back
    # exactly from the folder and from bytes, replacing what the component held.
    saved = [(name, pipe) for name, pipe in nlp.pipeline if isinstance(pipe, SavedAsJson)]
    assert {name for name, _ in saved} == set(ALTERED)
    for name, pipe in saved:
        pipe.to_disk(tmp_path / name)
        text = (tmp_path / name / pipe.data_file).read_text(encoding="utf-8")
        assert json.loads(text) == pipe.data()
        for source in ("folder", "bytes"):
            other = copy.deepcopy(pipe.data())
            ALTERED[name](other)
            fresh = type(pipe)(nlp, name)
            fresh.set_data(other, "test")
            assert fresh.data() != pipe.data()
            if source == "folder":
                fresh.from_disk(tmp_path / name)
            else:
                fresh.from_bytes(pipe.to_bytes())
            assert fresh.data() == pipe.data(), (name, source)
    curly = [q for q in nlp.get_pipe("mbt_context").data()["quote_chars"] if not q.isascii()]
    saved_context = (tmp_path / "mbt_context" / "context.json").read_text(encoding="utf-8")
    assert curly and all(q in saved_context for q in curly)  # as written, not \u-escaped


def test_docbin_keeps_spans_and_extensions(nlp):
    docs = list(nlp.pipe(TEXTS))
    data = DocBin(docs=docs, store_user_data=True).to_bytes()
    back = list(DocBin(store_user_data=True).from_bytes(data).get_docs(nlp.vocab))
    assert [spans(d) for d in back] == [spans(d) for d in docs]
    assert [d._.mbt_discourse for d in back] == [d._.mbt_discourse for d in docs]


@pytest.fixture(scope="module")
def full(full_nlp):
    return full_nlp


@pytest.mark.slow
def test_n_process_two_matches_one(full):
    one = [(spans(d), d._.mbt_proba) for d in full.pipe(TEXTS * 5, n_process=1)]
    two = [(spans(d), d._.mbt_proba) for d in full.pipe(TEXTS * 5, n_process=2, batch_size=4)]
    assert one == two


def test_full_pipeline_round_trip_with_classifier(full, tmp_path):
    full.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "mbt_classifier" / "model.npz").is_file()
    loaded = spacy.load(tmp_path / "pipe")
    for text in TEXTS:
        assert loaded(text)._.mbt_proba == full(text)._.mbt_proba


def test_works_on_installed_trained_pipeline(nlp):
    trained = mbt_nlp.load(trained_base())
    assert "parser" in trained.pipe_names and "mbt_markers" in trained.pipe_names
    for text in TEXTS:
        with_parser, blank = trained(text), nlp(text)
        assert {s.kb_id_ for s in with_parser.spans["mbt"]} == {
            s.kb_id_ for s in blank.spans["mbt"]
        }
