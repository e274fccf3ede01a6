"""Readers for the exports people actually have: Otter, Rev, Descript, Whisper(X), ELAN,
CHAT, Parquet, XLSX, Teams VTT/DOCX, and title blocks before the first turn.

Every fixture in tests/fixtures/formats/ is invented dialogue; the expected turns
below were written from the fixture text by hand.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from mbt_nlp.errors import InputError
from mbt_nlp.readers import SUFFIXES, ReadOptions, detect_format, read_transcript
from mbt_nlp.readers.chat import clean_chat
from mbt_nlp.transcript import RoleMap

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"


def fixture(name: str) -> Path:
    return FORMATS / name


def clinician(*names: str) -> ReadOptions:
    return ReadOptions(roles=RoleMap.from_options(clinician=",".join(names)))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def one_error(path: Path, **kwargs) -> InputError:
    """The InputError for `path`; its one-line message must start with the file's name."""
    with pytest.raises(InputError) as err:
        read_transcript(path, **kwargs)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message
    return err.value


def rows(transcript) -> list[tuple]:
    return [(t.speaker, t.role, t.text, t.start, t.end, t.line, t.record) for t in transcript]


# --- Otter.ai ---------------------------------------------------------------------------

OTTER_LONG = (
    "Honestly? Terrible. My sister didn't call back on Tuesday, so obviously she's decided "
    "she's done with me. That's just what she does: she goes quiet, and then everyone at the "
    "café knows she's upset before I do. I kept checking my phone every ten minutes, and by "
    "Thursday I couldn't even eat. I know it sounds dramatic, but I could feel it in my whole "
    "body, like the floor had gone from under me. And then on Friday she sent a heart emoji, "
    "as if nothing had happened."
)


def test_otter_export_is_recognised_in_txt():
    transcript = read_transcript(fixture("otter.txt"))
    assert rows(transcript) == [
        ("Dr. Amara Osei", "clinician",
         "Good morning, Lena. How has the week been since we last met?", 3.0, None, 1, None),
        # Two paragraphs of one speaker (headers 0:09 and 1:02) are one turn.
        ("Lena Fischer", "client", OTTER_LONG, 9.0, None, 4, None),
        ("Dr. Amara Osei", "clinician",
         "When she didn't call, what did you imagine was going on in her mind?", 70.0, None, 10,
         None),
        ("Lena Fischer", "client",
         "I don't know. Maybe she was busy? Or maybe… no, I really don't know.", 75.0, None, 13,
         None),
    ]
    assert transcript.meta == {"footer": ["Transcribed by https://otter.ai"]}
    assert {t.session for t in transcript} == {"otter"}


def test_otter_hours_and_forced_format(tmp_path):
    path = write(tmp_path, "export.log", "Speaker 1  59:58\nStill with me?\n\n"
                 "Speaker 2\t1:00:04\nYes, sorry. I drifted off.\n")
    turns = read_transcript(path, clinician("Speaker 1"), input_format="otter").turns
    assert [(t.speaker, t.role, t.start, t.text) for t in turns] == [
        ("Speaker 1", "clinician", 3598.0, "Still with me?"),
        ("Speaker 2", "client", 3604.0, "Yes, sorry. I drifted off."),
    ]


def test_otter_format_on_a_colon_transcript_is_one_error(tmp_path):
    path = write(tmp_path, "colon.txt", "T: hi\nC: hello\n")
    error = one_error(path, input_format="otter")
    assert "Name  0:03" in error.message


def test_a_lone_header_like_line_does_not_turn_a_colon_transcript_into_otter(tmp_path):
    path = write(tmp_path, "mixed.txt", "T: When did it start?\nC: It was late.\n"
                 "Around  10:30\nT: And then?\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("T", "When did it start?"), ("C", "It was late. Around  10:30"), ("T", "And then?")]


# --- Rev and Descript -------------------------------------------------------------------


def test_rev_label_then_time_then_words():
    turns = read_transcript(fixture("rev.txt")).turns
    assert [(t.speaker, t.role, t.start, t.line) for t in turns] == [
        ("Interviewer", "clinician", 0.0, 1), ("Participant", "client", 9.0, 4),
        ("Interviewer", "clinician", 41.0, 7), ("Participant", "client", 44.0, 10)]
    assert turns[1].text.startswith("Still there, I think. My manager, Señor Ibáñez, walked")
    assert turns[1].text.endswith("then I deleted the rewrite, then I rewrote it again.")
    assert len(turns[1].text) == 402
    assert [t.text for t in turns[2:]] == ["So his silence felt like proof.",
                                          "Yeah. Proof. Exactly."]


def test_rev_name_and_time_header_layout():
    turns = read_transcript(fixture("rev_spaced.txt"), clinician("Speaker 1")).turns
    assert [(t.speaker, t.role, t.start, t.line) for t in turns] == [
        ("Speaker 1", "clinician", 0.0, 1), ("Speaker 2", "client", 6.0, 4),
        ("Speaker 1", "clinician", 31.0, 7), ("Speaker 2", "client", 35.0, 10)]
    assert turns[1].text.startswith('Okay. So she said the soup was "fine", and the way')
    assert turns[1].text.endswith('my drawing of the garden looked "interesting".')
    assert turns[3].text == "I honestly couldn't tell you. Tired? I'm not sure."


def test_rev_time_after_label_with_text_on_the_same_line(tmp_path):
    path = write(tmp_path, "r.txt", "Speaker 1 (00:01:02):\nHow was it?\n"
                 "Speaker 2: [00:01:05] Fine, I guess.\n")
    turns = read_transcript(path, clinician("Speaker 1"), input_format="rev").turns
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("Speaker 1", 62.0, "How was it?"), ("Speaker 2", 65.0, "Fine, I guess.")]


def test_descript_time_before_label():
    turns = read_transcript(fixture("descript.txt"), input_format="descript").turns
    assert [(t.speaker, t.role, t.start, t.line) for t in turns] == [
        ("Therapist", "clinician", 2.0, 1), ("Client", "client", 7.0, 2),
        ("Therapist", "clinician", 31.0, 4), ("Client", "client", 37.0, 5)]
    assert turns[1].text.startswith("Nervous. I had a dream about the exam again — the one")
    assert turns[1].text.endswith("it means I will fail on Thursday. And I know dreams aren't "
                                  "signs. But it felt like one.")
    assert turns[3].text == ("That I should cancel. Or at least email Prof. Łukasiewicz and "
                             "warn her.")


def test_a_time_on_its_own_line_dates_the_next_turn_and_is_no_text(tmp_path):
    path = write(tmp_path, "t.txt", "[00:00:03]\nTherapist: Hello.\n00:00:09\n"
                 "Client: Hi.\nStill me.\n(00:00:20)\nmore from me\nTherapist: Go on.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("Therapist", 3.0, "Hello."), ("Client", 9.0, "Hi. Still me. more from me"),
        ("Therapist", None, "Go on.")]


# --- Whisper / WhisperX -----------------------------------------------------------------

