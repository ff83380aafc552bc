"""The printer lambdify uses for symact's kernels: NumPy/SciPy code shaped for speed and exactness.

Measured pitfalls of SymPy's default NumPy printing (NUMERICS.md) and what is printed instead:
``x**3`` -> ``x*x*x`` (``np.power`` is a scalar loop); ``Piecewise`` -> nested ``where``
(``select`` is 6-11x slower); ``Max(0, x)`` -> ``maximum(x, 0)`` (array first); irrational
constants folded to Python floats (NumPy scalars would upcast float32); ``(x + 3)/6``
divides instead of multiplying by a rounded 1/6; ``1/u**2`` -> ``(1/u)**2`` so u**2 cannot
overflow before the reciprocal underflows gracefully.
"""
from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import hypot
from sympy.printing.numpy import SciPyPrinter

from .rewriting import fold_constants  # noqa: F401 - printers fold constants before printing


class KernelPrinter(SciPyPrinter):
    printmethod = "_numpycode"

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Rational(self, expr):
        return str(expr.p) if expr.q == 1 else repr(float(expr))

    def _print_Half(self, expr):
        return "0.5"

    def _print_Pow(self, expr, rational=False):
        base, e = expr.args
        if e == -2 and isinstance(base, sp.cosh):  # sech^2 from one exp (float32 cosh is a scalar loop)
            return f"{self._module_format('symact._runtime.symact_sech2')}({self._print(base.args[0])})"
        if e == -3 and isinstance(base, hypot):
            # hypot(a, u)^-3 = 1/(a^2 + u^2) * 1/hypot(a, u): the cube of a rounded reciprocal
            # triples its error (isru' 4.3 ULP); this splits it into two correctly rounded parts,
            # and a^2 + u^2 = inf (|u| > 1e154) still gives the right 0
            a, u = base.args
            sq, rec = self._module_format("numpy.square"), self._module_format("numpy.reciprocal")
            a2 = self._print(a**2) if a.is_number else f"{sq}({self._print(a)})"
            return f"({rec}({a2} + {sq}({self._print(u)}))*{rec}({self._print(base)}))"
        if e.is_Integer and 2 <= abs(int(e)) <= 4:
            b = self._print(base)
            if e < 0:
                b = f"{self._module_format('numpy.reciprocal')}({b})"
            sq = self._module_format("numpy.square")
            n = abs(int(e))
            if n == 2:
                return f"{sq}({b})"
            if n == 4:
                return f"{sq}({sq}({b}))"
            return f"{self._module_format('symact._runtime.symact_cube')}({b})"
        if e == -1:
            return f"(1/{self.parenthesize(base, sp.printing.precedence.PRECEDENCE['Pow'])})"
        return super()._print_Pow(expr, rational=rational)

    def _print_Mul(self, expr):
        sq = [f for f in expr.args if f.is_Pow and f.exp in (2, -2) and isinstance(f.base, sp.Function)]
        if len(sq) == 1 and len(expr.args) > 1:
            (f,) = sq
            r = f.base if f.exp == 2 else 1 / f.base
            rest = sp.Mul(*[a for a in expr.args if a is not f])
            return f"{self._module_format('symact._runtime.symact_mul_sq')}({self._print(rest)}, {self._print(r)})"
        c, rest = expr.as_coeff_Mul()
        if c.is_Float and float(c) == 1.0 and rest != 1:  # 1.0*u is u exactly: not a pass over the array
            return self._print(rest)
        if c.is_Rational and not c.is_Integer and abs(c.p) & (abs(c.p) - 1) == 0 and rest != 1:
            # (2/3)*x as (x/3)*2: one correctly rounded division, the power of two is exact
            # (the rounded constant 0.666... would add an error cond(x) amplifies: lecun_tanh')
            sign = "-" if c.p < 0 else ""
            scale = f"*{abs(c.p)}" if abs(c.p) != 1 else ""
            return f"{sign}(({self._print(rest)})/{c.q}){scale}" if scale else f"{sign}({self._print(rest)})/{c.q}"
        return super()._print_Mul(expr)

    def _minmax(self, expr, fn):
        args = sorted(expr.args, key=lambda a: (a.is_number, sp.default_sort_key(a)))
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{self._module_format(fn)}({out}, {self._print(a)})"
        return out

    def _print_Max(self, expr):
        return self._minmax(expr, "numpy.maximum")

    def _print_Min(self, expr):
        # Min(Max(g, lo), hi) -> clip(g, lo, hi): NumPy's clip is one SIMD pass (4x faster than the
        # pair at 10^6 float32), propagates NaN, and gives the same value at every float
        if len(expr.args) == 2:
            hi, inner = sorted(expr.args, key=lambda a: not a.is_number)
            if hi.is_number and isinstance(inner, sp.Max) and len(inner.args) == 2:
                lo, g = sorted(inner.args, key=lambda a: not a.is_number)
                if lo.is_number and not g.is_number and float(lo) < float(hi):
                    clip = self._module_format("numpy.clip")
                    return f"{clip}({self._print(g)}, {self._print(lo)}, {self._print(hi)})"
        return self._minmax(expr, "numpy.minimum")

    def _print_Piecewise(self, expr):
        node = taylor_series(expr)
        if node is not None:
            return self._print(node)
        low = step_indicators(expr)
        low = lower_piecewise(expr) if low is None else low
        if low is not None:
            return self._print(low)
        where = self._module_format("symact._runtime.symact_where")  # np.where's bits, without its branches
        *pieces, (last, cond) = expr.args
        if len(pieces) == 1 and pieces[0][0].is_Symbol and cond == sp.true and last == 0 and \
                _bounded_default(expr):
            # x where c, else 0 (hardshrink): x*c + 0, two SIMD passes where a select took four and
            # x - x one more.  x is finite where c fails (a bounded region), so the product is +-0
            # there and + 0 makes it +0; NaN fails c and NaN*0 is NaN
            (e, c), _ = expr.args
            return f"({self._print(e)}*{self._print(c)} + 0.0)"
        if len(pieces) == 1 and cond == sp.true and last.is_number and pieces[0][0].is_Symbol and \
                isinstance(pieces[0][1], sp.StrictGreaterThan | sp.StrictLessThan) and \
                pieces[0][1].gts == pieces[0][0] and pieces[0][1].lts.is_number:
            # x where x > t, else v (threshold): a maximum with +-v where |t| <= v, no select
            (e, c), _ = expr.args
            fn = self._module_format("symact._runtime.symact_threshold")
            return f"{fn}({self._print(e)}, {self._print(c.lts)}, {self._print(last)})"
        if len(pieces) == 1 and cond == sp.true and last.is_number and not pieces[0][0].is_number and \
                isinstance(pieces[0][1], sp.core.relational._Inequality):
            # e where c, else a constant (threshold): select the constant on the negated comparison,
            # so NaN (which fails every comparison) lands on e and stays NaN; the other order sent it
            # to the constant and needed the guard's extra pass over input and result (threshold 2.65 -> 2.4x the
            # copy floor).  Equal for every non-NaN input.
            (e, c), _ = expr.args
            return f"{where}({self._print(~c)}, {self._print(last)}, {self._print(e)})"
        out = self._print(last) if cond == sp.true else f"{where}({self._print(cond)}, {self._print(last)}, numpy.nan)"
        if cond == sp.true and last.is_number and _bounded_default(expr):
            # NaN fails every condition and lands here: (v - v) is 0 on the (finite) default
            # region and NaN for NaN, so no guard pass is needed (hardshrink)
            (v,) = expr.free_symbols
            zero = f"({self._print(v)} - {self._print(v)})"
            out = zero if last == 0 else f"({out} + {zero})"
        for e, c in reversed(pieces):
            out = f"{where}({self._print(c)}, {self._print(e)}, {out})"
        return out

    def _print_ExpNegAbs(self, expr):
        exp, ab = self._module_format("numpy.exp"), self._module_format("numpy.abs")
        return f"{exp}(-{ab}({self._print(expr.args[0])}))"

    def _print_Gauss(self, expr):
        u, c = expr.args
        return f"{self._module_format('symact._runtime.symact_gauss')}({self._print(u)}, {float(c)!r})"

    def _print_ScaledExp(self, expr):
        a, u = expr.args
        return f"{self._module_format('symact._runtime.symact_mulexp')}({self._print(a)}, {self._print(u)})"

    def _print_NdtrXPdf(self, expr):
        return f"{self._module_format('symact._runtime.symact_ndtr_xpdf')}({self._print(expr.args[0])})"

    def _print_SigmoidFactor(self, expr):
        u, e = expr.args
        mx, ge = self._module_format("numpy.maximum"), self._module_format("numpy.greater_equal")
        return f"{mx}({self._print(e)}, {ge}({self._print(u)}, 0))"

    def _print_SigmoidValue(self, expr):
        if len(expr.args) == 2:  # u <= 0
            e, r = expr.args
            return f"({self._print(r)}*{self._print(e)})"
        u, e, r = expr.args
        mx, ge = self._module_format("numpy.maximum"), self._module_format("numpy.greater_equal")
        return f"({self._print(r)}*{mx}({self._print(e)}, {ge}({self._print(u)}, 0)))"

    def _print_SigmoidPoly(self, expr):
        u, *coeffs = expr.args  # highest degree first
        odd, hi, lo = _poly_parts(coeffs)
        fn = self._module_format("symact._runtime.symact_sigmoid_poly")
        return f"{fn}({self._print(u)}, {hi!r}, {lo!r}{', odd=True' if odd else ''})"

    def _print_SwishPolyPrime(self, expr):
        u, *coeffs = expr.args  # P's, highest degree first
        odd, hi, lo = _poly_parts(coeffs)
        dp = sp.Poly(list(coeffs), u).diff(u).all_coeffs()  # P', even if P is odd: a polynomial in u^2
        dhi = tuple(float(c) for c in (dp[::2] if odd else dp))
        fn = self._module_format("symact._runtime.symact_dswish_poly")
        return f"{fn}({self._print(u)}, {hi!r}, {lo!r}, {dhi!r}{', odd=True' if odd else ''})"

    def _print_SigmoidPrime(self, expr):
        return f"{self._module_format('symact._runtime.symact_dsigmoid')}({self._print(expr.args[0])})"

    def _print_SwishPrime(self, expr):
        return f"{self._module_format('symact._runtime.symact_dswish')}({self._print(expr.args[0])})"

    def _print_TaylorSeries(self, expr):
        u, r, general, power, *coeffs = expr.args
        fn = self._module_format("symact._runtime.symact_series")
        cs = tuple(float(c) for c in coeffs)
        tail = "" if power < 0 else f", {int(power)}"
        rat = getattr(self, "rationals", {}).get(cs)  # symact.economise: the same accuracy in fewer steps
        if rat is not None:
            tail += f", rational=({rat[0]!r}, {rat[1]!r})"
        return f"{fn}({self._print(u)}, {self._print(r)}, {cs!r}, {self._print(general)}{tail})"

    def _print_Relational(self, expr):
        op = {"==": "equal", "!=": "not_equal", "<": "less", "<=": "less_equal",
              ">": "greater", ">=": "greater_equal"}[expr.rel_op]
        return f"{self._module_format('numpy.' + op)}({self._print(expr.lhs)}, {self._print(expr.rhs)})"

    def _print_StepIndicator(self, expr):
        v, lo, hi, lc, rc, out, *values = expr.args
        ends = ", ".join("None" if e.is_infinite else self._print(e) for e in (lo, hi))
        flags = f", {int(lc)}, {int(rc)}" + (", outside=True" if out else "")
        if values and tuple(values) != (1, 0):
            flags += f", value={float(values[0])!r}, other={float(values[1])!r}"
        return f"{self._module_format('symact._runtime.symact_in')}({self._print(v)}, {ends}{flags})"

    def _print_Heaviside(self, expr):
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Zero
        return f"{self._module_format('symact._runtime.symact_step')}({self._print(expr.args[0])}, {self._print(h0)})"

    def _trig(self, expr, cos):
        c, rest = expr.args[0].as_coeff_Mul()
        if c.is_number and c != 1 and rest.is_Symbol:  # sin(w0*x): keep it finite where w0*x overflows
            fn = self._module_format("symact._runtime.symact_sin_mul")
            return f"{fn}({self._print(c)}, {self._print(rest)}{', True' if cos else ''})"
        return f"{self._module_format('numpy.' + ('cos' if cos else 'sin'))}({self._print(expr.args[0])})"

    def _print_sin(self, expr):
        return self._trig(expr, False)

    def _print_cos(self, expr):
        return self._trig(expr, True)

    def _print_sign(self, expr):
        return f"{self._module_format('numpy.sign')}({self._print(expr.args[0])})"


