"""Spoken disfluency is not circularity: self-repairs and restarts are set aside
before the discourse component looks for repetition, and circling still counts."""

from __future__ import annotations

import pytest

from tests.conftest import labels

SELF_REPAIRS = [
    # (turn, words that must be marked as restarts, not claims)
    ("it's- it's the battle with the outside world, you know", ["it's-"]),
    ("I've- I've- I've been thinking about it all week", ["I've-", "I've-"]),
    ("I was at the- at the station when she rang", ["at", "the-"]),
    ("it was Tuesday, Tuesday, because the bins go out", ["Tuesday"]),
    ("we went, we went to the shop and that was it", ["we", "went"]),
]


@pytest.mark.parametrize(("text", "restarts"), SELF_REPAIRS)
def test_self_repairs_are_marked_as_disfluency(nlp, text, restarts):
    doc = nlp(text)
    marked = [s.text for s in doc.spans["mbt_disfluency"] if s.label_ in {"REPEAT", "FALSE_START"}]
    assert marked == restarts


def test_one_copy_of_a_repeated_phrase_stays_the_speakers_words(nlp):
    doc = nlp("I know, I know he hates me.")
    # The restart is set aside; the claim said once is still a claim.
    assert "MIND_READING" in labels(doc)


# A long, concrete, reflective turn full of restarts and confirmations: no circling.
LONG_REPAIRED_TURN = (
    "So I- I- I went back on the Saturday, Saturday morning, and um, the- the flat was, it "
    "was just as she left it, you know, and I sat- I sat on the stairs for a bit [sighs] and I "
    "thought, okay, okay, what am I actually feeling here, and I think, I think it was more "
    "embarrassed than sad, if that makes sense, because my brother- my brother was there and "
    "I- I didn't want him to see me like that, so I made a joke about the- about the plants "
    "and he laughed and then, then we just got on with the boxes, the boxes and the- the "
    "lamp and the kitchen stuff, and it was fine, it was fine, honestly, until the car."
)


def test_long_turn_of_self_repairs_is_not_repetition(nlp):
    doc = nlp(LONG_REPAIRED_TURN)
    assert "REPETITION" not in labels(doc)


def test_a_story_that_names_one_thing_often_is_not_circling(nlp):
    text = (
        "Then I started the new game, Harbour Lights. Harbour Lights is the sequel to the first "
        "Harbour Lights, and the first Harbour Lights was the one I played with my cousin every "
        "summer at the lake house, the lake house in Maine, so Harbour Lights brings all that "
        "back, the lake house and the boat and my cousin's old dog, and Harbour Lights has that "
        "same music."
    )
    assert "REPETITION" not in labels(nlp(text))


def test_genuine_circling_across_sentences_still_counts(nlp):
    text = (
        "It's about the dynamic, really. The dynamic of how I process things. And processing is "
        "the dynamic, so the way I process the dynamic is my pattern. My pattern is how I "
        "process, and the dynamic keeps processing itself. That's the pattern of the dynamic, "
        "the way I process."
    )
    assert "REPETITION" in labels(nlp(text))