WHISPER_LONG = (
    "Not well. My flatmate, Chloé, left the kitchen in a state again, and I'm sure she does it "
    "on purpose to show me she doesn't respect me. She knows it drives me mad. Last month I "
    "left a note on the fridge, a polite one, and the next day the mess was twice as bad, so "
    "that settles it really. There's no other explanation for it, is there? People don't "
    "just forget things like that. I mean it."
)


def test_whisperx_segments_become_turns():
    transcript = read_transcript(fixture("whisperx.json"), clinician("SPEAKER_01"))
    assert rows(transcript) == [
        ("SPEAKER_01", "clinician", "Okay, we're recording. How did the week go?", 0.51, 3.2,
         None, 1),
        # Segments 2-3 of one speaker, and segment 4 without a speaker, are one turn.
        ("SPEAKER_00", "client", WHISPER_LONG, 3.9, 26.1, None, 2),
        ("SPEAKER_01", "clinician", "What else might have been going on for Chloé that week?",
         26.8, 30.05, None, 5),
        # Segment 6 is blank: the turn starts at segment 7.
        ("SPEAKER_00", "client", "I hadn't thought about that.", 31.3, 33.9, None, 7),
    ]
    assert transcript.meta == {"language": "en"}


def test_whisper_format_name_and_leading_unassigned_segment(tmp_path):
    data = {"segments": [{"start": 0.0, "end": 1.0, "text": " So."},
                         {"start": 1.0, "end": 2.0, "text": " Where to start?", "speaker": "A"},
                         {"start": 2.5, "end": 3.0, "text": " Anywhere.", "speaker": "B"}]}
    path = write(tmp_path, "w.out", json.dumps(data))
    transcript = read_transcript(path, clinician("A"), input_format="whisper")
    assert [(t.speaker, t.text, t.start, t.record) for t in transcript] == [
        ("A", "So. Where to start?", 0.0, 2), ("B", "Anywhere.", 2.5, 3)]
    assert transcript.notices == [
        "1 segment(s) before the first diarised speaker were given to the first turn"]


def test_whisper_segment_without_speaker_mid_session_is_noted(tmp_path):
    data = {"segments": [{"start": 0.0, "end": 1.0, "text": " Where to start?", "speaker": "A"},
                         {"start": 1.5, "end": 2.0, "text": " Anywhere.", "speaker": "B"},
                         {"start": 2.1, "end": 2.4, "text": " Mm."},
                         {"start": 2.5, "end": 3.0, "text": " So?", "speaker": "A"}]}
    transcript = read_transcript(write(tmp_path, "w.json", json.dumps(data)), clinician("A"))
    assert [t.text for t in transcript] == ["Where to start?", "Anywhere. Mm.", "So?"]
    assert transcript.notices == [
        "1 segment(s) with no diarised speaker were given to the turn before them"]


def test_an_elan_notes_tier_is_not_a_speaker(tmp_path):
    from pympi.Elan import Eaf

    eaf = Eaf()
    for tier, spans in {"Therapist": [(0, 1000, "How was it?")],
                        "Client": [(1200, 2000, "He left.")],
                        "Notes": [(1200, 2000, "client tearful")]}.items():
        eaf.add_tier(tier)
        for start, end, value in spans:
            eaf.add_annotation(tier, start, end, value)
    path = tmp_path / "s.eaf"
    eaf.to_file(str(path))
    transcript = read_transcript(path)
    assert [(t.speaker, t.text) for t in transcript] == [("Therapist", "How was it?"),
                                                         ("Client", "He left.")]
    assert transcript.notices == ["dependent or note tier(s) not read as speech: Notes"]


def test_whisper_without_speakers_asks_for_diarisation(tmp_path):
    data = {"text": " Hello. Hi.", "segments": [
        {"id": 0, "seek": 0, "start": 0.0, "end": 1.2, "text": " Hello.", "tokens": [50364]},
        {"id": 1, "seek": 0, "start": 1.3, "end": 2.0, "text": " Hi.", "tokens": [50365]}],
        "language": "en"}
    error = one_error(write(tmp_path, "plain.json", json.dumps(data)))
    assert "diaris" in error.message and "Hello" not in error.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [('{"segments": []}', "not Whisper"),
     ('{"segments": [{"start": 0, "text": "hi", "speaker": "A"}', "invalid JSON"),
     ('[{"speaker": "A", "text": "hi"}]', "not Whisper"),
     ("", "empty")],
)
def test_whisper_format_errors(tmp_path, content, fragment):
    error = one_error(write(tmp_path, "w.json", content), input_format="whisper")
    assert fragment in error.message


def test_whisper_bad_segment_names_its_record(tmp_path):
    data = {"segments": [{"start": 0, "end": 1, "text": "hi", "speaker": "A"},
                         {"start": "soon", "end": 2, "text": "yo", "speaker": "B"}]}
    error = one_error(write(tmp_path, "w.json", json.dumps(data)))
    assert error.record == 2 and "start" in error.message


def test_other_json_shapes_still_read_as_records(tmp_path):
    # "segments" without times is a list of records, not Whisper output.
    data = {"segments": [{"speaker": "T", "text": "hi"}, {"speaker": "T", "text": "again"}]}
    turns = read_transcript(write(tmp_path, "r.json", json.dumps(data))).turns
    assert [(t.speaker, t.text, t.record) for t in turns] == [("T", "hi", 1), ("T", "again", 2)]
    # --records-key wins over shape detection.
    data = {"segments": [{"start": 0, "end": 1, "text": "a", "speaker": "T"},
                         {"start": 1, "end": 2, "text": "b", "speaker": "T"}]}
    path = write(tmp_path, "k.json", json.dumps(data))
    turns = read_transcript(path, ReadOptions(records_key="segments")).turns
    assert [t.text for t in turns] == ["a", "b"]


# --- ELAN -------------------------------------------------------------------------------

EAF_LONG = (
    "I can't stop thinking about the parents' evening. Mr Okafor said Theo was \"a bit "
    "distracted\" and I just knew he meant that I'm a bad mother, that he's seen through me, "
    "and the other parents must think the same, they all looked away when I walked in, every "
    "single one of them. So that's that, really."
)


def test_elan_tiers_in_time_order():
    transcript = read_transcript(fixture("session.eaf"))
    assert rows(transcript) == [
        ("Therapist", "clinician", "Where would you like to start today?", 1.2, 4.85, 38, None),
        # Tier "Client" has PARTICIPANT="Zoë"; annotations a2 and a3 follow each other.
        ("Zoë", "client", EAF_LONG, 5.3, 24.01, 21, None),
        ("Therapist", "clinician",
         'Could "distracted" have been about Theo rather than about you?', 24.5, 28.775, 43,
         None),
        ("Zoë", "client", "Maybe. I hadn't thought of that.", 29.1, 31.0, 31, None),
    ]
    assert transcript.notices == ["dependent or note tier(s) not read as speech: Client-notes"]
    assert transcript.meta == {"media": ["file:///C:/sessions/session07.wav"]}


def test_elan_roles_from_options():
    options = ReadOptions(roles=RoleMap.from_options(clinician="Zoë", client="Therapist"))
    turns = read_transcript(fixture("session.eaf"), options).turns
    assert [t.role for t in turns] == ["client", "clinician", "client", "clinician"]