def _float(e) -> float | None:
    return float(e) if e.is_number and e.is_real else None


def lower_piecewise(expr: sp.Piecewise) -> sp.Expr | None:
    """Max/Min form of a ramp or clamp Piecewise (one pass each, NaN propagates); None for other shapes.

    ``where(x > c, x, c)`` -> ``maximum(x, c)``; ``where(x > 0, x, k*x)`` -> ``maximum(x, k*x)``
    (0 <= k < 1; minimum for k > 1); ``(lo, x <= a), (hi, x >= b), (g, True)`` with g increasing
    and linear, g(a) == lo and g(b) == hi exactly in float64 -> ``minimum(maximum(g, lo), hi)``
    (rounding is monotone, so g stays beyond lo/hi outside [a, b]); soft thresholding ->
    ``x - clip(x, -l, l)``.  Each form takes the same value as the Piecewise at every float.
    ``(0, x <= a), (x, x >= b), (x*h, True)`` with h such a clamp from 0 to 1 -> ``x*clip(h, 0, 1)``
    (hardswish): 4 SIMD passes instead of two where()s on random signs (8x slower); it rounds
    x*h in another order (<= 1.5 ULP either way) and gives -0.0 for x < a.
    """
    args = expr.args
    if len(args) == 2 and args[1][1] == sp.true:
        (e1, c1), (e2, _) = args
        if isinstance(c1, (sp.StrictGreaterThan, sp.GreaterThan)) and c1.lhs.is_Symbol and c1.lhs == e1:
            v, c = e1, _float(c1.rhs)
            if c is None:
                return None
            if e2.is_number and _float(e2) == c:
                return sp.Max(v, e2, evaluate=False)
            k = _float(e2 / v) if c == 0 and not e2.has(sp.Piecewise) else None
            if k is not None and 0 <= k < 1:
                return sp.Max(v, e2, evaluate=False)
            if k is not None and k > 1:
                return sp.Min(v, e2, evaluate=False)
        return None
    if len(args) != 3 or args[2][1] != sp.true:
        return None
    (e1, c1), (e2, c2), (g, _) = args
    lo_hi = {}
    for e, c in ((e1, c1), (e2, c2)):
        if not (isinstance(c, sp.Rel) and c.lhs.is_Symbol and c.rhs.is_number):
            return None
        side = "lo" if c.rel_op in ("<", "<=") else "hi"
        lo_hi[side] = (c.lhs, e, _float(c.rhs))
    if set(lo_hi) != {"lo", "hi"} or lo_hi["lo"][0] != lo_hi["hi"][0]:
        return None
    v = lo_hi["lo"][0]
    (_, lo, a), (_, hi, b) = lo_hi["lo"], lo_hi["hi"]
    if a is None or b is None or not a < b:
        return None
    if lo.is_number and hi.is_number and g.is_polynomial(v) and sp.degree(g, v) == 1 and _float(sp.diff(g, v)) > 0:
        import numpy as np

        fn = sp.lambdify(v, g, modules="numpy", printer=new_printer())
        if float(fn(np.float64(a))) == _float(lo) and float(fn(np.float64(b))) == _float(hi):
            return sp.Min(sp.Max(g, lo, evaluate=False), hi, evaluate=False)
        return None
    if lo == 0 and hi == v and isinstance(g, sp.Mul) and v in g.args:  # x * (a clamp from 0 to 1): hardswish
        h = sp.Mul(*(t for t in g.args if t != v), evaluate=False) if list(g.args).count(v) == 1 else None
        if h is not None and h.is_polynomial(v) and sp.degree(h, v) == 1 and _float(sp.diff(h, v)) > 0:
            import numpy as np

            fn = sp.lambdify(v, h, modules="numpy", printer=new_printer())
            if float(fn(np.float64(a))) == 0 and float(fn(np.float64(b))) == 1:
                return sp.Mul(v, sp.Min(sp.Max(h, 0, evaluate=False), 1, evaluate=False), evaluate=False)
    lam = _float(v - hi) if hi.is_Add else None  # soft thresholding: (v - l, v > l), (v + l, v < -l), (0, True)
    if g == 0 and lam is not None and lam == -a == b and sp.expand(lo - v - lam) == 0 and sp.expand(hi - v + lam) == 0:
        return v - sp.Min(sp.Max(v, -b, evaluate=False), b, evaluate=False)
    return None


