"""Derived properties against values worked out independently.

Closed forms are worked by hand (noted per case); numeric extrema are located with SciPy's
brentq on hand-written NumPy/SciPy derivatives, not with symact.  Tolerances: 1e-12 relative
for numeric extrema (brentq at xtol 1e-15 on a well-conditioned root, the value is flat
there), 1e-10 for Gaussian moments (mpmath.quad at 30 digits vs closed forms).
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq
from scipy.special import expit, ndtr

import symact
from symact import x

oo = sp.oo


def props(name, **kw):
    return symact.get(name, **kw).properties


def phi(z):
    return np.exp(-z * z / 2) / math.sqrt(2 * math.pi)


# ---- range ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name, want", [
    ("sigmoid", sp.Interval.open(0, 1)),         # 1/(1+e^-x) never reaches 0 or 1
    ("tanh", sp.Interval.open(-1, 1)),
    ("softsign", sp.Interval.open(-1, 1)),       # |x|/(1+|x|) < 1
    ("relu", sp.Interval(0, oo, right_open=True)),
    ("relu6", sp.Interval(0, 6)),
    ("hardtanh", sp.Interval(-1, 1)),
    ("hardsigmoid", sp.Interval(0, 1)),
    ("softplus", sp.Interval.open(0, oo)),       # log(1+e^x) > 0
    ("log_sigmoid", sp.Interval.open(-oo, 0)),
    ("leaky_relu", sp.Interval(-oo, oo)),
    ("elu", sp.Interval.open(-1, oo)),           # alpha(e^x - 1) > -alpha, never reached
    ("threshold", sp.Interval.open(0.1, oo)),    # x > 0.1 gives (0.1, oo); the value 20 lies inside
    ("hardswish", sp.Interval(sp.Rational(-3, 8), oo, right_open=True)),  # x(x+3)/6 minimal at -3/2
    ("heaviside", sp.Interval(0, 1)),            # only {0, 1}; the interval hull is reported
])
def test_range_exact(name, want):
    r = props(name).range
    assert r.left_open == want.left_open and r.right_open == want.right_open, (r, want)
    assert float(r.inf) == float(want.inf) and float(r.sup) == float(want.sup), (r, want)


def test_range_elu_follows_alpha():
    r = props("elu", alpha=2.0).range
    assert r == sp.Interval.open(-2, oo)


@pytest.mark.parametrize("name, fprime", [
    ("gelu", lambda z: ndtr(z) + z * phi(z)),
    ("silu", lambda z: expit(z) * (1 + z * expit(-z))),
    ("mish", lambda z: np.tanh(np.log1p(np.exp(z))) + z * expit(z) / np.cosh(np.log1p(np.exp(z))) ** 2),
])
def test_range_of_non_monotonic_smooth_relus(name, fprime):
    """The minimum sits at the root of f' on (-3, -0.1) (sign change checked by brentq)."""
    xm = brentq(fprime, -3, -0.1, xtol=1e-15)
    want = float(symact.get(name)(np.array([xm]))[0])
    r = props(name).range
    assert r.sup == oo and not r.left_open
    assert float(r.inf) == pytest.approx(want, rel=1e-12)
    assert props(name).methods["range"].startswith("numeric")


def test_gelu_minimum_value():
    assert float(props("gelu").range.inf) == pytest.approx(-0.16997120747990, abs=1e-13)


# ---- continuity ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, params, k", [
    ("sigmoid", {}, oo), ("tanh", {}, oo), ("gelu", {}, oo), ("silu", {}, oo), ("sine", {}, oo),
    ("relu", {}, 0), ("leaky_relu", {}, 0), ("hardtanh", {}, 0), ("relu6", {}, 0), ("hardsigmoid", {}, 0),
    ("selu", {}, 0),                     # slopes scale*alpha (left) and scale (right) differ at 0
    ("softsign", {}, 1),                 # f'' = -2 sign(x)/(1+|x|)^3 jumps from 2 to -2 at 0
    ("elu", {"alpha": 1.0}, 1),          # both slopes 1 at 0; f'' is 1 on the left, 0 on the right
    ("elu", {"alpha": 2.0}, 0),          # slopes 2 and 1
    ("celu", {"alpha": 2.0}, 1),         # e^{x/alpha}: slope 1 for every alpha
    ("hardswish", {}, 0),                # slopes at 3: (2*3+3)/6 = 3/2 vs 1
    ("hardshrink", {}, -1), ("heaviside", {}, -1), ("threshold", {}, -1),
    ("softshrink", {}, 0),
])
def test_continuity_order(name, params, k):
    assert props(name, **params).continuity == k


