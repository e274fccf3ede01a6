"""Risk words: found in every turn, read right (negated, another person's, reported),
never on idioms; kept in records, tables and the report with its plain statement."""

from __future__ import annotations

import json
import pickle
import re

import pytest
import spacy

import mbt_nlp
from mbt_nlp.annotation.summary import marker_rows, session_rows, turn_row
from mbt_nlp.annotation.turns import annotate
from mbt_nlp.errors import ResourceError
from mbt_nlp.pipeline.build import RISK, build_pipeline
from mbt_nlp.pipeline.resources import packaged_path
from mbt_nlp.pipeline.risk_lexicon import RISK_GROUPS, RiskLexicon
from mbt_nlp.readers import read_transcript
from mbt_nlp.writers.report import render_report
from mbt_nlp.writers.risk_report import RISK_STATEMENT
from tests.conftest import REPO, trained_base
from tests.test_report import parse

SESSION = REPO / "tests" / "fixtures" / "risk_session.txt"

# The speaker's own words, not denied: (text, group).
OWN = [
    ("Um, I- I just, like, I want to die, honestly.", "suicide"),
    ("I've been cutting myself again, um, on my arms mostly.", "self_harm"),
    ("I took all my pills on Friday, the whole lot.", "overdose"),
    ("Sometimes I think, you know, everyone would be better off without me.", "suicide"),
    ("I just don't wanna be here anymore.", "suicide"),
    ("I can't stop thinking about killing myself.", "suicide"),
    ("Yeah so I- I took, um, I took a whole packet of paracetamol.", "overdose"),
    ("Honestly? I've been thinking about ending my life.", "suicide"),
    ("I don't know why I keep hurting myself.", "self_harm"),
    ("I sometimes, er, scratch myself till it bleeds.", "self_harm"),
    ("I think about suicide a lot, like, every day.", "suicide"),
    ("I just wanna go to sleep and never wake up.", "suicide"),
    ("I've been stockpiling my tablets, just in case.", "overdose"),
    ("I was so angry I wanted to smash his face in.", "harm_to_others"),
    # Usually anger spoken loosely, but listed: better to show than to miss (risk.json).
    ("I could kill him, honestly, he's so- he's so annoying.", "harm_to_others"),
    ("I'm scared I'll hurt the baby when she won't stop crying.", "harm_to_others"),
    ("i wanna die lol", "suicide"),
    ("im gonna kms", "suicide"),
    ("I don't care if I live or die anymore.", "suicide"),
    ("I wish I was dead, I really do.", "suicide"),
    ("There's no point going on, is there?", "suicide"),
    ("I'm not gonna lie, I thought about cutting myself.", "self_harm"),
    ("I burnt myself with a lighter, on purpose like.", "self_harm"),
    ("I nearly- I overdosed last year, on my antidepressants.", "overdose"),
    ("I've had suicidal thoughts since, um, since Christmas.", "suicide"),
    ("I keep thinking, what's the point, I don't want to live anymore.", "suicide"),
    ("I want to hurt him so badly, I swear.", "harm_to_others"),
    ("I hit him. I actually hit him.", "harm_to_others"),
    ("It's- I've self-harmed, yeah, a few times.", "self_harm"),
    ("I'm not okay, I want to end it all.", "suicide"),
]

# Idioms and ordinary talk: nothing at all.
NOTHING = [
    "I'm killing it at work at the moment, honestly.",
    "I'd kill for a coffee right now.",
    "I'm dying to see the new film.",
    "I nearly killed myself laughing, it was so funny.",
    "I cut myself shaving this morning, bit of a mess.",
    "My back is killing me, um, since the move.",
    "I forgot to take my pills this morning.",
    "I need to cut myself some slack, I know.",
    "I hurt his feelings, I- I didn't mean to.",
    "I overdosed on Netflix all weekend, to be fair.",
    "There's no point going on about it.",
    "I'd rather die than go to that party.",
    "The silence was killing me.",
    "I almost died when I saw the bill.",
    "My phone died halfway through, so.",
    "We just had to kill time at the airport.",
    "I'd die for my kids, you know that.",
    "I got cut off by my family, basically.",
    "It's a self-help book, she lent it me.",
    "I'm so bored I could die.",
    "He's killing himself at that job, working all hours.",
    "Mum would kill me if she found out.",
    "I used to beat myself up about it.",
    "I shot him a text after, just to check.",
    "She stabbed me in the back, she really did.",
    "I want to die my hair blue.",
    "I beat him at chess, finally.",
    "You're gonna kill me with these questions.",
    "That film was to die for.",
    "I was on the pill back then.",
    "Yeah, I hurt myself playing football, my ankle.",
]