def _bounded_default(expr: sp.Piecewise) -> bool:
    """True when the region where ``expr`` takes its default (last) piece is bounded."""
    if len(expr.free_symbols) != 1:
        return False
    try:
        region = dict((s_, e) for e, s_ in expr.as_expr_set_pairs())
    except Exception:  # noqa: BLE001 - SymPy cannot split the conditions: assume unbounded
        return False
    last = expr.args[-1][0]
    return all(s_.is_subset(sp.Interval(-1e300, 1e300)) for s_, e in region.items() if e == last)


class TaylorSeries(sp.Function):
    """``general``, with a polynomial in u where |u| < r: args (u, r, general, power, *coeffs);
    power < 0: Horner in u over ``coeffs``; else u**power times Horner in u*u (an odd or even
    series, half the steps).  Printed as one ``symact_series`` call, which evaluates the 20-60
    Horner steps only where |u| < r (``where`` would evaluate them on every element)."""


def series_parts(expr, symbol_only: bool = True) -> tuple | None:
    """(u, r, coeffs, power, general) of a Piecewise ((Taylor polynomial in u, |u| < r), (general, True));
    u a symbol (as printed, a root shift already a common subexpression) unless not ``symbol_only``."""
    if not isinstance(expr, sp.Piecewise) or len(expr.args) != 2 or expr.args[1][1] != sp.true:
        return None
    (poly, cond), (general, _) = expr.args
    if not (isinstance(cond, sp.StrictLessThan) and isinstance(cond.lhs, sp.Abs) and cond.rhs.is_number):
        return None
    u = cond.lhs.args[0]
    if not ((u.is_Symbol or not symbol_only) and poly.is_polynomial(u)):
        return None
    coeffs = sp.Poly(poly, u).all_coeffs()
    if len(coeffs) < 8 or not all(c.is_number for c in coeffs):
        return None
    degrees = [len(coeffs) - 1 - i for i, c in enumerate(coeffs) if not c.is_zero]
    power = -1
    if len({d % 2 for d in degrees}) == 1:  # odd or even: u**k * Q(u*u)
        power = min(degrees)
        coeffs = [c for i, c in enumerate(coeffs) if (len(coeffs) - 1 - i) % 2 == power % 2 and
                  len(coeffs) - 1 - i >= power]
    return u, cond.rhs, coeffs, power, general