# ---- monotonicity, bounds, values at 0 -----------------------------------------------------
@pytest.mark.parametrize("name, mono, mono_d", [
    ("sigmoid", True, False), ("tanh", True, False), ("relu", True, True), ("softplus", True, True),
    ("gelu", False, False), ("silu", False, False), ("mish", False, False), ("sine", False, False),
    ("elu", True, True), ("hardswish", False, True), ("softsign", True, False), ("tanhshrink", True, False),
])
def test_monotonicity(name, mono, mono_d):
    p = props(name)
    assert p.monotonic is mono and p.monotonic_derivative is mono_d


@pytest.mark.parametrize("name, below, above", [
    ("sigmoid", True, True), ("relu", True, False), ("leaky_relu", False, False), ("gelu", True, False),
    ("log_sigmoid", False, True), ("sine", True, True),
])
def test_bounds(name, below, above):
    p = props(name)
    assert (p.bounded_below, p.bounded_above) == (below, above)


@pytest.mark.parametrize("name, f0, fp0", [
    ("sigmoid", sp.Rational(1, 2), sp.Rational(1, 4)), ("tanh", 0, 1), ("gelu", 0, sp.Rational(1, 2)),
    ("silu", 0, sp.Rational(1, 2)), ("softplus", sp.log(2), sp.Rational(1, 2)), ("softsign", 0, 1),
    ("mish", 0, sp.Rational(3, 5)),        # tanh(log 2) = (4-1)/(4+1)
    ("relu", 0, (0, 1)), ("leaky_relu", 0, (0.01, 1)),
])
def test_values_at_zero(name, f0, fp0):
    p = props(name)
    assert float(p.f0) == pytest.approx(float(f0), rel=1e-15)
    if isinstance(fp0, tuple):
        assert isinstance(p.fprime0, tuple)
        assert [float(v) for v in p.fprime0] == pytest.approx(list(fp0), rel=1e-15)
    else:
        assert float(p.fprime0) == pytest.approx(float(fp0), rel=1e-15)


@pytest.mark.parametrize("name, zc, ident", [
    ("tanh", True, True), ("softsign", True, True), ("hardtanh", True, True), ("sigmoid", False, False),
    ("relu", False, False), ("gelu", True, False), ("elu", True, True), ("selu", True, False), ("identity", True, True),
])
def test_zero_centred_and_identity_near_zero(name, zc, ident):
    p = props(name)
    assert p.zero_centred is zc and p.approx_identity is ident


# ---- saturation, slopes, dead zones --------------------------------------------------------
@pytest.mark.parametrize("name, left, right", [
    ("sigmoid", True, True), ("tanh", True, True), ("relu", True, False), ("leaky_relu", False, False),
    ("gelu", True, False), ("elu", True, False), ("softplus", True, False), ("log_sigmoid", False, True),
    ("sine", False, False), ("identity", False, False),
])
def test_saturation(name, left, right):
    p = props(name)
    assert (p.saturating_left, p.saturating_right) == (left, right)


def test_max_slope_values():
    assert props("sigmoid").max_abs_grad == sp.Rational(1, 4) and props("sigmoid").max_abs_grad_at == 0
    assert props("tanh").max_abs_grad == 1 and props("tanh").max_abs_grad_at == 0
    assert props("relu").max_abs_grad == 1 and props("relu").max_abs_grad_at == sp.Interval.open(0, oo)
    assert props("hardsigmoid").max_abs_grad == sp.Rational(1, 6)
    assert props("hardswish").max_abs_grad == sp.Rational(3, 2)  # supremum, approached as x -> 3-
    assert float(props("sine").max_abs_grad) == pytest.approx(30, rel=1e-14)
    # gelu'' = phi(x)(2 - x^2): the largest slope is at sqrt(2), Phi(sqrt2) + sqrt2 phi(sqrt2)
    g = props("gelu")
    assert sp.simplify(g.max_abs_grad_at - sp.sqrt(2)) == 0
    assert float(g.max_abs_grad) == pytest.approx(ndtr(math.sqrt(2)) + math.sqrt(2) * phi(math.sqrt(2)), rel=1e-14)
    # selu: the left slope scale*alpha at 0 (PyTorch's value there) is the largest
    assert float(props("selu").max_abs_grad) == pytest.approx(1.0507009873554805 * 1.6732632423543772, rel=1e-14)