# (text, group, negated, subject, reported): kept, and marked.
QUALIFIED = [
    ("I'd never hurt myself.", "self_harm", True, "self", False),
    ("I'm not going to kill myself, don't worry.", "suicide", True, "self", False),
    ("I'm not suicidal, I'm just really, really tired.", "suicide", True, "self", False),
    ("I don't think I'd ever actually kill myself.", "suicide", True, "self", False),
    ("There's no way I'd ever, ever take an overdose.", "overdose", True, "self", False),
    ("I haven't self-harmed in, um, three months now.", "self_harm", True, "self", False),
    ("I'd never hurt him, I love him.", "harm_to_others", True, "self", False),
    ("my friend cut herself", "self_harm", False, "other", False),
    ("My sister tried to kill herself last year.", "suicide", False, "other", False),
    ("She said she wanted to die.", "suicide", False, "other", True),
    ("My mate overdosed on heroin.", "overdose", False, "other", False),
    ("Have you had any thoughts of harming yourself?", "self_harm", False, "you", False),
    ("He threatened to kill her.", "harm_to_others", False, "other", True),
    ("I told her I wanted to die.", "suicide", False, "self", False),
]


def mentions(nlp, text):
    return nlp(text)._.mbt_risk


@pytest.mark.parametrize(("text", "group"), OWN)
def test_own_mentions_are_found_and_not_qualified(nlp, text, group):
    found = [m for m in mentions(nlp, text) if m["group"] == group]
    assert found, f"no {group} mention"
    for m in found:
        assert not m["negated"] and not m["reported"]
        assert m["subject"] in ("self", "unknown")
        assert text[m["start_char"]:m["end_char"]] == m["text"]


@pytest.mark.parametrize("text", NOTHING)
def test_idioms_and_ordinary_talk_find_nothing(nlp, text):
    assert mentions(nlp, text) == []
    assert len(nlp(text).spans["mbt_risk"]) == 0


@pytest.mark.parametrize(("text", "group", "negated", "subject", "reported"), QUALIFIED)
def test_negated_and_other_peoples_mentions_are_kept_and_marked(nlp, text, group, negated,
                                                                 subject, reported):
    (m,) = mentions(nlp, text)
    assert (m["group"], m["negated"], m["subject"], m["reported"]) == (
        group, negated, subject, reported)


def test_the_issues_hard_cases(nlp):
    (never,) = mentions(nlp, "I'd never hurt myself")
    assert never["negated"] and never["subject"] == "self"
    (friend,) = mentions(nlp, "my friend cut herself")
    assert friend["subject"] == "other" and not friend["negated"]
    assert mentions(nlp, "killing it at work") == []


@pytest.mark.parametrize(("text", "reported"), [
    ('"I want to die," she said.', True),
    ("She was like, I'm gonna kill myself, and I didn't know what to do.", True),
    ("My mum thinks I want to kill myself.", True),
    ("She said hi and then I wanted to die.", False),
    ("I was like, I'm gonna kill myself.", False),
])
def test_reported_speech(nlp, text, reported):
    (m,) = mentions(nlp, text)
    assert m["reported"] is reported


@pytest.mark.parametrize(("text", "past"), [
    ("I used to self-harm when I was fourteen.", True),
    ("I took all my pills last night.", True),
    ("I stopped cutting myself two years ago.", True),
    ("I want to die.", False),
    ("I wish I was dead.", False),
    ("I don't want to live anymore.", False),
])
def test_past(nlp, text, past):
    (m,) = mentions(nlp, text)
    assert m["past"] is past


def test_spans_carry_group_subject_and_rule(nlp):
    doc = nlp("My friend cut herself. I want to die.")
    spans = doc.spans["mbt_risk"]
    assert [(s.text, s.label_, s.kb_id_) for s in spans] == [
        ("cut herself", "self_harm", "other"), ("want to die", "suicide", "self")]
    assert [s.id_ for s in spans] == [m["rule"] for m in doc._.mbt_risk]
    # A match is widened to whole words ("don't", not "n't").
    assert [m["text"] for m in mentions(nlp, "I don't wanna live anymore.")] == [
        "don't wanna live anymore"]


def test_every_profile_has_the_component():
    assert RISK in mbt_nlp.load(rules_only=True).pipe_names
    full = mbt_nlp.load()
    assert RISK in full.pipe_names and "mbt_classifier" in full.pipe_names
    assert full("I'd never hurt myself.")._.mbt_risk[0]["negated"]