def taylor_series(expr) -> TaylorSeries | None:
    """``expr`` as a ``TaylorSeries`` node, or None when it is not a series piece."""
    parts = series_parts(expr)
    if parts is None:
        return None
    u, r, coeffs, power, general = parts
    return TaylorSeries(u, r, general, power, *coeffs)


class SigmoidPrime(sp.Function):
    """sigma(u)*sigma(-u), printed as one ``symact_dsigmoid``: both factors share exp(-|u|), so one
    exp does (the same operations, the same bits)."""

    nargs = 1


def _sigmoid_pair(e) -> sp.Expr | None:
    from .functions import sigmoid

    if not isinstance(e, sp.Mul):
        return None
    sig = [a for a in e.args if isinstance(a, sigmoid)]
    for a in sig:
        if sigmoid(-a.args[0]) in sig:
            u = a.args[0] if not a.args[0].could_extract_minus_sign() else -a.args[0]
            rest = [b for b in e.args if b not in (sigmoid(u), sigmoid(-u))]
            return sp.Mul(*rest, SigmoidPrime(u))
    return None


class SwishPrime(sp.Function):
    """sigma(u)(1 + u sigma(-u)), the derivative of u sigma(u) (silu', swish'), printed as one
    ``symact_dswish``: one exp, and accurate at its root without the root series of the stable form
    (see the helper).  Only for u the variable itself: for u = c x (gelu_sigmoid') the rounding of
    c x reaches 1 + u with nothing to spare against the goal, and the series stays."""

    nargs = 1


