"""Every PyTorch / JAX / Keras activation maps to a symact entry, and computes what that entry defines.

Tolerance 1e-6 on max |f - s| / max(|s|, 1), float64: the frameworks use naive formulas (a few ULP off, more
in cancelling tails) while symact is within 4 ULP of the truth, so rounding stays below ~1e-13 on this grid;
the smallest genuine definitional difference among the rows, jax.nn.gelu's tanh form vs erf GELU, is 4.7e-4,
and Keras 2's vs PyTorch's hard_sigmoid is 8.3e-2.  1e-6 sits far from both.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import symact
from symact import frameworks as fw

LIBS = {"pytorch": "torch", "jax": "jax", "keras": "keras"}


def _need(framework: str) -> None:
    if framework == "keras":
        os.environ.setdefault("KERAS_BACKEND", "numpy")
    pytest.importorskip(LIBS[framework])


def _rows(framework: str) -> list[fw.Row]:
    return [r for r in fw.ROWS if r.framework == framework]


def _marks(framework: str):
    return [pytest.mark.torch] if framework == "pytorch" else []


ALL = [pytest.param(r, id=f"{r.framework}-{r.call}", marks=_marks(r.framework)) for r in fw.ROWS]
FWS = [pytest.param(f, marks=_marks(f)) for f in fw.FRAMEWORKS]


@pytest.mark.parametrize("framework", FWS)
def test_coverage_is_complete(framework):
    """A release that adds an activation fails here until it gets a row (or a reason in NOT_ACTIVATIONS)."""
    _need(framework)
    found = fw.introspect(framework)
    covered, missing = fw.coverage(framework)
    assert missing == set(), f"{framework} activations without a row: {sorted(missing)}"
    assert covered == found and len(found) >= {"pytorch": 29, "jax": 30, "keras": 30}[framework]
    assert not set(fw.NOT_ACTIVATIONS[framework]) & {r.public_name for r in _rows(framework)}


def test_every_row_names_a_symact_entry_and_its_parameters():
    for r in fw.ROWS:
        act = symact.get(r.symact_name, **r.symact_params)
        assert set(r.symact_params) <= set(act.params), r
        if r.contrast:
            symact.get(r.contrast)


@pytest.mark.parametrize("row", ALL)
def test_row_agrees_with_symact(row):
    _need(row.framework)
    m = fw.agreement(row)
    if (row.framework, row.public_name) in fw.KNOWN_DISAGREEMENTS:
        assert m["max_rel"] > 1e-2, f"{row.call} now agrees: drop it from KNOWN_DISAGREEMENTS"
        return
    assert m["agree"] and m["max_rel"] <= fw.TOL, (row.call, m)
    if m["grad_max_rel"] is not None:  # PyTorch autograd / jax.grad on a kink-free grid
        assert m["grad_max_rel"] <= fw.TOL, (row.call, m)
    if row.contrast:  # the documented difference is real, and far above the tolerance
        assert m["contrast"]["max_rel"] > 1e-4, (row.call, m)


def test_documented_differences_are_measured():
    _need("jax")
    _need("keras")
    by = {(r.framework, r.public_name, r.symact_name): r for r in fw.ROWS}
    jax_gelu = fw.agreement(by["jax", "gelu", "gelu_tanh"], grad=False)
    assert jax_gelu["max_rel"] < 1e-13 and 4e-4 < jax_gelu["contrast"]["max_rel"] < 6e-4
    keras_hs = fw.agreement(by["keras", "hard_sigmoid", "hardsigmoid"], grad=False)
    assert keras_hs["max_rel"] < 1e-15 and abs(keras_hs["contrast"]["max_rel"] - 1 / 12) < 1e-3  # 0.2x vs x/6 at 2.5


def test_new_entries_follow_the_framework_formulas():
    xs = np.array([-3.0, -2.5, -1.0, 0.0, 0.5, 1.0, 2.5, 3.0])
    assert symact.get("hard_sigmoid_keras2")(xs).tolist() == [0.0, 0.0, 0.3, 0.5, 0.6, 0.7, 1.0, 1.0]
    assert symact.get("sparse_sigmoid")(xs).tolist() == [0.0, 0.0, 0.0, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert symact.get("exponential")(np.array([0.0, 1.0])).tolist() == [1.0, np.e]
    assert symact.definition("hard_silu").name == "hardswish"

