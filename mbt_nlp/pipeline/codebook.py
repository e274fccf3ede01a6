"""A research group's own label set, declared in a small codebook file.

    name = "rf-levels"
    description = "Reflective functioning, coarse levels"   # optional
    applies_to = "client"        # which turns get a code: client or clinician
    field = "rf"                 # the annotation field holding a coder's code
                                 # (default "label")
    [[codes]]
    name = "rf_low"
    definition = "Disavowal or distortion of mental states."
    flag = true                  # counts as a flag (reported, exported, enriched)
    colour = "#D55E00"           # optional, for the report and annotation tools

TOML or JSON with the same keys. The file is validated on load like the packaged
rule files: an unknown or missing key, a duplicate code or a wrong type is one
error naming the file. The trained model keeps the codebook (as JSON) beside its
classifier, so `mbt tag --model` writes these codes with their definitions.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mbt_nlp.errors import ResourceError
from mbt_nlp.pipeline.resources import check_keys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROLES = ("client", "clinician")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Okabe-Ito, distinguishable with the common colour-vision deficiencies; cycled when a
# codebook names no colours.
PALETTE = ("#D55E00", "#0072B2", "#CC79A7", "#009E73", "#E69F00", "#56B4E9", "#F0E442",
           "#000000", "#6B6B6B")


@dataclass(frozen=True)
class Code:
    name: str
    definition: str
    flag: bool
    colour: str


@dataclass(frozen=True)
class Codebook:
    name: str
    codes: tuple[Code, ...]
    applies_to: str = "client"
    field: str = "label"
    description: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(code.name for code in self.codes)

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(code.name for code in self.codes if code.flag)

    def code(self, name: str) -> Code:
        for code in self.codes:
            if code.name == name:
                return code
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "applies_to": self.applies_to, "field": self.field,
                "codes": [{"name": c.name, "definition": c.definition, "flag": c.flag,
                           "colour": c.colour} for c in self.codes]}


def codebook_from_dict(data: object, source: str | Path) -> Codebook:
    """Validate a parsed codebook; every problem is a ResourceError naming `source`."""
    top = check_keys(data, {"name", "codes"}, {"description", "applies_to", "field"},
                     source, "codebook")
    name = _text(top["name"], source, "'name'")
    applies_to = top.get("applies_to", "client")
    if applies_to not in ROLES:
        raise ResourceError(f"'applies_to' must be one of {', '.join(ROLES)}, "
                            f"got {applies_to!r}", source)
    field = _text(top.get("field", "label"), source, "'field'")
    raw_codes = top["codes"]
    if not isinstance(raw_codes, Sequence) or isinstance(raw_codes, str):
        raise ResourceError("'codes' must be a list of [[codes]] tables", source)
    codes: list[Code] = []
    for i, raw in enumerate(raw_codes, 1):
        item = check_keys(raw, {"name", "definition"}, {"flag", "colour"}, source,
                          f"code {i}")
        code_name = _text(item["name"], source, f"code {i} 'name'")
        if not _NAME.match(code_name):
            raise ResourceError(f"code {i}: name {code_name!r} must be letters, digits, "
                                "'_', '.' or '-' (at most 64)", source)
        flag = item.get("flag", False)
        if not isinstance(flag, bool):
            raise ResourceError(f"code {code_name!r}: 'flag' must be true or false", source)
        colour = item.get("colour", PALETTE[(i - 1) % len(PALETTE)])
        if not isinstance(colour, str) or not _COLOUR.match(colour):
            raise ResourceError(f"code {code_name!r}: 'colour' must be like '#D55E00'",
                                source)
        codes.append(Code(code_name, _text(item["definition"], source,
                                           f"code {code_name!r} 'definition'"), flag, colour))
    names = [c.name for c in codes]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ResourceError(f"code(s) named twice: {', '.join(duplicated)}", source)
    if len(codes) < 2:
        raise ResourceError("a codebook needs at least two codes", source)
    description = top.get("description", "")
    if not isinstance(description, str):
        raise ResourceError("'description' must be text", source)
    return Codebook(name, tuple(codes), applies_to, field, description)


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file (.toml or .json)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResourceError("no such codebook file", path) from None
    except OSError as err:
        raise ResourceError(f"cannot read the codebook ({err.strerror})", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ResourceError("the codebook is not UTF-8 text", path) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ResourceError(f"invalid JSON: {err.msg}", path, err.lineno) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ResourceError(f"invalid TOML: {err}", path) from None
    return codebook_from_dict(data, path)


def _text(value: object, source: str | Path, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ResourceError(f"{what} must be non-empty text", source)
    return value.strip()