def _swish_prime(e) -> sp.Expr | None:
    """The stable form of silu', sigma(u) (min(1, u + 1) + |u| sigma(-|u|)) with that sum possibly
    under its root series, as SwishPrime(u) (u a symbol), else None."""
    from .functions import sigmoid

    if not isinstance(e, sp.Mul):
        return None
    for s_ in e.args:
        if not (isinstance(s_, sigmoid) and s_.args[0].is_Symbol):
            continue
        u = s_.args[0]
        want = sp.Min(1, u + 1) + sp.Abs(u) * sigmoid(-sp.Abs(u))
        for f in e.args:
            g = _series_default(f)
            if g == want:
                return sp.Mul(*[a for a in e.args if a is not s_ and a is not f], SwishPrime(u))
    return None


def _series_default(f):
    """The general piece of a Piecewise ((series, |u| < r), (general, True)), else f itself."""
    if isinstance(f, sp.Piecewise) and len(f.args) == 2 and f.args[1][1] == sp.true:
        c = f.args[0][1]
        if isinstance(c, sp.StrictLessThan) and isinstance(c.lhs, sp.Abs) and c.rhs.is_number:
            return f.args[1][0]
    return f


def swish_primes(expr):
    """Every silu' shape in ``expr`` as ``SwishPrime`` (``_swish_prime``); the NumPy and Numba
    kernels print it as one helper, the exports keep the stable form."""
    return expr.replace(lambda e: _swish_prime(e) is not None, _swish_prime)


class ExpNegAbs(sp.Function):
    """exp(-|u|): the one exp that sigma(u) and sigma(-u) share."""

    nargs = 1


class Gauss(sp.Function):
    """exp(-c u^2), c > 0: one helper, so that float32 kernels get an exp within 0.6 ULP (NumPy's float32
    exp errs by up to 2.4 ULP, which gelu' = Phi(x) + x phi(x) amplifies where it cancels)."""

    nargs = 2


def _gauss(e):
    """exp(-c u^2) as Gauss(u, c), else None."""
    if not isinstance(e, sp.exp):
        return None
    c, rest = e.args[0].as_coeff_Mul()
    if c.is_number and c < 0 and rest.is_Pow and rest.exp == 2:
        return Gauss(rest.base, -c)
    return None


