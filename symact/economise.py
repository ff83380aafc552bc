"""Taylor series of the stable forms as rational functions of the same accuracy and fewer operations.

The stable forms carry Taylor polynomials where a sum cancels (tanhshrink at 0, gelu' at its
root): 10-40 Horner steps, which NumPy runs as two passes each over the elements near the point.
The Pade approximant P/Q of the same coefficients (``mpmath.pade``) is often as accurate in far
fewer: tanh is meromorphic, so x - tanh x needs [3/4] in x^2 where the polynomial has 29 terms.

A rational is accepted on the polynomial's own terms, measured against the function itself (the
general formula in mpmath at 40 digits) with the coefficients as printed: at no point of a grid
further from it than the polynomial is by more than 2^-56 of its value on the series radius r
(the polynomial's truncation bar), and 2^-36 out to the float32 radius (``float32._widen``, up
to 1.5 r, the bar the polynomial meets there).  Q(0) = 1 and Q stays >= 1/2 (no pole near), and P and Q
cancel no more than the polynomial does (sum |terms| / |sum| at most its own, or 2), so they
round like it.  The cheapest such approximant is printed when it saves ``MIN_SAVING`` of the Horner
steps (the division counts as one).  Only the NumPy kernels print it, beside the coefficients it
replaces (float32 code decides again, ``float32._Narrow``): the Numba loops and the exports keep
the polynomial, where fused multiply-adds cost less than a division.
"""
from __future__ import annotations

import contextlib

import mpmath
import sympy as sp

from .functions import elementary, shifted

#: the rational must save this fraction of the polynomial's Horner steps to be printed
MIN_SAVING = 0.25
_GRID = 200
Rational = tuple[tuple[float, ...], tuple[float, ...]]


def series_pieces(expr: sp.Expr, var: sp.Symbol):
    """(coeffs, r, power, truth) for each Taylor series piece of ``expr`` (``printing.series_parts``;
    u the variable or a root shift of it), truth(t) the function the polynomial stands for at u = t
    (the general formula, over u^power for an odd or even series), in mpmath."""
    from .printing import series_parts

    for pw in expr.atoms(sp.Piecewise):
        parts = series_parts(pw, symbol_only=False)
        if parts is None:
            continue
        u, r, coeffs, power, general = parts
        if u == var:
            at = (0.0, 0.0)
        elif isinstance(u, shifted) and u.args[0] == var:
            at = (float(u.args[1]), float(u.args[2]))  # x = (u + hi) + lo, summed in mpmath
        else:
            continue
        f = sp.lambdify(var, elementary(general), "mpmath")
        k = max(int(power), 0)

        def truth(t, f=f, at=at, k=k):
            v = f(t + mpmath.mpf(at[0]) + mpmath.mpf(at[1]))
            return v / t**k if k else v
        yield tuple(float(c) for c in coeffs), float(r), int(power), truth


def rationals(expr: sp.Expr, var: sp.Symbol) -> dict[tuple[float, ...], Rational]:
    """The rational to print for each series piece of ``expr`` that has one, keyed by its coefficients."""
    found = {}
    with contextlib.suppress(Exception):  # an optimisation: a formula mpmath cannot evaluate keeps its polynomials
        for coeffs, r, power, truth in series_pieces(expr, var):
            rat = rational(coeffs, r, power >= 0, truth)
            if rat is not None:
                found[coeffs] = rat
    return found


def _cond(c, t, v):
    """sum |terms| / |sum| of the polynomial c (highest degree first) at t, its value v there."""
    return sum(abs(a * t**k) for k, a in enumerate(reversed(c))) / abs(v)


def _targets(pts, want, poly) -> list:
    """(t, truth, polynomial's value, cancellation limit) per point where the truth is a finite nonzero:
    what every candidate is held to, computed once."""
    out = []
    for t, w in zip(pts, want, strict=True):
        if w == 0 or not mpmath.isfinite(w):
            continue
        tv = mpmath.polyval(poly, t)
        out.append((t, w, abs(tv - w), max(2, _cond(poly, t, tv))))  # P, Q cancel no more than the polynomial
    return out


def _fits(p, q, targets, tol) -> bool:
    """P/Q at most ``tol`` (relative) further from the truth than the polynomial is, at each point."""
    for t, w, poly_err, limit in targets:
        qv = mpmath.polyval(q, t)
        if qv < 0.5:
            return False
        pv = mpmath.polyval(p, t)
        if abs(pv / qv - w) > poly_err + tol * abs(w) or _cond(p, t, pv) > limit or _cond(q, t, qv) > limit:
            return False
    return True


def rational(coeffs, r: float, squared: bool, truth) -> Rational | None:
    """(numerator, denominator), highest degree first with Q(0) = 1, of the cheapest Pade approximant of
    the polynomial ``coeffs`` (highest degree first; in u, or in u^2 when ``squared``) that replaces it
    (see the module docstring), or None.  ``truth(u)``: what the polynomial approximates, in mpmath."""
    from .float32 import _widen

    n = len(coeffs)
    r32 = _widen(list(coeffs), r, squared)
    with mpmath.workdps(40):
        def grid(rad, m):  # (t, u): points in the polynomial's variable and in u, u > 0 if squared
            us = [mpmath.mpf(rad) * k / m for k in (range(1, m + 1) if squared else range(-m, m + 1))]
            return [u * u for u in us] if squared else us, us

        def values(us):
            out = []
            for u in us:
                try:
                    out.append(truth(u) if u != 0 else mpmath.nan)
                except (ZeroDivisionError, ValueError):
                    out.append(mpmath.nan)
            return out

        taylor = [mpmath.mpf(c) for c in reversed(coeffs)]  # lowest degree first
        poly = taylor[::-1]
        (t_near, u_near), (t_far, u_far), (t_c, u_c) = grid(r, _GRID), grid(r32, _GRID), grid(r32, 8)
        near = _targets(t_near, values(u_near), poly)
        far = _targets(t_far, values(u_far), poly)
        coarse = _targets(t_c, values(u_c), poly)
        budget = (1 - MIN_SAVING) * (n - 1)
        for steps in range(2, int(budget) + 1):  # L + M Horner steps and the division
            for m in range(1, steps):
                lo = steps - 1 - m
                if lo < 1 or lo + m + 1 > n:
                    continue
                try:
                    p, q = mpmath.pade(taylor, lo, m)
                except (ZeroDivisionError, ValueError, ArithmeticError):
                    continue
                if not q or q[0] == 0:
                    continue
                p = [mpmath.mpf(float(c / q[0])) for c in reversed(p)]  # as printed
                q = [mpmath.mpf(float(c / q[0])) for c in reversed(q)]
                if _fits(p, q, coarse, mpmath.mpf(2) ** -36) and _fits(p, q, near, mpmath.mpf(2) ** -56) and \
                        _fits(p, q, far, mpmath.mpf(2) ** -36):
                    return tuple(float(c) for c in p), tuple(float(c) for c in q)
    return None
