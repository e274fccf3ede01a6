"""Readers: every format, encodings, and bad input reported with file and line."""

from __future__ import annotations

import json

import pytest

from mbt_nlp.errors import InputError
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.transcript import RoleMap
from tests.conftest import MIBOT, needs_mibot

PLAIN = """T: Hello, how was the week?
Client: Bad. He didn't text.
It was awful.

[00:01:02] Th: What went through your mind?
SPEAKER 1: I knew he was done with me.
Dr. Smith: Say more?
Mum: She's been like this since Easter.
"""


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return path


def test_plain_text_speakers_continuations_timestamps(tmp_path):
    turns = read_transcript(write(tmp_path, "s1.txt", PLAIN)).turns
    assert [t.speaker for t in turns] == ["T", "Client", "Th", "SPEAKER 1", "Dr. Smith", "Mum"]
    assert [t.role for t in turns] == ["clinician", "client", "clinician", "client",
                                       "clinician", "client"]
    assert turns[1].text == "Bad. He didn't text. It was awful."
    assert turns[2].start == 62.0
    assert [t.line for t in turns] == [1, 2, 5, 6, 7, 8]
    assert {t.session for t in turns} == {"s1"}


def test_plain_text_before_first_speaker_is_an_error(tmp_path):
    # A short title block is kept as meta (test_readers_formats.py); six lines of
    # unlabelled text are probably an unlabelled transcript.
    path = write(tmp_path, "bad.txt", "Session notes\n" + "it was fine\n" * 5 + "T: hi\n")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert str(err.value).startswith(f"{path}:1:")


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("utf-16-le", b""),
     ("cp1252", b"")],
)
def test_encodings(tmp_path, encoding, bom):
    text = "T: Café at 5?\nClient: It’s fine – I’m “okay”.\n"
    path = write(tmp_path, "enc.txt", bom + text.encode(encoding))
    turns = read_transcript(path).turns
    assert turns[0].text == "Café at 5?"
    assert turns[1].text == "It’s fine – I’m “okay”."


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"   \n\n", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "binary")],
)
def test_empty_and_binary_files(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        read_transcript(write(tmp_path, "x.txt", content))


def test_csv_with_field_mapping_and_defaults(tmp_path):
    path = write(tmp_path, "c.csv", 'who,utterance\nT,"Hi, there"\nC,"Fine, thanks"\n')
    options = ReadOptions(speaker_field="who", text_field="utterance")
    turns = read_transcript(path, options).turns
    assert [(t.session, t.index, t.role, t.text, t.line) for t in turns] == [
        ("c", 0, "clinician", "Hi, there", 2),
        ("c", 1, "client", "Fine, thanks", 3),
    ]


def test_tsv_keeps_every_row(tmp_path):
    rows = "session\tturn\tspeaker\ttext\n" + "".join(
        f"a\t{i}\t{'T' if i % 2 else 'C'}\tline {i}\n" for i in range(50)
    )
    turns = read_transcript(write(tmp_path, "t.tsv", rows)).turns
    assert len(turns) == 50 and turns[-1].index == 49


def test_malformed_csv_names_the_line(tmp_path):
    path = write(tmp_path, "m.csv", "speaker,text\nT,hello\nC,one,two\n")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert str(err.value).startswith(f"{path}:3:")


def test_csv_missing_text_column(tmp_path):
    path = write(tmp_path, "m.csv", "speaker,words\nT,hello\n")
    with pytest.raises(InputError, match="--text-field"):
        read_transcript(path)


def test_jsonl_bad_line(tmp_path):
    good = json.dumps({"speaker": "T", "text": "hi"})
    path = write(tmp_path, "j.jsonl", f"{good}\n{{not json\n")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert str(err.value).startswith(f"{path}:2:")


def test_huge_turn_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "big.txt", "T: hi\nClient: " + "word " * 300_000 + "\n")
    with pytest.raises(InputError) as err:
        read_transcript(path, ReadOptions(max_turn_chars=1_000_000))
    assert str(err.value).startswith(f"{path}:2:") and "limit" in str(err.value)


def test_unknown_speaker_with_client_list(tmp_path):
    path = write(tmp_path, "u.txt", "T: hi\nC: hello\nTherapsit: typo\n")
    roles = RoleMap.from_options(clinician="T", client="C")
    with pytest.raises(InputError) as err:
        read_transcript(path, ReadOptions(roles=roles))
    assert str(err.value).startswith(f"{path}:3:") and "Therapsit" in str(err.value)


def test_custom_clinician_labels(tmp_path):
    path = write(tmp_path, "r.txt", "Anna: hi\nBen: hello\n")
    turns = read_transcript(path, ReadOptions(roles=RoleMap.from_options("Anna"))).turns
    assert [t.role for t in turns] == ["clinician", "client"]


def test_json_conversation_with_records_key(tmp_path):
    data = {"meta": {"id": 1}, "dialog": [{"who": "T", "said": "hi"}, {"who": "C", "said": "yo"}]}
    path = write(tmp_path, "conv.json", json.dumps(data))
    options = ReadOptions(speaker_field="who", text_field="said", records_key="dialog")
    turns = read_transcript(path, options).turns
    assert [(t.record, t.text) for t in turns] == [(1, "hi"), (2, "yo")]