class ScaledExp(sp.Function):
    """a exp(u) with a not a constant: one helper (``symact_mulexp``) that forms the product as
    (a e^(u/2)) e^(u/2) where exp(u) alone would be subnormal and a would multiply its rounding."""

    nargs = 2


def scaled_exps(expr):
    """The kernel's value, or a branch's, if it is p exp(u) with p a polynomial that is not a constant
    (serlu, reu, golu), as ScaledExp(p, u).  Only there: inside a sum (mish''s rational in e^-|x|)
    the other terms carry the result and a helper per product would cost passes for nothing."""
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*((scaled_exps(e), c) for e, c in expr.args))
    return _scaled_exp(expr) or expr


def _scaled_exp(e):
    if not isinstance(e, sp.Mul):
        return None
    exps = [f for f in e.args if isinstance(f, sp.exp)]
    if len(exps) != 1:
        return None
    # unevaluated: a number times a sum would be distributed, and c (x + 1) -> c x + c cancels at -1
    rest = sp.Mul(*(f for f in e.args if f is not exps[0]), evaluate=False)
    syms = rest.free_symbols
    if len(syms) != 1 or not rest.is_polynomial(*syms):
        return None
    return ScaledExp(rest, exps[0].args[0])


class NdtrXPdf(sp.Function):
    """Phi(u) + u phi(u) (gelu'): one helper, so that float32 can form it without the cancellation of
    its two terms for u < 0 (symact._ndtr32: exp(-u^2/2) (R(|u|) - |u|/sqrt(2 pi)), the bracket in
    float64); float64 prints the same operations as the sum did."""

    nargs = 1


def _ndtr_xpdf(e):
    """Phi(u) + c u Gauss(u, 1/2) with c = 1/sqrt(2 pi) as NdtrXPdf(u), else None."""
    from .functions import Phi

    if not isinstance(e, sp.Add) or len(e.args) != 2:
        return None
    phi = [a for a in e.args if isinstance(a, Phi)]
    if len(phi) != 1:
        return None
    u = phi[0].args[0]
    rest = e - phi[0]
    c, m = rest.as_coeff_Mul()
    from ._runtime import INV_SQRT_2PI

    if not c.is_number or abs(float(c) - INV_SQRT_2PI) > 1e-16 or m != u * Gauss(u, sp.Rational(1, 2)):
        return None
    return NdtrXPdf(u)


class SigmoidFactor(sp.Function):
    """max(e, u >= 0) with e = exp(-|u|): 1 where u >= 0, e below (NaN kept), so that
    sigma(u) = factor / (1 + e): symact_sigmoid's operations, spelled out for CSE."""

    nargs = 2


class SigmoidValue(sp.Function):
    """sigma(u) = r * max(e, u >= 0) from e = exp(-|u|) and r = 1/(1 + e) given as arguments (so that
    CSE shares them), or r * e as SigmoidValue(e, r) for u known <= 0: ``symact_sigmoid``'s operations
    in its order, spelled out."""

    nargs = (2, 3)


def _shared_sigmoids(expr):
    """Sigmoids whose arguments have the same |u| (silu' = sigma(x)(1 + x sigma(-x)); gelu_sigmoid''s
    sigma(1.702 x) and sigma(-1.702 |x|)) from one exp(-|u|): lambdify's CSE then computes e and
    1/(1 + e) once; the same operations as ``symact_sigmoid``, the same bits, one exp (a scalar loop
    for float64 without AVX-512) fewer."""
    from .functions import sigmoid

    groups: dict[sp.Expr, list] = {}
    for s_ in sorted(expr.atoms(sigmoid), key=sp.default_sort_key):
        a = sp.Abs(s_.args[0]).replace(lambda t: isinstance(t, sp.Abs) and isinstance(t.args[0], sp.Abs),
                                       lambda t: t.args[0])  # |-c|x|| = c|x|: stored forms keep Abs(Abs(x))
        groups.setdefault(a, []).append(s_)
    subs = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        u = next((s_.args[0] for s_ in group if not s_.args[0].could_extract_minus_sign()), group[0].args[0])
        e = ExpNegAbs(u)
        r = 1 / (1 + e)
        if len(group) == 2 and group[0].args[0] == -group[1].args[0]:
            # sigma(u) and sigma(-u): r times each factor, in the product (its order as measured: grouped
            # as symact_sigmoid groups them, dsilu' erred up to 2.6 ULP over the goal on 8k points, 1.2 so)
            subs.update({s_: r * SigmoidFactor(s_.args[0], e) for s_ in group})
            continue
        subs.update({s_: SigmoidValue(e, r) if s_.args[0].is_nonpositive else SigmoidValue(s_.args[0], e, r)
                     for s_ in group})
    return expr.xreplace(subs) if subs else expr


