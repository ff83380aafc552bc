"""The accuracy goal of issue 2, measured: every kernel, float64 and float32, over the whole range.

Goal at every grid input: error <= 4 ULP + cond(x) ULP against mpmath (see symact.accuracy),
where cond(x) = |x g'(x)/g(x)| is the condition number of the evaluated function g — what a
backward-stable evaluation can reach.  Piecewise-linear kernels must be exact: one correctly
rounded operation at most (<= 0.5 ULP; the bound asserted is 1 ULP because the cached
references carry 30 digits and ties in the subnormal range measure up to 1).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import symact
from symact.accuracy import measure

RESULTS: dict[tuple[str, str, str], float] = {}
PIECEWISE_LINEAR = {"identity", "relu", "leaky_relu", "prelu", "rrelu", "relu6", "hardtanh", "hardshrink",
                    "softshrink", "threshold", "heaviside"}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("which", ["f", "grad"])
@pytest.mark.parametrize("name", symact.names(kind="elementwise"))
def test_kernel_meets_accuracy_goal(name, which, dtype):
    m = measure(symact.get(name), which, np.dtype(dtype))
    RESULTS[(name, which, dtype)] = m.max_ulp
    worst = sorted(m.failures, key=lambda f: -f[3])[:5]
    assert m.ok, f"{name} {which} {dtype}: max excess {m.max_excess:.3g} ULP at x={m.excess_x!r}; worst {worst}"
    if name in PIECEWISE_LINEAR:
        assert m.max_ulp <= 1.0, f"{name} {which} {dtype}: piecewise-linear but {m.max_ulp} ULP"


# Dense windows where the grid above (a few hundred points per unit) missed sparse failures: silu'
# had 11 of 30001 points on [-4, 2] over 4 + cond (up to 4.94 ULP at x = -2.41, where u sigma(-u)
# in [2, 4) met a sum in [1, 2)), gelu_sigmoid' 3 (up to 0.27 ULP over at -1.45) and eswish' 1; fixed by
# the swish_complement rule.  shifted_softplus (5 ULP over on |x| in [0.21, 0.45]) and sinc' (7 ULP over
# on |x| in [0.64, 0.80]) lost up to 8x their rounding just outside their series near 0; fixed by
# series_near_cancellation's wider radius (rewriting.LOSS_WANTED).  mish' broke it on 252 points of
# [-3.87, -2.00] (up to 8.4 ULP, 4.2 over at -2.18: tanh(sp) + x sigma sech^2(sp) cancels) and smish' on
# 157 of [-4.8, -2.4] (8.9 ULP, 3.7 over); fixed by the exp_rational_derivative rule (3.2 ULP max).
# tanhexp' broke it on 115 points of [-2.97, -1.73] (12.7 ULP, 7.8 over at -1.75); fixed by the
# tanhexp_derivative rule (2.38 ULP max).  These windows keep them fixed.
DENSE = [("silu", "grad", -3.2, -0.9, 3001), ("gelu_sigmoid", "grad", -5.0, -1.0, 3001),
         ("eswish", "grad", -3.0, -2.9, 3001), ("shifted_softplus", "f", -0.6, 0.6, 3001),
         ("sinc", "grad", -0.9, 0.9, 3001), ("mish", "grad", -3.9, -1.9, 4001),
         ("tanhexp", "grad", -3.2, -1.6, 4001), ("smish", "grad", -5.0, -2.2, 4001)]


@pytest.mark.parametrize(("name", "which", "lo", "hi", "n"), DENSE, ids=[f"{d[0]}-{d[1]}" for d in DENSE])
def test_dense_window_meets_accuracy_goal(name, which, lo, hi, n):
    xs = np.linspace(lo, hi, n)
    m = measure(symact.get(name), which, np.dtype("float64"), xs=xs)
    assert m.ok, f"{name} {which}: max excess {m.max_excess:.3g} ULP at x={m.excess_x!r} ({len(m.failures)} points)"


def test_silu_derivative_is_accurate_at_its_root_without_a_series():
    """silu' is one helper (symact_dswish), e (e + (1 + u)) / (1 + e)^2 below 0, not its stable form's
    root series: at the root u0 = -1.2785 the sum cancels between e = exp(u) and 1 + u, which is exact
    there, so the absolute error is about e^2 |de| / (1 + e)^2, 0.15 of the |u g'(u)| 2^-53 that the
    goal's cond term allows where g -> 0 (measured; asserted with margin: 0.5).  The 2 x 2048 doubles
    next to the root, and a dense sweep of the old series window, meet the goal."""
    act = symact.get("silu")
    assert act.grad_kernel.source.strip().endswith("return symact_dswish(x)")
    x0 = -1.2784645427610737
    near = x0 + np.arange(-2048, 2049) * np.spacing(x0)
    got = act.grad_kernel(near)
    from symact.accuracy import Reference

    ref = Reference(act.derivative)
    for xv, g, t in zip(near[::64], got[::64], ref.values(near[::64]), strict=True):
        assert abs(g - float(t)) <= 0.5 * abs(xv * float(ref.slope(xv))) * 2.0**-53, xv
    window = np.concatenate([near, np.linspace(x0 - 0.34, x0 + 0.34, 2001)])
    m = measure(act, "grad", np.dtype("float64"), xs=window)
    assert m.ok, f"max excess {m.max_excess:.3g} ULP at x={m.excess_x!r}"


def test_gelu_tanh_derivative_is_corrected_for_its_polynomials_rounding():
    """gelu_tanh' = sigma(P) + x P' sigma(P) sigma(-P) is one symact_dswish_poly call: where P < -2 the
    two terms carried P's rounding error with opposite signs, and the sum was 20-55 ULP off between
    x = -6.1 and -2.6 (3 ULP over 4 + cond, the dense scan's points) and 2118 ULP at x = -21.217
    (39 over, near the subnormals).  A dense sample of [-30, -1.27] (left of the root series) and
    [-0.24, 30], with those points, now meets the goal, float64 and float32."""
    act = symact.get("gelu_tanh")
    assert "symact_dswish_poly(x, " in act.grad_kernel.source and "cosh" not in act.grad_kernel.source
    rng = np.random.default_rng(11)
    old = [-6.133577477683681, -5.562645914396887, -3.764156557564661, -2.6471961547264815, -21.217003641272697]
    xs = np.concatenate([old, rng.uniform(-30, -1.27, 3000), rng.uniform(-0.24, 30, 1000)])
    m = measure(act, "grad", np.dtype("float64"), xs=xs)
    assert m.ok, f"max excess {m.max_excess:.3g} ULP at x={m.excess_x!r} ({len(m.failures)} points)"
    m32 = measure(act, "grad", np.dtype("float32"), xs=xs[:1500].astype(np.float32))
    assert m32.ok, f"float32: max excess {m32.max_excess:.3g} ULP at x={m32.excess_x!r}"


def test_polynomial_times_subnormal_exp_rounds_once():
    """serlu = 3.13 x e^x below 0: where e^x is subnormal (x < -708.4) its rounding, up to half the
    subnormal spacing, came out times 3.13 |x|: 1160 ULP at x = -742.3, where 4 + cond allows 745.
    A polynomial times exp(u), as a kernel's value, is now one helper (symact_mulexp) that forms
    (p e^(u/2)) e^(u/2) there.  The tail meets the goal in float64 and float32 (float32's tail from
    x = -87.3), for serlu, reu and their derivatives; elsewhere the helper is the plain product."""
    from symact._runtime import symact_mulexp

    tails = {"float64": np.linspace(-760, -700, 1201), "float32": np.linspace(-110, -80, 601)}
    for name in ("serlu", "reu"):
        act = symact.get(name)
        assert "symact_mulexp(" in act.kernel.source and "symact_mulexp(" in act.grad_kernel.source
        for which in ("f", "grad"):
            for dt, xs in tails.items():
                m = measure(act, which, np.dtype(dt), xs=xs.astype(dt))
                assert m.ok, f"{name} {which} {dt}: {m.max_excess:.3g} ULP over at x={m.excess_x!r}"
    # at -742.3 the plain product is 1160 ULP off (the old kernel), the helper within 3
    x = np.array([-742.3, -720.0])
    plain, fixed = 3.1326037073999995 * x * np.exp(x), symact_mulexp(3.1326037073999995 * x, x)
    spacing = 2.0 ** -1074
    import mpmath

    with mpmath.workdps(40):
        truth = [float(mpmath.mpf("3.1326037073999995") * mpmath.mpf(v) * mpmath.exp(mpmath.mpf(v))) for v in x]
    assert abs(plain[0] - truth[0]) / spacing > 1000
    assert all(abs(f - t) / spacing <= 3 for f, t in zip(fixed, truth, strict=True))
    # outside the subnormal range, and at NaN and +-inf, the same bits as the plain product
    u = np.array([-708.0, -30.0, 0.0, 5.0, 700.0, np.nan, np.inf, -np.inf, -800.0])
    for a in (2.5 * u, np.full_like(u, -3.0), np.full_like(u, np.inf)):
        with np.errstate(all="ignore"):
            want = a * np.exp(u)
            got = symact_mulexp(a, u)
        same = (got == want) | (np.isnan(got) & np.isnan(want))
        assert same[:-1].all(), (a, got, want)
    assert symact_mulexp(np.float32(2.0), np.float32(-1.0)).dtype == np.float32


# Known violations: inputs where a dense scan (tests/dense_scan.py) found kernels over 4 ULP + cond that
# this version does not fix (tests/data/dense_failures.json).  Strict: a fix makes its entry pass, and
# the entry must then go.  Examples: gelu_tanh = x sigma(v), v = x (a x^2 + b) = -77.8 at x = -9.5, so
# v's 3 ULP of rounding (and a's and b's) reach e^v as ~210 ULP where 4 + cond is 205; serf in the
# subnormal tail (24 ULP over); mish', sinc', tanhexp' by 5-8 ULP on their negative range.
KNOWN = json.loads((Path(__file__).parent / "data" / "dense_failures.json").read_text())["points"]


@pytest.mark.xfail(strict=True, reason="known accuracy violations, tests/data/dense_failures.json")
@pytest.mark.parametrize("key", sorted(KNOWN))
def test_known_dense_failures(key):
    name, which = key.split("|")
    m = measure(symact.get(name), which, np.dtype("float64"), xs=np.array(KNOWN[key]))
    assert m.ok, f"{name} {which}: max excess {m.max_excess:.3g} ULP at x={m.excess_x!r} ({len(m.failures)} points)"