@needs_mibot
def test_mibot_json_keeps_every_utterance():
    path = sorted(MIBOT.glob("*.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    turns = read_transcript(path).turns
    assert len(turns) == len(data["utterances"])
    assert {t.role for t in turns if t.speaker == "counsellor"} == {"clinician"}
    assert [t.text for t in turns] == [u["text"] for u in data["utterances"]]


VTT = """WEBVTT

1
00:00:01.000 --> 00:00:03.500
<v Therapist>How have things been?</v>

2
00:00:04.000 --> 00:00:06.000
<v Client>Not great.

3
00:00:06.100 --> 00:00:08.000
<v Client>He just is like that.

00:00:09.000 --> 00:00:10.000
Therapist: Like what?
"""

SRT = """1
00:00:01,000 --> 00:00:02,000
T: Hi.

2
00:00:02,500 --> 00:00:04,000
Client: Hey.
still me
"""


def test_webvtt_voices_and_timing(tmp_path):
    turns = read_transcript(write(tmp_path, "v.vtt", VTT)).turns
    assert [(t.speaker, t.role) for t in turns] == [
        ("Therapist", "clinician"), ("Client", "client"), ("Therapist", "clinician")]
    assert turns[1].text == "Not great. He just is like that."
    assert (turns[1].start, turns[1].end) == (4.0, 8.0)
    assert turns[1].line == 8


def test_srt(tmp_path):
    turns = read_transcript(write(tmp_path, "s.srt", SRT)).turns
    assert [(t.speaker, t.text) for t in turns] == [("T", "Hi."), ("Client", "Hey. still me")]


def test_docx(tmp_path):
    import docx

    document = docx.Document()
    for line in ["Therapist: How was it?", "Client: Fine.", "Honestly fine.", "T: OK."]:
        document.add_paragraph(line)
    path = tmp_path / "d.docx"
    document.save(str(path))
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text, t.line) for t in turns] == [
        ("Therapist", "How was it?", 1), ("Client", "Fine. Honestly fine.", 2), ("T", "OK.", 4)]


def test_unknown_suffix_asks_for_format(tmp_path):
    with pytest.raises(InputError, match="--input-format"):
        read_transcript(write(tmp_path, "x.log", "T: hi\n"))
    assert read_transcript(tmp_path / "x.log", input_format="txt").turns[0].text == "hi"


def test_explicit_role_field_wins_and_is_checked(tmp_path):
    rows = [{"speaker": "Anna", "role": "clinician", "text": "hi"},
            {"speaker": "T", "role": "client", "text": "hey"}]
    path = write(tmp_path, "r.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert [t.role for t in read_transcript(path).turns] == ["clinician", "client"]
    bad = write(tmp_path, "b.jsonl", json.dumps({"speaker": "A", "role": "boss", "text": "x"}))
    with pytest.raises(InputError, match="role"):
        read_transcript(bad)


def test_a_role_field_may_name_the_role_in_other_words(tmp_path):
    rows = [{"speaker": "TH", "role": "Therapist", "text": "What happened?"},
            {"speaker": "PT", "role": "patient", "text": "He left."},
            {"speaker": "Co", "role": "COUNSELLOR", "text": "And then?"}]
    path = write(tmp_path, "r.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    turns = read_transcript(path).turns
    assert [t.role for t in turns] == ["clinician", "client", "clinician"]
    assert [t.meta["role"] for t in turns] == ["clinician", "client", "clinician"]


def test_a_role_field_of_patients_only_is_not_second_guessed(tmp_path):
    rows = [{"speaker": who, "role": "patient", "text": text} for who, text in
            [("Ann", "What do you think, Ben? How did it feel?"), ("Ben", "I just knew it.")] * 3]
    path = write(tmp_path, "p.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    transcript = read_transcript(path)
    assert {t.role for t in transcript} == {"client"} and transcript.notices == []


def test_numbered_turn_labels_get_the_role_of_their_label(tmp_path):
    path = write(tmp_path, "n.txt", "T1: How was the week?\nC1: Bad.\nT2: Bad how?\n"
                                    "C2: He knew it would hurt me.\nTh 3: Say more?\nP-4: No.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.role) for t in turns] == [
        ("T1", "clinician"), ("C1", "client"), ("T2", "clinician"), ("C2", "client"),
        ("Th 3", "clinician"), ("P-4", "client")]
    # The number only drops for the role: two numbered clients stay two speakers.
    group = write(tmp_path, "g.txt", "Therapist: And you?\nClient 1: Me too.\nClient 2: Not me.\n")
    assert [(t.speaker, t.role) for t in read_transcript(group)] == [
        ("Therapist", "clinician"), ("Client 1", "client"), ("Client 2", "client")]
    # A user's label covers its numbered turns.
    named = write(tmp_path, "a.txt", "A1: hi\nB1: hello\nA2: so?\n")
    options = ReadOptions(roles=RoleMap.from_options(clinician="A"))
    assert [t.role for t in read_transcript(named, options)] == [
        "clinician", "client", "clinician"]


def test_stray_voice_tag_fragments_do_not_hide_the_real_tag(tmp_path):
    path = tmp_path / "stray.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Anna>I said <v x and then\n\n"
                    "00:00:02.000 --> 00:00:03.000\n<v Therapist>Go on.\n", encoding="utf-8")
    turns = list(read_transcript(path))
    assert [t.speaker for t in turns] == ["Anna", "Therapist"]
    assert "<v x and then" in turns[0].text  # a stray fragment is the speaker's text, kept


def test_default_turn_limit_refuses_a_turn_that_would_take_minutes(tmp_path):
    from mbt_nlp.readers.options import DEFAULT_MAX_TURN_CHARS

    # A whole session with no speaker changes is one "turn": reported, never a stall.
    path = write(tmp_path, "one.txt", "Client: " + "word " * (DEFAULT_MAX_TURN_CHARS // 4) + "\n")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert str(err.value).startswith(f"{path}:1:") and "limit" in str(err.value)
    assert DEFAULT_MAX_TURN_CHARS <= 100_000