def _horner_form(e):
    """A polynomial of degree >= 3 in one symbol, with number coefficients, in Horner form, else None:
    gelu_tanh's 0.0447 x^3 + 0.798 x as x (0.0447 x^2 + 0.798) is 3 operations instead of 5, and in
    float32 rounds 2 ULP less (the argument's error reaches the result amplified by |v|(1 - sigma(v)))."""
    if not isinstance(e, sp.Add) or len(e.free_symbols) != 1:
        return None
    (v,) = e.free_symbols
    if not e.is_polynomial(v):
        return None
    poly = sp.Poly(e, v)
    if poly.degree() < 3 or not all(c.is_number for c in poly.coeffs()):
        return None
    h = sp.horner(e, v)
    return None if h == e else h


class SigmoidPoly(sp.Function):
    """sigma(P(u)), P a polynomial of degree >= 3 with number coefficients (gelu_tanh's): printed as
    one ``symact_sigmoid_poly`` call, which corrects sigma for P's rounding error where |P| amplifies it."""


def _proportional(a, p, v) -> bool:
    """Whether a = c p for a number c (to 25 digits: the stable forms' constants are 86-bit Floats)."""
    if not a.free_symbols:
        return False
    r = [sp.N((a / p).subs(v, t), 30) for t in (sp.Rational(3, 7), sp.Rational(-11, 5))]
    return all(q.is_number and q.is_finite for q in r) and abs(r[0] - r[1]) <= 1e-25 * abs(r[0])


def _sigmoid_polys(expr):
    """sigma(P) as ``SigmoidPoly`` where no other function takes a multiple of P: gelu_tanh' adds
    x P' sigma'(P) (a sech^2 of P/2) to sigma(P), and the two carry P's rounding error alike, so that
    it partly cancels in the sum; correcting one term alone left 19 points over the goal where 8 were."""
    from .functions import sigmoid
    calls = [f for f in expr.atoms(sp.Function) if len(f.args) == 1]
    subs = {}
    for s_ in expr.atoms(sigmoid):
        p = s_.args[0]
        if _horner_form(sp.expand(p)) is None:
            continue
        (v,) = p.free_symbols
        if any(f != s_ and _proportional(f.args[0], p, v) for f in calls):
            continue
        subs[s_] = SigmoidPoly(v, *sp.Poly(p, v).all_coeffs())
    return expr.xreplace(subs) if subs else expr


class SwishPolyPrime(sp.Function):
    """d/du [u sigma(P(u))] = sigma(P) + u P' sigma(P) sigma(-P), P a polynomial of degree >= 3
    (gelu_tanh'): printed as one ``symact_dswish_poly`` call, which corrects sigma(P) for P's rounding
    where P < -2 and forms the sum there as a product whose factor does not cancel."""


def _at(e, v, t):
    return sp.N(e.subs(v, t).rewrite(sp.exp), 30)


def _swish_poly_prime(e):
    """An Add equal to d/du [u sigma(P(u))] as SwishPolyPrime, else None: checked at two points to 14
    digits (the stable forms' 25-digit constants, 1/sqrt(2 pi) beside sqrt(2/pi)/2, agree to 1e-17)."""
    from .functions import sigmoid
    if not isinstance(e, sp.Add):
        return None
    for s_ in (a for a in e.args if isinstance(a, sigmoid)):
        p = s_.args[0]
        if _horner_form(sp.expand(p)) is None:
            continue
        (v,) = p.free_symbols
        want = sp.diff(v * sigmoid(p), v)
        pts = (sp.Rational(-11, 5), sp.Rational(3, 7))
        if all(abs(_at(e, v, t) - _at(want, v, t)) <= 1e-14 * abs(_at(want, v, t)) for t in pts):
            return SwishPolyPrime(v, *sp.Poly(p, v).all_coeffs())
    return None


def swish_poly_primes(expr):
    """Every d/du [u sigma(P)] in ``expr`` as ``SwishPolyPrime`` (the NumPy kernels' node)."""
    return expr.replace(lambda e: _swish_poly_prime(e) is not None, _swish_poly_prime)


def _poly_parts(coeffs) -> tuple[bool, tuple[float, ...], tuple[float, ...]]:
    """(odd, hi, lo) of P's coefficients (highest first): odd if P = u Q(u^2), whose coefficients are
    then the only ones kept; each as two doubles, hi + lo (``_dd``), for the compensated Horner scheme."""
    odd = all(c.is_zero for c in coeffs[1::2])
    pairs = [_dd(c) for c in (coeffs[::2] if odd else coeffs)]
    return odd, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _dd(c) -> tuple[float, float]:
    """c as hi + lo, two doubles (hi the nearest to c, lo the nearest to the rest)."""
    v = sp.N(c, 60)
    hi = float(v)
    return hi, float(v - sp.Float(hi, 60))


