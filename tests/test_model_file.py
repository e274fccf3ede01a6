"""Model files cannot run code: only the exact classes our models use are loaded."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from mbt_nlp.errors import ModelError
from mbt_nlp.pipeline.build import bundled_model_dir
from mbt_nlp.pipeline.model_file import ALLOWED_TYPES, load_model

PAYLOADS = {
    "full_like": np.full_like,
    "take": np.take,
    "runstring": importlib.import_module("numpy.testing._private.utils").runstring,
    "run_script": importlib.import_module(
        "sklearn.utils._testing").assert_run_python_script_without_output,
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_function_payloads_are_refused_before_anything_runs(tmp_path, name):
    # The shape of the reported attack: FunctionTransformers over NumPy / sklearn helpers.
    evil = Pipeline([("a", FunctionTransformer(func=np.full_like)),
                     ("b", FunctionTransformer(func=PAYLOADS[name], kw_args={"x": "1"}))])
    path = tmp_path / f"{name}.skops"
    sio.dump(evil, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted  # skops itself would not load these without being told to
    with pytest.raises(ModelError, match="outside the allowlist") as err:
        load_model(path)
    # Every type skops reports untrusted is named in the refusal.
    for type_name in untrusted:
        assert type_name in str(err.value)


def test_allowlist_names_only_classes_never_functions():
    for name in ALLOWED_TYPES:
        module, _, attr = name.rpartition(".")
        if name == "builtins.NoneType":
            continue
        obj = getattr(importlib.import_module(module), attr)
        assert isinstance(obj, type), name


def test_a_known_class_in_a_wrong_module_is_refused(tmp_path):
    # FunctionTransformer is a scikit-learn class, but not one our models use.
    path = tmp_path / "ft.skops"
    sio.dump(Pipeline([("f", FunctionTransformer())]), path)
    with pytest.raises(ModelError, match="FunctionTransformer"):
        load_model(path)


def test_bundled_model_loads_under_the_allowlist():
    model_dir = bundled_model_dir()
    assert model_dir is not None
    for file in (model_dir / "mbt_classifier").glob("*.skops"):
        assert isinstance(load_model(file), Pipeline)