def _truncated_eaf() -> bytes:
    return fixture("session.eaf").read_bytes()[:1500]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "empty"),
     (_truncated_eaf(), "not a readable ELAN"),
     (b"<html><body>hello</body></html>", "not a readable ELAN"),
     (b'<ANNOTATION_DOCUMENT VERSION="3.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
      b' xsi:noNamespaceSchemaLocation="x"><HEADER/><TIME_ORDER/></ANNOTATION_DOCUMENT>',
      "no annotations")],
    ids=["empty", "broken-xml", "not-eaf", "no-tiers"],
)
def test_elan_errors(tmp_path, content, fragment):
    error = one_error(write(tmp_path, "s.eaf", content))
    assert fragment in error.message


# --- CHAT -------------------------------------------------------------------------------

CHAT_LONG = (
    "um I I phoned my brother, and he didn't pick up, so he is he is obviously furious with "
    "me about the wedding. there is no other reason he would ignore me, Zoë says he was just "
    "at work but she always takes his side, she has since we were kids and our mum left, and "
    "it's the same every time, I can feel it, I know what he is thinking..."
)


def test_chat_main_tiers_roles_and_bullets():
    transcript = read_transcript(fixture("session.cha"))
    assert rows(transcript) == [
        ("INV", "clinician", "how have things been since last week?", 0.0, 2.35, 10, None),
        # Two *PAR utterances (the first with a continuation line) are one turn; %mor and
        # %com between them are skipped.
        ("PAR", "client", CHAT_LONG, 2.6, 21.4, 11, None),
        ("INV", "clinician", "what might he have been thinking when he saw your name?", 21.8,
         24.95, 18, None),
        ("PAR", "client", "I don't know.", 25.3, 27.01, 19, None),
    ]
    assert transcript.meta["date"] == "14-MAR-2024"
    assert ["Participants", "PAR Participant, INV Investigator"] in transcript.meta["headers"]
    # The last *INV tier is "xxx .": no words, so no turn, and the user is told.
    assert transcript.notices == [
        "1 utterance(s) with no intelligible words (xxx, events only) were not read as turns"]


def test_chat_roles_from_options_override_participants():
    turns = read_transcript(fixture("session.cha"), clinician("PAR")).turns
    assert [(t.speaker, t.role) for t in turns[:2]] == [("INV", "client"), ("PAR", "clinician")]
    # Naming the CHAT role works too.
    turns = read_transcript(fixture("session.cha"), clinician("Investigator")).turns
    assert turns[0].role == "clinician" and turns[1].role == "client"


@pytest.mark.parametrize(
    ("main_tier", "words"),
    [("&-um I [/] I don't know , it was xxx +...", "um I I don't know, it was..."),
     ("<I was> [//] I went to the (.) shop@s:eng .", "I was I went to the shop."),
     ("goed [: went] home [*] .", "goed home."),
     ("he's (be)cause ice+cream „ right ?", "he's because ice cream, right?"),
     ("+< yeah +/.", "yeah..."),
     ("Santa_Claus 0is here ⌈ now ⌉ .", "Santa Claus here now."),
     ("&=laughs .", ""),
     ("&+fr Friday [!] +/?", "fr Friday?"),
     # Punctuation written onto words, as in hand-made CHAT, is kept.
     ("Honestly, pretty rough. I had a fight on Sunday.",
      "Honestly, pretty rough. I had a fight on Sunday."),
     ("no: it was xxx. you know?", "no it was. you know?")],
)
def test_chat_codes_become_plain_words(main_tier, words):
    assert clean_chat(main_tier) == words


@pytest.mark.parametrize(
    ("content", "fragment", "line"),
    [("", "empty", None),
     ("Therapist: this is not CHAT\n", "not a CHAT line", 1),
     ("@Begin\n@Participants:\tPAR Participant, INV Investigator\n*PAR:\thi .\n"
      "*MOT:\thello .\n@End\n", "*MOT is not in @Participants", 4),
     ("@Begin\n@Participants:\tPAR Participant\n@End\n", "no CHAT main tiers", None)],
    ids=["empty", "not-chat", "unknown-speaker", "no-tiers"],
)
def test_chat_errors(tmp_path, content, fragment, line):
    error = one_error(write(tmp_path, "s.cha", content))
    assert fragment in error.message and error.line == line


# --- Parquet and XLSX -------------------------------------------------------------------

TABLE_LONG = (
    "Badly. He didn't ask a single question about the new flat, not one, and I had\n"
    "brought the photos on my phone. That's how I know he doesn't care what happens to me, he "
    "never has, and my stepmother Inés just sat there nodding along as usual. I left after "
    "twenty minutes and cried in the car for most of the drive home."
)
TABLE_TURNS = [
    ("s07", 1, "Therapist", "clinician", "How did the visit to your father's go in the end?"),
    ("s07", 2, "Client", "client", TABLE_LONG),
    ("s07", 3, "Therapist", "clinician",
     "When he didn't ask, what do you imagine was on his mind?"),
    ("s07", 4, "Client", "client", "I don't know. Maybe he was tired. He's been ill since Easter."),
]


def test_xlsx_rows_with_sheet_row_numbers():
    transcript = read_transcript(fixture("session.xlsx"))
    assert [(t.session, t.index, t.speaker, t.role, t.text) for t in transcript] == TABLE_TURNS
    assert [t.line for t in transcript] == [2, 3, 5, 6]  # row 4 is blank
    assert [t.meta["start"] for t in transcript] == [4.5, 9, 41.25, 47]
    assert transcript.notices == [
        "only the first sheet was read; other sheet(s) with content: Notes"]


def test_parquet_rows_with_record_numbers():
    transcript = read_transcript(fixture("session.parquet"))
    assert [(t.session, t.index, t.speaker, t.role, t.text) for t in transcript] == TABLE_TURNS
    assert [t.record for t in transcript] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("name", "load"), [("session.xlsx", pd.read_excel), ("session.parquet", pd.read_parquet)]
)
def test_tables_round_trip_through_csv(tmp_path, name, load):
    csv_path = tmp_path / "s07.csv"
    # pandas reads the blank sheet row as NaN, which makes the turn column float: undo both.
    frame = load(fixture(name)).dropna(how="all").astype({"turn": "Int64"})
    frame.to_csv(csv_path, index=False)
    seq = [(t.session, t.speaker, t.text) for t in read_transcript(fixture(name))]
    assert seq == [(t.session, t.speaker, t.text) for t in read_transcript(csv_path)]


