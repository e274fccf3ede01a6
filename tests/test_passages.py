"""Passages: a speaker's consecutive lines are judged together, every line kept."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from mbt_nlp.annotation.passages import passage_label, passages
from mbt_nlp.annotation.turns import annotate
from mbt_nlp.learn.corpus import load_corpus
from mbt_nlp.transcript import CLIENT, CLINICIAN, Turn


def turn(index: int, speaker: str, text: str, session: str = "s") -> Turn:
    role = CLIENT if speaker == "C" else CLINICIAN
    return Turn(session=session, index=index, speaker=speaker, role=role, text=text)


SPLIT_MESSAGE = [
    turn(0, "T", "What would help you keep going?"),
    turn(1, "C", "Always keep the end result in focus,"),
    turn(2, "C", "maintain your excitement and enthusiasm,"),
    turn(3, "C", "and keep moving forward"),
    turn(4, "T", "And for you, this week?"),
    turn(5, "C", "I don't know, maybe walk more"),
]


def test_consecutive_lines_of_one_speaker_form_one_passage():
    groups = [[t.index for t in p.lines] for p in passages(SPLIT_MESSAGE)]
    assert groups == [[0], [1, 2, 3], [4], [5]]
    joined = list(passages(SPLIT_MESSAGE))[1]
    assert joined.text == ("Always keep the end result in focus, maintain your excitement and "
                           "enthusiasm, and keep moving forward")
    assert joined.turn_range == (1, 3)


def test_sessions_and_the_word_cap_end_a_passage():
    lines = [turn(0, "C", "one two three", "a"), turn(1, "C", "four five", "b"),
             turn(2, "C", "six seven", "b"), turn(3, "C", "eight", "b")]
    assert [len(p.lines) for p in passages(lines)] == [1, 3]
    assert [len(p.lines) for p in passages(lines, max_words=4)] == [1, 2, 1]


@given(st.lists(st.tuples(st.sampled_from("CT"), st.sampled_from("ab"),
                          st.integers(min_value=0, max_value=400)), max_size=40))
def test_every_turn_is_in_exactly_one_passage_in_order(spec):
    lines = [turn(i, speaker, "w " * words, session)
             for i, (speaker, session, words) in enumerate(spec)]
    grouped = [t for p in passages(lines) for t in p.lines]
    assert grouped == lines
    for p in passages(lines):
        assert len({(t.speaker, t.session) for t in p.lines}) == 1
        assert len(p.lines) == 1 or sum(len(t.text.split()) for t in p.lines) <= 300


def test_passage_label_prefers_a_mode_then_mentalizing():
    assert passage_label(["none", "pretend", "none"]) == "pretend"
    assert passage_label(["mentalizing", "none"]) == "mentalizing"
    assert passage_label(["none"]) == "none"
    assert passage_label(["pretend", "teleological", "teleological"]) == "teleological"
    assert passage_label(["pretend", "teleological"]) == "teleological"  # tie: codebook order


def test_lines_of_a_passage_report_the_passage_mode(full_nlp):
    records = annotate(SPLIT_MESSAGE, full_nlp)
    assert [r["turn"] for r in records] == [0, 1, 2, 3, 4, 5]
    joined = full_nlp.make_doc(" ".join(t.text for t in SPLIT_MESSAGE[1:4]))
    joined._.mbt_previous_text = SPLIT_MESSAGE[0].text
    expected = full_nlp(joined)._.mbt_proba
    for record in records[1:4]:
        assert record["passage"] == [1, 3]
        assert record["proba"] == expected
        assert record["mode"] == full_nlp(joined)._.mbt_mode
    # A one-line turn is judged on its own words, with the markers of that line only.
    alone = full_nlp.make_doc(SPLIT_MESSAGE[5].text)
    alone._.mbt_previous_text = SPLIT_MESSAGE[4].text
    assert records[5]["passage"] == [5, 5]
    assert records[5]["proba"] == full_nlp(alone)._.mbt_proba
    for record in records:
        for marker in record["markers"]:
            assert record["text"][marker["start"]:marker["end"]] == marker["text"]


def test_every_line_answers_the_passage_before_its_own(full_nlp):
    """The classifiers were trained on passages, each beside the passage before it: so
    when tagging, every line of a passage and the joined passage are told that text (the
    echo signal, the words a clinician answers), not just the line before."""
    from collections import deque

    from mbt_nlp.annotation.turns import passage_docs

    lines = [turn(0, "T", "You said she hates you."), turn(1, "T", "What makes you sure?"),
             turn(2, "C", "She hates me,"), turn(3, "C", "everyone knows it"),
             turn(4, "T", "Everyone?"), turn(5, "C", "no, not everyone", session="other")]
    docs = list(passage_docs(full_nlp, lines, deque()))
    told = [(doc.text, doc._.mbt_previous_text) for doc in docs]
    clinician = "You said she hates you. What makes you sure?"
    client = "She hates me, everyone knows it"
    assert told == [
        (lines[0].text, None), (lines[1].text, None),
        (lines[2].text, clinician), (lines[3].text, clinician), (client, clinician),
        ("Everyone?", client),
        ("no, not everyone", None),
    ]


def test_rule_only_pipeline_reports_passages_without_modes(nlp):
    records = annotate(SPLIT_MESSAGE, nlp)
    assert [r["passage"] for r in records][1:4] == [[1, 3]] * 3
    assert all("mode" not in r for r in records)


def test_training_corpus_is_built_from_passages(tmp_path, nlp):
    rows = [{"session": "x", "turn": i, "speaker": t.speaker, "role": t.role, "text": t.text,
             "label": label}
            for i, (t, label) in enumerate(zip(SPLIT_MESSAGE, [None, "pretend", "none", "none",
                                                               None, "none"], strict=True))]
    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    corpus = load_corpus(nlp, [path])
    assert corpus.lines.labels == ["pretend", "none", "none", "none"]
    assert corpus.units.labels == ["pretend", "none"]
    assert corpus.unit_of_line.tolist() == [0, 0, 0, 1]
    assert len(corpus.X) == 2 and corpus.X["text"].str.contains("moving forward").iloc[0]


def test_classifier_leaves_lines_judged_with_their_passage(full_nlp):
    doc = full_nlp.make_doc("and keep moving forward")
    doc._.mbt_in_passage = True
    assert full_nlp(doc)._.mbt_proba is None
    assert full_nlp("and keep moving forward")._.mbt_proba is not None


def test_passages_survive_several_processes(full_nlp):
    from mbt_nlp.annotation.turns import annotate_turns

    one = list(annotate_turns(full_nlp, SPLIT_MESSAGE))
    two = list(annotate_turns(full_nlp, SPLIT_MESSAGE, n_process=2, batch_size=2))
    assert [(r["passage"], r["mode"], r["proba"]) for r in two] == \
        [(r["passage"], r["mode"], r["proba"]) for r in one]


def test_stages_run_one_at_a_time_give_the_records_of_the_lazy_run(full_nlp):
    # benchmarks/stages.py times each stage over the whole corpus before the next;
    # that must be the same work as the lazy chain annotate_turns runs.
    from collections import deque

    from mbt_nlp.annotation.turns import annotate_turns, passage_docs, records_from_docs

    turns = SPLIT_MESSAGE + [turn(i, t.speaker, t.text, session="t")
                             for i, t in enumerate(SPLIT_MESSAGE)]
    queue: deque = deque()
    docs = list(passage_docs(full_nlp, turns, queue))
    assert len(docs) == len(turns) + 2  # every line, and each split message joined
    for _, proc in full_nlp.pipeline:
        docs = list(proc.pipe(docs))
    # A joined passage is made for its mode only: risk words are read on its lines.
    assert [d._.mbt_joined for d in docs].count(True) == 2
    assert all((d._.mbt_risk is None) == d._.mbt_joined for d in docs)
    staged = [record for record, _ in records_from_docs(full_nlp, docs, queue)]
    assert not queue
    assert staged == list(annotate_turns(full_nlp, turns))
