"""symact.economise: Taylor series pieces printed as rationals of the same accuracy in fewer steps."""
import mpmath
import numpy as np
import pytest

import symact
from symact import economise
from symact._runtime import symact_series
from symact.float32 import _widen, narrow_source


def _pieces(name, grad=False):
    act = symact.get(name)
    k = act.grad_kernel if grad else act.kernel
    return k, list(economise.series_pieces(k.stable, k.var))


def test_tanhshrink_series_becomes_a_short_rational_as_accurate_as_the_function():
    k, [(coeffs, r, power, truth)] = _pieces("tanhshrink")
    assert power == 3 and len(coeffs) >= 20  # x^3 times a polynomial in x^2
    num, den = economise.rational(coeffs, r, True, truth)
    assert den[-1] == 1.0
    steps = len(num) + len(den) - 1
    assert steps <= 0.75 * (len(coeffs) - 1)  # MIN_SAVING
    # the rational as float64 arithmetic (Horner, one division) against x - tanh(x) at 40 digits, out
    # to the float32 radius: 2 ULP on the series radius (the polynomial's own rounding is ~1), 2^-34 beyond
    r32 = _widen(list(coeffs), r, True)
    xs = np.concatenate([np.linspace(-r32, r32, 1201)[1:-1], np.geomspace(1e-6, r, 200)])
    xs = xs[xs != 0]
    got = symact_series(xs, r32, coeffs, np.zeros_like(xs), 3, rational=(num, den))
    with mpmath.workdps(40):
        want = np.array([float(mpmath.mpf(v) - mpmath.tanh(v)) for v in xs])
    rel = np.abs(got - want) / np.abs(want)
    inner = np.abs(xs) < r
    assert rel[inner].max() <= 2 * 2.0**-52
    assert rel[~inner].max() <= 2.0**-34
    # the printed kernel carries it, and so does its float32 code (8 steps against 21 of the polynomial)
    assert "rational=" in k.source and "rational=" in k._source32


def test_no_rational_where_it_saves_too_little():
    _, [(coeffs, r, power, truth)] = _pieces("gelu", grad=True)  # about its root: [13/6] is ~20 steps of 22
    assert economise.rational(coeffs, r, power >= 0, truth) is None
    assert "rational=" not in symact.get("gelu").grad_kernel.source


def test_float32_keeps_the_polynomial_where_its_truncation_is_cheaper():
    k = symact.get("gelu_sigmoid").grad_kernel
    assert "rational=" in k.source           # float64: [3/8] against 16 Horner steps
    assert "rational=" not in k._source32    # float32 truncates the polynomial to 11 terms: cheaper
    src = ("def f(x):\n    return symact_series(x, 0.5, (1e-9, 2e-6, 0.001, 0.1, 1.0), x, "
           "rational=((0.1, 1.0), (0.2, 0.3, 1.0)))\n")
    assert "rational=" not in narrow_source(src)  # 4 steps against at most 4 of the polynomial


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_series_with_rational_and_strided_out(dtype):
    """The rational is evaluated only where |u| < r, in u's dtype; a non-contiguous out gets the
    same values (put, where the contiguous one is written through a flat view)."""
    u = np.linspace(-2, 2, 41).astype(dtype)
    general = np.full_like(u, 7.0)
    num, den = (0.5, 1.0), (0.25, 1.0)  # (0.5 w + 1) / (0.25 w + 1)
    res = symact_series(u, 1.0, (1.0, 2.0), general, rational=(num, den))
    near = np.abs(u) < 1
    want = np.where(near, (dtype(0.5) * u + dtype(1)) / (dtype(0.25) * u + dtype(1)), 7.0).astype(dtype)
    assert res.dtype == dtype
    np.testing.assert_array_equal(res, want)
    buf = np.zeros((41, 2), dtype)
    symact_series(u, 1.0, (1.0, 2.0), general, out=buf[:, 0], rational=(num, den))
    np.testing.assert_array_equal(buf[:, 0], want)
    assert not buf[:, 1].any()
    np.testing.assert_array_equal(symact_series(u, 1.0, (1.0, 2.0), general),
                                  np.where(near, u + dtype(2), 7.0).astype(dtype))


def test_a_formula_mpmath_cannot_evaluate_keeps_its_polynomial():
    import sympy as sp

    from symact.functions import x

    class Opaque(sp.Function):  # no mpmath form: the truth cannot be computed
        pass

    poly = sum(sp.Float(1.0 / (k + 1)) * x**k for k in range(12))
    expr = sp.Piecewise((sp.horner(poly), sp.Abs(x) < 0.5), (Opaque(x) - x, True))
    assert economise.rationals(expr, x) == {}