def _xlsx(tmp_path: Path, sheet_rows: list[list]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in sheet_rows:
        workbook.active.append(row)
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    return path


def test_xlsx_errors_name_the_sheet_row(tmp_path):
    path = _xlsx(tmp_path, [["speaker", "text", "turn"], ["T", "hi", 1], ["C", "yo", "two"]])
    error = one_error(path)
    assert error.line == 3 and "'turn'" in error.message
    path = _xlsx(tmp_path, [["voice", "text"], ["T", "hi"]])
    error = one_error(path)
    assert error.line == 2 and "--speaker-field" in error.message
    path = _xlsx(tmp_path, [["speaker", "text"], ["T", "hi", "stray"]])
    assert one_error(path).line == 2
    path = _xlsx(tmp_path, [["speaker", "text"]])
    assert "no rows" in one_error(path).message


def test_parquet_missing_field_names_the_record(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"speaker": ["T", "C"], "words": ["hi", "yo"]}).to_parquet(path)
    error = one_error(path)
    assert error.record == 1 and "--text-field" in error.message
    pd.DataFrame({"speaker": [], "text": []}).to_parquet(path)
    assert "no rows" in one_error(path).message


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "empty"), (b"PK\x03\x04 this is not really a zip" * 20, "not a readable"),
     (b"speaker,text\nT,hi\n", "not a readable")],
    ids=["empty", "corrupt", "csv-renamed"],
)
def test_binary_table_errors(tmp_path, suffix, content, fragment):
    error = one_error(write(tmp_path, f"t{suffix}", content))
    assert fragment in error.message


# --- Microsoft Teams --------------------------------------------------------------------


def test_teams_vtt_voices_and_cue_ids():
    turns = read_transcript(fixture("teams.vtt"), clinician("Amara Osei")).turns
    assert [(t.speaker, t.role, t.start, t.end, t.line) for t in turns] == [
        ("Amara Osei", "clinician", 3.419, 6.729, 4),
        ("Lena Müller-Þórsdóttir", "client", 7.1, 21.05, 8),
        ("Amara Osei", "clinician", 21.5, 25.01, 17)]
    assert turns[1].text == (
        "Yes, I can. Sorry, the Wi-Fi in the flat is awful, my neighbour keeps changing the "
        "password. Anyway. I wanted to talk about what happened with my manager, because I "
        "have been going over it all weekend and I am sure now that she wants me out, she "
        "looked straight through me in the meeting.")
    assert all("/" not in t.text and "0b7f8c5e" not in t.text for t in turns)


def test_teams_docx_export():
    transcript = read_transcript(fixture("teams.docx"), clinician("Amara Osei"))
    assert [(t.speaker, t.role, t.start, t.line) for t in transcript] == [
        ("Amara Osei", "clinician", 3.0, 5), ("Lena Fischer", "client", 8.0, 7),
        ("Amara Osei", "clinician", 35.0, 10)]
    assert transcript.turns[1].text == (
        "Not great. Jürgen cancelled our plans again this weekend, and honestly that tells me "
        "everything about where I stand with him. If he wanted to be with me he'd make time, "
        "people make time for what matters to them, so clearly I don't matter, and there's no "
        "point pretending otherwise. I've already started packing his things into boxes.")
    assert transcript.turns[2].text == "What else might explain the cancellation, do you think?"
    assert transcript.meta == {
        "preamble": ["Weekly session – L. Fischer-20240314_100012-Meeting Recording",
                     "March 14, 2024, 10:00AM", "48m 12s"],
        "title": "Weekly session – L. Fischer-20240314_100012-Meeting Recording",
        "date": "March 14, 2024",
        "events": ["Amara Osei started transcription", "Amara Osei stopped transcription"],
    }


def test_older_teams_docx_caption_blocks():
    turns = read_transcript(fixture("teams_legacy.docx"), clinician("Amara Osei")).turns
    assert [(t.speaker, t.role, t.start, t.end, t.line) for t in turns] == [
        ("Amara Osei", "clinician", 0.0, 4.25, 1), ("Lena Fischer", "client", 4.9, 22.1, 5),
        ("Amara Osei", "clinician", 23.0, 26.5, 13)]
    assert turns[1].text.startswith("She hung up on me. Well, she said she had to go, but I")
    assert turns[1].text.endswith("it's how they tell you you're not wanted any more. "
                                  "So I didn't call back.")
    assert turns[2].text == "What else could 'I have to go' have meant?"


def test_caption_blocks_whose_names_read_as_labels_stay_caption_blocks(tmp_path):
    # A name alone on its line also reads as a label ("Therapist", "P"); counted as one,
    # every block tied its timing line and the file was read as labelled turns of a
    # speaker "0" (the timing lines' "0:" prefix), found by benchmarks/fuzz.py.
    path = write(tmp_path, "c.txt", "0:0:0.0 --> 0:0:3.0\nTherapist\nHow was it?\n\n"
                 "0:0:27.1 --> 0:0:30.1\nP\nNot great, to be honest.\n\n"
                 "0:0:31.0 --> 0:0:33.0\nP\nShe never called.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text, t.start) for t in turns] == [
        ("Therapist", "How was it?", 0.0),
        ("P", "Not great, to be honest. She never called.", 27.1)]


def test_caption_block_of_one_unknown_line_is_an_error(tmp_path):
    path = write(tmp_path, "c.txt", "0:0:0.0 --> 0:0:2.0\nAnna\nHi there.\n\n"
                 "0:0:2.0 --> 0:0:3.0\nAnna\n\n0:0:3.0 --> 0:0:4.0\nOh no, not again.\n")
    error = one_error(path)
    assert error.line == 8 and "Oh no" not in error.message


# --- Preambles ----------------------------------------------------------------------------


def test_txt_preamble_is_kept_in_meta():
    transcript = read_transcript(fixture("preamble.txt"))
    assert [(t.speaker, t.role, t.line) for t in transcript] == [
        ("T", "clinician", 6), ("C", "client", 7), ("T", "clinician", 8)]
    assert transcript.meta == {
        "preamble": ["Session 7 – 14 March", "Transcript", "Interview with Ms Ávila",
                     "Recorded on 14/03/2024"],
        "title": "Session 7 – 14 March",
        "date": "14/03/2024",
    }
    assert transcript.notices == [
        "kept 4 line(s) before the first speaker label as the file's preamble (meta), "
        "not as turns"]


def test_docx_preamble_is_kept_in_meta():
    transcript = read_transcript(fixture("preamble.docx"))
    assert [(t.speaker, t.line) for t in transcript] == [("T", 4), ("C", 5), ("T", 6)]
    assert transcript.turns[2].text == "Renée was sweet to you. How do you make sense of that?"
    assert transcript.meta == {"preamble": ["Session 7 – 14 March", "Transcript"],
                               "title": "Session 7 – 14 March", "date": "14 March"}


def test_key_value_lines_before_the_first_turn_are_meta_not_speakers(tmp_path):
    path = write(tmp_path, "k.txt", "Title: Intake\nDate: 2 May 2024\n\nT: Welcome.\n"
                 "C: Thanks.\n")
    transcript = read_transcript(path)
    assert [t.speaker for t in transcript] == ["T", "C"]
    assert transcript.meta == {"preamble": ["Title: Intake", "Date: 2 May 2024"],
                               "title": "Intake", "date": "2 May 2024"}


