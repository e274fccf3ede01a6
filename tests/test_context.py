"""Context: hedges, negation, questions, reported speech, fillers, interjections."""

from __future__ import annotations

import pytest

from tests.conftest import families, mibot_utterance, needs_mibot

MODES = {"psychic_equivalence", "teleological", "pretend"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Maybe he hates me, I don't know.", "hedged"),
        ("I'm not sure he hates me.", "hedged"),
        ("Does he hate me?", "question"),
        ("She said I never listen, that nobody ever listens to her.", "reported"),
        ("My mum says I'm useless.", "reported"),
        ("It's not that nobody cares.", "negated"),
        ('On the card: "if you cared you would call".', "quoted"),
    ],
)
def test_context_cancels_marker(nlp, text, reason):
    doc = nlp(text)
    assert not families(doc) & MODES
    assert reason in {c["reason"] for c in doc._.mbt_cancelled}


def test_unqualified_marker_stays(nlp):
    doc = nlp("He hates me.")
    assert "psychic_equivalence" in families(doc)
    assert doc._.mbt_cancelled == []


def test_demand_in_question_form_is_still_a_demand(nlp):
    assert "teleological" in families(nlp("Why won't you ring me tonight?"))


@pytest.mark.parametrize("text", [
    "I'm so stupid, you know?",
    "I just- I'm so stupid, um, you know? I'm such a- such an idiot.",
    "He hates me, right?",
    "He hates me y'know?",
    "She hates me, isn't it?",
])
def test_a_spoken_tag_question_does_not_make_a_statement_a_question(nlp, text):
    # Said haltingly with a tag, harsh self-condemnation was once set aside as "asked".
    doc = nlp(text)
    assert "psychic_equivalence" in families(doc)
    assert "question" not in {c["reason"] for c in doc._.mbt_cancelled}


@pytest.mark.parametrize("text", [
    "Does he hate me, you know?",
    "Does he hate me? You know?",
    "Is it that he hates me, do you think?",
])
def test_a_real_question_with_or_without_a_tag_is_still_a_question(nlp, text):
    doc = nlp(text)
    assert not families(doc) & MODES
    assert "question" in {c["reason"] for c in doc._.mbt_cancelled}


def test_interjection_is_not_the_clients_words(nlp):
    doc = nlp("I went to the shop (T: you always say he hates you) and bought milk.")
    assert not families(doc) & MODES
    kinds = {s.label_ for s in doc.spans["mbt_disfluency"]}
    assert "INTERJECTION" in kinds


def test_artefacts_and_disfluencies_recognised(nlp):
    doc = nlp("I I went- I went home [inaudible] and um, you know, sort of, sat there.")
    kinds = [s.label_ for s in doc.spans["mbt_disfluency"]]
    assert {"REPEAT", "FALSE_START", "ARTEFACT", "FILLER"} <= set(kinds)


def test_filler_kind_of_is_no_hedge_but_real_hedge_is(nlp):
    filler = nlp("I kind of, you know, went home.")
    hedge = nlp("I was kind of scared he'd go.")
    assert "HEDGE" not in {s.label_ for s in filler.spans["mbt"]}
    assert "HEDGE" in {s.label_ for s in hedge.spans["mbt"]}


def test_you_know_is_not_knowledge(nlp):
    doc = nlp("you know, he hates me, you know")
    assert "MIND_READING" not in {s.label_ for s in doc.spans["mbt"]}
    fillers = [s.text.lower() for s in doc.spans["mbt_disfluency"] if s.label_ == "FILLER"]
    assert fillers.count("you know") == 2


def filler_texts(doc) -> list[str]:
    return [s.text.lower() for s in doc.spans["mbt_disfluency"] if s.label_ == "FILLER"]


@needs_mibot
@pytest.mark.parametrize(
    ("prefix", "index", "filler", "is_filler"),
    [
        ("40c5f14f0520", 67, "i mean", True),  # "And I mean not really, ..."
        ("ec3ec3978576", 5, "i mean", True),  # "..., quitting I mean."
        ("f8bdfc7adf16", 65, "i mean", False),  # "... I mean it a diary ..."
        ("c35feb5059ac", 53, "you know", False),  # "Do you know anything about ..."
        ("d3f54cd33c0b", 32, "you know", False),  # "You know what ... is like?"
        ("b500c442a4bb", 11, "sort of", False),  # "Just sort of sad": a hedge
    ],
)
def test_fillers_on_real_mibot_lines(nlp, prefix, index, filler, is_filler):
    text = mibot_utterance(prefix, index)
    assert filler in text.lower()
    assert (filler in filler_texts(nlp(text))) is is_filler


def test_question_tags_are_optional_and_checked_on_load():
    from mbt_nlp.errors import ResourceError
    from mbt_nlp.pipeline.components.context import ContextConfig

    data = dict(ContextConfig.load().data)
    older = {k: v for k, v in data.items() if k not in ("question_tags", "question_openers")}
    assert "question_tags" not in ContextConfig.from_dict(older, "old.json").data  # still loads
    with pytest.raises(ResourceError, match="question_tags"):
        ContextConfig.from_dict({**data, "question_tags": "you know"}, "bad.json")


@pytest.mark.parametrize(("text", "reason"), [
    ("And she went, you're useless, you always ruin everything.", "reported"),
    ('He goes "you always ruin everything" and walks off.', "reported"),
])
def test_went_and_goes_report_only_as_quotatives(nlp, text, reason):
    assert reason in {c["reason"] for c in nlp(text)._.mbt_cancelled}


def test_a_body_that_went_tight_reports_nobody(nlp):
    # Bodily panic with a verdict on oneself: "went" once made the verdict someone's words.
    doc = nlp("My chest went tight and I couldn't breathe and I'm pathetic, I'm a failure.")
    assert "psychic_equivalence" in families(doc)
    assert not doc._.mbt_cancelled


@pytest.mark.parametrize(("text", "negated"), [
    ("I couldn't sleep and everyone hates me.", False),
    ("I didn't go because nobody cares anyway.", False),
    ("It's not that nobody cares.", True),
    ("I don't think nobody cares.", True),
])
def test_a_negation_stops_at_the_next_clause(nlp, text, negated):
    reasons = {c["reason"] for c in nlp(text)._.mbt_cancelled}
    assert ("negated" in reasons) == negated


def test_it_is_like_compares_and_reports_nobody(nlp):
    # "it's like ..." once made the client's own relief someone else's words.
    doc = nlp("I did it with the blade and honestly it's like everything goes still.")
    assert "ACT_AS_RELIEF" in {s.label_ for s in doc.spans["mbt"]}
    assert "reported" in {c["reason"] for c in nlp(
        "And I cut, and she was like, it all went quiet for you then.")._.mbt_cancelled}
