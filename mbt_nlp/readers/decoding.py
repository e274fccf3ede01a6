"""Bytes -> text for transcript files: UTF-8 (with or without BOM), UTF-16, cp1252.

Explicit rules instead of statistical charset detection: the encodings that
transcripts actually arrive in are few, and a wrong guess would silently
corrupt clinical text. Anything else is refused with a clear message.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from mbt_nlp.errors import InputError

# Bytes that cp1252 leaves undefined: their presence means "not cp1252".
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _looks_utf16(data: bytes) -> str | None:
    """Guess BOM-less UTF-16 from the NUL pattern of mostly-ASCII text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


BINARY = "binary file (contains NUL bytes), not a transcript"


def _decode(data: bytes, codec: str, source: str | Path) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as err:
        raise InputError(f"invalid {codec} at byte {err.start}", source) from None


def _no_nul(text: str, source: str | Path) -> str:
    """A BOM or UTF-16's pattern names the encoding, not the content: a NUL character
    still means a binary file (or a damaged one), never words."""
    if "\x00" in text:
        raise InputError(BINARY, source)
    return text


def decode_bytes(data: bytes, source: str | Path) -> str:
    """Decode a transcript file's bytes, or raise an InputError naming the file."""
    if not data.strip():
        raise InputError("file is empty", source)
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _no_nul(_decode(data, codec, source), source)
    utf16 = _looks_utf16(data)
    if utf16:
        return _no_nul(_decode(data, utf16, source), source)
    if b"\x00" in data:
        raise InputError(BINARY, source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8_error = err.start
    if any(b in _CP1252_UNDEFINED for b in data):
        raise InputError(
            f"not valid UTF-8 (byte {utf8_error}) nor cp1252; re-save the file as UTF-8", source
        )
    return data.decode("cp1252")


def read_text(path: str | Path) -> str:
    """Read and decode a text file; universal newlines."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path) from None
    text = decode_bytes(data, path)
    # A U+FEFF left after decoding is a second BOM, or the BOM of a file pasted into this
    # one: never a character of the text (Unicode deprecates it as one), and left in place
    # it hides a label ("\ufeffT: ...") or makes "\ufeffJane" another speaker.
    return text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