@pytest.mark.parametrize(
    "preamble",
    ["Session 7\n" + "She said it was fine\n" * 5, "Notes " + "word " * 70 + "\n"],
    ids=["six-lines", "over-300-characters"],
)
def test_a_long_preamble_is_an_unlabelled_transcript(tmp_path, preamble):
    path = write(tmp_path, "long.txt", preamble + "T: hi\nC: hello\n")
    error = one_error(path)
    assert error.line == 1 and "before the first speaker label" in error.message
    assert "She said" not in error.message and "word" not in error.message


def test_text_with_no_labels_at_all_is_an_error(tmp_path):
    assert one_error(write(tmp_path, "none.txt", "hello\nthere\n")).line == 1


# --- DOCX errors --------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path):
    content = _zip({"[Content_Types].xml": b"<Types/>",
                    "word/document.xml": b" " * (50 * 1024 * 1024 + 1)})
    assert len(content) < 1024 * 1024
    error = one_error(write(tmp_path, "bomb.docx", content))
    assert "zip bomb" in error.message and "word/document.xml" in error.message


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip at all", _zip({"word/document.xml": b"<w:document"}),
     _zip({"[Content_Types].xml": b"<Types", "word/document.xml": b"<x/>"})],
    ids=["empty", "not-zip", "no-content-types", "broken-xml"],
)
def test_broken_docx_is_one_error(tmp_path, content):
    error = one_error(write(tmp_path, "broken.docx", content))
    assert "docx" in error.message


def test_docx_with_text_only_in_a_table_says_so(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "T", "How are you?"
    path = tmp_path / "table.docx"
    document.save(str(path))
    assert "tables" in one_error(path).message


# --- Round trips and registration -------------------------------------------------------

TEXT_FIXTURES = [
    ("otter.txt", None), ("rev.txt", None), ("rev_spaced.txt", "Speaker 1"),
    ("descript.txt", None), ("whisperx.json", "SPEAKER_01"), ("session.eaf", None),
    ("session.cha", None), ("teams.vtt", "Amara Osei"), ("teams.docx", "Amara Osei"),
    ("teams_legacy.docx", "Amara Osei"),
    ("preamble.txt", None), ("preamble.docx", None),
]


@pytest.mark.parametrize(("name", "clinician_label"), TEXT_FIXTURES)
def test_turns_round_trip_through_csv(tmp_path, name, clinician_label):
    options = clinician(clinician_label) if clinician_label else ReadOptions()
    turns = read_transcript(fixture(name), options).turns
    csv_path = tmp_path / "copy.csv"
    pd.DataFrame([{"session": t.session, "turn": t.index, "speaker": t.speaker, "role": t.role,
                   "text": t.text} for t in turns]).to_csv(csv_path, index=False)
    again = read_transcript(csv_path, options).turns
    assert [(t.session, t.speaker, t.role, t.text) for t in again] == [
        (t.session, t.speaker, t.role, t.text) for t in turns]
    assert len(turns) >= 3 and max(len(t.text) for t in turns) > 250  # a long turn in each


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [(".eaf", "eaf"), (".cha", "chat"), (".parquet", "parquet"), (".xlsx", "xlsx")],
)
def test_new_suffixes_are_registered(suffix, fmt):
    assert SUFFIXES[suffix] == fmt and detect_format(f"x{suffix}") == fmt


# Columns as exported datasets name them (AnnoMI's, for one): no `text` or `speaker`.
OTHER_NAMES = {"transcript_id": ["a", "a"], "utterance_id": [0, 1],
               "interlocutor": ["therapist", "client"],
               "utterance_text": ["What happened?", "He left and I knew why."]}


def _other_names_file(tmp_path: Path, suffix: str) -> Path:
    frame = pd.DataFrame(OTHER_NAMES)
    path = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif suffix == ".json":
        path.write_text(json.dumps({"utterances": frame.to_dict("records")}), encoding="utf-8")
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        path = _xlsx(tmp_path, [list(frame.columns), *frame.itertuples(index=False)])
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet", ".xlsx"])
def test_tables_with_other_column_names_are_read_and_say_so(tmp_path, suffix):
    transcript = read_transcript(_other_names_file(tmp_path, suffix))
    assert [(t.session, t.index, t.role, t.text) for t in transcript] == [
        ("a", 0, "clinician", "What happened?"), ("a", 1, "client", "He left and I knew why.")]
    assert [n.split()[1] for n in transcript.notices] == [
        "'utterance_text'", "'interlocutor'", "'transcript_id'", "'utterance_id'"]
    assert "--text-field" in transcript.notices[0]


def test_column_names_differing_only_in_case_need_no_notice(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Speaker,Text\nTherapist,How was it?\nClient,Fine.\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert [t.text for t in transcript] == ["How was it?", "Fine."]
    assert transcript.notices == []


def test_a_field_the_user_names_is_taken_exactly(tmp_path):
    path = _other_names_file(tmp_path, ".csv")
    error = one_error(path, options=ReadOptions(text_field="words"))
    assert "no 'words' field" in error.message


ZOOM_NAMES = """WEBVTT

1
00:00:03.000 --> 00:00:08.500
Dr Sarah Jones: How have things been?

2
00:00:09.000 --> 00:00:14.500
Maria's iPhone: Rough. I had a fight with my sister.

3
00:00:16.000 --> 00:00:21.500
Dr Sarah Jones: What happened?

4
00:00:21.000 --> 00:00:26.500
Maria de la Cruz (she/her): She cancelled again.
"""


def test_video_call_display_names_open_turns(tmp_path):
    """Zoom names a phone "Maria's iPhone" and shows pronouns in the name: such a cue
    opens a turn of its own (it used to join the clinician's turn above)."""
    turns = list(read_transcript(write(tmp_path, "zoom.vtt", ZOOM_NAMES)))
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        ("Dr Sarah Jones", "clinician", "How have things been?"),
        ("Maria's iPhone", "client", "Rough. I had a fight with my sister."),
        ("Dr Sarah Jones", "clinician", "What happened?"),
        ("Maria de la Cruz (she/her)", "client", "She cancelled again.")]


def test_an_aside_in_a_label_can_name_the_role(tmp_path):
    text = ("Sam Reid (Therapist): What happened?\nMaria (Client): He left.\n"
            "Sam Reid (Therapist) (00:01:02): And then?\nMaria (Client): [00:01:05] Nothing.\n")
    turns = list(read_transcript(write(tmp_path, "t.txt", text)))
    assert [(t.speaker, t.role, t.start) for t in turns] == [
        ("Sam Reid (Therapist)", "clinician", None), ("Maria (Client)", "client", None),
        ("Sam Reid (Therapist)", "clinician", 62.0), ("Maria (Client)", "client", 65.0)]
    # The name without its aside names the speaker for --clinician.
    named = write(tmp_path, "n.txt", "Sam (he/him): Hi.\nJo: Hello.\nSam (he/him): So?\n")
    options = ReadOptions(roles=RoleMap.from_options(clinician="Sam"))
    assert [t.role for t in read_transcript(named, options)] == ["clinician", "client",
                                                                 "clinician"]


def test_a_sentence_with_a_colon_still_continues_the_turn(tmp_path):
    text = "T: What did he say?\nC: He said\nso then: leave.\nand (of course): no.\n"
    turns = list(read_transcript(write(tmp_path, "t.txt", text)))
    assert [t.text for t in turns] == ["What did he say?",
                                       "He said so then: leave. and (of course): no."]


