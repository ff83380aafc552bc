"""Symbolic derivatives against central differences in mpmath, at random points of every piece."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import symact
from symact.accuracy import breakpoints
from symact.functions import elementary, x


def _points(act, rng):
    bps = sorted(set(breakpoints(act.expr)))
    edges = [-30.0, *bps, 30.0]
    pts = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        pts += list(rng.uniform(lo, hi, 6))
        pts += [lo + 1e-3, hi - 1e-3]
    return [p for p in pts if all(abs(p - b) > 1e-6 for b in bps)]


@pytest.mark.parametrize("name", symact.names(kind="elementwise"))
def test_derivative_matches_central_differences(name):
    act = symact.get(name)
    f = sp.lambdify(x, elementary(act.expr), "mpmath")
    d = sp.lambdify(x, elementary(act.derivative), "mpmath")
    rng = np.random.default_rng(7)
    with mpmath.workdps(50):
        for p in _points(act, rng):
            xp = mpmath.mpf(p)
            h = mpmath.mpf("1e-15")
            fd = (f(xp + h) - f(xp - h)) / (2 * h)
            want = d(xp)
            # central difference error ~ h^2 f''' ~ 1e-30; 1e-20 leaves a wide margin yet catches any wrong factor
            assert abs(fd - want) <= mpmath.mpf("1e-20") * max(1, abs(want)), (name, p, fd, want)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "hardtanh", "softshrink", "hardswish", "elu"])
def test_derivative_at_a_point_is_that_of_the_piece_holding_there(name):
    """Including at the breakpoints themselves: that is how the kink convention is encoded."""
    act = symact.get(name)
    pieces = sp.piecewise_fold(act.expr).args
    for p in [*breakpoints(act.expr), -2.5, -0.7, 0.3, 2.2]:
        e = next(e for e, c in pieces if c.subs(x, p) == sp.true)
        assert sp.diff(e, x).subs(x, p) == act.derivative.subs(x, p), (name, p)


def test_softsign_derivative_is_cancelled():
    assert symact.get("softsign").derivative == 1 / (1 + sp.Abs(x)) ** 2