@pytest.mark.parametrize("name, want", [
    ("relu", sp.Interval(-oo, 0)),                     # f' = 0 for x <= 0 (PyTorch's relu'(0) = 0)
    ("relu6", sp.Union(sp.Interval(-oo, 0), sp.Interval(6, oo))),
    ("softshrink", sp.Interval(-sp.Rational(1, 2), sp.Rational(1, 2))),
    ("hardsigmoid", sp.Union(sp.Interval(-oo, -3), sp.Interval(3, oo))),
    ("heaviside", sp.S.Reals),
    ("sigmoid", sp.S.EmptySet), ("leaky_relu", sp.S.EmptySet), ("elu", sp.S.EmptySet),
])
def test_dead_zone(name, want):
    assert props(name).dead_zone == want


# ---- parity, Gaussian moments, f' in terms of f --------------------------------------------
@pytest.mark.parametrize("name, want", [
    ("tanh", "odd"), ("softsign", "odd"), ("sine", "odd"), ("hardtanh", "odd"), ("tanhshrink", "odd"),
    ("softshrink", "odd"), ("identity", "odd"), ("relu", "neither"), ("sigmoid", "neither"), ("gelu", "neither"),
])
def test_parity(name, want):
    assert props(name).parity == want


@pytest.mark.parametrize("name, mean, var", [
    ("relu", 1 / math.sqrt(2 * math.pi), 0.5 - 1 / (2 * math.pi)),   # half-normal moments
    ("identity", 0.0, 1.0),
    ("sigmoid", 0.5, None),                                          # sigma(z) + sigma(-z) = 1
    ("gelu", 1 / (2 * math.sqrt(math.pi)), None),                    # E[z Phi(z)] = E[phi(z)]
    ("selu", 0.0, 1.0),                                              # the self-normalising fixed point
    ("heaviside", 0.5, 0.25),                                        # Bernoulli(1/2)
    ("tanh", 0.0, None),
])
def test_gaussian_moments(name, mean, var):
    p = props(name)
    assert p.mean_normal == pytest.approx(mean, abs=1e-10)
    if var is not None:
        assert p.variance_normal == pytest.approx(var, abs=1e-10)


y = sp.Symbol("y", real=True)


@pytest.mark.parametrize("name, want", [
    ("sigmoid", y * (1 - y)), ("tanh", 1 - y**2), ("softplus", 1 - sp.exp(-y)), ("log_sigmoid", 1 - sp.exp(y)),
])
def test_derivative_in_terms_of_f(name, want):
    got = props(name).derivative_in_terms_of_f
    assert sp.simplify(got - want) == 0


def test_elu_negative_side_is_f_plus_alpha():
    got = props("elu", alpha=2.0).derivative_in_terms_of_f
    assert isinstance(got, sp.Piecewise)
    neg = next(e for e, c in got.args if c.subs(x, -1) == sp.true)
    assert sp.simplify(neg - (y + 2)) == 0


def test_every_property_records_its_method():
    for n in symact.names(kind="elementwise"):
        p = props(n)
        for key, _, method in p.rows():
            assert method, (n, key)


# ---- the command line ----------------------------------------------------------------------
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "symact", *args], capture_output=True, text=True, timeout=300)


def test_cli_show():
    r = _cli("show", "sigmoid")
    assert r.returncode == 0
    assert "1/4" in r.stdout and "y⋅(1 - y)" in r.stdout.replace("*", "⋅") or "y*(1 - y)" in r.stdout


def test_cli_show_expression_and_unknown():
    r = _cli("show", "x*sigmoid(1.702*x)")
    assert r.returncode == 0 and "range" in r.stdout
    r = _cli("show", "gleu")
    assert r.returncode == 2 and "did you mean" in r.stderr and "'gelu'" in r.stderr.split("did you mean")[1]


def test_cli_table_formats():
    js = json.loads(_cli("table", "--format", "json").stdout)
    assert [row["name"] for row in js] == symact.names(kind="elementwise")
    assert next(r for r in js if r["name"] == "relu")["continuity"] == "0"
    csv_out = _cli("table", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("name,range,continuity") and len(csv_out) == len(symact.names(kind="elementwise")) + 1
    md = _cli("table").stdout.splitlines()
    assert md[0].startswith("| name |") and len(md) == len(symact.names(kind="elementwise")) + 2
