"""Clinician interventions: the classifier component, fit to the moment, the report section."""

from __future__ import annotations

import json

import pytest

import mbt_nlp
from mbt_nlp.annotation.fit import FitTable, judge, moment_fits
from mbt_nlp.errors import InputError, ResourceError
from mbt_nlp.learn.interventions import ClinicianTurns, fit, load_clinician_turns
from mbt_nlp.pipeline.resources import INTERVENTIONS, packaged_path, read_json
from mbt_nlp.writers.clinician_view import clinician_section

# Two phrasings per code, so that each code has words of its own to learn from.
EXAMPLES = {
    "validation": ["no wonder you felt hurt when she left", "it makes sense you felt so alone"],
    "exploration": ["what went through your mind then", "how did you come to that view"],
    "challenge": ["hang on i'm lost can we go back", "wait go back everyone always"],
    "affect_focus": ["what are you feeling right now here with me",
                     "right now in the room what is that feeling"],
    "relationship": ["i notice i felt pushed to reassure you",
                     "how are you seeing me just now between us"],
    "argue": ["that's not true he obviously loves you", "but that's not true she texted you"],
    "content_focus": ["let me explain attachment theory and the stages of grief in detail",
                      "the research explains this pattern as avoidant attachment theory"],
    "join_pretend": ["yes and that's your inner child healing journey",
                     "exactly your inner child on the healing journey"],
    "doing": ["i'll ring you tonight and write the letter", "i'll write a letter and ring them"],
    "other": ["mm-hm", "see you next tuesday same time"],
}


def synthetic_turns(copies: int = 4) -> ClinicianTurns:
    turns = ClinicianTurns([], [], [], [], [])
    for n in range(copies):
        for code, texts in EXAMPLES.items():
            for text in texts:
                turns.texts.append(text)
                turns.previous.append("i just know she hates me")
                turns.codes.append(code)
                turns.sessions.append(f"s{n}")
                turns.writers.append(f"w{n % 2}")
    return turns


@pytest.fixture(scope="module")
def nlp_with_interventions():
    nlp = mbt_nlp.load(rules_only=True)
    component = nlp.add_pipe("mbt_intervention")
    component.set_model(fit(synthetic_turns()), {"classes": list(INTERVENTIONS)})
    return nlp


def tag(nlp, turns):
    from mbt_nlp.annotation.turns import annotate_turns
    from mbt_nlp.transcript import Turn

    return list(annotate_turns(nlp, [Turn("s", i, "T" if role == "clinician" else "C", role,
                                          text) for i, (role, text) in enumerate(turns)]))


def test_clinician_records_get_a_code_probabilities_and_evidence(nlp_with_interventions):
    records = tag(nlp_with_interventions, [
        ("client", "I just know she hates me, it's a fact."),
        ("clinician", "That's not true, she obviously loves you."),
        ("client", "Maybe."),
        ("clinician", "I'll ring you tonight and write the letter."),
    ])
    argue, doing = records[1], records[3]
    assert argue["intervention"] == "argue" and doing["intervention"] == "doing"
    assert set(argue["intervention_proba"]) == set(INTERVENTIONS)
    assert abs(sum(argue["intervention_proba"].values()) - 1) < 0.01
    assert any("true" in words for words in argue["intervention_evidence"])
    assert "intervention" not in records[0]  # client turns get no code


def test_component_survives_to_disk(nlp_with_interventions, tmp_path):
    nlp_with_interventions.to_disk(tmp_path / "m")
    again = mbt_nlp.load(model=str(tmp_path / "m"))
    records = tag(again, [("client", "ok"), ("clinician", "mm-hm")])
    assert records[1]["intervention"] == tag(nlp_with_interventions, [
        ("client", "ok"), ("clinician", "mm-hm")])[1]["intervention"]


@pytest.mark.parametrize(("mode", "code", "fit_"), [
    ("psychic_equivalence", "argue", "risky"),
    ("psychic_equivalence", "validation", "consistent"),
    ("pretend", "join_pretend", "risky"),
    ("pretend", "challenge", "consistent"),
    ("teleological", "doing", "risky"),
    ("teleological", "affect_focus", "consistent"),
    ("teleological", "relationship", "neither"),
])
def test_fit_follows_the_codebook_table(mode, code, fit_):
    assert judge(mode, code, 10)["fit"] == fit_


def test_long_intervention_after_psychic_equivalence_is_noted():
    assert judge("psychic_equivalence", "exploration", 90)["long_after_psychic_equivalence"]
    assert not judge("pretend", "exploration", 90)["long_after_psychic_equivalence"]
    assert "cognitive challenge" in judge("psychic_equivalence", "argue", 5)["reading"]


def test_fit_table_is_validated():
    good = read_json(packaged_path("fit.json"))
    bad = json.loads(json.dumps(good))
    bad["modes"]["pretend"]["risky"].append("shouting")
    with pytest.raises(ResourceError, match="must list codes"):
        FitTable.from_dict(bad, "fit.json")
    both = json.loads(json.dumps(good))
    both["modes"]["teleological"]["risky"].append("validation")
    with pytest.raises(ResourceError, match="both consistent and risky"):
        FitTable.from_dict(both, "fit.json")