def test_json_turn_lists_are_preferred_to_other_lists(tmp_path):
    """AssemblyAI lists every word before the utterances: the utterances are the turns,
    and the choice is a notice (it used to make one turn per word)."""
    words = [{"text": w, "speaker": s} for s, w in [("A", "How"), ("A", "so?"), ("B", "Fine.")]]
    data = {"id": "x", "text": "How so? Fine.", "words": words,
            "utterances": [{"speaker": "A", "text": "How so?", "words": words[:2]},
                           {"speaker": "B", "text": "Fine.", "words": words[2:]}]}
    path = write(tmp_path, "a.json", json.dumps(data))
    transcript = read_transcript(path)
    assert [(t.speaker, t.text) for t in transcript] == [("A", "How so?"), ("B", "Fine.")]
    assert transcript.notices[0].startswith("read the records under 'utterances', one of 2")
    words_only = read_transcript(path, ReadOptions(records_key="words"))
    assert len(words_only.turns) == 3 and not any("records under" in n
                                                  for n in words_only.notices)


@pytest.mark.parametrize("content", [
    # Excel's CSV where the decimal mark is a comma, with its byte-order mark.
    "\ufeffSpeaker;Role;Text\r\nSam;Therapist;How was it, then?\r\n"
    "Jo;patient;\"Bad; he left.\"\r\n",
    # Columns Excel once touched come out as empty names, and empty rows as ",,".
    "Speaker,Role,Text,,\r\nSam,Therapist,\"How was it, then?\",,\r\n,,,,\r\n"
    "Jo,patient,Bad; he left.,,\r\n",
])
def test_spreadsheet_csv_exports(tmp_path, content):
    transcript = read_transcript(write(tmp_path, "t.csv", content.encode("utf-8")))
    assert [(t.speaker, t.role, t.text) for t in transcript] == [
        ("Sam", "clinician", "How was it, then?"), ("Jo", "client", "Bad; he left.")]


def test_a_value_in_an_unnamed_column_is_still_an_error(tmp_path):
    path = write(tmp_path, "t.csv", "speaker,text,\nT,hi,\nC,hello,stray\n")
    error = one_error(path)
    assert error.line == 3 and "3 fields, the header has 2" in error.message


def test_a_research_header_block_is_the_files_meta_not_turns(tmp_path):
    """Fields above the turns ("Interviewer: SJ") read like turns; they used to become
    turns, and "Interviewer" made every real turn a client's."""
    text = ("Participant ID: P07\nDate of interview: 12/03/2024\nInterviewer: SJ\n\n"
            "SJ: How have things been?\nP07: Rough, honestly.\nSJ: What happened?\n"
            "P07: She cancelled again.\n")
    transcript = read_transcript(write(tmp_path, "t.txt", text))
    assert [(t.speaker, t.role) for t in transcript] == [
        ("SJ", "clinician"), ("P07", "client"), ("SJ", "clinician"), ("P07", "client")]
    assert transcript.meta["interviewer"] == "SJ" and transcript.meta["date"] == "12/03/2024"
    assert "title" not in transcript.meta and len(transcript.meta["preamble"]) == 3


@pytest.mark.parametrize("text", [
    "T: Hi, come in.\nC: Hello.\n\nT: So how was it?\nC: Fine.\n",  # the keys speak again
    "Facilitator: Welcome, all.\n\nP1: Hi.\nP2: Hello.\n",  # one line is a turn
])
def test_a_first_exchange_before_a_blank_line_stays_turns(tmp_path, text):
    transcript = read_transcript(write(tmp_path, "t.txt", text))
    assert len(transcript.turns) == text.count(":") and "preamble" not in transcript.meta


def test_a_time_closing_a_turn_leaves_its_words(tmp_path):
    f4 = ("I: How have things been? #00:00:07-3#\n\nB: Rough. I had a fight\n"
          "with my sister. #00:00:13-9#\n")
    turns = list(read_transcript(write(tmp_path, "f4.txt", f4)))
    assert [(t.text, t.end) for t in turns] == [
        ("How have things been?", 7.3), ("Rough. I had a fight with my sister.", 13.9)]
    bracketed = "T: How was it? (00:00:03)\nC: Fine, [laughs] (00:00:09)\nT: (00:00:12)\n"
    turns = list(read_transcript(write(tmp_path, "b.txt", bracketed)))
    assert [(t.text, t.end, t.meta.get("closing_time")) for t in turns] == [
        ("How was it?", None, "(00:00:03)"), ("Fine, [laughs]", None, "(00:00:09)"),
        ("", None, None)]


OTTER_EXPORT = """Session 4 - Maria
Tue, Mar 12, 2024 10:02AM \u2022 50:12

SUMMARY KEYWORDS
sister, cancelled, angry, stupid, sunday, bus, email, late, expecting, felt

SPEAKERS
Sarah Jones, Maria Lopez

Sarah Jones  00:03
How have things been since we last met?

Maria Lopez  00:09
Honestly, pretty rough.
"""


def test_an_otter_export_header_is_meta(tmp_path):
    transcript = read_transcript(write(tmp_path, "otter.txt", OTTER_EXPORT))
    assert [(t.speaker, t.start, t.text) for t in transcript] == [
        ("Sarah Jones", 3.0, "How have things been since we last met?"),
        ("Maria Lopez", 9.0, "Honestly, pretty rough.")]
    assert transcript.meta["speakers"] == "Sarah Jones, Maria Lopez"
    assert transcript.meta["keywords"].startswith("sister, cancelled")
    assert transcript.meta["title"] == "Session 4 - Maria" and len(transcript.meta["preamble"]) == 6
    # Without Otter's headings, six lines above the turns are still too many for a title.
    plain = OTTER_EXPORT.replace("SUMMARY KEYWORDS", "Keywords follow").replace("SPEAKERS", "Who")
    assert "too long for a title block" in one_error(write(tmp_path, "p.txt", plain)).message


@pytest.mark.parametrize(("name", "content", "starts"), [
    # A tab after the label, as typed or pasted from a spreadsheet.
    ("tab.txt", "Th\tHow was it?\nCl\tHe left.\n", [None, None]),
    ("timed.txt", "00:00:03\tTherapist\tHow was it?\n00:00:09\tClient\tHe left.\n", [3.0, 9.0]),
    # The label alone on its line, the words below.
    ("bare.txt", "THERAPIST\nHow was it?\n\nCLIENT\nHe left.\n", [None, None]),
    # A printout with every line numbered, a turn running over two lines.
    ("numbered.txt", "1   T: How was it?\n2   C: He\n3      left.\n", [None, None]),
    # Excel's "Unicode Text": a tab-separated table with a header, saved as .txt.
    ("unicode.txt", "Speaker\tText\r\nTherapist\tHow was it?\r\nClient\tHe left.\r\n",
     [None, None]),
])
def test_plain_text_without_colons(tmp_path, name, content, starts):
    path = write(tmp_path, name, content.encode("utf-16") if name == "unicode.txt" else content)
    turns = list(read_transcript(path))
    assert [(t.role, t.text, t.start) for t in turns] == [
        ("clinician", "How was it?", starts[0]), ("client", "He left.", starts[1])]


