"""Marker rules: positives per family and hard negatives from the codebook."""

from __future__ import annotations

import pytest

from tests.conftest import families, labels

PSYCHIC_EQUIVALENCE = [
    "I am unlovable.",
    "It just is.",
    "I'm such a failure, honestly.",
    "Nobody will ever want me.",
    "I know she despises me.",
    "I could tell from the way she looked that she was sick of me.",
    "I feel stupid, so I am stupid.",
    "im useless lol",
    "Everything is ruined. Nothing will change.",
    "He always lets me down, every single time.",
    "There's no point, that's just how it is.",
    # Verdicts as recorded clients say them: burden, fate of one's kind, others' contempt.
    "They'd all be better off without me.",
    "I feel like if I don't live anymore, she'll be okay.",
    "People like me are unaccepted in that world.",
    "I know she wouldn't give a shit right now.",
]
TELEOLOGICAL = [
    "I took an overdose; I must have been suicidal.",
    # Spoken with a modal: once only "helps" / "makes" counted.
    "I need to take all the pills, that's the only thing that'll make it stop.",
    "Nothing else will help, honestly, I just have to cut.",
    "What you do and not what you say.",
    "If you cared you would ring me.",
    "If he loved me he'd be here.",
    "He was late, so he doesn't care.",
    "Talk is cheap. Prove it.",
    "Words don't mean anything, actions do.",
    "You need to extend the session.",
    "He bought me flowers after, so he obviously does love me.",
    "The only thing that helps is cutting.",
    # The escape said flatly, as in recorded sessions: no "helps" or "works" after it.
    "It just seems that cutting myself is the only way out.",
    "Drinking is my only escape from it.",
]
PRETEND = [
    "It's my attachment style again, the abandonment schema, on some level.",
    "Yes, that's exactly the pattern we identified.",
    "I've done a lot of work on my inner child and my core wound.",
    "I understand it intellectually, it all goes back to my childhood.",
]
MENTALIZING = [
    "I think I snapped because I felt left out.",
    "Maybe she was just tired, I'm not sure.",
    "I wonder if he felt embarrassed.",
    "Looking back, I was scared he'd leave.",
    "From her point of view it probably looked like I didn't care.",
]
# Codebook "Not this label" notes and marker words in neutral talk.
HARD_NEGATIVES = [
    "I was born in 1990.",
    "It's not the only way out, I know that now.",
    "I tried everything and nothing else seemed to help until I talked to her.",
    "I always take the bus.",
    "I never drink coffee after six.",
    "I know the bus times by heart.",
    "He did ring me on Tuesday, which was nice.",
    "Obviously I had to pay the rent first.",
    "I'm bad at maths.",
    "We went to my mum's on Sunday and then drove back.",
    "Could we move Thursday's session to Friday? I have a dentist appointment.",
    "I do the shopping on Saturdays.",
    "I think it's Tuesday today.",
    "Everyone was at the party.",
    "Nothing much happened at work.",
    "Some people like me and some don't, that's life.",
    "He'd be better off without the car, to be honest.",
    "If I'm late, they'll be fine, they start without me.",
]


@pytest.mark.parametrize("text", PSYCHIC_EQUIVALENCE)
def test_psychic_equivalence_markers(nlp, text):
    assert "psychic_equivalence" in families(nlp(text))


@pytest.mark.parametrize("text", TELEOLOGICAL)
def test_teleological_markers(nlp, text):
    assert "teleological" in families(nlp(text))


@pytest.mark.parametrize("text", PRETEND)
def test_pretend_markers(nlp, text):
    assert "pretend" in families(nlp(text))


@pytest.mark.parametrize("text", MENTALIZING)
def test_mentalizing_markers(nlp, text):
    found = families(nlp(text))
    assert "mentalizing" in found
    assert not found & {"psychic_equivalence", "teleological"}


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_raise_no_mode_marker(nlp, text):
    assert not families(nlp(text)) & {"psychic_equivalence", "teleological", "pretend"}


def test_long_abstract_circular_turn_is_pretend(nlp):
    text = (
        "I think on some level it's about the pattern, the pattern of how I relate, and the "
        "pattern is really about my attachment, which links back to the pattern, so it's the "
        "same pattern of relating that keeps the narrative going, and the narrative is about "
        "the pattern of relating, which is my attachment pattern really."
    )
    doc = nlp(text)
    assert {"ABSTRACT_TALK", "REPETITION"} <= labels(doc)
    assert "pretend" in families(doc)


