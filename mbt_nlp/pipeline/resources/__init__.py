"""Packaged rule and lexicon files, loaded and validated.

Every file is JSON with a fixed set of keys; an unknown key, a missing key or
a wrong type is a ResourceError naming the file (and the rule), so a typo in
a user's rule file is caught at load time instead of silently ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from mbt_nlp.errors import ResourceError

FAMILIES = ("psychic_equivalence", "teleological", "pretend", "mentalizing")
LABELS = ("psychic_equivalence", "teleological", "pretend", "mentalizing", "none")
MODES = ("psychic_equivalence", "teleological", "pretend")
# What the clinician did (codebook, "Clinician turns"); the last four risk making a
# non-mentalizing moment worse (the MBT tables call them iatrogenic).
INTERVENTIONS = ("validation", "exploration", "challenge", "affect_focus", "relationship",
                 "argue", "content_focus", "join_pretend", "doing", "other")
RISKY_INTERVENTIONS = ("argue", "content_focus", "join_pretend", "doing")


def packaged_path(name: str) -> Path:
    return Path(str(resources.files(__name__).joinpath(name)))


def read_json(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResourceError("no such resource file", path) from None
    except json.JSONDecodeError as err:
        raise ResourceError(f"invalid JSON: {err.msg}", path, err.lineno) from None


def check_keys(
    obj: object, required: set[str], optional: set[str], path: str | Path, what: str
) -> Mapping[str, Any]:
    """Reject anything but a mapping with exactly the allowed keys."""
    if not isinstance(obj, Mapping):
        raise ResourceError(f"{what} must be an object, got {type(obj).__name__}", path)
    keys = {k for k in obj if not str(k).startswith("_")}  # "_comment" keys are allowed
    missing = required - keys
    unknown = keys - required - optional
    if missing:
        raise ResourceError(f"{what}: missing key(s) {sorted(missing)}", path)
    if unknown:
        raise ResourceError(
            f"{what}: unknown key(s) {sorted(unknown)}; expected {sorted(required | optional)}",
            path,
        )
    return obj


def load_lexicons(path: str | Path | None = None) -> dict[str, list[str]]:
    """Named word lists: {name: [lowercase tokens]}."""
    path = path or packaged_path("lexicons.json")
    data = read_json(path)
    if not isinstance(data, Mapping):
        raise ResourceError("lexicon file must be an object of word lists", path)
    lexicons: dict[str, list[str]] = {}
    for name, words in data.items():
        if name.startswith("_"):
            continue
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise ResourceError(f"lexicon {name!r} must be a list of non-empty strings", path)
        lexicons[name] = sorted({w.lower() for w in words})
    return lexicons


def lexicon_set(name: str) -> frozenset[str]:
    """One packaged lexicon as a set (for the discourse and profile components)."""
    lexicons = _packaged_lexicons()
    if name not in lexicons:
        raise ResourceError(f"no lexicon {name!r}", packaged_path("lexicons.json"))
    return frozenset(lexicons[name])


_CACHE: dict[str, dict[str, list[str]]] = {}


def _packaged_lexicons() -> dict[str, list[str]]:
    if "lexicons" not in _CACHE:
        _CACHE["lexicons"] = load_lexicons()
    return _CACHE["lexicons"]