def horner_polynomials(expr):
    """Every polynomial of degree >= 3 in ``expr`` in Horner form (``_horner_form``): the NumPy
    kernels print it so, and the other backends (C, torch, JAX, Numba) must too, because the forms
    differ at +-inf (x - x^3 is inf - inf there, x (1 - x^2) is -inf) and the kernels' probe of
    the NumPy code decides where every backend patches in the limit."""
    return expr.replace(lambda e: _horner_form(e) is not None, _horner_form)


def kernel_nodes(expr):
    """Shapes the printer fuses, as nodes, before lambdify's common-subexpression pass would hide
    them: series pieces (CSE pulls u*u out of tanhshrink's polynomial), sigmoid(u)*sigmoid(-u),
    exp(-c u^2), sigma of a polynomial and x sigma(P)'s derivative (corrected for P's rounding),
    sigma(u) with sigma(-u) elsewhere, and a exp(u) with a not constant."""
    expr = swish_primes(expr)  # before the series pieces become nodes: it drops silu''s root series
    expr = swish_poly_primes(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: taylor_series(e) or e)
    expr = expr.replace(lambda e: _sigmoid_pair(e) is not None, _sigmoid_pair)
    expr = expr.replace(lambda e: _gauss(e) is not None, _gauss)
    expr = expr.replace(lambda e: _ndtr_xpdf(e) is not None, _ndtr_xpdf)
    expr = _sigmoid_polys(expr)
    expr = horner_polynomials(expr)
    return scaled_exps(_shared_sigmoids(expr))


class StepIndicator(sp.Function):
    """1 (or ``value``) where lo < x < hi (<= at closed ends; outside that interval if ``outside``),
    0 (or ``other``) elsewhere: printed as one ``symact_in`` call (comparisons, one conversion, NaN
    put back)."""

    nargs = (6, 8)


def step_indicators(expr: sp.Piecewise) -> sp.Expr | None:
    """A piecewise-constant function of one variable as a sum of ``value * indicator`` terms.

    ``where(x > 0, 1, 0)`` loses NaN (the comparison is False) and needs a guard pass, and
    ``np.heaviside`` is a scalar loop; ``symact_in`` compares, converts and puts NaN back.  One
    indicator is 1 and the others 0 at every x, so the sum is exact: relu' is one call, and
    softshrink' (1 outside [-1/2, 1/2]) too.  None for other shapes.
    """
    syms = expr.free_symbols
    if len(syms) != 1 or not all(e.is_number and e.is_real for e, _ in expr.args):
        return None
    (v,) = syms
    try:
        pairs = expr.as_expr_set_pairs()
    except Exception:  # noqa: BLE001 - SymPy cannot split the conditions into intervals: keep where()
        return None
    specs = []
    for val, region in pairs:
        parts = region.args if isinstance(region, sp.Union) else (region,)
        if not all(isinstance(iv, sp.Interval) for iv in parts):
            return None
        if len(parts) == 2 and parts[0].start == -sp.oo and parts[1].end == sp.oo:  # outside [a, b]
            (left, right) = parts
            spec = [(left.end, right.start, int(bool(left.right_open)), int(bool(right.left_open)), 1)]  # the gap
        else:
            spec = [(iv.start, iv.end, int(not iv.left_open), int(not iv.right_open), 0) for iv in parts]
        if any(lo == -sp.oo and hi == sp.oo for lo, hi, *_ in spec):
            return None
        specs.append((val, spec))
    if len(specs) == 2:  # two values: one call picks between them (leaky_relu' = 0.01 or 1)
        # the plain indicator (1 and 0) first, then a value and 0 (one product), then any two
        for (va, sa), (vb, _) in sorted((specs, specs[::-1]), key=lambda p: (p[1][0] != 0, p[0][0] != 1)):
            if len(sa) == 1:
                return StepIndicator(v, *sa[0], va, vb)
    terms = [val * StepIndicator(v, *s_) for val, spec in specs if val != 0 for s_ in spec]
    return sp.Add(*terms) if terms else None


def new_printer(rationals: dict | None = None) -> KernelPrinter:
    """A printer configured as lambdify configures its own (short names, imports collected);
    ``rationals``: the rational form of series pieces, by their coefficients (``symact.economise``)."""
    p = KernelPrinter({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True})
    p.rationals = rationals or {}
    return p
