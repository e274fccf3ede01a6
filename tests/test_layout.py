"""The package is its data flow read left to right: no module imports against it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mbt_nlp
from mbt_nlp.pipeline.build import bundled_model_dir

PACKAGE = Path(mbt_nlp.__file__).parent
# Shared by every stage, importing none of them.
COMMON = ("transcript", "errors")
STAGES = ("readers", "pipeline", "annotation", "learn", "research", "writers", "batch")


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "mbt_nlp" or len(parts) < 2:
        return None
    return parts[1]


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def test_no_stage_imports_a_stage_downstream_of_it():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        own = relative.parts[0].removesuffix(".py")
        if own in COMMON:
            allowed: set[str | None] = {None, *COMMON}
        elif own in STAGES:
            allowed = {None, *COMMON, *STAGES[: STAGES.index(own) + 1]}
        else:  # the front door (__init__), examples
            continue
        for module in imported_modules(path):
            target = stage_of(module)
            # `from mbt_nlp import load` is the front door, allowed to call back lazily.
            if module != "mbt_nlp" and target not in allowed:
                wrong.append(f"{relative} imports {module}")
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)


def test_no_relative_imports_hide_the_stage():
    relative = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                if any(isinstance(n, ast.ImportFrom) and n.level
                       for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert not relative


def test_every_stage_folder_says_what_it_does_and_may_import():
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
        assert doc and "May import" in doc, stage


def test_bundled_pipeline_loads_with_plain_spacy_load_in_a_fresh_process():
    # The spacy_factories entry points register our components: no `import mbt_nlp`.
    code = ("import sys, spacy; nlp = spacy.load(sys.argv[1]); "
            "assert 'mbt_nlp' in sys.modules; "  # loaded by spaCy through the entry points
            "doc = nlp('I know he hates me. It just is.'); "
            "print(doc._.mbt_mode, len(doc.spans['mbt']))")
    model = bundled_model_dir()
    assert model is not None
    done = subprocess.run([sys.executable, "-c", code, str(model)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    mode, spans = done.stdout.split()
    assert mode == "psychic_equivalence" and int(spans) >= 2