def test_a_lone_word_on_its_line_stays_words(tmp_path):
    text = "T: How was it?\nC: Fine.\nOkay\nSarah\nPatient\n"
    turns = list(read_transcript(write(tmp_path, "t.txt", text)))
    # "Patient" in title case is a label; "Okay" and "Sarah" continue the turn.
    assert [(t.speaker, t.text) for t in turns] == [
        ("T", "How was it?"), ("C", "Fine. Okay Sarah"), ("Patient", "")]


def test_google_meet_closing_line_is_not_the_clients_words(tmp_path):
    text = ("Therapy session - Transcript\n00:00:00\n\nSam: How was it?\nJo: He left.\n\n"
            "Meeting ended after 00:50:12 \U0001f44b\n")
    transcript = read_transcript(write(tmp_path, "meet.txt", text), clinician("Sam"))
    assert [t.text for t in transcript] == ["How was it?", "He left."]
    assert transcript.meta["system"] == ["Meeting ended after 00:50:12 \U0001f44b"]
    assert any("meeting tool" in n for n in transcript.notices)


@pytest.mark.parametrize("label", ["**Therapist:**", "**Therapist**:"])
def test_markdown_bold_labels(tmp_path, label):
    text = f"# Session 4\n\n{label} How was it?\n{label.replace('Therapist', 'Client')} Fine.\n"
    turns = list(read_transcript(write(tmp_path, "t.md", text)))
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        ("Therapist", "clinician", "How was it?"), ("Client", "client", "Fine.")]


# --- Grids: title rows, no header row, Word tables (readers/grid.py) ---------------------

