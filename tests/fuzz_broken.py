"""Broken transcript files for the fuzz suite (see fuzzgen.py).

Truncated, bytes flipped, random bytes, NUL bytes, doubled or pasted BOMs,
turns over the length limit, deep JSON, broken XML and entity bombs, corrupted
or lying zips, wrong field types, empty files, another format's bytes under a
suffix. Each comes with what the readers must do with it (ERROR or ANY), or,
when its words are intact (a BOM too many), the turns it holds (MAYBE).
"""

from __future__ import annotations

import datetime
import io
import json
import random
import re
import struct
import zipfile
from xml.sax.saxutils import escape

from fuzz_valid import (
    ANY,
    BINARY,
    ERROR,
    FIXED_DATE,
    FORMATS,
    MAYBE,
    RENDERERS,
    SUFFIX,
    Turn,
    fixed_zip,
    render_docx,
    render_eaf,
    render_xlsx,
    valid_file,
    words_line,
    zip_parts,
)

from mbt_nlp.readers.options import DEFAULT_MAX_TURN_CHARS as MAX_TURN_CHARS


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))] if data else data


def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _garbage(rng: random.Random) -> bytes:
    return rng.randbytes(rng.choice((1, 7, 100, 4096, 50_000)))


def _insert(rng: random.Random, data: bytes, chunk: bytes, times: int = 1) -> bytes:
    out = data
    for _ in range(times):
        at = rng.randrange(len(out) + 1)
        out = out[:at] + chunk + out[at:]
    return out


