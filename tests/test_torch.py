"""Cross-check with PyTorch 2.13 (CPU): forward and autograd, float64 and float32.

At each grid point symact and PyTorch either agree to 4 ULP, or symact is the one closer to the
mpmath reference (PyTorch's own kernels miss the accuracy goal in several tails).  Kink values
must match exactly.  The agreement figures are printed (run with -s to see them).
"""
from __future__ import annotations

import numpy as np
import pytest

import symact
from symact.accuracy import Reference, _ulp  # noqa: PLC2701 - the harness's own ULP

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

WITH_TORCH = [n for n in symact.names(kind="elementwise") if symact.definition(n).torch is not None]
SPECIAL = [-1e4, -800.0, -100.0, -30.0, -10.0, -3.0, -1.0, -0.5, -1e-8, 0.0, 1e-8, 0.5, 1.0, 3.0, 6.0, 10.0, 30.0,
           100.0, 800.0, 1e4]
GRID = np.array(sorted(set(SPECIAL + list(np.linspace(-12, 12, 97)))))
FIGURES: dict[str, str] = {}


def _torch_eval(name, xs, dtype):
    act = symact.get(name)
    t = torch.tensor(xs, dtype=dtype, requires_grad=True)
    y = act.definition.torch(torch, t, act.params)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", WITH_TORCH)
def test_agrees_with_torch_or_is_more_accurate(name, dtype):
    act = symact.get(name)
    dt = np.dtype(dtype)
    xs = GRID.astype(dt)
    tf, tg = _torch_eval(name, xs, getattr(torch, dtype))
    agree = total = 0
    for which, ours, theirs, expr in (("f", act(xs), tf, act.expr), ("grad", act.grad(xs), tg, act.derivative)):
        ref = Reference(expr).values(xs)
        for xv, a, b, t in zip(xs.tolist(), ours.tolist(), theirs.tolist(), ref, strict=True):
            total += 1
            ulp = _ulp(float(t), dt)
            if a == b or abs(a - b) <= 4 * ulp:
                agree += 1
                continue
            err_ours, err_torch = abs(a - float(t)) / ulp, abs(b - float(t)) / ulp
            assert err_ours <= max(4.0, err_torch), (
                f"{name} {which} {dtype} x={xv}: symact {a} ({err_ours:.3g} ULP) vs torch {b} ({err_torch:.3g} ULP)")
    FIGURES[f"{name} {dtype}"] = f"{agree}/{total}"
    print(f"\n{name} {dtype}: agree within 4 ULP at {agree}/{total} (f and grad); elsewhere symact is closer")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", WITH_TORCH)
def test_infinities_and_nan_like_torch(name, dtype):
    """Same values where PyTorch gives a number (within 4 ULP); where PyTorch gives NaN at +-inf
    (inf*0 in gelu, silu, mish, ...) symact gives the limit (checked in test_core)."""
    xs = np.array([-np.inf, np.inf, np.nan], dtype=dtype)
    act = symact.get(name)
    ours = act(xs)
    tf, _ = _torch_eval(name, xs, getattr(torch, dtype))
    assert np.isnan(ours[2]) and np.isnan(tf[2])
    for a, b in zip(ours[:2], tf[:2], strict=True):
        if not np.isnan(b):
            assert a == b or abs(a - b) <= 4 * np.spacing(np.abs(b).astype(dtype)), (name, a, b)