def records_for_view():
    return [
        {"session": "s", "turn": 0, "role": "client", "mode": "psychic_equivalence",
         "text": "she hates me"},
        {"session": "s", "turn": 1, "role": "clinician", "intervention": "argue",
         "text": "that's not true"},
        {"session": "s", "turn": 2, "role": "client", "mode": "none", "text": "ok"},
        {"session": "s", "turn": 3, "role": "clinician", "intervention": "exploration",
         "text": "what went through your mind"},
        {"session": "s", "turn": 4, "role": "client", "mode": "teleological",
         "text": "ring me or it means nothing"},
        {"session": "s", "turn": 5, "role": "clinician", "intervention": "validation",
         "text": "of course you want proof"},
    ]


def test_moment_fits_pair_each_flagged_turn_with_the_next_clinician_turn():
    fits = moment_fits(records_for_view())
    assert [(f["client_turn"], f["response_turn"], f["fit"]) for f in fits] == [
        (0, 1, "risky"), (4, 5, "consistent")]


def test_clinician_section_shares_band_and_observations():
    section = clinician_section(records_for_view())
    assert section["turns"] == 3
    assert {s["code"]: s["count"] for s in section["shares"]} == {
        "argue": 1, "exploration": 1, "validation": 1}
    assert [b["group"] for b in section["band"]] == ["risky", "consistent", "consistent"]
    assert any("risky 1 time(s)" in o for o in section["observations"])
    assert "not a rating" in section["statement"]
    assert clinician_section([{"session": "s", "turn": 0, "role": "clinician",
                               "text": "hi"}]) is None


def test_report_shows_the_clinician_section(nlp_with_interventions):
    from mbt_nlp.writers.report import render_report

    records = tag(nlp_with_interventions, [
        ("client", "I just know she hates me, it's a fact, there's no other way to see it."),
        ("clinician", "That's not true, she obviously loves you."),
    ])
    page = render_report(records, reasons={}, model_name="test", model_version="0")
    assert "What the clinician did" in page and "not a rating" in page


def test_unknown_code_in_annotations_is_one_error(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"session": "s", "turn": 0, "role": "clinician", "text": "x",
                                "intervention": "shouting"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError,
                       match=r"code .shouting. in field .intervention. is not in the codebook"):
        load_clinician_turns([path])


def test_each_coded_turn_is_read_with_the_passage_it_answers(tmp_path):
    """As tagging reads it: a split client message is answered as a whole, and no turn
    answers a line of another session."""
    rows = [("a", "C", "client", "she left", None), ("a", "C", "client", "and I know why", None),
            ("a", "T", "clinician", "what do you make of it", "exploration"),
            ("b", "T", "clinician", "welcome back", "other")]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"session": s, "speaker": sp, "role": role, "text": text,
                                        "intervention": code}) + "\n"
                            for s, sp, role, text, code in rows), encoding="utf-8")
    turns = load_clinician_turns([path])
    assert turns.texts == ["what do you make of it", "welcome back"]
    assert turns.previous == ["she left and I know why", None]


def test_tables_carry_the_clinician_fields():
    from mbt_nlp.annotation.summary import MARKER_COLUMNS, marker_rows, session_rows, turn_row

    records = records_for_view()
    for r in records:
        r.update(speaker="C" if r["role"] == "client" else "T", markers=[])
    records[0]["markers"] = [{"start": 0, "end": 3, "text": "she", "label": "GLOBAL_JUDGEMENT",
                              "family": "psychic_equivalence", "rule": "pe.x"}]
    rows = marker_rows(records)
    assert set(rows[0]) == set(MARKER_COLUMNS)
    assert (rows[0]["response_turn"], rows[0]["response_intervention"],
            rows[0]["response_fit"]) == (1, "argue", "risky")
    sessions = {r["speaker"]: r for r in session_rows(records)}
    assert sessions["T"]["n_intervention_argue"] == 1
    assert sessions["C"]["n_response_risky"] == 1 and sessions["C"]["n_response_consistent"] == 1
    assert turn_row(records[1])["intervention"] == "argue"


def test_evaluation_splits_the_figures_by_part(tmp_path):
    from mbt_nlp.learn.interventions import evaluate_interventions, format_interventions

    turns = synthetic_turns(copies=6)
    turns.parts = ["written" if i % 2 else "sessions" for i in range(len(turns))]
    results = evaluate_interventions(turns)
    parts = results["leave_one_writer_out"]["by_part"]
    assert set(parts) == {"written", "sessions"}
    assert sum(p["n"] for p in parts.values()) == len(turns)
    assert "part `written`" in format_interventions(results)


def test_held_out_turns_are_scored_by_a_model_that_never_saw_them():
    from mbt_nlp.learn.interventions import evaluate_interventions, format_interventions

    train = synthetic_turns(copies=4)
    check = ClinicianTurns([], [], [], [], [])
    for code, text in (("argue", "that's not true he loves you"), ("other", "mm-hm"),
                       ("doing", "i'll ring you tonight")):
        check.texts.append(text)
        check.previous.append("he hates me")
        check.codes.append(code)
        check.sessions.append("rev16_23")
        check.writers.append("rev16:Food Psych")
    results = evaluate_interventions(train, held_out=check)
    held = results["held_out"]
    assert held["n"] == 3 and held["codes"] == {"argue": 1, "other": 1, "doing": 1}
    assert held["accuracy"] == 1.0  # the phrasings are the training ones, nearly word for word
    assert "held out: never trained on" in format_interventions(results)
    assert "held_out" not in evaluate_interventions(train)
