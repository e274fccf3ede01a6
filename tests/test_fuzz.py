"""The fuzz suite on a small budget (benchmarks/fuzz.py runs 10,000 files).

Generated files of every format (tests/fuzzgen.py), valid and broken, go through
`read_transcript` + tagging and through `run_batch` (fuzzcheck.py): no traceback,
no file over the time limit, every turn of a valid file exactly once, in order,
intact. Hypothesis adds records with any text and bytes of any kind. Below them,
one regression test for each bug the fuzz suite found.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import signal
import struct
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from fuzzcheck import (
    PER_FILE_SECONDS,
    Tally,
    path_of,
    run_batch_groups,
    run_cli,
    spread_subset,
    tag_file,
    tag_files,
    write_corpus,
)
from fuzzgen import BINARY, FORMATS, SUFFIX, VALID, corpus, generate, normalise
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mbt_nlp.cli.main import app
from typer.testing import CliRunner

from mbt_nlp.errors import InputError, MbtError
from mbt_nlp.readers import SUFFIXES, read_transcript

SEED = 0
FAST_FILES = 160  # ten of each format
SLOW_FILES = 480


def run_fuzz(folder: Path, files, *, workers: int = 0, jobs: int = 1,
             file_timeout: float = 0) -> Tally:
    write_corpus(files, folder / "in")
    paths = [str(path_of(folder / "in", f)) for f in files]
    direct = tag_files([(p, f.group) for p, f in zip(paths, files, strict=True)],
                       workers=workers)
    batch = run_batch_groups(folder / "in", folder / "out", files, jobs=jobs,
                             file_timeout=file_timeout)
    tally = Tally()
    for file, path, outcome in zip(files, paths, direct, strict=True):
        tally.add(file, outcome, batch[path])
    return tally


# -- the generator ---------------------------------------------------------------------------

def test_generation_is_seeded_and_deterministic():
    indexes = (0, 7, 11, 14, 15, 23, 30, 31, 87)  # txt, docx, whisper, parquet, xlsx ...
    first = [generate(SEED, index) for index in indexes]
    time.sleep(1.1)  # DOCX and XLSX libraries stamp the time of saving into the file
    again = [generate(SEED, index) for index in indexes]
    for one, other in zip(first, again, strict=True):
        assert (one.data, one.turns, one.how) == (other.data, other.turns, other.how)
    assert generate(SEED, 0).data != generate(SEED + 1, 0).data


def test_small_corpus_has_valid_and_broken_files_of_every_format():
    files = list(corpus(SEED, FAST_FILES))
    assert {f.fmt for f in files} == set(FORMATS)
    for fmt in FORMATS:
        kinds = {f.expect for f in files if f.fmt == fmt}
        assert VALID in kinds and kinds - {VALID}, fmt
    valid = [f for f in files if f.expect == VALID]
    assert all(f.turns for f in valid)
    assert all(SUFFIXES[SUFFIX[f.fmt]] in (f.fmt, "txt", "json") for f in files)


# -- the properties, small budget ------------------------------------------------------------

def test_fuzz_small_budget(tmp_path):
    """Every file read, tagged and batch-run: no traceback, in time, valid turns intact."""
    tally = run_fuzz(tmp_path, list(corpus(SEED, FAST_FILES)))
    assert tally.ok, "\n" + tally.report()
    rows = tally.formats.values()
    assert all(row.files == FAST_FILES // len(FORMATS) for row in rows)
    assert sum(row.expected for row in rows) == sum(row.found for row in rows) > 100
    assert max(row.slowest for row in rows) < PER_FILE_SECONDS


@pytest.mark.slow
def test_fuzz_workers_and_commands(tmp_path):
    """A larger corpus in worker processes with a time limit, and a subset through
    `mbt tag -o` and `mbt tag --out-dir` themselves."""
    files = list(corpus(SEED + 1, SLOW_FILES))
    tally = run_fuzz(tmp_path, files, workers=2, jobs=2, file_timeout=PER_FILE_SECONDS)
    subset = spread_subset(files, 120)
    paths = [str(path_of(tmp_path / "in", f)) for f in subset]
    outcomes = {p: tag_file(p, f.group) for p, f in zip(paths, subset, strict=True)}
    tally.add_cli(run_cli(tmp_path / "in", tmp_path / "cli", subset, outcomes))
    assert tally.ok, "\n" + tally.report()


# -- hypothesis: any text in records, any bytes under any suffix ------------------------------

RECORD_FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")
# No NUL (a text file holding one is refused as binary) and no U+FEFF (dropped as a
# stray BOM); everything else, control characters and astral planes included.
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\ufeff"),
               max_size=60)
SPEAKER = TEXT.filter(lambda s: s.strip())
ROWS = st.lists(st.tuples(SPEAKER, st.sampled_from(("client", "clinician")), TEXT),
                min_size=1, max_size=6)


def records_file(fmt: str, rows: list[tuple[str, str, str]]) -> bytes:
    records = [{"speaker": s, "role": r, "text": t} for s, r, t in rows]
    if fmt == "parquet":
        out = io.BytesIO()
        pd.DataFrame(records).to_parquet(out, index=False)
        return out.getvalue()
    if fmt == "json":
        return json.dumps({"utterances": records}, ensure_ascii=False).encode()
    if fmt == "jsonl":
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t")
    writer.writerow(["speaker", "role", "text"])
    writer.writerows(rows)
    return out.getvalue().encode()


def check_records_round_trip(tmp_path: Path, fmt: str, rows) -> None:
    path = tmp_path / f"records.{fmt}"
    path.write_bytes(records_file(fmt, rows))
    transcript = read_transcript(path)

    def speaker(label: str) -> str:  # a text file's CR and CRLF are read as LF (csv, tsv)
        if fmt in ("csv", "tsv"):
            label = label.replace("\r\n", "\n").replace("\r", "\n")
        return label.strip()

    assert [(t.speaker, t.role, normalise(t.text)) for t in transcript] == [
        (speaker(s), r, normalise(t)) for s, r, t in rows]


def check_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        transcript = read_transcript(path)
    except MbtError as err:
        assert "\n" not in str(err) and str(err).startswith(str(path))
    else:
        assert transcript.turns
    assert time.perf_counter() - start < PER_FILE_SECONDS


FEW = settings(max_examples=40, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture])
MANY = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FEW
@given(fmt=st.sampled_from(RECORD_FORMATS), rows=ROWS)
def test_records_with_any_text_round_trip(tmp_path, fmt, rows):
    check_records_round_trip(tmp_path, fmt, rows)


@FEW
@given(data=st.binary(max_size=2000), suffix=st.sampled_from(sorted(SUFFIXES)))
def test_any_bytes_under_any_suffix_are_read_or_refused_in_one_line(tmp_path, data, suffix):
    check_bytes(tmp_path, data, suffix)


@pytest.mark.slow
@MANY
@given(fmt=st.sampled_from(RECORD_FORMATS), rows=ROWS)
def test_records_with_any_text_round_trip_many(tmp_path, fmt, rows):
    check_records_round_trip(tmp_path, fmt, rows)


@pytest.mark.slow
@MANY
@given(data=st.binary(max_size=20_000), suffix=st.sampled_from(sorted(SUFFIXES)))
def test_any_bytes_under_any_suffix_many(tmp_path, data, suffix):
    check_bytes(tmp_path, data, suffix)


@pytest.mark.slow
@MANY
@given(index=st.integers(0, 10_000), flips=st.lists(st.tuples(st.integers(0, 10**9),
                                                            st.integers(0, 255)), max_size=8))
def test_valid_files_with_bytes_changed(tmp_path, index, flips):
    file = generate(SEED, index)
    data = bytearray(file.data)
    for at, value in flips:
        if data:
            data[at % len(data)] = value
    check_bytes(tmp_path, bytes(data), SUFFIX[file.fmt])


# -- regressions: one test per bug the fuzz suite found --------------------------------------

def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def turns(path: Path, **kwargs) -> list[tuple[str, str, str]]:
    return [(t.speaker, t.role, t.text) for t in read_transcript(path, **kwargs)]


def one_line_error(path: Path, **kwargs) -> str:
    with pytest.raises(InputError) as err:
        read_transcript(path, **kwargs)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message


def test_speaker_labels_may_start_with_any_capital_letter(tmp_path):
    """Only A-Z opened a label: "Élodie:" and "Dr. Łukasz Nowak:" turns were glued to the
    turn above, under the other speaker (txt, Rev, Descript, SRT/VTT 'Name:' cues)."""
    path = write(tmp_path, "s.txt", "Dr. Łukasz Nowak: How was the week?\n"
                 "Élodie Martin: Fine, I suppose.\n"
                 "ça va: a lower-case word is no label, so this line goes on.\n"
                 "Dr. Łukasz Nowak: Only fine?\n"
                 "Øystein (00:12): Yes.\n"
                 "王芳: 还好。\n")
    assert turns(path) == [
        ("Dr. Łukasz Nowak", "clinician", "How was the week?"),
        ("Élodie Martin", "client",
         "Fine, I suppose. ça va: a lower-case word is no label, so this line goes on."),
        ("Dr. Łukasz Nowak", "clinician", "Only fine?"),
        ("Øystein", "client", "Yes."),
        ("王芳", "client", "还好。"),
    ]
    srt = write(tmp_path, "s.srt", "1\n00:00:01,000 --> 00:00:02,000\nTherapist: Hello.\n\n"
                "2\n00:00:02,500 --> 00:00:04,000\nÁngel Ruiz: Hola.\n")
    assert turns(srt) == [("Therapist", "clinician", "Hello."), ("Ángel Ruiz", "client", "Hola.")]


def test_a_second_bom_or_a_pasted_one_is_dropped(tmp_path):
    """A BOM after the first stayed in the text: "\\ufeffT:" was no label (the turn went to
    the preamble) and "\\ufeffJane Doe" another speaker, a client."""
    double = write(tmp_path, "d.txt", codecs.BOM_UTF8 * 2 + b"T: Hello.\nC: Hi.\n")
    assert turns(double) == [("T", "clinician", "Hello."), ("C", "client", "Hi.")]
    pasted = write(tmp_path, "p.txt", "T: Hello.\n\ufeffC: Hi.\n")
    assert turns(pasted) == [("T", "clinician", "Hello."), ("C", "client", "Hi.")]
    tsv = write(tmp_path, "p.tsv", "speaker\ttext\nT\tHello.\n\ufeffC\tHi.\n")
    assert turns(tsv) == [("T", "clinician", "Hello."), ("C", "client", "Hi.")]


def test_nul_characters_are_binary_even_after_a_bom(tmp_path):
    """A BOM skipped the NUL check, and NUL characters went into the turns."""
    for data in (codecs.BOM_UTF8 + b"T: Hello.\x00\nC: Hi.\n",
                 "T: Hello.\x00\nC: Hi.\n".encode("utf-16")):
        assert "binary file" in one_line_error(write(tmp_path, "n.txt", data))


def _parquet(texts: list[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.table({"speaker": ["T", "C"][: len(texts)], "text": texts}), out,
                   compression="NONE")
    return out.getvalue()


def test_damaged_parquet_is_a_one_line_error(tmp_path):
    """pyarrow's OSError for a damaged footer spans lines, and invalid UTF-8 in a string
    page failed only when the column became Python objects: a traceback quoting the text."""
    data = _parquet(["How was the week?", "Dreadful, honestly."])
    footer = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - footer
    damaged = data[:start] + b"\x0f" * 20 + data[start + 20:]
    assert "not a readable Parquet file" in one_line_error(write(tmp_path, "f.parquet", damaged))
    not_utf8 = data.replace(b"Dreadful", b"Dr\xff\xfeadfu")
    message = one_line_error(write(tmp_path, "u.parquet", not_utf8))
    assert "not a readable Parquet file" in message and "honestly" not in message


def test_a_far_away_xlsx_cell_is_read_quickly(tmp_path):
    """One cell at XFD1048576 made read-only openpyxl pad every row to the declared size:
    a 5 KB file took longer than a minute (17 billion cells)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["speaker", "text"])
    sheet.append(["T", "How was the week?"])
    sheet.cell(row=1_048_576, column=16_384, value="x")
    path = tmp_path / "far.xlsx"
    workbook.save(path)

    def too_slow(*_):
        raise AssertionError("reading a 5 KB workbook took more than 30 s")

    previous = signal.signal(signal.SIGALRM, too_slow)  # fail, rather than hang, if it returns
    signal.alarm(30)
    try:
        start = time.perf_counter()
        message = one_line_error(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - start < PER_FILE_SECONDS
    assert ":1048576:" in message and "outside the header" in message


@pytest.mark.parametrize("fmt", sorted(BINARY - {"parquet"}))
def test_a_zip_of_unknown_version_is_a_one_line_error(tmp_path, fmt):
    """zipfile raises NotImplementedError for a version or method it does not know."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    data = bytearray(out.getvalue())
    entry = data.find(b"PK\x01\x02")
    data[entry + 6: entry + 8] = struct.pack("<H", 119)  # "needs version 11.9 to extract"
    assert "not a readable" in one_line_error(write(tmp_path, f"v.{fmt}", bytes(data)))


def test_a_json_number_of_thousands_of_digits_is_a_one_line_error(tmp_path):
    """Python refuses integers over 4,300 digits with a ValueError that was not caught."""
    huge = "1" + "0" * 5000
    cases = [("n.json", f'[{{"speaker": "T", "text": "hi", "turn": {huge}}}]', None),
             ("n.jsonl", f'{{"speaker": "T", "text": "hi", "turn": {huge}}}', None),
             ("w.json", f'{{"segments": [{{"start": {huge}, "text": "hi"}}]}}', "whisper")]
    for name, content, input_format in cases:
        message = one_line_error(write(tmp_path, name, content), input_format=input_format)
        assert "too long" in message


def test_one_otter_block_under_a_date_line_is_read_as_otter(tmp_path):
    """"Date: ..." counted as a speaker label and tied with the one 'Name  0:03' header,
    so the file was read as labelled text and refused."""
    path = write(tmp_path, "o.txt", "Interview transcript\nDate: 14/03/2024\n\n"
                 "Jane Doe  0:03\nSo how has the week been?\n")
    transcript = read_transcript(path)
    assert [(t.speaker, t.text, t.start) for t in transcript] == [
        ("Jane Doe", "So how has the week been?", 3.0)]
    assert transcript.meta["date"] == "14/03/2024"


def test_cli_prints_errors_holding_rich_markup(tmp_path):
    """Error lines went through rich markup: a field named "[/x]" ended both `mbt tag -o`
    and `mbt tag --out-dir` in a MarkupError traceback."""
    path = write(tmp_path, "m.csv", "[/x]who,text\nT,hi\n")
    runner = CliRunner()
    for args in (["-o", str(tmp_path / "out.jsonl")], ["--out-dir", str(tmp_path / "out")]):
        result = runner.invoke(app, ["tag", str(path), "--rules-only", *args])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), args
        assert "fields: [/x]who, text" in result.output
