"""Seeded generator of transcript files for the fuzz suite (tests/test_fuzz.py, benchmarks/fuzz.py).

For every input format it writes (a) valid files whose turns are known: random
speakers (clinician labels, named people, T/C), text with unicode, emoji,
quotes, commas, tabs, brackets, very long and near-empty turns, in several
layouts, line endings and encodings; and (b) broken ones: truncated, bytes
flipped, random bytes, NUL bytes, wrong or doubled BOMs, huge lines, deep JSON,
broken XML, corrupted zips, wrong field types, empty files, another format's
bytes under the suffix.

File `index` of seed `seed` depends on nothing else, so a failure is reproduced
with `generate(seed, index)` alone. What a file must do is its `expect`:

- VALID: read, with exactly `turns` (speaker, role, text; text compared with
  whitespace collapsed), in order, each once;
- MAYBE: either that, or a one-line error (a re-encoding that the readers are
  allowed to refuse, e.g. UTF-16 without a BOM), never other turns;
- ERROR: a one-line error (empty file, NUL bytes, a turn over the length limit, ...);
- ANY: a one-line error or some turns, never a traceback.

The valid files are made in fuzz_valid.py, the broken ones in fuzz_broken.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from fuzz_broken import broken_file
from fuzz_valid import (
    ANY,
    BINARY,
    CLINICIANS,
    ERROR,
    FORMATS,
    MAYBE,
    SUFFIX,
    VALID,
    Turn,
    normalise,
    valid_file,
)


@dataclass
class FuzzFile:
    index: int
    fmt: str  # one of FORMATS
    group: str  # "labelled" (no options) or "named" (--clinician CLINICIANS)
    how: str  # what was generated, e.g. "valid crlf utf-16" or "truncate"
    expect: str  # VALID, MAYBE, ERROR or ANY
    data: bytes
    turns: tuple[Turn, ...] = ()

    @property
    def name(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.how.lower()).strip("-")[:40]
        return f"{self.index:05d}-{self.fmt}-{slug}{SUFFIX[self.fmt]}"


def generate(seed: int, index: int) -> FuzzFile:
    """File `index` of the corpus of `seed`: format FORMATS[index % 16], 40% valid."""
    rng = random.Random(f"{seed}-{index}")
    fmt = FORMATS[index % len(FORMATS)]
    # CHAT files say who is who in @Participants, so they never need --clinician.
    group = "named" if fmt != "chat" and rng.random() < 0.25 else "labelled"
    if rng.random() < 0.4:
        how, expect, data, turns = valid_file(rng, fmt, group)
    else:
        how, expect, data, turns = broken_file(rng, fmt, group)
    return FuzzFile(index, fmt, group, how, expect, data, turns)


def corpus(seed: int, count: int, start: int = 0) -> Iterator[FuzzFile]:
    for index in range(start, start + count):
        yield generate(seed, index)


__all__ = ["ANY", "BINARY", "CLINICIANS", "ERROR", "FORMATS", "MAYBE", "SUFFIX", "VALID",
           "FuzzFile", "Turn", "corpus", "generate", "normalise"]