def test_every_span_names_rule_and_family(nlp):
    doc = nlp("I know he hates me. Maybe I'm wrong. If you cared you would call.")
    assert doc.spans["mbt"]
    for span in doc.spans["mbt"]:
        assert span.id_.split(".")[0] in {"pe", "te", "pr", "me"}
        assert span.kb_id_ in {"psychic_equivalence", "teleological", "pretend", "mentalizing"}
        assert span.label_.isupper()


@pytest.mark.parametrize("text", [
    "They'd all be better off without me.",
    "People like me are unaccepted in that world.",
    "He won't care about me anymore.",
])
def test_new_verdicts_are_global_judgements(nlp, text):
    # The marker floor (priors.MARKER_FLOOR) acts on this label: these must carry it.
    assert "GLOBAL_JUDGEMENT" in labels(nlp(text))


def test_a_hedged_verdict_about_another_is_set_aside(nlp):
    doc = nlp("Maybe she wouldn't care about me, I don't know.")
    assert "GLOBAL_JUDGEMENT" not in labels(doc)
    assert [c["reason"] for c in doc._.mbt_cancelled if c["label"] == "GLOBAL_JUDGEMENT"] == [
        "hedged"]


# Relief told as what a drastic act did: the phrase marks a mode only in a turn that names
# such an act, often sentences away from it (rule te.relief_from_act, needs_in_turn).
@pytest.mark.parametrize("text", [
    "I, um, I scratched my arm until it bled and then, like, then I could finally breathe "
    "again.",
    "Honestly the- the cutting is what gets me through.",
    "I took, um, I took a bunch of pills, just to- to make it stop for a bit.",
    "I punched the wall. I had to. Otherwise I would've exploded.",
    "So I had the blade in my bag. I went in the toilets. And after that it all went quiet.",
    # The act credited as what worked, and the feeling gone after it, in words of many
    # kinds (round 8 of the spoken sessions).
    "I sent him the message at two in the morning and, yeah, that's what settled it.",
    "Had a few beers in the shed and it was all gone, like, totally gone.",
    "I threw up after tea and it- it resets me, you know?",
    "So I put a bet on, and the knot in my chest let go.",
    "I drove up the motorway way too fast and it just went right out of me.",
])
def test_relief_from_a_drastic_act(nlp, text):
    assert "ACT_AS_RELIEF" in labels(nlp(text))


@pytest.mark.parametrize("text", [
    # The same relief with no drastic act in the turn.
    "The exam finished at four and then I could finally breathe again.",
    "I went for a run and after that it all went quiet in my head.",
    "The kids went to bed and the house went quiet.",
    "I went for a swim after work and after that I was fine.",
    "My sister rang and we laughed for an hour, that's what sorted it.",
    "The headache was gone by lunchtime.",
    # A drastic act with no relief told.
    "I cut myself on Tuesday and my mum drove me to A&E.",
    # The client's doubt sets it aside.
    "Maybe the cutting is what gets me through, I don't know.",
])
def test_relief_without_its_act_or_with_doubt_is_no_marker(nlp, text):
    assert "ACT_AS_RELIEF" not in labels(nlp(text))


@pytest.mark.parametrize("text", [
    "He never came to the hospital, so that tells you where I stand.",
    "If I mattered to her she would have rung.",
    "I just go by what folk do, me.",
    "If he was that bothered he'd have rung by now.",
    "if she was really sorry she would stop doing it",
])
def test_standing_read_off_acts_is_action_as_proof(nlp, text):
    assert "ACTION_AS_PROOF" in labels(nlp(text))


def test_not_knowing_where_one_stands_is_no_proof(nlp):
    assert "ACTION_AS_PROOF" not in labels(nlp("I don't know where I stand with him."))


def test_needs_in_turn_is_checked_on_load_and_kept_when_saved(tmp_path):
    from mbt_nlp.errors import ResourceError
    from mbt_nlp.pipeline.rules import RuleSet

    rule = {"id": "te.x", "label": "RELIEF", "family": "teleological", "reason": "r",
            "patterns": ["went quiet"], "needs_in_turn": "@acts|blade"}
    ruleset = RuleSet.from_dict({"rules": [rule], "lexicons": {"acts": ["pills"]}}, "r.json")
    saved = RuleSet.from_dict(ruleset.to_dict(), "saved.json")
    assert saved.rules[0].needs_in_turn == "@acts|blade" and saved.lexicons["acts"] == ["pills"]
    with pytest.raises(ResourceError, match="unknown lexicon"):
        RuleSet.from_dict({"rules": [{**rule, "needs_in_turn": "@nope"}]}, "r.json")
    with pytest.raises(ResourceError, match="needs_in_turn"):
        RuleSet.from_dict({"rules": [{**rule, "needs_in_turn": 3}]}, "r.json")