def _docx(tmp_path: Path, paragraphs: list[str], tables: list[list[list[str]]]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    for grid in tables:
        table = document.add_table(rows=len(grid), cols=len(grid[0]))
        for row, values in zip(table.rows, grid, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    path = tmp_path / "t.docx"
    document.save(str(path))
    return path


def test_title_rows_above_a_csv_header_are_meta(tmp_path):
    path = write(tmp_path, "t.csv", "Participant 07 - session 3,,\nTranscribed 12/03,,\n,,\n"
                                    "Line,Speaker,Text\n1,T,How was it?\n2,C,Rough.\n")
    transcript = read_transcript(path)
    assert [(t.speaker, t.text, t.line) for t in transcript] == [
        ("T", "How was it?", 5), ("C", "Rough.", 6)]
    assert transcript.meta["title"] == ["Participant 07 - session 3", "Transcribed 12/03"]
    assert transcript.notices == [
        "kept 2 row(s) above the header as the file's title (meta), not as turns"]


def test_a_tsv_with_no_header_row_is_read_by_its_columns(tmp_path):
    path = write(tmp_path, "t.tsv", "00:00:03\tT\tHow have things been?\n"
                                    "00:00:09\tC\tPretty rough, to be honest.\n"
                                    "00:00:15\tT\tRough how?\n")
    transcript = read_transcript(path)
    assert [(t.speaker, t.role, t.text, t.line) for t in transcript] == [
        ("T", "clinician", "How have things been?", 1),
        ("C", "client", "Pretty rough, to be honest.", 2),
        ("T", "clinician", "Rough how?", 3)]
    assert transcript.turns[0].meta == {"column_1": "00:00:03"}
    assert transcript.notices == [
        "no header row: column 2 read as the speaker and column 3 as the words"]


@pytest.mark.parametrize("content", [
    # A header we cannot name: its first cell is not a recurring label, so it is no turn.
    "Who,What was said\nT,How was it?\nC,Rough going.\nT,Rough how?\n",
    # Ids are not speakers.
    "1,How was it?\n2,Rough going.\n3,Rough how?\n",
    # Labels but no words.
    "T,1\nC,2\nT,3\n",
], ids=["unnamed-header", "ids", "no-words"])
def test_a_grid_without_a_clear_layout_is_the_usual_error(tmp_path, content):
    error = one_error(write(tmp_path, "t.csv", content))
    assert "--text-field" in error.message and error.line == 2


def test_xlsx_title_rows_and_a_transcript_on_a_later_sheet(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    info = workbook.active
    info.title = "Info"
    info.append(["Participant", "P07"])
    sheet = workbook.create_sheet("Transcript")
    for row in [["Session 4", None], [None, None], ["Speaker", "Text"], ["T", "How was it?"],
                ["C", "Rough."]]:
        sheet.append(row)
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    transcript = read_transcript(path)
    assert [(t.speaker, t.text, t.line) for t in transcript] == [
        ("T", "How was it?", 4), ("C", "Rough.", 5)]
    assert transcript.meta["title"] == ["Session 4"]
    assert transcript.notices[-2:] == [
        "read sheet 'Transcript': the sheet(s) before it hold no transcript",
        "only sheet 'Transcript' was read; other sheet(s) with content: Info"]


def test_a_word_table_under_a_title_is_the_transcript(tmp_path):
    path = _docx(tmp_path, ["Transcript: participant 07"],
                 [[["Speaker", "Text"], ["Therapist", "How was it?"], ["Client", "Rough."]]])
    transcript = read_transcript(path)
    assert [(t.speaker, t.role, t.text, t.line) for t in transcript] == [
        ("Therapist", "clinician", "How was it?", 2), ("Client", "client", "Rough.", 3)]
    assert transcript.meta["title"] == ["Transcript: participant 07"]
    assert "table" in transcript.notices[0]


def test_a_headerless_word_table_of_time_speaker_words(tmp_path):
    path = _docx(tmp_path, [], [[["00:00:03", "T", "How was the week?"],
                                 ["00:00:09", "C", "Rough, to be honest."],
                                 ["00:00:15", "T", "Rough in what way?"]]])
    assert [(t.speaker, t.text, t.line) for t in read_transcript(path)] == [
        ("T", "How was the week?", 1), ("C", "Rough, to be honest.", 2),
        ("T", "Rough in what way?", 3)]


def test_paragraph_turns_win_over_a_table(tmp_path):
    path = _docx(tmp_path, ["T: How was it?", "C: Rough."],
                 [[["Speaker", "Text"], ["X", "not read"], ["Y", "not read"]]])
    transcript = read_transcript(path)
    assert [t.text for t in transcript] == ["How was it?", "Rough."]
    assert transcript.notices[-1] == "the document also has tables; their text was not read"


def test_a_word_table_that_is_no_transcript_is_one_error(tmp_path):
    path = _docx(tmp_path, [], [[["Name", "Age"], ["Ann", "34"], ["Bob", "51"]]])
    assert "laid out as a transcript" in one_error(path).message


def test_name_and_role_columns(tmp_path):
    path = write(tmp_path, "t.csv", "Name,Role,Text\nSarah,Therapist,How was it?\n"
                                    "Maria,Client,Rough.\n")
    assert [(t.speaker, t.role) for t in read_transcript(path)] == [
        ("Sarah", "clinician"), ("Maria", "client")]


# --- Label grammar: dashes and time ranges ----------------------------------------------

def test_a_spaced_dash_after_a_role_label_opens_a_turn(tmp_path):
    path = write(tmp_path, "t.txt", "Therapist - How was it?\nClient - Rough. So - I went "
                                    "home.\nSo - then what?\nTherapist - Go on.\n")
    assert [(t.speaker, t.text) for t in read_transcript(path)] == [
        ("Therapist", "How was it?"),
        ("Client", "Rough. So - I went home. So - then what?"),
        ("Therapist", "Go on.")]


def test_whisper_time_ranges_before_a_speaker_label(tmp_path):
    path = write(tmp_path, "t.txt", "[00:00:03.120 --> 00:00:08.000] SPEAKER_00: How was it?\n"
                                    "[00:00:09.120 --> 00:00:14.000] SPEAKER_01: Rough.\n")
    transcript = read_transcript(path, options=clinician("SPEAKER_00"))
    assert [(t.speaker, t.text, t.start) for t in transcript] == [
        ("SPEAKER_00", "How was it?", 3.12), ("SPEAKER_01", "Rough.", 9.12)]


def test_an_srt_cue_of_two_speakers_is_split_at_its_dashes(tmp_path):
    path = write(tmp_path, "t.srt", "1\n00:00:03,000 --> 00:00:08,000\n- T: How was it?\n"
                                    "- C: Rough.\n\n2\n00:00:09,000 --> 00:00:12,000\n"
                                    "- I mean - really rough.\n")
    assert [(t.speaker, t.text) for t in read_transcript(path)] == [
        ("T", "How was it?"), ("C", "Rough. I mean - really rough.")]


def test_a_dash_opening_a_cue_of_one_speaker_is_dropped(tmp_path):
    path = write(tmp_path, "t.srt", "1\n00:00:03,000 --> 00:00:08,000\n- T: How was it?\n\n"
                                    "2\n00:00:09,000 --> 00:00:12,000\n- C: Rough.\nReally.\n")
    assert [(t.speaker, t.text) for t in read_transcript(path)] == [
        ("T", "How was it?"), ("C", "Rough. Really.")]


# --- Cloud speech-to-text JSON (readers/speech_services.py) ------------------------------

def _aws_items(with_labels: bool) -> dict:
    items, segments = [], []
    for speaker, words, start in (("spk_0", ["How", "was", "it"], 1.0),
                                  ("spk_1", ["Rough", "honestly"], 10.0)):
        timed = [{"start_time": f"{start + i:.3f}", "end_time": f"{start + i + 0.5:.3f}",
                  "speaker_label": speaker} for i in range(len(words))]
        segments.append({"speaker_label": speaker, "start_time": timed[0]["start_time"],
                         "end_time": timed[-1]["end_time"], "items": timed})
        for word, time in zip(words, timed, strict=True):
            item = {"start_time": time["start_time"], "end_time": time["end_time"],
                    "type": "pronunciation", "alternatives": [{"content": word}]}
            items.append({**item, "speaker_label": speaker} if with_labels else item)
        items.append({"type": "punctuation", "alternatives": [{"content": "?" if
                                                               speaker == "spk_0" else "."}]})
    results = {"transcripts": [{"transcript": "..."}], "items": items}
    if with_labels:
        results["speaker_labels"] = {"speakers": 2, "segments": segments}
    return {"jobName": "s", "status": "COMPLETED", "results": results}


def test_older_aws_items_take_their_speaker_from_the_segments(tmp_path):
    data = _aws_items(with_labels=True)
    for item in data["results"]["items"]:
        item.pop("speaker_label", None)  # older exports: speakers only in speaker_labels
    transcript = read_transcript(write(tmp_path, "t.json", json.dumps(data)),
                                 options=clinician("spk_0"))
    assert [(t.speaker, t.text, t.start, t.end) for t in transcript] == [
        ("spk_0", "How was it?", 1.0, 3.5), ("spk_1", "Rough honestly.", 10.0, 11.5)]
    assert transcript.notices[0].startswith("read as Amazon Transcribe JSON")


@pytest.mark.parametrize(("data", "service"), [
    (_aws_items(with_labels=False), "Amazon Transcribe"),
    ({"results": {"channels": [{"alternatives": [{"transcript": "hi there", "words": [
        {"word": "hi", "start": 0.1, "end": 0.3}]}]}]}}, "Deepgram"),
    ({"results": [{"alternatives": [{"transcript": "hi", "words": [
        {"word": "hi", "startTime": "0.1s", "endTime": "0.3s"}]}]}]}, "Google Speech-to-Text"),
    ({"results": [{"type": "word", "start_time": 0.1, "end_time": 0.3,
                   "alternatives": [{"content": "hi"}]}]}, "Speechmatics"),
    ({"recognizedPhrases": [{"offsetInTicks": 0, "nBest": [{"display": "Hi."}]}]},
     "Azure Speech"),
], ids=["aws", "deepgram", "google", "speechmatics", "azure"])
def test_speech_service_json_without_speakers_asks_for_diarisation(tmp_path, data, service):
    error = one_error(write(tmp_path, "t.json", json.dumps(data)))
    assert service in error.message and "diarisation" in error.message


def test_json_records_that_only_look_like_a_service_are_read_as_records(tmp_path):
    # A "results" list of turns is our records, not Speechmatics (no word/punctuation type).
    path = write(tmp_path, "t.json", json.dumps({"results": [
        {"speaker": "T", "text": "How was it?"}, {"speaker": "C", "text": "Rough."}]}))
    assert [(t.speaker, t.text) for t in read_transcript(path)] == [
        ("T", "How was it?"), ("C", "Rough.")]


# --- A wrapped line that opens with "Word:" ----------------------------------------------

def test_a_wrapped_line_opening_with_sorry_colon_goes_on_the_turn_above(tmp_path):
    path = write(tmp_path, "t.txt", "T: How was the week?\nC: Rough. My sister texted\n"
                                    "Sorry: can't make it. Again.\nT: That sounds hard.\n")
    transcript = read_transcript(path)
    assert [(t.speaker, t.text) for t in transcript] == [
        ("T", "How was the week?"), ("C", "Rough. My sister texted Sorry: can't make it. Again."),
        ("T", "That sounds hard.")]
    assert transcript.notices == ["line 3: 'Sorry:' read as the line above going on, "
                                  "not as a speaker"]


@pytest.mark.parametrize("content", [
    # After a finished sentence, the label opens a turn as before.
    "T: How was the week?\nC: Rough.\nSorry: can't make it.\nT: Go on.\n",
    # A word used as a label more than once is a speaker.
    "T: Hi.\nC: My sister texted\nWell: fine\nT: Go on\nWell: no\n",
])
def test_a_sentence_word_is_a_speaker_when_the_line_is_not_wrapped(tmp_path, content):
    transcript = read_transcript(write(tmp_path, "t.txt", content))
    assert any(t.speaker in ("Sorry", "Well") for t in transcript)
    assert not transcript.notices
