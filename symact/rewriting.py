"""Stable forms: rewrite rules applied to a definition before it is printed as a kernel.

Each rule is an identity (checked in the tests, symbolically and by 60-digit sampling);
applying them never changes the function, only how floating point evaluates it.
Sources of the rules: ``sympy.codegen.rewriting`` (expm1, log1p) and the measured
pitfalls in NUMERICS.md (1 + erf cancels, 1 - tanh^2 loses its tails, ...).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1, hypot, log1p
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize

from .functions import Phi, elementary, shifted, sigmoid, softplus, x


@dataclass(frozen=True)
class Rule:
    name: str
    apply: Callable[[sp.Expr], sp.Expr]
    #: the identity the rule uses, as (before, after) in a dummy u — checked in tests
    identity: tuple[sp.Expr, sp.Expr]
    why: str
    #: applied after the series steps (``stabilise``), whose rebuilding would re-order its sums
    late: bool = False


_u = sp.Dummy("u", real=True)



def fold_constants(expr: sp.Expr) -> sp.Expr:
    """Irrational numeric subexpressions (sqrt(2), 1/sqrt(pi), ...) as 25-digit Floats."""

    def query(e):
        return isinstance(e, sp.Expr) and e.is_number and not e.is_Rational and not e.is_Float and e.is_real

    return expr.replace(query, lambda e: sp.Float(e.evalf(25), 25))


def _pairs(add: sp.Add, fn, power: int = 1):
    """Yield (term, coefficient c, argument u) for terms c*fn(u)**power of an Add with numeric c."""
    for t in add.args:
        c, rest = t.as_coeff_Mul()
        base, e = rest.as_base_exp()
        if isinstance(base, fn) and e == power:
            yield t, c, base.args[0]


def _complement(fn, plus: Callable | None, minus: Callable | None, power: int = 1):
    """Rule for k + c*fn(u)**power with k = +/- c, using identities 1 + f = plus(u), 1 - f = minus(u).

    ``None`` for a side that needs no rewrite (1 + tanh^2 does not cancel)."""

    def rule(expr: sp.Expr) -> sp.Expr:
        def query(e):
            return isinstance(e, sp.Add) and e.has(fn)

        def value(e: sp.Add):
            const = sum((t for t in e.args if t.is_number), sp.S.Zero)
            if const == 0:
                return e
            for t, c, u in _pairs(e, fn, power):
                if plus is not None and sp.simplify(const - c) == 0:
                    return e - t - const + const * plus(u)
                if minus is not None and sp.simplify(const + c) == 0:
                    return e - t - const + const * minus(u)
            return e

        return expr.replace(query, value)

    return rule


def _log_sigmoid(expr):
    return expr.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sigmoid),
                        lambda e: -softplus(-e.args[0].args[0]))


def _softplus_from_log(expr):
    # log(1 + exp(u)) -> softplus(u);  1/(1 + exp(-u)) -> sigmoid(u)
    w = sp.Wild("w")
    expr = expr.replace(sp.log(1 + sp.exp(w)), softplus(w))
    return expr.replace(1 / (1 + sp.exp(w)), sigmoid(-w))


def _swish_complement(expr):
    """(1 + u*sigma(-u))*sigma(u) -> (min(u + 1, 1) + |u|*sigma(-|u|))*sigma(u): the derivative of
    u*sigma(u) (silu', swish', gelu_sigmoid'); other sums with that term keep their form (silu'' got
    worse rewritten)."""
    def swish_sum(a, u):
        if not (isinstance(a, sp.Add) and len(a.args) == 2 and sp.S.One in a.args):
            return False
        t = a.args[1] if a.args[0] == 1 else a.args[0]
        return any(isinstance(f, sigmoid) and sp.simplify(f.args[0] + u) == 0 and sp.simplify(t / f - u) == 0
                   for f in sp.Mul.make_args(t))

    def query(e):
        return isinstance(e, sp.Mul) and any(isinstance(f, sigmoid) for f in e.args)

    def value(e: sp.Mul):
        for s_ in (f for f in e.args if isinstance(f, sigmoid)):
            u = s_.args[0]
            for a in e.args:
                if u.free_symbols and swish_sum(a, u):
                    m = sp.Abs(u)
                    return e.xreplace({a: sp.Min(u + 1, 1) + m * sigmoid(-m)})
        return e

    return expr.replace(query, value)


_E, _L = sp.Dummy("E", positive=True), sp.Dummy("L")


def _plain(e: sp.Expr) -> sp.Expr:
    """e in exp and log only (symact's functions, expm1 and log1p expanded)."""
    return elementary(e).replace(lambda f: isinstance(f, (expm1, log1p)),
                                 lambda f: sp.exp(f.args[0]) - 1 if isinstance(f, expm1) else sp.log(1 + f.args[0]))


def _as_rational_in_exp(t: sp.Expr, u: sp.Expr) -> sp.Expr | None:
    """t as a rational function of E = e^u (in the dummy _E), or None when it is not one."""
    r = _plain(t).rewrite(sp.exp).subs(u, sp.log(_E))
    r = sp.cancel(sp.powsimp(sp.expand_log(r, force=True), force=True))
    return r if r.free_symbols <= {_E} and r.is_rational_function(_E) else None


def _exp_fraction(u: sp.Expr, n: sp.Expr, d: sp.Expr) -> sp.Expr:
    """n/d (polynomials in _E, coefficients linear in _L = u) printed for u < 0 with e = exp(-|u|) (= e^u
    there: the exponential that sigma and softplus compute, so a fused loop shares it).  Built
    unevaluated so that SymPy keeps this order: n by Horner in e with each coefficient a (u + b/a)
    (exact for the small dyadic b/a and u in [-4, -1]); a squared denominator (q0 + v)^2, v = q - q0,
    as q0^2 + v (v + 2 q0), without squaring a rounding error."""
    def add(*a):
        return sp.Add(*a, evaluate=False)

    def mul(*a):
        return sp.Mul(*a, evaluate=False)

    e = sp.exp(-sp.Abs(u))

    def horner(p: sp.Poly, coeff) -> sp.Expr:
        cs = p.all_coeffs()
        h = coeff(cs[0])
        for c in cs[1:]:
            eh = e if h == 1 else mul(e, h)
            h = add(coeff(c), eh) if c != 0 else eh
        return h

    def linear(c):
        a, b = sp.Poly(c, _L).all_coeffs() if c.has(_L) else (0, c)
        if a == 0:
            return b
        return mul(a, u) if b == 0 else mul(a, add(u, b / a)) if a != 1 else add(u, b)

    pn = sp.Poly(n, _E)
    low = min(m[0] for m in pn.monoms())
    num = horner(sp.Poly(sp.cancel(n / _E**low), _E), linear)
    base, power = (d.base, d.exp) if d.is_Pow and d.exp == 2 else (d, 1)
    q = sp.Poly(base, _E)
    if power == 2 and q.eval(0) != 0:
        q0 = q.eval(0)
        v = mul(e, horner(sp.Poly(sp.cancel((base - q0) / _E), _E), lambda c: c))
        den = add(q0**2, mul(v, add(v, 2 * q0)))
    else:
        den = horner(sp.Poly(d, _E), lambda c: c)
    return mul(*([e] * low if low else []), num, sp.Pow(den, -1, evaluate=False))


def _exp_rational_derivative(expr):
    """T(u) + u T'(u), the derivative of u T(u), with T = tanh(.) a rational function of e^u (mish:
    tanh(softplus u) = w/(w + 2), w = e(e + 2); smish: tanh(log(1 + sigma u))), as one fraction
    e^m N(e, u)/D(e) below u = 0 and the same fraction in e^-u above, derived with SymPy (together,
    factor), both in e = exp(-|u|).  The two terms cancel below -2 (mish' lost 8.4 ULP at x = -2.18,
    4.2 over the goal; smish' 8.9 at -2.66, 3.7 over); the fraction's brackets do not (mish' 3.56 ULP
    max on [-3.9, -1.9]), and near the root the series takes over.  Above 0 the brackets are sums of
    positive terms.  One exponential and arithmetic where the sum took softplus, sigmoid, cosh and
    tanh.  Applied after the series steps, whose rebuilding would re-order it."""
    def split(a):
        if not (isinstance(a, sp.Add) and len(a.args) == 2):
            return None
        for t, other in (a.args, a.args[::-1]):
            if not isinstance(t, sp.tanh):
                continue
            args = {f.args[0] for f in t.atoms(sigmoid, softplus, sp.exp)}
            us = [v for v in args if v.free_symbols and not v.could_extract_minus_sign()]
            if len(us) != 1 or not all(v in (us[0], -us[0]) for v in args):
                continue
            u = us[0]
            r = _as_rational_in_exp(t, u)
            if r is None:
                continue
            o = _plain(other).rewrite(sp.exp).subs(u, _L).subs(sp.exp(_L), _E)
            o = sp.cancel(sp.powsimp(o.rewrite(sp.exp), force=True).subs(sp.exp(_L), _E))
            if sp.cancel(o - _L * _E * sp.diff(r, _E)) == 0:
                return u, r
        return None

    def value(a):
        u, r = split(a)
        f = sp.factor(sp.together(r + _L * _E * sp.diff(r, _E)))
        n, d = sp.fraction(f)
        # u >= 0: the same fraction in e^-u, which exp(-|u|) is there (numerator and denominator times
        # the power of e^-u that makes them polynomials)
        np_, dp = sp.fraction(sp.factor(sp.together(f.subs(_E, 1 / _E))))
        return sp.Piecewise((_exp_fraction(u, sp.expand(n), d), u < 0), (_exp_fraction(u, sp.expand(np_), dp), True))

    return expr.replace(lambda a: split(a) is not None, value)


def _tanhexp_fraction(u):
    """The derivative of u tanh(e^u) as e(u + 1) - u e tanh(e)^2 - (e - tanh e), e = e^u, for u < -1.7:
    the first term dominates (u + 1 exact on [-3, -1]) and the others are below 12% of it, so the
    order of the three terms does not matter.  e - tanh(e) = e^3 P(e^2) by its Taylor series (9 terms:
    truncation below 1e-19 of it for e < 0.19), not a difference SymPy could split up; no division,
    so e = 0 (u < -745) gives -0, not 0/0."""
    y = sp.Symbol("y")
    c = sp.Poly(sp.series((y - sp.tanh(y)) / y**3, y, 0, 18).removeO(), y).all_coeffs()[::2]  # in y^2
    e, e2 = sp.exp(u), sp.exp(2 * u)
    p = c[0]
    for k in c[1:]:
        p = sp.Mul(e2, p, evaluate=False) + k  # Horner in e^2, kept nested
    return e * (u + 1) - u * e * sp.tanh(e) ** 2 - sp.Mul(sp.exp(3 * u), p, evaluate=False)


def _tanhexp_derivative(expr):
    """tanh(e) + u e sech^2(e), e = e^u (the derivative of u tanh(e^u)), found in the form the other
    rules leave (a symbolic check of the second term), regrouped for u < -1.7: the two terms
    cancel there (tanhexp' 12.7 ULP at x = -1.75, 7.8 over the goal); above, its root series
    (about -1.08, radius 0.65) takes over."""
    def split(a):
        if not (isinstance(a, sp.Add) and len(a.args) == 2):
            return None
        for t, other in (a.args, a.args[::-1]):
            if isinstance(t, sp.tanh) and isinstance(t.args[0], sp.exp) and t.args[0].args[0].free_symbols:
                g = t.args[0]
                u = g.args[0]
                if other.has(g) or other.has(sp.exp):
                    if sp.simplify((elementary(other) - u * g / sp.cosh(g) ** 2).rewrite(sp.exp)) == 0:
                        return u
        return None

    return expr.replace(lambda e: split(e) is not None,
                        lambda e: sp.Piecewise((_tanhexp_fraction(split(e)), split(e) < sp.Rational(-17, 10)),
                                               (e, True)))


def _sech(expr):
    return expr.replace(lambda e: isinstance(e, sp.sech), lambda e: 1 / sp.cosh(e.args[0]))


def _expm1_log1p(expr):
    return optimize(expr, [expm1_opt, log1p_opt])


def exact_linear(expr):
    """c1*x + c0 -> (x + c0/c1)*c1 with rational c1 = 1/q: one exact addition, one rounding division."""

    def query(e):
        if not isinstance(e, sp.Add) or not e.is_polynomial(x):
            return False
        p = sp.Poly(e, x)
        return p.degree() == 1 and all(c.is_Rational for c in p.all_coeffs())

    def value(e):
        c1, c0 = sp.Poly(e, x).all_coeffs()
        if c1.p != 1 or c0 == 0 or c1 == 1:
            return e
        return sp.Mul(c1, sp.Add(x, c0 / c1), evaluate=False)

    return expr.replace(query, value)


def _hypot(expr):
    """(c + k*u**2)**p -> hypot(sqrt(c), sqrt(k)*u)**(2p) for numbers c, k > 0 and p not a positive
    integer: u**2 overflows for |u| > 1e154 (1/(1 + u^2), arctan', is then 0 where the truth is 1/u^2)."""

    def query(e):
        if not (isinstance(e, sp.Pow) and isinstance(e.base, sp.Add) and len(e.base.args) == 2):
            return False
        c, t = sorted(e.base.args, key=lambda a: not a.is_number)
        k, rest = t.as_coeff_Mul()
        b, n = rest.as_base_exp()
        return bool(c.is_number and c.is_positive and k.is_positive and n == 2
                    and (not e.exp.is_Integer or e.exp.is_negative))

    def value(e):
        c, t = sorted(e.base.args, key=lambda a: not a.is_number)
        k, rest = t.as_coeff_Mul()
        return hypot(sp.sqrt(c), sp.sqrt(k) * rest.as_base_exp()[0]) ** (2 * e.exp)

    return expr.replace(query, value)


def _hypot_minus(expr):
    """c*hypot(a, u) - c*a -> c*u**2/(hypot(a, u) + a) for |u| < a (numbers a > 0, c): the difference
    cancels for |u| << a (bent identity: x + (hypot(1, x) - 1)/2 is x alone below 1e-8, 1e16 ULP at
    1e-260).  Beyond a it cancels at most by half, and u**2 would overflow for |u| > 1e154."""

    def find(e):
        if not isinstance(e, sp.Add):
            return None
        const = sum((t for t in e.args if t.is_number), sp.S.Zero)
        if const == 0:
            return None
        for t in e.args:
            c, rest = t.as_coeff_Mul()
            if isinstance(rest, hypot) and rest.args[0].is_number and rest.args[0].is_positive \
                    and not rest.args[1].is_number and sp.simplify(const + c * rest.args[0]) == 0:
                return t, c, rest.args[0], rest.args[1]
        return None

    def value(e):
        t, c, a, u = find(e)
        near = e - t + c * a + c * u**2 / (hypot(a, u) + a)  # + c*a cancels the constant -c*a exactly
        return sp.Piecewise((near, sp.Abs(u) < a), (e, True))

    return expr.replace(lambda e: find(e) is not None, value)


def _root_sum(expr):
    """k*u + k*hypot(a, u) -> k*a^2/2/(hypot(a/2, u/2) - u/2) for u < 0, and k + k*u/hypot(a, u) ->
    k*(a^2/hypot(a, u))/(hypot(a, u) - u) for u < 0 (squareplus and its derivative): the sum
    cancels for u << -a, 100% error once u^2 >> a^2; halving keeps hypot - u finite up to u = -max."""

    def parts(e):
        """(k, u, h) when e is k*u + k*h or k + k*u/h with h = hypot(a, u); else None."""
        if not (isinstance(e, sp.Add) and len(e.args) == 2):
            return None
        for t1, t2 in (e.args, e.args[::-1]):
            k, rest = t2.as_coeff_Mul()
            hs = [f for f in sp.Mul.make_args(rest) if isinstance(f, hypot)
                  or (f.is_Pow and f.exp == -1 and isinstance(f.base, hypot))]
            if len(hs) != 1:
                continue
            h = hs[0] if isinstance(hs[0], hypot) else hs[0].base
            a, u = h.args
            if not a.is_number or u.is_number:
                continue
            if hs[0] is h and rest == h and sp.simplify(t1 - k * u) == 0:
                return "f", k, u, h
            if hs[0] is not h and sp.simplify(rest - u / h) == 0 and t1 == k:
                return "df", k, u, h
        return None

    def value(e):
        which, k, u, h = parts(e)
        a = h.args[0]
        if which == "f":
            neg = k * a**2 / 2 / (hypot(a / 2, u / 2) - u / 2)
        else:
            neg = k * (a**2 / h) / (h - u)
        return sp.Piecewise((neg, u < 0), (e, True))

    return expr.replace(lambda e: parts(e) is not None, value)


def _sech2_of_exp(expr):
    """1/cosh(c*exp(v))**2 -> 4*exp(-2u)/(1 + exp(-2u))**2 (u = c*exp(v) > 0): cosh overflows once u > 710,
    and x*exp(x)/cosh(exp(x))**2 (tanhexp') is then inf/inf; the exp form decays with no overflow."""

    def query(e):
        if not (isinstance(e, sp.Pow) and e.exp == -2 and isinstance(e.base, sp.cosh)):
            return False
        c, rest = e.base.args[0].as_coeff_Mul()
        return bool(c.is_positive and isinstance(rest, sp.exp))

    def value(e):
        w = sp.exp(-2 * e.base.args[0])
        return 4 * w / (1 + w) ** 2

    return expr.replace(query, value)


def _double_angle(expr):
    """2*sin(u)*cos(u) -> sin(2u) (exact: 2u is exact), so 1 + sin(2u) meets the complement rule (snake')."""

    def query(e):
        if not isinstance(e, sp.Mul):
            return False
        s_ = [f.args[0] for f in e.args if isinstance(f, sp.sin)]
        c_ = [f.args[0] for f in e.args if isinstance(f, sp.cos)]
        return e.as_coeff_Mul()[0] % 2 == 0 and any(u in c_ for u in s_)

    def value(e):
        u = next(f.args[0] for f in e.args if isinstance(f, sp.sin) and sp.cos(f.args[0]) in e.args)
        return e / (2 * sp.sin(u) * sp.cos(u)) * sp.sin(2 * u)

    return expr.replace(query, value)


def _exp_product(expr):
    """c*exp(a)*exp(b) -> c*exp(a + b), distributing a product with exp over a sum holding exp first:
    exp(x)*exp(-exp(x)) is inf*0 = NaN at x = 800 where exp(x - exp(x)) is 0."""

    def has_two(e):
        return isinstance(e, sp.Mul) and sum(isinstance(f, sp.exp) for f in e.args) >= 2

    def query(e):
        if has_two(e):
            return True
        return (isinstance(e, sp.Mul) and any(isinstance(f, sp.exp) for f in e.args)
                and any(isinstance(f, sp.Add) and any(has_two(sp.Mul(t, sp.exp(_u))) for t in f.args
                                                      if t.has(sp.exp)) for f in e.args))

    def value(e):
        if not has_two(e):
            e = sp.expand_mul(e, deep=False)
        return sp.powsimp(e, combine="exp", deep=False) if isinstance(e, sp.Mul) else \
            sp.Add(*(sp.powsimp(t, combine="exp", deep=False) for t in e.args))

    return expr.replace(query, value)


RULES: tuple[Rule, ...] = (
    Rule("hypot", _hypot, (sp.sqrt(1 + 3 * _u**2), hypot(1, sp.sqrt(3) * _u)),
         "1 + k*u^2 overflows for |u| > 1e154 (isru is then 0 where the truth is 1/sqrt(k))"),
    Rule("hypot_minus", _hypot_minus,
         (hypot(1, _u) - 1, sp.Piecewise((_u**2 / (hypot(1, _u) + 1), sp.Abs(_u) < 1), (hypot(1, _u) - 1, True))),
         "hypot(a, u) - a cancels for |u| << a (bent identity near 0: 1e16 ULP)"),
    Rule("root_sum", _root_sum,
         (_u / 2 + hypot(2, _u) / 2,
          sp.Piecewise((1 / (hypot(1, _u / 2) - _u / 2), _u < 0), (_u / 2 + hypot(2, _u) / 2, True))),
         "u + sqrt(u^2 + a^2) cancels for u << -a (squareplus: 100% error below x = -1e8)"),
    Rule("softplus_from_log", _softplus_from_log, (sp.log(1 + sp.exp(_u)), softplus(_u)),
         "log(1+e^u) overflows for u > 709 and is 0 for u < -37"),
    Rule("log_sigmoid", _log_sigmoid, (sp.log(sigmoid(_u)), -softplus(-_u)),
         "log(sigma(u)) is -inf once sigma underflows (u < -745)"),
    Rule("normal_cdf", _complement(sp.erf, lambda u: 2 * Phi(sp.sqrt(2) * u), lambda u: 2 * Phi(-sp.sqrt(2) * u)),
         (1 + sp.erf(_u), 2 * Phi(sp.sqrt(2) * _u)),
         "1 + erf(u) cancels for u < -1: 100% error below x = -7.8 in gelu; ndtr uses erfc in the tail"),
    Rule("tanh_sigmoid", _complement(sp.tanh, lambda u: 2 * sigmoid(2 * u), lambda u: 2 * sigmoid(-2 * u)),
         (1 + sp.tanh(_u), 2 * sigmoid(2 * _u)), "1 + tanh(u) cancels for u < -1"),
    Rule("sech2", _complement(sp.tanh, None, lambda u: 1 / sp.cosh(u) ** 2, power=2),
         (1 - sp.tanh(_u) ** 2, 1 / sp.cosh(_u) ** 2), "1 - tanh(u)^2 is 0 in the tails where the truth is 4e^{-2|u|}"),
    Rule("sech2_of_exp", _sech2_of_exp, (1 / sp.cosh(sp.exp(_u)) ** 2,
                                         4 * sp.exp(-2 * sp.exp(_u)) / (1 + sp.exp(-2 * sp.exp(_u))) ** 2),
         "cosh(e^u) overflows for u > 6.6: tanhexp' is inf/inf = NaN where the truth is x e^x sech^2(e^x) -> 0"),
    Rule("double_angle", _double_angle, (2 * sp.sin(_u) * sp.cos(_u), sp.sin(2 * _u)),
         "2 sin(u) cos(u) = sin(2u), so that 1 + 2 sin cos (snake') is seen as 1 + sin(2u)"),
    Rule("sin_complement", _complement(sp.sin, lambda u: 2 * sp.sin(u / 2 + sp.pi / 4) ** 2,
                                       lambda u: 2 * sp.sin(u / 2 - sp.pi / 4) ** 2),
         (1 + sp.sin(_u), 2 * sp.sin(_u / 2 + sp.pi / 4) ** 2),
         "1 + sin(u) cancels near its double roots u = -pi/2 + 2k pi (cosid', snake'): 1e4 ULP"),
    Rule("cos_complement", _complement(sp.cos, lambda u: 2 * sp.cos(u / 2) ** 2, lambda u: 2 * sp.sin(u / 2) ** 2),
         (1 + sp.cos(_u), 2 * sp.cos(_u / 2) ** 2), "1 + cos(u) cancels near u = pi + 2k pi (sinlu'); exact halving"),
    Rule("sigmoid_complement", _complement(sigmoid, None, lambda u: sigmoid(-u)),
         (1 - sigmoid(_u), sigmoid(-_u)), "1 - sigma(u) cancels for u > 1"),
    Rule("swish_complement", _swish_complement,
         ((1 + _u * sigmoid(-_u)) * sigmoid(_u), (sp.Min(_u + 1, 1) + sp.Abs(_u) * sigmoid(-sp.Abs(_u))) * sigmoid(_u)),
         "1 + u sigma(-u) for u in [-3, -2.2]: u sigma(-u) lies in [2, 4) and the sum in [1, 2), so the "
         "product's rounding counts double (silu' 5.0 ULP at x = -2.5, where the goal is 4); u + 1 is exact "
         "there and |u| sigma(-|u|) < 0.3"),
    Rule("sech", _sech, (sp.sech(_u), 1 / sp.cosh(_u)), "NumPy has no sech"),
    Rule("expm1_log1p", _expm1_log1p, (sp.exp(_u) - 1, expm1(_u)),
         "exp(u) - 1 cancels near 0 (5e9 ULP); log(1 + u) likewise"),
    # after expm1_log1p: sympy's optimize() factors the product back
    Rule("exp_product", _exp_product, (sp.exp(_u) * sp.exp(-sp.exp(_u)), sp.exp(_u - sp.exp(_u))),
         "exp(a)*exp(b) is inf*0 = NaN where exp(a + b) is finite (cloglog', golu' in the tails)"),
    # late: exp_product would distribute the fraction's factors e^u over its sums, and the series
    # steps would rebuild (re-order) its sums
    Rule("tanhexp_derivative", _tanhexp_derivative,
         # (the identity with e - tanh(e) itself: the rule uses its Taylor series, exact to 1e-19 of it)
         (sp.tanh(sp.exp(_u)) + _u * sp.exp(_u) / sp.cosh(sp.exp(_u)) ** 2,
          sp.Piecewise((sp.exp(_u) * (_u + 1) - _u * sp.exp(_u) * sp.tanh(sp.exp(_u)) ** 2
                        - (sp.exp(_u) - sp.tanh(sp.exp(_u))), _u < sp.Rational(-17, 10)),
                       (sp.tanh(sp.exp(_u)) + _u * sp.exp(_u) / sp.cosh(sp.exp(_u)) ** 2, True))),
         "tanh(e^u) + u e^u sech^2(e^u) cancels for u < -1.7 (tanhexp' 12.7 ULP at x = -1.75, where the goal "
         "allows 4.9); e^u (u + 1) minus small terms does not", late=True),
    Rule("exp_rational_derivative", _exp_rational_derivative,
         (sp.tanh(softplus(_u)) + _u * (1 - sp.tanh(softplus(_u)) ** 2) * sigmoid(_u),
          sp.Piecewise(((4 * (_u + 1) + 4 * (_u + sp.Rational(3, 2)) * sp.exp(_u) + 4 * sp.exp(2 * _u) + sp.exp(3 * _u))
                        * sp.exp(_u) / (sp.exp(2 * _u) + 2 * sp.exp(_u) + 2) ** 2, _u < 0),
                       ((1 + 4 * sp.exp(-_u) + 4 * (_u + sp.Rational(3, 2)) * sp.exp(-2 * _u)
                         + 4 * (_u + 1) * sp.exp(-3 * _u)) / (1 + 2 * sp.exp(-_u) + 2 * sp.exp(-2 * _u)) ** 2, True))),
         "T(u) + u T'(u) with T rational in e^u cancels for u < -2 (mish' 8.4 ULP at x = -2.18, where the goal "
         "allows 4.2); one fraction in e^u does not, and in e^-u above 0 it replaces the sum's four transcendental "
         "functions (mish' float64 30 -> 23 ms at 10^6)", late=True),
)


def stabilise(expr: sp.Expr) -> sp.Expr:
    """The definition rewritten into its stable forms (rules in order, then cancellation series)."""
    for rule in RULES:
        if not rule.late:
            expr = rule.apply(expr)
    expr = _divide_into_series(series_near_cancellation(expr))
    expr = exact_linear(series_near_roots(expr))
    for rule in RULES:
        if rule.late:
            expr = rule.apply(expr)
    return expr


def _divide_into_series(expr: sp.Expr, var: sp.Symbol = x) -> sp.Expr:
    """x**-n * Piecewise((x**m * P, near 0), (E, True)) with m >= n -> Piecewise((x**(m-n) * P, ...), (E/x**n, True)):
    the series of a 0/0 quotient (sinc' = (cos x - sin(x)/x)/x ~ -x/3) must not be divided by x once its
    x**2 has underflowed (|x| < 1e-154: 0/x, or 0*inf = NaN where 1/x overflows)."""

    def split(e):
        if not isinstance(e, sp.Mul):
            return None
        pws = [f for f in e.args if isinstance(f, sp.Piecewise)]
        inv = [f for f in e.args if f.is_Pow and f.base == var and f.exp.is_Integer and f.exp < 0]
        if len(pws) != 1 or len(inv) != 1:
            return None
        first = pws[0].args[0].expr
        m = max((f.exp if f.is_Pow else 1 for f in sp.Mul.make_args(first)
                 if f == var or (f.is_Pow and f.base == var and f.exp.is_Integer)), default=0)
        return (pws[0], inv[0]) if m >= -inv[0].exp else None

    def value(e):
        pw, inv = split(e)
        rest = sp.Mul(*(f for f in e.args if f is not pw))
        return sp.Piecewise(*((rest * b, c) for b, c in pw.args))

    return expr.replace(lambda e: split(e) is not None, value)


# ---- cancellation near a point: x - tanh(x) -> x^3/3 - ... for small |x| --------------------


def _taylor0(e: sp.Expr, var: sp.Symbol, n: int, singular: bool = False) -> list | None:
    """Taylor coefficients of ``e`` at 0 up to degree n (mpmath, 60 digits), or None
    where ``e`` is not analytic there.  Numeric: SymPy's symbolic series of softplus to order 60
    takes minutes; these take milliseconds and are then rounded to doubles anyway."""
    f = sp.lambdify(var, elementary(e), "mpmath")
    try:
        with mpmath.workdps(60):  # mpmath.diff raises the precision itself for high orders
            cs = mpmath.taylor(f, 0, n, singular=singular)  # singular: 0/0 at 0 (sin(x)/x), not sampled there
            big = max((abs(c) for c in cs), default=0)
            if not all(isinstance(c, mpmath.mpf) and mpmath.isfinite(c) for c in cs):
                return None
            # a coefficient below 1e-40 of the largest is a zero lost in rounding
            return [mpmath.mpf(0) if abs(c) < big * mpmath.mpf(10) ** -40 else +c for c in cs]
    except (ValueError, ZeroDivisionError, TypeError, OverflowError):
        return None


def _leading_order(e: sp.Expr, var: sp.Symbol, singular: bool = False) -> int | None:
    cs = _taylor0(e, var, 12, singular)
    if cs is None:
        return None
    return next((k for k, c in enumerate(cs) if c != 0), None)


def _zero_at(e: sp.Expr, var: sp.Symbol) -> bool:
    """e vanishes at var = 0, directly or as a limit where the terms are 0/0 there (cos(x) - sin(x)/x)."""
    v = e.subs(var, 0)
    if v.is_finite:
        return v == 0
    return v is sp.nan and sp.limit(e, var, 0) == 0 and sp.limit(e, var, 0, "-") == 0


def _value_or_nan(f, t):
    try:
        return f(t)
    except (ZeroDivisionError, ValueError, OverflowError):
        return mpmath.nan


#: series_near_cancellation: the series is wanted where a sum loses more than LOSS_WANTED (|terms| over
#: |sum|) and required where it loses more than LOSS_MAX.  At a loss of 8 the formula's ~1.5 ULP of
#: rounding became up to 10 ULP: shifted_softplus 5 ULP over 4 + cond on |x| in [0.21, 0.45]
LOSS_WANTED, LOSS_MAX = 2.0, 8.0


def series_near_cancellation(expr: sp.Expr, var: sp.Symbol = x) -> sp.Expr:
    """Replace a sum whose terms cancel at 0 by its Taylor polynomial near 0.

    A sum A = t1 + t2 + ... with A(0) = 0 whose leading order exceeds that of its terms
    loses |t|/|A| in relative accuracy near 0.  Where that loss exceeds ``LOSS_WANTED`` (or, when
    80 terms do not reach that far, ``LOSS_MAX``), A is evaluated from its series, with enough
    terms for double precision.
    """

    def query(e):
        return (isinstance(e, sp.Add) and e.free_symbols == {var} and e.has(sp.Function)
                and not e.has(sp.Piecewise) and _zero_at(e, var))

    def value(e: sp.Add):
        singular = not e.subs(var, 0).is_finite  # a removable singularity: its limit is 0 (_zero_at)
        k = _leading_order(e, var, singular)
        m = min((o for o in (_leading_order(t, var) for t in e.args) if o is not None), default=None)
        if k is None or m is None or k <= m:
            return e
        f = sp.lambdify(var, elementary(e), "mpmath")
        terms = [sp.lambdify(var, elementary(t), "mpmath") for t in e.args]
        with mpmath.workdps(50):
            def loss(r):
                return max(abs(t(r)) for t in terms) / abs(f(r))

            def radius(limit):
                r = mpmath.mpf(1)
                while loss(r) > limit and r < 1e3:
                    r *= 1.25
                while loss(r / 1.25) <= limit:
                    r /= 1.25
                return r
            r_min, r = radius(LOSS_MAX), radius(LOSS_WANTED)
        radii = []
        while r > r_min:  # the wanted radius, or as near it as 80 terms reach; at least r_min
            radii.append(r)
            r /= 1.25
        taylor: dict[int, list | None] = {}  # per degree, computed once for all the radii tried
        for r in [*radii, r_min]:
            for degree in (40, 80):  # 40 is enough for most; tanh (radius pi/2) needs ~60 at r = 0.8
                if degree not in taylor:
                    taylor[degree] = _taylor0(e, var, degree, singular)
                coeffs = taylor[degree]
                if coeffs is None:
                    return e
                with mpmath.workdps(50):
                    n = next((n for n in range(k, len(coeffs))
                              if all(abs(mpmath.polyval(coeffs[: n + 1][::-1], s * r) - f(s * r))
                                     < mpmath.mpf(2) ** -56 * abs(f(s * r)) for s in (1, -1))), None)
                if n is not None:
                    break
            if n is not None:
                break
        else:
            return e
        poly = sum(sp.Float(float(c), 17) * var**j for j, c in enumerate(coeffs[: n + 1]) if c != 0)
        return sp.Piecewise((sp.horner(poly), sp.Abs(var) < sp.Float(float(r))), (e, True))

    return expr.replace(query, value)


def series_near_roots(expr: sp.Expr, var: sp.Symbol = x, span: float = 40.0, loss_max: float = 2.0) -> sp.Expr:
    """Near a root r != 0 of a sum whose terms do not vanish there (silu', gelu', mish' at their
    minima), the sum loses |terms|/|sum| in relative accuracy.  Within the radius where that
    loss exceeds ``loss_max`` the sum is evaluated from its Taylor polynomial about r, in the
    exactly shifted variable (x - r_hi) - r_lo, truncated at 2^-56 relative error."""

    def query(e):
        return (isinstance(e, sp.Add) and e.free_symbols == {var} and e.has(sp.Function)
                and not e.has(sp.Piecewise) and not e.has(shifted))

    def value(e: sp.Add):
        f = sp.lambdify(var, elementary(e), "mpmath")
        terms = [sp.lambdify(var, elementary(t), "mpmath") for t in e.args]
        pieces = []
        with mpmath.workdps(40):
            def loss(t):
                v = f(t)
                return mpmath.inf if v == 0 else max(abs(g(t)) for g in terms) / abs(v)

            grid = [mpmath.mpf(v) / 20 for v in range(int(-span * 20), int(span * 20) + 1)]
            vals = [_value_or_nan(f, t) for t in grid]  # nan at a removable 0/0 (sinc') finds no root there
            roots = []
            for a, b, fa, fb in zip(grid, grid[1:], vals, vals[1:], strict=False):
                if fa * fb < 0 and abs(a) > 1e-3 and abs(b) > 1e-3:
                    roots.append(mpmath.findroot(f, (a, b), solver="anderson"))
            for r in roots:
                rad = mpmath.mpf("1e-3")
                while (loss(r - rad) > loss_max or loss(r + rad) > loss_max) and rad < 2:
                    rad *= mpmath.mpf("1.25")
                coeffs = mpmath.taylor(f, r, 40)
                n = _terms_needed(coeffs, f, r, rad)
                while n is None and rad > 0.01:  # singularities nearby: the widest radius the series covers
                    rad /= mpmath.mpf("1.25")
                    n = _terms_needed(coeffs, f, r, rad)
                if n is None:
                    continue
                hi = float(r)
                lo = float(r - mpmath.mpf(hi))
                d = sp.Symbol("d")
                p = sp.horner(sum(sp.Float(float(c), 17) * d**k for k, c in enumerate(coeffs[: n + 1]) if c != 0), d)
                dv = shifted(var, sp.Float(hi), sp.Float(lo))
                pieces.append((p.xreplace({d: dv}), sp.Abs(dv) < sp.Float(float(rad))))
        return sp.Piecewise(*pieces, (e, True)) if pieces else e

    return expr.replace(query, value)


def _terms_needed(coeffs, f, r, rad) -> int | None:
    """Fewest Taylor terms about r with relative error < 2^-56 at r +- rad, or None."""
    for n in range(2, len(coeffs)):
        if all(abs(mpmath.polyval(coeffs[: n + 1][::-1], s * rad) - f(r + s * rad))
               < mpmath.mpf(2) ** -56 * abs(f(r + s * rad)) for s in (1, -1)):
            return n
    return None