def _huge_text(rng: random.Random) -> str:
    """More than the readers' turn limit, in one line (words, or a single run of letters)."""
    size = rng.choice((MAX_TURN_CHARS + 10, 300_000, 2_000_000))
    if rng.random() < 0.5:
        return ("so i think " * (size // 11 + 1))[:size]
    return "a" * size


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def _declared_size(data: bytes, size: int) -> bytes:
    """The zip with every central-directory entry claiming `size` uncompressed bytes."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        out[at + 24: at + 28] = struct.pack("<I", size)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/worksheets/sheet1.xml"}


def _broken_zip(rng: random.Random, fmt: str, data: bytes) -> tuple[str, str, bytes]:
    parts = _unzip(data)
    main = MAIN_PART[fmt]
    kind = rng.choice(("missing-part", "broken-xml", "bomb-header", "not-xml", "other-zip",
                       "deep-xml", "entities", "empty-zip", "central-dir-flip",
                       "far-cell" if fmt == "xlsx" else "no-body"))
    if kind == "missing-part":  # without its text a file is refused; the rest may be guessed
        missing = rng.choice((main, "[Content_Types].xml", "_rels/.rels"))
        parts.pop(missing)
        return f"missing {missing}", ERROR if missing == main else ANY, zip_parts(parts)
    if kind == "broken-xml":
        xml = parts[main]
        parts[main] = xml[: rng.randrange(len(xml) // 2, len(xml) - 1)]
        return kind, ERROR, zip_parts(parts)
    if kind == "bomb-header":
        return kind, ERROR, _declared_size(data, 0xFFFFFFF0)
    if kind == "not-xml":
        parts[main] = rng.randbytes(500)
        return kind, ERROR, zip_parts(parts)
    if kind == "other-zip":
        other = render_xlsx if fmt == "docx" else render_docx
        content, _ = other(rng, "labelled", "any")
        return kind, ERROR, bytes(content)
    if kind == "deep-xml":
        depth = rng.choice((300, 5000, 100_000))
        xml = parts[main].decode("utf-8")
        close = xml.rindex("</")
        parts[main] = (xml[:close] + "<x>" * depth + "</x>" * depth + xml[close:]).encode()
        return kind, ANY, zip_parts(parts)
    if kind == "entities":  # "billion laughs": entities that expand to gigabytes
        xml = parts[main].decode("utf-8")
        body = xml[xml.index("?>") + 2:] if "?>" in xml else xml
        dtd = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>"
        tag = r"(<w:t(?: [^>]*)?>)" if fmt == "docx" else r"(<is><t>|<v>)"
        body = re.sub(tag, r"\1&j;", body, count=1)
        parts[main] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + dtd
                       + body).encode()
        return kind, ANY, zip_parts(parts)
    if kind == "empty-zip":
        return kind, ERROR, zip_parts({})
    if kind == "central-dir-flip":
        at = data.find(b"PK\x01\x02")
        return kind, ANY, _flip(rng, data[:at]) + data[at:] if rng.random() < 0.5 else \
            data[:at] + _flip(rng, data[at:])
    if kind == "far-cell":  # one cell at the sheet's last row and column: a tiny file, a huge sheet
        xml = parts[main].decode("utf-8")
        cell = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
        parts[main] = xml.replace("</sheetData>", cell + "</sheetData>").encode()
        return kind, ANY, zip_parts(parts)
    # no-body: a document without a body element
    parts[main] = (b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   b'wordprocessingml/2006/main"/>')
    return kind, ERROR, zip_parts(parts)


def _broken_parquet(rng: random.Random, group: str) -> tuple[str, str, bytes]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    kind = rng.choice(("text-list", "text-struct", "text-binary", "no-rows", "no-text-column",
                       "magic-only", "turn-float", "speaker-null", "text-decimal",
                       "duplicate-names"))
    n = rng.randint(1, 4)
    speakers = ["T", "C"] * n
    columns: dict[str, object] = {"speaker": speakers, "text": ["hello there"] * (2 * n)}
    if kind == "magic-only":
        return kind, ERROR, b"PAR1" + rng.randbytes(rng.randint(0, 40)) + b"PAR1"
    if kind == "text-list":
        columns["text"] = [[1, 2]] * (2 * n)
    elif kind == "text-struct":
        columns["text"] = [{"a": 1}] * (2 * n)
    elif kind == "text-binary":
        columns["text"] = [b"\xff\xfe bytes"] * (2 * n)
    elif kind == "no-rows":
        columns = {"speaker": [], "text": []}
    elif kind == "no-text-column":
        columns = {"speaker": speakers, "words": ["hi"] * (2 * n)}
    elif kind == "turn-float":
        columns["turn"] = [1.5] * (2 * n)
    elif kind == "speaker-null":
        columns["speaker"] = [None] * (2 * n)
    elif kind == "text-decimal":
        import decimal
        columns["text"] = [decimal.Decimal("1.5")] * (2 * n)
    if kind == "duplicate-names":
        table = pa.table([pa.array(speakers), pa.array(["hi"] * (2 * n)),
                          pa.array(["x"] * (2 * n))], names=["speaker", "text", "text"])
    else:
        table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False) \
            if kind != "no-rows" else pa.table({"speaker": pa.array([], pa.string()),
                                                "text": pa.array([], pa.string())})
    out = io.BytesIO()
    pq.write_table(table, out)
    return kind, ERROR, out.getvalue()


def _broken_xlsx_cells(rng: random.Random) -> tuple[str, str, bytes]:
    from openpyxl import Workbook

    kind = rng.choice(("header-gap", "dup-header", "cells-outside", "no-header", "formula-text",
                       "typed-cells", "only-header"))
    workbook = Workbook()
    workbook.properties.created = FIXED_DATE
    workbook.properties.modified = FIXED_DATE
    sheet = workbook.active
    rows: list[list[object]] = [["speaker", "text"], ["T", "hello"], ["C", "hi"]]
    expect = ERROR
    if kind == "header-gap":
        rows[0] = ["speaker", None, "text"]
    elif kind == "dup-header":
        rows[0] = ["text", "text"]
    elif kind == "cells-outside":
        rows[1] = ["T", "hello", "stray"]
    elif kind == "no-header":
        rows = [[None, None], ["T", "hello"]]
    elif kind == "formula-text":
        rows[1] = ["T", "=1+1"]
        expect = ANY
    elif kind == "typed-cells":
        rows[1] = [datetime.datetime(2024, 3, 14), 3.5]
        rows[2] = [True, datetime.time(10, 30)]
        expect = ANY
    else:
        rows = [["speaker", "text"]]
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return kind, expect, fixed_zip(data.getvalue())


def _broken_records(rng: random.Random, fmt: str) -> tuple[str, str, str]:
    """Records (JSON, JSONL, CSV, TSV) with wrong field types or a broken structure."""
    good = {"speaker": "T", "text": "How was the week?"}
    bad_values: list[tuple[str, object]] = [
        ("text-list", {"speaker": "C", "text": ["a", "b"]}),
        ("text-object", {"speaker": "C", "text": {"a": 1}}),
        ("speaker-null", {"speaker": None, "text": "hi"}),
        ("speaker-list", {"speaker": ["C"], "text": "hi"}),
        ("no-text", {"speaker": "C", "words": "hi"}),
        ("role-wrong", {"speaker": "C", "text": "hi", "role": "patient-ish"}),
        ("turn-word", {"speaker": "C", "text": "hi", "turn": "three"}),
        ("turn-huge", {"speaker": "C", "text": "hi", "turn": 10 ** 30}),
        ("turn-float", {"speaker": "C", "text": "hi", "turn": 2.5}),
        ("not-object", [1, 2, 3]),
        ("string-record", "C: hi"),
        ("markup-field", {"[/b]who": "C", "text": "hi"}),  # field names end up in messages
    ]
    kind, bad = rng.choice(bad_values)
    if fmt == "jsonl":
        return kind, ANY, json.dumps(good) + "\n" + json.dumps(bad) + "\n"
    if fmt == "json":
        raw = rng.choice(("list", "bigint", "nan", "deep-record", "no-list", "empty-list"))
        if raw == "bigint":
            return "bigint", ANY, '[{"speaker": "T", "text": "hi", "turn": 1' + "0" * 5000 + "}]"
        if raw == "nan":
            return "nan", ANY, ('[{"speaker": "T", "text": "hi", "start": NaN, "end": Infinity},'
                                ' {"speaker": "C", "text": NaN}]')
        if raw == "deep-record":
            depth = rng.choice((500, 2000, 50_000))
            return "deep-record", ANY, ('[{"speaker": "T", "text": "hi", "meta": '
                                        + "[" * depth + "]" * depth + "}]")
        if raw == "no-list":
            return "no-list", ERROR, json.dumps({"speaker": "T", "text": "hi"})
        if raw == "empty-list":
            return "empty-list", ERROR, json.dumps({"utterances": []})
        return kind, ANY, json.dumps([good, bad])
    delimiter = "," if fmt == "csv" else "\t"
    broken = rng.choice(("unclosed-quote", "extra-field", "header-only", "dup-header",
                         "quote-in-field", "no-speaker-column", "markup-header"))
    if broken == "markup-header":  # rich markup in a header: the message must still print
        return broken, ERROR, f"[/i]who{delimiter}[bold]text\nT{delimiter}a\n"
    if broken == "unclosed-quote":
        return broken, ERROR, f'speaker{delimiter}text\nT{delimiter}"hello there\nC{delimiter}hi\n'
    if broken == "extra-field":
        return broken, ERROR, f"speaker{delimiter}text\nT{delimiter}a{delimiter}b\n"
    if broken == "header-only":
        return broken, ERROR, f"speaker{delimiter}text\n"
    if broken == "dup-header":
        return broken, ERROR, f"text{delimiter}text\nT{delimiter}a\n"
    if broken == "quote-in-field":
        return broken, ANY, f'speaker{delimiter}text\nT{delimiter}he said "no" twice\n'
    # "who" is a speaker column now (readers/fields.py); "voice" is no name of one.
    return broken, ERROR, f"voice{delimiter}text\nT{delimiter}a\n"


def _broken_text_structure(rng: random.Random, fmt: str) -> tuple[str, str, str]:
    """A file of a text format whose structure is wrong (not its bytes)."""
    if fmt in ("txt", "rev", "descript", "otter"):
        kind = rng.choice(("no-labels", "long-preamble", "labels-only", "clock-lines-only"))
        if kind == "no-labels":
            return kind, ERROR, "\n".join(words_line(rng, 8, "any") for _ in range(10))
        if kind == "long-preamble":
            return kind, ERROR, "\n".join(["Session notes"] * 8 + ["T: hello", "C: hi"])
        if kind == "labels-only":
            return kind, ANY, "T:\nC:\nT:\n"
        return kind, ERROR, "00:01\n00:02\n[00:03]\n"
    if fmt in ("vtt", "srt"):
        kind = rng.choice(("no-header", "no-speaker-first", "no-cues", "bad-timing",
                           "voice-fragments"))
        if kind == "no-header" and fmt == "vtt":
            return kind, ERROR, "00:00:01.000 --> 00:00:02.000\n<v T>hi\n"
        if kind == "no-speaker-first":
            head = "WEBVTT\n\n" if fmt == "vtt" else "1\n"
            return kind, ERROR, head + "00:00:01.000 --> 00:00:02.000\nhello there\n"
        if kind == "bad-timing":
            head = "WEBVTT\n\n" if fmt == "vtt" else ""
            return kind, ANY, head + "99999999999:99.999 --> 1:2.3\n<v T>hi\n\n" \
                + "00:00:01,000 --> 00:00:02,000\nC: hello\n"
        if kind == "voice-fragments":
            head = "WEBVTT\n\n" if fmt == "vtt" else ""
            return kind, ANY, head + "00:00:01.000 --> 00:00:02.000\n" + "<v x" * 50_000 + "\n"
        return "no-cues", ERROR, ("WEBVTT\n\n" if fmt == "vtt" else "") + "hello\n"
    if fmt == "chat":
        kind = rng.choice(("undeclared", "not-chat", "continuation-first", "no-tiers",
                           "bad-bullet"))
        head = "@UTF8\n@Begin\n@Participants:\tPAR Participant, INV Investigator\n"
        if kind == "undeclared":
            return kind, ERROR, head + "*XYZ:\thello .\n@End\n"
        if kind == "not-chat":
            return kind, ERROR, head + "T: hello\n"
        if kind == "continuation-first":
            return kind, ERROR, "\thello\n" + head
        if kind == "bad-bullet":
            return kind, ANY, head + "*INV:\thello . \x15abc_\x15\n*PAR:\thi . \x1512_\n"
        return kind, ERROR, head + "@End\n"
    if fmt == "whisper":
        kind = rng.choice(("no-speakers", "start-text", "segments-object", "speaker-list",
                           "text-number", "nan-start"))
        seg = {"start": 0.0, "end": 1.0, "text": " hi", "speaker": "SPEAKER_00"}
        if kind == "no-speakers":
            return kind, ERROR, json.dumps({"segments": [{"start": 0, "end": 1, "text": "hi"}]})
        if kind == "start-text":
            return kind, ANY, json.dumps({"segments": [{**seg, "start": "0.0"}]})
        if kind == "segments-object":
            return kind, ERROR, json.dumps({"segments": {"0": seg}})
        if kind == "speaker-list":
            return kind, ANY, json.dumps({"segments": [seg, {**seg, "speaker": ["A"]}]})
        if kind == "text-number":
            return kind, ANY, json.dumps({"segments": [seg, {**seg, "text": 5}]})
        return kind, ANY, '{"segments": [{"start": NaN, "end": 1, "text": "hi", "speaker": "T"}]}'
    if fmt == "eaf":
        kind = rng.choice(("unclosed", "missing-slot", "no-time-value", "bad-time", "no-tiers",
                           "entities", "external-entity", "not-eaf-root", "no-schema"))
        content, _ = render_eaf(rng, "labelled", "any")
        xml = str(content)
        if kind == "no-schema":  # ELAN always writes it; pympi refuses a file without it
            return kind, ANY, re.sub(r' xsi:noNamespaceSchemaLocation="[^"]*"', "", xml)
        if kind == "unclosed":
            return kind, ERROR, xml.replace("</TIER>", "", 1)
        if kind == "missing-slot":
            return kind, ERROR, re.sub(r'TIME_SLOT_REF2="ts\d+"', 'TIME_SLOT_REF2="ts999999"',
                                       xml, count=1)
        if kind == "no-time-value":
            return kind, ERROR, re.sub(r' TIME_VALUE="\d+"', "", xml)
        if kind == "bad-time":
            return kind, ANY, re.sub(r'TIME_VALUE="\d+"', 'TIME_VALUE="soon"', xml, count=1)
        if kind == "no-tiers":
            return kind, ERROR, re.sub(r"<TIER .*?</TIER>", "", xml, flags=re.S)
        if kind == "entities":
            dtd = '<!DOCTYPE ANNOTATION_DOCUMENT [<!ENTITY a "aaaaaaaaaa">' + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
            ) + "]>"
            xml = xml.replace("?>", "?>" + dtd, 1).replace("<ANNOTATION_VALUE>",
                                                          "<ANNOTATION_VALUE>&j;", 1)
            return kind, ANY, xml
        if kind == "external-entity":
            dtd = '<!DOCTYPE ANNOTATION_DOCUMENT [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            xml = xml.replace("?>", "?>" + dtd, 1).replace("<ANNOTATION_VALUE>",
                                                          "<ANNOTATION_VALUE>&x;", 1)
            return kind, ANY, xml
        return kind, ERROR, '<?xml version="1.0"?><html><body>hi</body></html>'
    return _broken_records(rng, fmt)


def _huge_records(fmt: str, huge: str) -> bytes:
    records = [{"speaker": "T", "text": "How was the week?"}, {"speaker": "C", "text": huge}]
    if fmt == "parquet":
        import pandas as pd

        out = io.BytesIO()
        pd.DataFrame(records).to_parquet(out, index=False)
        return out.getvalue()
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["speaker", "text"])
        for record in records:
            sheet.append([record["speaker"], "placeholder"])
        out = io.BytesIO()
        workbook.save(out)
        # openpyxl cuts a cell at Excel's 32,767 characters when it writes; other tools
        # do not, so the long text goes into the sheet's XML directly.
        parts = _unzip(out.getvalue())
        cell = f'<c r="B3" t="inlineStr"><is><t>{escape(huge)}</t></is></c>'
        parts[MAIN_PART["xlsx"]] = re.sub(r'<c r="B3"[^>]*>.*?</c>', lambda _: cell,
                                          parts[MAIN_PART["xlsx"]].decode()).encode()
        return zip_parts(parts)
    if fmt == "json":
        return json.dumps(records).encode()
    if fmt == "jsonl":
        return "\n".join(map(json.dumps, records)).encode()
    delimiter = "," if fmt == "csv" else "\t"
    return f"speaker{delimiter}text\nT{delimiter}hi\nC{delimiter}{huge}\n".encode()


def _huge(rng: random.Random, fmt: str, group: str) -> tuple[str, str, bytes]:
    """A file with one turn over the length limit, or a huge line before any label."""
    huge = _huge_text(rng)
    if fmt in ("txt", "rev", "descript") and rng.random() < 0.3:
        return "huge-unlabelled-line", ERROR, (huge + "\nT: hello\n").encode()
    if fmt in ("csv", "tsv", "jsonl", "json", "parquet", "xlsx"):
        return "huge-turn", ERROR, _huge_records(fmt, huge)
    if fmt == "docx":
        import docx

        document = docx.Document()
        document.add_paragraph("T: hello")
        document.add_paragraph("C: " + huge[:MAX_TURN_CHARS + 10])
        out = io.BytesIO()
        document.save(out)
        return "huge-turn", ERROR, fixed_zip(out.getvalue())
    if fmt == "chat":
        text = ("@UTF8\n@Begin\n@Participants:\tINV Investigator, PAR Participant\n"
                f"*INV:\thello .\n*PAR:\t{huge} .\n@End\n")
    elif fmt == "whisper":
        text = json.dumps({"segments": [
            {"start": 0, "end": 1, "text": "hi", "speaker": "T"},
            {"start": 1, "end": 2, "text": huge, "speaker": "C"}]})
    elif fmt == "eaf":
        content, _ = render_eaf(rng, group, "any")
        text = str(content).replace("</ANNOTATION_VALUE>", escape(huge) + "</ANNOTATION_VALUE>",
                                    1)
    elif fmt in ("vtt", "srt"):
        head = "WEBVTT\n\n" if fmt == "vtt" else ""
        text = (head + "00:00:01.000 --> 00:00:02.000\n<v T>hi\n\n"
                f"00:00:02.000 --> 00:00:03.000\n<v C>{huge}\n")
    elif fmt == "otter":
        text = f"T  0:01\nhello\n\nC  0:05\n{huge}\n"
    else:
        text = f"T: hello\nC: {huge}\n"
    return "huge-turn", ERROR, text.encode()


def _deep_json(rng: random.Random) -> str:
    depth = rng.choice((1_000, 20_000, 200_000))
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _bom_variant(rng: random.Random, fmt: str, group: str,
                 kind: str) -> tuple[str, str, bytes, tuple[Turn, ...]]:
    """A valid UTF-8 file with its BOM twice, or a BOM at the start of a later line (two
    exports pasted together): the turns must be read as they are, or the file refused."""
    content, turns = RENDERERS[fmt](rng, group, "any")
    text = str(content)
    if kind == "double-bom":
        return kind, MAYBE, ("\ufeff\ufeff" + text).encode("utf-8"), turns
    lines = text.split("\n")
    at = rng.randrange(len(lines))
    lines[at] = "\ufeff" + lines[at]
    return kind, MAYBE, "\n".join(lines).encode("utf-8"), turns


BROKEN_KINDS = ("truncate", "flip", "garbage", "empty", "huge", "structure", "other-format")
TEXT_BROKEN_KINDS = ("nul", "double-bom", "bom-middle", "whitespace-only")


def broken_file(rng: random.Random, fmt: str,
            group: str) -> tuple[str, str, bytes, tuple[Turn, ...]]:
    """(how, expect, bytes, turns) of a broken file of `fmt`."""
    kinds = list(BROKEN_KINDS)
    if fmt not in BINARY:
        kinds += TEXT_BROKEN_KINDS
    if fmt in ("json", "jsonl", "whisper"):
        kinds.append("deep")
    if fmt in BINARY:
        kinds += ["internals", "internals"]
    kind = rng.choice(kinds)
    if kind in ("double-bom", "bom-middle"):
        return _bom_variant(rng, fmt, group, kind)
    if kind in ("truncate", "flip"):
        data = valid_file(rng, fmt, group)[2]
        return kind, ANY, _truncate(rng, data) if kind == "truncate" else _flip(rng, data), ()
    if kind == "nul":
        content, _ = RENDERERS[fmt](rng, group, "any")
        return kind, ERROR, _insert(rng, str(content).encode(), b"\x00", rng.randint(1, 5)), ()
    if kind == "empty":
        return kind, ERROR, b"", ()
    if kind == "whitespace-only":
        return kind, ERROR, rng.choice((b"\n\n", b"  \r\n\t", b"\xef\xbb\xbf\n")), ()
    if kind == "garbage":
        return kind, ANY, _garbage(rng), ()
    if kind == "huge":
        return (*_huge(rng, fmt, group), ())
    if kind == "deep":
        text = _deep_json(rng)
        if fmt == "jsonl":
            text = json.dumps({"speaker": "T", "text": "hi"}) + "\n" + text
        return "deep-json", ERROR, text.encode(), ()
    if kind == "other-format":
        other = rng.choice([f for f in FORMATS if SUFFIX[f] != SUFFIX[fmt]])
        data = valid_file(rng, other, group)[2]
        # A zip or Parquet file under a text suffix (NUL bytes) or text under theirs is
        # refused; text under another text suffix may well read.
        expect = ERROR if (other in BINARY) != (fmt in BINARY) or fmt in BINARY else ANY
        return f"other-format {other}", expect, data, ()
    if fmt == "parquet":
        return (*_broken_parquet(rng, group), ())
    if fmt == "xlsx" and kind == "structure":
        return (*_broken_xlsx_cells(rng), ())
    if fmt in BINARY:
        return (*_broken_zip(rng, fmt, valid_file(rng, fmt, group)[2]), ())
    how, expect, text = _broken_text_structure(rng, fmt)
    return how, expect, text.encode("utf-8"), ()
