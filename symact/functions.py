"""SymPy function classes for the building blocks activations are written in.

Like SymPy's own ``erf``, each class carries its definition (``_eval_rewrite_as_exp``),
its derivative (``fdiff``, written in the stable form), special values (``eval``) and
its printing (LaTeX, NumPy, mpmath).  Writing ``softplus(x)`` instead of
``log(1 + exp(x))`` in a definition is what lets the one expression feed the LaTeX,
the derivative and a kernel that neither overflows nor cancels.
"""
from __future__ import annotations

import sympy as sp
from sympy import S

#: The input symbol every activation is written in.
x = sp.Symbol("x", real=True)


class sigmoid(sp.Function):  # noqa: N801 - SymPy convention: functions are lower-case
    r"""Logistic sigmoid :math:`\sigma(u) = 1/(1+e^{-u})`."""

    nargs = 1

    def fdiff(self, argindex=1):
        u = self.args[0]
        # sigma' = sigma(u) * sigma(-u): no cancellation in either tail (sigma*(1-sigma) loses the left one)
        return sigmoid(u) * sigmoid(-u)

    @classmethod
    def eval(cls, u):
        if u is S.Zero:
            return S.Half
        if u is S.Infinity:
            return S.One
        if u is S.NegativeInfinity:
            return S.Zero

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return 1 / (1 + sp.exp(-u))

    _eval_rewrite_as_elementary = _eval_rewrite_as_exp

    def _eval_rewrite_as_tanh(self, u, **kwargs):
        return (1 + sp.tanh(u / 2)) / 2

    def _eval_is_real(self):
        return self.args[0].is_extended_real

    def _eval_is_positive(self):
        if self.args[0].is_extended_real:
            return True

    def _eval_is_finite(self):
        if self.args[0].is_extended_real:
            return True

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        arg = printer._print(self.args[0])
        tex = rf"\sigma\left({arg}\right)"
        return rf"{tex}^{{{exp}}}" if exp else tex

    def _numpycode(self, printer):
        return f"{printer._module_format('symact._runtime.symact_sigmoid')}({printer._print(self.args[0])})"

    def _mpmathcode(self, printer):
        return printer._print(self.rewrite(sp.exp))


class softplus(sp.Function):  # noqa: N801
    r"""Softplus :math:`\log(1+e^{u})`, the smooth ReLU."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    @classmethod
    def eval(cls, u):
        if u is S.Zero:
            return sp.log(2)
        if u is S.Infinity:
            return S.Infinity
        if u is S.NegativeInfinity:
            return S.Zero

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return sp.log(1 + sp.exp(u))

    _eval_rewrite_as_elementary = _eval_rewrite_as_exp
    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_is_real(self):
        return self.args[0].is_extended_real

    def _eval_is_positive(self):
        if self.args[0].is_extended_real:
            return True

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        arg = printer._print(self.args[0])
        tex = rf"\operatorname{{softplus}}\left({arg}\right)"
        return rf"{tex}^{{{exp}}}" if exp else tex

    def _numpycode(self, printer):
        # max(u,0) + log1p(exp(-|u|)): exact to a few ULP for every u, ~4x faster than logaddexp(0, u)
        return f"{printer._module_format('symact._runtime.symact_softplus')}({printer._print(self.args[0])})"

    def _mpmathcode(self, printer):
        return printer._print(self.rewrite(sp.exp))


class Phi(sp.Function):  # noqa: N801
    r"""Standard normal CDF :math:`\Phi(u) = (1 + \operatorname{erf}(u/\sqrt{2}))/2`.

    GELU's ``1 + erf(x/sqrt(2))`` is rewritten to ``2*Phi(x)``: SymPy turns ``erfc(-u)`` back into
    ``2 - erfc(u)``, and ``Phi`` prints as an ndtr that takes x itself (no rounded x/sqrt 2) and keeps the far tail.
    """

    nargs = 1

    def fdiff(self, argindex=1):
        u = self.args[0]
        return sp.exp(-u**2 / 2) / sp.sqrt(2 * sp.pi)

    @classmethod
    def eval(cls, u):
        if u is S.Zero:
            return S.Half
        if u is S.Infinity:
            return S.One
        if u is S.NegativeInfinity:
            return S.Zero

    def _eval_rewrite_as_erf(self, u, **kwargs):
        return (1 + sp.erf(u / sp.sqrt(2))) / 2

    _eval_rewrite_as_exp = _eval_rewrite_as_erf
    _eval_rewrite_as_elementary = _eval_rewrite_as_erf

    def _eval_rewrite_as_erfc(self, u, **kwargs):
        return sp.erfc(-u / sp.sqrt(2)) / 2

    def _eval_is_real(self):
        return self.args[0].is_extended_real

    def _eval_is_positive(self):
        if self.args[0].is_extended_real:
            return True

    def _eval_evalf(self, prec):
        return self.rewrite(sp.erf)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        tex = rf"\Phi\left({printer._print(self.args[0])}\right)"
        return rf"{tex}^{{{exp}}}" if exp else tex

    def _numpycode(self, printer):
        return f"{printer._module_format('symact._runtime.symact_ndtr')}({printer._print(self.args[0])})"

    def _mpmathcode(self, printer):
        u = printer._print(self.args[0])
        return f"(mpmath.erfc(-({u})/mpmath.sqrt(2))/2)"


#: Names usable as functions in definitions and claims, beyond SymPy's own.
FUNCTIONS = {"sigmoid": sigmoid, "softplus": softplus, "Phi": Phi}


def elementary(expr: sp.Expr) -> sp.Expr:
    """``expr`` with symact's function classes replaced by their elementary definitions."""
    def expand(e):
        if isinstance(e, shifted):  # hi + lo at 40 digits: a 53-bit sum would drop lo
            return e.args[0] - (sp.Float(e.args[1], 40) + sp.Float(e.args[2], 40))
        return e.rewrite(sp.exp)

    return expr.replace(lambda e: isinstance(e, (sigmoid, softplus, Phi, shifted)), expand)


class shifted(sp.Function):  # noqa: N801
    """x - (hi + lo) evaluated as (x - hi) - lo: a root r = hi + lo carried in double-double.

    Near r, x - hi is exact (Sterbenz), so Taylor polynomials about r keep their relative
    accuracy; SymPy would otherwise merge hi + lo into one rounded Float.
    """

    nargs = 3

    def fdiff(self, argindex=1):
        return sp.S.One if argindex == 1 else -sp.S.One

    def _eval_rewrite_as_elementary(self, u, hi, lo, **kwargs):
        return u - (sp.Float(hi, 40) + sp.Float(lo, 40))

    _eval_rewrite_as_exp = _eval_rewrite_as_elementary

    def _numpycode(self, printer):
        u, hi, lo = (printer._print(a) for a in self.args)
        return f"(({u} - {hi}) - {lo})"

    def _mpmathcode(self, printer):
        u, hi, lo = (printer._print(a) for a in self.args)
        return f"(({u}) - ({hi}) - ({lo}))"
