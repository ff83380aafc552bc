"""The Numba backend's kernels against mpmath, as ``test_accuracy`` holds the NumPy ones: the goal
(4 ULP + cond) on the accuracy grid, float64 and float32, for the kernels whose printed code uses
each of the backend's devices (the runtime's exp family, Phi, softplus, selects, root series
with fused multiply-adds, mish's fraction).  Every kernel of the catalogue passed the same check
when the devices were added (a 4-minute script; here the representative ones)."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

import symact  # noqa: E402
from symact import numba_backend  # noqa: E402
from symact.accuracy import Reference, breakpoints, grid, measure_values  # noqa: E402

NAMES = ["sigmoid", "tanh", "silu", "gelu", "mish", "softplus", "tanhshrink", "elu", "gelu_tanh", "hardswish",
         "softshrink"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_numba_kernels_meet_the_accuracy_goal(name, dtype):
    act = symact.get(name)
    fast = act.backend("numba")
    xs = grid(dtype, extra=breakpoints(act.expr))
    for which, expr, fn in (("f", act.expr, fast), ("grad", act.derivative, fast.grad)):
        got = fn(xs)
        assert got.dtype == xs.dtype
        m = measure_values(Reference(expr), xs, got, name=name, which=which)
        assert m.ok, f"{name} {which} {dtype.__name__}: max excess {m.max_excess:.3g} ULP at x={m.excess_x!r}"


def test_horner_steps_print_as_fused_multiply_adds():
    """gelu_sigmoid''s series about its root: each step one fma (one rounding, half the latency); the
    select stays branch-free (fma counts as cheap)."""
    k = symact.get("gelu_sigmoid").grad_kernel
    body = numba_backend.source(k.stable, k.var, "gelu_sigmoid'").split("def scalar(x):")[1].split("@njit")[0]
    assert body.count("_rt.fma(") == 16 and "_rt.sel((abs(_t0) < 0.16940658945086007)" in body
    assert " if " not in body


def test_silu_derivative_is_one_helper_without_a_root_series():
    """silu' prints as the runtime's dswish (one exp, one division), not its stable form's 17-term root
    series; +-inf give the limits by themselves, so the loop needs no fix-ups."""
    k = symact.get("silu").grad_kernel
    body = numba_backend.source(k.stable, k.var, "silu'").split("def scalar(x):")[1].split("@njit")[0]
    assert body.strip() == "return float(_rt.dswish(x))"
    fast = symact.get("silu").backend("numba")
    got = fast.grad(np.array([np.nan, np.inf, -np.inf, 0.0, 1e300, -1e300]))
    assert fast._g._plain  # noqa: SLF001
    np.testing.assert_array_equal(got, [np.nan, 1.0, -0.0, 0.5, 1.0, -0.0])
