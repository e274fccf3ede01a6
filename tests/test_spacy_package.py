"""The bundled model can be packaged with `spacy package` and loaded as a package."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import pytest

from mbt_nlp.pipeline.build import bundled_model_dir


@pytest.mark.slow
def test_spacy_package_builds_an_installable_model(tmp_path):
    out = tmp_path / "pkg"
    out.mkdir()
    subprocess.run([sys.executable, "-m", "spacy", "package", str(bundled_model_dir()),
                    str(out), "--name", "mbt_en_test", "--version", "0.0.1", "--force"],
                   check=True, capture_output=True)
    (sdist,) = out.glob("*/dist/*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        setup = next(n for n in names if n.endswith("setup.cfg") or n.endswith("setup.py"))
        assert any(n.endswith("mbt_intervention/model.npz") for n in names)
        assert any(n.endswith("mbt_classifier/model.npz") for n in names)
        meta = next(n for n in names if n.endswith("meta.json"))
        assert "mbt-nlp" in archive.extractfile(meta).read().decode()
        assert setup
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps",
                    "--target", str(target), str(sdist)], check=True, capture_output=True)
    # A fresh process that never imports mbt_nlp itself: spaCy finds the factories
    # through mbt-nlp's entry points.
    code = ("import spacy; nlp = spacy.load('en_mbt_en_test'); "
            "doc = nlp('I just know he hates me.'); print(nlp.pipe_names)")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                            capture_output=True, text=True)
    assert "mbt_intervention" in result.stdout and "mbt_classifier" in result.stdout
