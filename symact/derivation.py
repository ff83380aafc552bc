"""Symbolic derivatives of a definition, in the tidiest equivalent form SymPy finds cheaply."""
from __future__ import annotations

import sympy as sp

from .functions import x


def max_min_to_piecewise(expr: sp.Expr) -> sp.Expr:
    """Max/Min as Piecewise with the x-dependent argument first and a strict comparison.

    ``diff(Max(x, 0))`` is ``Heaviside(x)`` with ``Heaviside(0) = 1/2``; PyTorch's relu'(0) is 0.
    Writing Max(a, b) as Piecewise((a, a > b), (b, True)) gives the tie to the constant side.
    """

    def lower(e: sp.Expr) -> sp.Expr:
        args = sorted(e.args, key=lambda a: (not a.has(x), sp.default_sort_key(a)))
        out = args[-1]
        for a in reversed(args[:-1]):
            cmp = a > out if isinstance(e, sp.Max) else a < out
            out = sp.Piecewise((a, cmp), (out, True))
        return out

    return expr.replace(lambda e: isinstance(e, (sp.Max, sp.Min)), lower)


def tidy(expr: sp.Expr) -> sp.Expr:
    """A cheap simplification that removes cancellation SymPy's diff leaves behind.

    ``x*sign(x)`` becomes ``Abs(x)`` (x is real), and a rational combination is
    cancelled when that is shorter (softsign' = 1/(1+|x|)^2, not 1/(1+|x|) - |x|/(1+|x|)^2).
    """
    expr = expr.replace(lambda e: isinstance(e, sp.Mul) and _sign_pair(e) is not None,
                        lambda e: e / _sign_pair(e) * sp.Abs(_sign_pair(e).args[0]))
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(tidy(e), c) for e, c in expr.args])
    best = expr
    for cand in _candidates(expr):
        if sp.count_ops(cand) < sp.count_ops(best):
            best = cand
    return best


def _sign_pair(m: sp.Mul):
    """The factor u*sign(u) of a product, if it has one."""
    for f in m.args:
        if isinstance(f, sp.sign) and f.args[0] in m.args:
            return f * f.args[0]
    return None


def _candidates(expr: sp.Expr):
    yield sp.together(expr)
    try:
        yield sp.cancel(sp.together(expr))
    except (sp.PolynomialError, TypeError, ValueError):
        pass
    yield sp.factor_terms(expr)


def derivative(expr: sp.Expr, var: sp.Symbol = x) -> sp.Expr:
    """d expr / d var with Piecewise folded, Max/Min lowered (PyTorch's kink values), tidied."""
    d = sp.diff(max_min_to_piecewise(expr), var)
    d = sp.piecewise_fold(d)
    return tidy(d)
