"""A flagged turn names the word n-grams that added most to its mode."""

from __future__ import annotations

import numpy as np

from mbt_nlp.annotation.turns import annotate
from mbt_nlp.pipeline.components.classifier import EVIDENCE_BLOCK, ORDINARY
from mbt_nlp.pipeline.features import clean_text
from mbt_nlp.pipeline.linear_model import weighed_terms
from mbt_nlp.pipeline.resources import MODES, lexicon_set
from mbt_nlp.transcript import Turn
from mbt_nlp.writers.report import render_report
from tests.test_report import record

VERDICT = "I am so stupid, I ruin everything, I always have and I always will."
ONLY_ACT = "Honestly the only thing that makes it stop is when I cut, nothing else works."
REFLECTIVE = "I wonder if she was scared too, maybe that is why she left."


def test_weighed_terms_orders_by_what_each_term_adds_and_keeps_only_positive_ones():
    columns, values = np.array([0, 2, 3]), np.array([0.5, 0.5, 1.0])
    weights = np.array([2.0, 9.0, 1.0, -1.0])
    assert weighed_terms((columns, values), weights, ["a", "b", "c", "d"], 5) == ["a", "c"]
    assert weighed_terms((columns, values), weights, ["a", "b", "c", "d"], 1) == ["a"]
    assert weighed_terms((columns[:0], values[:0]), weights, ["a", "b", "c", "d"], 5) == []


def test_a_flagged_turn_names_words_of_its_own_that_push_towards_its_mode(full_nlp):
    classifier = full_nlp.get_pipe("mbt_classifier")
    model = classifier.model
    block = model.block(EVIDENCE_BLOCK)
    start = model.offsets[EVIDENCE_BLOCK]
    classes = list(model.classes)
    function_words = lexicon_set("stopword")
    for text in (VERDICT, ONLY_ACT):
        doc = full_nlp(text)
        assert doc._.mbt_mode in MODES
        evidence = doc._.mbt_mode_evidence
        assert 1 <= len(evidence) <= 5
        own = clean_text(doc).lower()
        contrast = (model.coef[classes.index(doc._.mbt_mode), start:start + block.width]
                    - model.coef[[classes.index(c) for c in ORDINARY],
                                 start:start + block.width].mean(axis=0))
        vocabulary = {t: i for i, t in enumerate(block.terms)}
        for words in evidence:
            term = words.replace("n't", " n't").replace("'m", " 'm")
            assert term in vocabulary and term in own
            assert contrast[vocabulary[term]] > 0  # it adds to the mode, not to the rest
            assert not function_words.issuperset(term.split())
    assert full_nlp(REFLECTIVE)._.mbt_mode_evidence is None


def test_records_carry_the_evidence_and_every_line_of_a_split_passage_shares_it(full_nlp):
    turns = [Turn("s", 0, "T", "clinician", "How was the week?"),
             Turn("s", 1, "C", "client", "I am so stupid, I ruin everything,"),
             Turn("s", 2, "C", "client", "I always have and I always will."),
             Turn("s", 3, "T", "clinician", "Say more."),
             Turn("s", 4, "C", "client", REFLECTIVE)]
    records = annotate(turns, full_nlp)
    first, second, reflective = (r for r in records if r["role"] == "client")
    assert first["mode"] in MODES and first["mode_evidence"]
    assert second["mode_evidence"] == first["mode_evidence"]
    assert reflective["mode_evidence"] == []
    assert all(r["mode_evidence"] == [] for r in records if r["role"] == "clinician")


def test_the_report_shows_the_words_that_weighed_most():
    flagged = {**record(1, "client", 5, "psychic_equivalence", 0.6),
               "mode_evidence": ["always will", "ruin"]}
    records = [record(0, "clinician", 3), flagged, record(2, "clinician", 3)]
    page = render_report(records, reasons={}, model_name="m", model_version="1")
    assert "Words that weighed most" in page and "“always will” · “ruin”" in page
    quiet = render_report([records[0], {**flagged, "mode_evidence": []}, records[2]],
                          reasons={}, model_name="m", model_version="1")
    assert "Words that weighed most" not in quiet


def test_the_turn_table_joins_the_evidence_in_one_cell():
    from mbt_nlp.annotation.summary import turn_row

    flagged = {**record(1, "client", 5, "psychic_equivalence", 0.6),
               "mode_evidence": ["always will", "ruin"]}
    assert turn_row(flagged)["mode_evidence"] == "always will; ruin"
    assert turn_row({**flagged, "mode_evidence": []})["mode_evidence"] is None


def test_explain_prints_the_words_that_weighed_most():
    from mbt_nlp.cli.main import app
    from typer.testing import CliRunner

    runner = CliRunner()
    flagged = runner.invoke(app, ["explain", ONLY_ACT])
    assert flagged.exit_code == 0, flagged.output
    assert "words that weighed most: the only" in " ".join(flagged.output.split())
    quiet = runner.invoke(app, ["explain", REFLECTIVE])
    assert quiet.exit_code == 0 and "words that weighed most" not in quiet.output


def test_a_mode_the_model_never_learnt_gets_no_evidence_and_no_error(full_nlp):
    classifier = full_nlp.get_pipe("mbt_classifier")
    doc = full_nlp(VERDICT)
    assert classifier.mode_evidence([doc], ["a_mode_it_never_saw"]) == [[]]
    assert classifier.mode_evidence([doc], [doc._.mbt_mode]) == [doc._.mbt_mode_evidence]


def test_an_ngram_that_starts_with_a_clitic_is_shown_with_the_word_it_leans_on():
    from mbt_nlp.pipeline.components.classifier import _with_host

    text = "well it 's obvious , i do n't need him"
    assert _with_host("'s obvious", text) == "it 's obvious"
    assert _with_host("n't need", text) == "do n't need"
    assert _with_host("obvious", text) == "obvious"
    assert _with_host("'s gone", text) == "'s gone"  # not in the text: left as it is
