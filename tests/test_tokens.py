"""Long space-free runs are tokenised in pieces; the text is never changed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import mbt_nlp
from mbt_nlp.pipeline.tokens import LONG_RUN, PIECE, make_doc

NLP = mbt_nlp.load(rules_only=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(min_size=0, max_size=30),
                          st.sampled_from(["!" * 300, "😀" * 150, "?!." * 90, " \n ", "  "]),
                          st.text(alphabet="ab-'.,!", min_size=90, max_size=400)),
                max_size=8))
def test_doc_text_is_the_input_text(parts):
    text = "".join(parts)
    assert make_doc(NLP, text).text == text


def test_long_runs_are_cut_and_ordinary_text_is_tokenised_as_usual():
    ordinary = "I know he hates me. It just is."
    assert [t.text for t in make_doc(NLP, ordinary)] == [t.text for t in NLP.make_doc(ordinary)]
    doc = make_doc(NLP, "well " + "!" * 1000 + " then I know he hates me")
    assert max(len(t.text) for t in doc) <= max(PIECE, LONG_RUN)
    assert doc.text.endswith("then I know he hates me")


def test_markers_still_found_after_a_long_run():
    from mbt_nlp.annotation.explain import explain

    found = explain("😀" * 2000 + " I know he hates me. It just is.", NLP)
    assert {m["label"] for m in found["markers"]} >= {"GLOBAL_JUDGEMENT", "FINALITY"}
