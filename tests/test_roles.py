"""Who is the clinician when the labels do not say: inferred from how each speaker talks,
or the user is asked; never everyone taken as a client without a word."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

from mbt_nlp.errors import InputError
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.readers.roles import (
    count_questions,
    infer_clinician,
    is_backchannel,
    session_notices,
)
from mbt_nlp.transcript import RoleMap, Turn

runner = CliRunner()

# Small sessions as clinicians and clients talk. "T" lines are the clinician's, "C" the
# client's; each test gives them the names its format would carry. The counts in the
# notices below were made by hand: the clinician asks every question in each dialogue.
THERAPIST_OPENS = [  # questions: T 4 ("How...", "What...", "I wonder...", "Can we..."), C 0
    ("T", "Hi Sam, good to see you. How has the week been since we last met?"),
    ("C", "Honestly pretty bad. My sister cancelled on me again and I just sat at home all "
          "weekend."),
    ("T", "She cancelled again. What went through your mind when she did?"),
    ("C", "That she doesn't want me around. I know she doesn't, she never has. I could tell "
          "from her message."),
    ("T", "It sounds like it felt very certain in that moment."),
    ("C", "It was certain. I don't need to think about it, it's just how it is with her."),
    ("T", "Mm-hmm."),
    ("C", "And then I stopped answering my phone for two days because what's the point."),
    ("T", "So you pulled back. I wonder what you were hoping she'd notice?"),
    ("C", "Maybe that I was hurt. I don't know. I guess I wanted her to come round and check "
          "on me."),
    ("T", "You wanted her to see how hurt you were. Can we stay with that for a moment?"),
    ("C", "Okay. It's hard though, I feel stupid saying it out loud."),
]
CLIENT_OPENS = [  # questions: T 4 ("Where...", "What...", "Is there...", "So there..."), C 0
    ("C", "Sorry I'm late, the traffic on the ring road was terrible and I nearly turned "
          "back."),
    ("T", "That's alright, you're here now. Where would you like to start today?"),
    ("C", "I had a fight with my boyfriend on Saturday. He turned up two hours late and I "
          "just lost it with him."),
    ("T", "Two hours late. What was going on for you while you were waiting?"),
    ("C", "I kept checking my phone and thinking he's with someone else. I know he is, I "
          "could see it on his face."),
    ("T", "You felt sure of it. Is there any other way you could read his face now?"),
    ("C", "I don't know. Maybe he was just tired, his manager keeps him late on Saturdays."),
    ("T", "Mm-hmm. So there might be something else going on for him too?"),
    ("C", "Maybe. I still think he should have texted me, that's the least he could do."),
    ("T", "It sounds like the text would have told you that you matter to him."),
]
SECOND_SESSION = [  # questions: T 3, C 0
    ("T", "Welcome back. What's been on your mind since Tuesday?"),
    ("C", "Work mostly. My manager gave the project to someone else and I think it's because "
          "she hates me."),
    ("T", "That sounds painful. How did you find out about it?"),
    ("C", "She sent an email to the whole team. She didn't even tell me first, she just did "
          "it."),
    ("T", "So you heard it with everyone else. What did you feel when you read it?"),
    ("C", "Angry. And embarrassed, I suppose. I went home early and didn't talk to anyone."),
]
ALIKE = [  # two colleagues: three questions each, "I" and "you" alike, no reflections
    ("A", "Did you see the email from Mark this morning?"),
    ("B", "I did. I thought it was a bit much, honestly. Did you reply to it yet?"),
    ("A", "Not yet. I wanted to talk to you first. What do you make of it?"),
    ("B", "I think he's stressed about the deadline. I would be too. How are you feeling "
          "about it?"),
    ("A", "I'm okay. I'm a bit annoyed, I suppose. Should we ask him for more time?"),
    ("B", "Maybe. I can draft something tonight if you want. Do you think he'd agree?"),
]
# Words of the dialogues that must never appear in a notice or an error.
TEXT_WORDS = ("sister", "boyfriend", "traffic", "manager", "email", "deadline", "phone")


def named(dialogue, names):
    return [(names[who], text) for who, text in dialogue]


def stamp(seconds: int, comma: bool = False) -> str:
    value = f"00:{seconds // 60:02d}:{seconds % 60:02d}.000"
    return value.replace(".", ",") if comma else value


def write_txt(path, lines):
    path.write_text("".join(f"[{stamp(5 * i)[:8]}] {who}: {text}\n"
                            for i, (who, text) in enumerate(lines)), encoding="utf-8")


def write_csv(path, lines, sessions=None):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["session", "turn", "speaker", "text"])
        for i, (who, text) in enumerate(lines):
            writer.writerow([sessions[i] if sessions else "s1", i, who, text])


def write_jsonl(path, lines):
    path.write_text("".join(json.dumps({"speaker": who, "text": text, "start": 5.0 * i}) + "\n"
                            for i, (who, text) in enumerate(lines)), encoding="utf-8")


def write_vtt(path, lines):
    cues = [f"{stamp(5 * i)} --> {stamp(5 * i + 4)}\n<v {who}>{text}</v>\n"
            for i, (who, text) in enumerate(lines)]
    path.write_text("WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")


def write_srt(path, lines):
    cues = [f"{i + 1}\n{stamp(5 * i, True)} --> {stamp(5 * i + 4, True)}\n{who}: {text}\n"
            for i, (who, text) in enumerate(lines)]
    path.write_text("\n".join(cues), encoding="utf-8")


def write_docx(path, lines):
    import docx

    document = docx.Document()
    for who, text in lines:
        document.add_paragraph(f"{who}: {text}")
    document.save(str(path))


# (suffix, writer, dialogue, clinician's label, client's label, words in the notice)
FORMATS = [
    ("txt", write_txt, CLIENT_OPENS, "Dana Smith", "Sam Jones", "asks 4 of 4 questions"),
    ("csv", write_csv, THERAPIST_OPENS, "Dana", "Sam", "asks 4 of 4 questions"),
    ("jsonl", write_jsonl, THERAPIST_OPENS, "Dana", "Sam", "asks 4 of 4 questions"),
    ("vtt", write_vtt, THERAPIST_OPENS, "Dana Smith", "Sam Jones", "asks 4 of 4 questions"),
    # The clinician is SPEAKER 2 here: not merely whoever is first or numbered first.
    ("srt", write_srt, CLIENT_OPENS, "SPEAKER 2", "SPEAKER 1", "asks 4 of 4 questions"),
    ("docx", write_docx, THERAPIST_OPENS, "Dana", "Sam", "asks 4 of 4 questions"),
]


def assert_no_text(message: str) -> None:
    assert not [w for w in TEXT_WORDS if w in message.casefold()], message


@pytest.mark.parametrize(("suffix", "write", "dialogue", "clinician", "client", "asks"),
                         FORMATS, ids=[f[0] for f in FORMATS])
def test_clinician_inferred_in_every_format(tmp_path, suffix, write, dialogue, clinician,
                                            client, asks):
    path = tmp_path / f"session.{suffix}"
    write(path, named(dialogue, {"T": clinician, "C": client}))
    transcript = read_transcript(path)
    roles = {(t.speaker, t.role) for t in transcript}
    assert roles == {(clinician, "clinician"), (client, "client")}
    assert len(transcript) == len(dialogue)  # nothing dropped or merged
    (notice,) = transcript.notices
    assert notice.startswith(f"'{clinician}' taken as the clinician (")
    assert asks in notice and notice.endswith("use --clinician to change")
    assert ("speaks first" in notice) == (dialogue[0][0] == "T")
    assert_no_text(notice)


def test_two_speakers_who_talk_alike_are_an_error_naming_both(tmp_path):
    path = tmp_path / "colleagues.txt"
    write_txt(path, named(ALIKE, {"A": "Ann", "B": "Ben"}))
    with pytest.raises(InputError) as err:
        read_transcript(path)
    message = str(err.value)
    assert message.startswith(f"{path}: cannot tell which speaker is the clinician")
    assert "'Ann'" in message and "'Ben'" in message and "--clinician NAME" in message
    assert_no_text(message)


def test_a_clinician_label_means_no_inference(tmp_path):
    # Dana asks every question, yet the file names its clinician: the label wins.
    path = tmp_path / "labelled.txt"
    write_txt(path, named(THERAPIST_OPENS, {"T": "Dana", "C": "Therapist"}))
    transcript = read_transcript(path)
    assert {(t.speaker, t.role) for t in transcript} == {("Dana", "client"),
                                                          ("Therapist", "clinician")}
    assert transcript.notices == []


def test_a_role_field_means_no_inference(tmp_path):
    # As in our annotation files: every speaker a client by the file's own word.
    path = tmp_path / "roles.jsonl"
    path.write_text("".join(json.dumps({"speaker": who, "role": "client", "text": text}) + "\n"
                            for who, text in named(ALIKE, {"A": "Ann", "B": "Ben"})),
                    encoding="utf-8")
    transcript = read_transcript(path)
    assert {t.role for t in transcript} == {"client"} and transcript.notices == []


@pytest.mark.parametrize(("clinician", "client", "expected"), [
    (None, "Ann,Ben", {("Ann", "client"), ("Ben", "client")}),
    ("Ben", None, {("Ann", "client"), ("Ben", "clinician")}),
])
def test_roles_given_by_the_user_mean_no_inference(tmp_path, clinician, client, expected):
    path = tmp_path / "colleagues.txt"
    write_txt(path, named(ALIKE, {"A": "Ann", "B": "Ben"}))
    options = ReadOptions(roles=RoleMap.from_options(clinician, client))
    transcript = read_transcript(path, options)
    assert {(t.speaker, t.role) for t in transcript} == expected
    assert transcript.notices == []


def test_one_speaker_stays_a_client_without_a_notice(tmp_path):
    path = tmp_path / "diary.txt"
    path.write_text("Sam: I went to the shop.\nSam: Nobody there asked how I was?\n",
                    encoding="utf-8")
    transcript = read_transcript(path)
    assert {t.role for t in transcript} == {"client"} and transcript.notices == []


def test_a_speaker_labelled_client_is_never_taken_as_the_clinician(tmp_path):
    # The one labelled "Client" asks every question: the cues contradict the labels.
    path = tmp_path / "odd.txt"
    write_txt(path, named(THERAPIST_OPENS, {"T": "Client", "C": "Dana"}))
    with pytest.raises(InputError, match="'Client', 'Dana'"):
        read_transcript(path)


def multi_session_csv(tmp_path):
    lines = (named(THERAPIST_OPENS, {"T": "Dana", "C": "Sam"})
             + named(SECOND_SESSION, {"T": "Lee", "C": "Kim"})
             + named(SECOND_SESSION, {"T": "T", "C": "C"}))
    sessions = (["s1"] * len(THERAPIST_OPENS) + ["s2"] * len(SECOND_SESSION)
                + ["s3"] * len(SECOND_SESSION))
    path = tmp_path / "group.csv"
    write_csv(path, lines, sessions)
    return path


def test_each_session_of_a_file_is_inferred_on_its_own(tmp_path):
    transcript = read_transcript(multi_session_csv(tmp_path))
    roles = {(t.session, t.speaker, t.role) for t in transcript}
    assert roles == {("s1", "Dana", "clinician"), ("s1", "Sam", "client"),
                     ("s2", "Lee", "clinician"), ("s2", "Kim", "client"),
                     ("s3", "T", "clinician"), ("s3", "C", "client")}
    assert [n.split(" taken")[0] for n in transcript.notices] == [
        "session 's1': 'Dana'", "session 's2': 'Lee'"]  # s3 has labels: no notice
    assert "asks 3 of 3 questions" in transcript.notices[1]
    assert session_notices(transcript.notices, "s2") == [transcript.notices[1]]
    assert session_notices(transcript.notices, "s3") == []


def test_an_undecided_session_is_named_in_the_error(tmp_path):
    lines = named(THERAPIST_OPENS, {"T": "Dana", "C": "Sam"}) + named(ALIKE, {"A": "Ann",
                                                                              "B": "Ben"})
    path = tmp_path / "two.csv"
    write_csv(path, lines, ["s1"] * len(THERAPIST_OPENS) + ["s2"] * len(ALIKE))
    with pytest.raises(InputError, match=r"session 's2': .* among 'Ann', 'Ben'"):
        read_transcript(path)


def test_every_cue_is_reported():
    turns = [Turn("s", i, who, "client", text)
             for i, (who, text) in enumerate(named(THERAPIST_OPENS, {"T": "Dana", "C": "Sam"}))]
    inference = infer_clinician(turns)
    dana, sam = inference.table()
    # Counted by hand from THERAPIST_OPENS.
    assert (dana["questions"], sam["questions"]) == (4, 0)
    assert (dana["reflections"], sam["reflections"]) == (2, 0)  # "It sounds like", "I wonder"
    assert (dana["backchannels"], sam["backchannels"]) == (1, 0)
    assert (dana["turns"], dana["first"], sam["first"]) == (6, True, False)
    assert dana["score"] > 0 > sam["score"] and inference.clinician == "Dana"
    assert 0.2 <= inference.margin <= 1


def test_question_and_backchannel_cues():
    assert count_questions("What happened then. I see. Do you mean it?") == 2
    assert count_questions("What I mean is he left. It was late.") == 0
    assert is_backchannel("Mm-hmm, yeah.") and is_backchannel("I see.")
    assert not is_backchannel("Yeah, I went home.")


def test_notice_reaches_stderr_of_mbt_tag(tmp_path):
    path = tmp_path / "zoom.vtt"
    write_vtt(path, named(THERAPIST_OPENS, {"T": "Dana Smith", "C": "Sam Jones"}))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["tag", str(path), "-o", str(out), "--rules-only"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert notes == [f"note: {path}: 'Dana Smith' taken as the clinician "
                     f"({notes[0].split('(', 1)[1]}"]
    assert "asks 4 of 4 questions" in notes[0]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(r["speaker"], r["role"]) for r in records} == {("Dana Smith", "clinician"),
                                                           ("Sam Jones", "client")}


def test_refusal_is_one_error_line_of_mbt_tag(tmp_path):
    path = tmp_path / "colleagues.txt"
    write_txt(path, named(ALIKE, {"A": "Ann", "B": "Ben"}))
    result = runner.invoke(app, ["tag", str(path), "-o", str(tmp_path / "o.jsonl"),
                                 "--rules-only"])
    assert result.exit_code == 1
    assert "'Ann', 'Ben'" in result.stderr and "Traceback" not in result.output


def page_text(path) -> str:
    return html.unescape(re.sub(r"\s+", " ", path.read_text(encoding="utf-8")))


def test_notice_in_the_html_report(tmp_path):
    path = tmp_path / "zoom.vtt"
    write_vtt(path, named(THERAPIST_OPENS, {"T": "Dana Smith", "C": "Sam Jones"}))
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(path), "-o", str(out), "--rules-only"])
    assert result.exit_code == 0, result.output
    assert "'Dana Smith' taken as the clinician" in result.stderr
    page = page_text(out)
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert "Note:</strong> 'Dana Smith' taken as the clinician (asks 4 of 4" in header


def test_each_report_page_shows_its_own_sessions_notice(tmp_path):
    out = tmp_path / "group.html"
    result = runner.invoke(app, ["report", str(multi_session_csv(tmp_path)), "-o", str(out),
                                 "--rules-only"])
    assert result.exit_code == 0, result.output
    pages = {s: page_text(tmp_path / f"group-{s}.html") for s in ("s1", "s2", "s3")}
    assert "'Dana' taken as" in pages["s1"] and "'Lee'" not in pages["s1"]
    assert "'Lee' taken as" in pages["s2"] and "'Dana'" not in pages["s2"]
    assert "taken as the clinician" not in pages["s3"]


def test_batch_keeps_notices_per_file_and_shows_them(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    write_vtt(src / "zoom.vtt", named(THERAPIST_OPENS, {"T": "Dana Smith", "C": "Sam Jones"}))
    write_txt(src / "labelled.txt", named(SECOND_SESSION, {"T": "T", "C": "C"}))
    out = tmp_path / "out"
    result = runner.invoke(app, ["tag", str(src), "--out-dir", str(out), "--format", "html",
                                 "--rules-only", "--quiet"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and notes[0].startswith(f"note: {src / 'zoom.vtt'}: 'Dana Smith'")
    assert "'Dana Smith' taken as the clinician" in page_text(out / "zoom.html")
    assert "taken as the clinician" not in page_text(out / "labelled.html")


def test_run_batch_keeps_each_files_notices(tmp_path):
    from mbt_nlp.batch.run import PipelineSpec, TaskOptions, run_batch

    src = tmp_path / "in"
    src.mkdir()
    write_csv(src / "named.csv", named(THERAPIST_OPENS, {"T": "Dana", "C": "Sam"}))
    write_csv(src / "labelled.csv", named(THERAPIST_OPENS, {"T": "T", "C": "C"}))
    options = TaskOptions(str(tmp_path / "out"), ("jsonl",), spec=PipelineSpec(rules_only=True))
    done: list[dict] = []
    result = run_batch([str(src)], options, on_done=done.append)
    assert result.tagged == 2
    notices = {outcome["name"]: outcome["notices"] for outcome in done
               if outcome["error"] is None}
    assert notices["labelled"] == []
    (notice,) = notices["named"]
    assert notice.startswith("'Dana' taken as the clinician (asks 4 of 4 questions")


# Who the clinician is in each format fixture (written for the reader tests); named
# speakers are inferred, labelled ones read from the label.
FORMAT_CLINICIANS = {
    "descript.txt": "Therapist", "otter.txt": "Dr. Amara Osei", "rev.txt": "Interviewer",
    "rev_spaced.txt": "Speaker 1", "session.cha": "INV", "session.eaf": "Therapist",
    "session.parquet": "Therapist", "session.xlsx": "Therapist", "teams.docx": "Amara Osei",
    "teams.vtt": "Amara Osei", "teams_legacy.docx": "Amara Osei",
    "whisperx.json": "SPEAKER_01", "preamble.txt": "T", "preamble.docx": "T",
}


@pytest.mark.parametrize("name", sorted(FORMAT_CLINICIANS))
def test_roles_are_right_in_every_format_with_default_options(name):
    path = Path(__file__).parent / "fixtures" / "formats" / name
    transcript = read_transcript(path)
    clinicians = {t.speaker for t in transcript if t.role == "clinician"}
    assert clinicians == {FORMAT_CLINICIANS[name]}
    inferred = [n for n in transcript.notices if "taken as the clinician" in n]
    assert bool(inferred) == (FORMAT_CLINICIANS[name] in {
        "Speaker 1", "Amara Osei", "SPEAKER_01"})