def test_a_pipeline_saved_without_it_gets_it_at_load(tmp_path):
    old = build_pipeline()
    old.remove_pipe(RISK)
    old.to_disk(tmp_path / "old")
    assert RISK not in spacy.load(tmp_path / "old").pipe_names
    loaded = mbt_nlp.load(model=str(tmp_path / "old"))
    assert loaded.pipe_names.index(RISK) < loaded.pipe_names.index("mbt_markers")
    assert loaded("I want to die.")._.mbt_risk[0]["group"] == "suicide"


def test_to_disk_from_disk_round_trip(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipe")
    saved = tmp_path / "pipe" / RISK / "risk.json"
    assert saved.is_file()
    loaded = spacy.load(tmp_path / "pipe")
    texts = [text for text, _ in OWN] + [text for text, *_ in QUALIFIED]
    assert [loaded(t)._.mbt_risk for t in texts] == [nlp(t)._.mbt_risk for t in texts]
    # The saved lexicon is the one used: drop a rule there and it no longer fires.
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["rules"] = [r for r in data["rules"] if r["id"] != "sh.cut_self"]
    saved.write_text(json.dumps(data), encoding="utf-8")
    assert spacy.load(tmp_path / "pipe")("my friend cut herself")._.mbt_risk == []


def test_bytes_and_pickle(nlp):
    risk = nlp.get_pipe(RISK)
    clone = pickle.loads(pickle.dumps(risk))
    assert clone.lexicon.to_dict() == risk.lexicon.to_dict()
    restored = nlp.get_pipe(RISK).from_bytes(risk.to_bytes())
    assert {r.group for r in restored.lexicon.rules} == set(RISK_GROUPS)


def test_works_on_a_trained_base():
    trained = mbt_nlp.load(trained_base(), rules_only=True)
    assert "parser" in trained.pipe_names and RISK in trained.pipe_names
    (never,) = trained("I'd never hurt myself")._.mbt_risk
    assert never["negated"]
    (friend,) = trained("my friend cut herself")._.mbt_risk
    assert friend["subject"] == "other"
    assert trained("killing it at work")._.mbt_risk == []
    (named,) = trained("Then Sarah said she wanted to die.")._.mbt_risk
    assert named["reported"] and named["subject"] == "other"


# -- records, tables, report ------------------------------------------------------------------

@pytest.fixture(scope="module")
def records():
    return annotate(read_transcript(SESSION), mbt_nlp.load(rules_only=True))


def test_every_record_has_the_risk_field(records):
    assert all(isinstance(r["risk"], list) for r in records)
    by_turn = {r["turn"]: [(m["group"], m["text"], m["negated"], m["subject"])
                           for m in r["risk"]] for r in records}
    assert by_turn == {
        0: [],
        1: [("suicide", "don't wanna be here anymore", False, "self"),
            ("self_harm", "cut herself", False, "other")],
        2: [("self_harm", "hurting yourself", False, "you")],  # the clinician's question
        3: [("self_harm", "hurt myself", True, "self")],
        4: [],
        5: [],
    }
    for r in records:
        for m in r["risk"]:
            assert r["text"][m["start_char"]:m["end_char"]] == m["text"]
            assert set(m) == {"group", "text", "start_char", "end_char", "negated", "reported",
                              "subject", "past", "rule"}


def test_tables_count_risk_words(records):
    row = turn_row(records[1])
    assert (row["risk_suicide"], row["risk_self_harm"], row["risk_overdose"],
            row["risk_harm_to_others"], row["risk_negated"], row["risk_other_person"]) == (
        1, 1, 0, 0, 0, 1)
    sessions = {r["speaker"]: r for r in session_rows(records)}
    assert (sessions["C"]["risk_self_harm"], sessions["C"]["risk_suicide"],
            sessions["C"]["risk_negated"]) == (2, 1, 1)
    assert sessions["T"]["risk_self_harm"] == 1
    rows = [r for r in marker_rows(records) if r["status"] == "risk"]
    assert [(r["turn"], r["label"], r["words"], r["risk_negated"], r["risk_subject"])
            for r in rows] == [
        (1, "suicide", "don't wanna be here anymore", False, "self"),
        (1, "self_harm", "cut herself", False, "other"),
        (2, "self_harm", "hurting yourself", False, "you"),
        (3, "self_harm", "hurt myself", True, "self")]
    others = [r for r in marker_rows(records) if r["status"] != "risk"]
    assert others and all(r["risk_negated"] is None for r in others)


def _box(html: str) -> str:
    start = html.index('<section class="risk-box"')
    return html[start:html.index("</section>", start)]


def test_report_lists_every_mention_at_the_top_with_the_statement(records):
    html = render_report(records, reasons={}, model_name="m", model_version="1")
    box = _box(html)
    assert html.index('class="risk-box"') < html.index('id="h-summary"')  # at the top
    assert RISK_STATEMENT in box
    assert "This is a reading aid, not a risk assessment: it lists words, it does not judge " \
           "risk." in box
    rows = re.findall(r'<tr class="risk-row[^"]*"><td><a href="#t(\d+)">turn (\d+)</a>', box)
    assert rows == [("1", "1"), ("1", "1"), ("2", "2"), ("3", "3")]
    assert "don&#39;t wanna be here anymore" in box and "cut herself" in box
    assert "about another person" in box and "negated" in box and "about “you”" in box
    # The band under the timeline, one mark per turn, each a link to its turn.
    band = html[html.index('<svg class="riskband"'):]
    band = band[:band.index("</svg>")]
    assert html.index('id="h-timeline"') < html.index('<svg class="riskband"') < html.index(
        'id="h-moments"')
    assert re.findall(r'<a href="#t(\d+)">', band) == ["1", "2", "3"]
    # Highlighted in the turn text, and the text a reader sees is still the turn's own.
    page = parse(html)
    assert [t["text"] for t in page.turns] == [r["text"] for r in records]
    turn_three = html[html.index('id="t3"'):]
    assert re.search(r'<mark class="risk risk-muted">hurt myself<span class="tag risk-tag">'
                     r"risk: self-harm \(negated\)</span></mark>", turn_three)


def test_report_box_shows_with_no_mentions_and_without_a_classifier(records):
    quiet = [{**r, "risk": []} for r in records]
    html = render_report(quiet, reasons={}, model_name="rules", model_version="")
    box = _box(html)
    assert RISK_STATEMENT in box and "No risk words were found in this session." in box
    assert "<table>" not in box
    assert "No risk words in this session." in html  # the band says so too
    assert 'class="risk' not in html.split('id="transcript"')[1]


def test_report_on_the_full_model_has_the_box(records, tmp_path):
    from mbt_nlp.writers.report import write_report

    out = tmp_path / "r.html"
    write_report(SESSION, out, mbt_nlp.load())
    html = out.read_text(encoding="utf-8")
    assert RISK_STATEMENT in _box(html) and "hurting yourself" in _box(html)


# -- the lexicon file -------------------------------------------------------------------------

def _broken(tmp_path, change):
    data = json.loads(packaged_path("risk.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _first_rule(data):
    return data["rules"][0]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(colour="red"), "unknown key"),
    (lambda d: _first_rule(d).update(weight=1), "unknown key"),
    (lambda d: _first_rule(d).update(group="sadness"), "group must be one of"),
    (lambda d: _first_rule(d).update(patterns=["@nosuchlexicon"]), "unknown lexicon"),
    (lambda d: _first_rule(d).update(patterns=["word?"]), "at least one required token"),
    (lambda d: _first_rule(d).update(patterns=[]), "non-empty list"),
    (lambda d: _first_rule(d).update(negative_form="yes"), "true or false"),
    (lambda d: d["rules"].append(dict(_first_rule(d))), "duplicate id"),
    (lambda d: d["exclusions"][0].pop("reason"), "missing key"),
    (lambda d: d["context"].pop("negation_cues"), "missing key"),
    (lambda d: d["context"].update(negation_window=-1), "whole number"),
    (lambda d: d["context"].update(other_words=["@nokin"]), "unknown lexicon"),
    (lambda d: d["context"].update(skip_words=["two words"]), "not one token"),
])
def test_broken_risk_file_names_the_file(tmp_path, change, message):
    path = _broken(tmp_path, change)
    with pytest.raises(ResourceError, match=message) as err:
        RiskLexicon.load(path)
    assert str(path) in str(err.value)
    nlp = spacy.blank("en")
    with pytest.raises(ResourceError, match=message):
        nlp.add_pipe(RISK, config={"risk_path": str(path)})


def test_invalid_json_names_file_and_line(tmp_path):
    path = tmp_path / "risk.json"
    path.write_text('{\n "rules": [\n', encoding="utf-8")
    with pytest.raises(ResourceError, match="invalid JSON") as err:
        RiskLexicon.load(path)
    assert str(err.value).startswith(f"{path}:")


def test_packaged_lexicon_covers_every_group():
    lexicon = RiskLexicon.load()
    assert {rule.group for rule in lexicon.rules} == set(RISK_GROUPS)
    assert lexicon.exclusions
