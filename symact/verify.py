"""The judge: is a claimed derivative (or any claimed identity) right, and where does it differ?

The decision is made piece by piece.  The breakpoints of both expressions (the boundaries
of Piecewise conditions, the zeros of the arguments of Abs, sign, Heaviside, Max/Min) cut
the line into open intervals on which each side is one analytic expression; on each one
SymPy tries to prove the difference zero, and high-precision mpmath sampling (many points,
near the breakpoints and in the tails, parameters drawn over their domains, precision
raised until two evaluations agree) either finds a counterexample or backs a *numeric*
"correct".  Values at the breakpoints themselves form a set of measure zero: a claim that
differs only there (relu'(0) taken as 1) is "correct" and the verdict says where.

The one rule that matters: never a wrong "correct".  Whatever cannot be settled is
"undecided".
"""
from __future__ import annotations

import argparse
import contextlib
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from .errors import ExpressionError, SymactError
from .functions import FUNCTIONS, elementary, x

__all__ = ["Verdict", "judge", "verify_derivative", "claim_functions", "cli_verify"]

#: Decimal literals with at least this many significant digits are approximations (judged at
#: their precision); shorter ones (0.5, 0.01, 6.0) are exact decimals, as written by hand.
APPROX_DIGITS = 7
#: Base working precision (decimal digits) of the sampling; raised per point for the tails.
BASE_DPS = 40
#: Largest cancellation (in digits) a sample point may need; farther tail points are skipped.
MAX_LOSS = 320


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check.

    ``counterexample`` maps symbol names to the point's values plus ``"claimed"`` and
    ``"true"``; ``differs_at`` lists points (in terms of the parameters) of a measure-zero
    set where a "correct" claim nevertheless differs, e.g. ``(0,)`` for a kink.
    """

    status: str  # "correct" | "incorrect" | "undecided"
    method: str  # "symbolic" | "numeric"
    counterexample: dict[str, Any] | None
    differs_at: tuple[sp.Expr, ...] | None
    message: str
    claim: sp.Expr | None = field(default=None, compare=False)
    truth: sp.Expr | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        return f"{self.status} ({self.method}): {self.message}"


# ---- time limits -------------------------------------------------------------------------

class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt a slow SymPy call (simplify can run for minutes); a no-op off the main thread."""
    if seconds <= 0:
        raise _Timeout
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise _Timeout

    old = signal.signal(signal.SIGALRM, handler)
    prev = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if prev[0] > 0:  # an outer deadline was running: let it fire soon
            signal.setitimer(signal.ITIMER_REAL, max(prev[0] - seconds, 0.001))


# ---- preparing expressions ---------------------------------------------------------------

def _sig_digits(f: sp.Float) -> int:
    """Significant digits of the shortest decimal that reproduces ``f`` at its own precision."""
    if f == 0:
        return 1
    with mpmath.workprec(f._prec):
        v = mpmath.mpf(f._mpf_)
        for d in range(1, 60):
            if mpmath.mpf(mpmath.nstr(v, d, strip_zeros=False)) == v:
                return d
    return 60


def _decimal(f: sp.Float) -> sp.Rational:
    """The exact rational value of the decimal ``f`` was written as ("0.01" -> 1/100)."""
    with mpmath.workprec(f._prec):
        v = mpmath.mpf(f._mpf_)
        text = mpmath.nstr(v, _sig_digits(f), strip_zeros=False, min_fixed=-mpmath.inf, max_fixed=mpmath.inf)
    return sp.Rational(str(Fraction(text))) if "e" not in text else sp.Rational(text)


def _exact_floats(expr: sp.Expr, keep_long: bool) -> tuple[sp.Expr, dict[sp.Dummy, tuple[sp.Rational, int]]]:
    """Floats -> exact decimals; with ``keep_long`` long ones become dummies (value, digits)."""
    approx: dict[sp.Dummy, tuple[sp.Rational, int]] = {}
    repl: dict[sp.Basic, sp.Expr] = {}
    for f in expr.atoms(sp.Float):
        d = _sig_digits(f)
        q = _decimal(f)
        if keep_long and d >= APPROX_DIGITS:
            c = sp.Dummy(f"c{len(approx)}", real=True)
            approx[c] = (q, d)
            repl[f] = c
        else:
            repl[f] = q
    return (expr.xreplace(repl) if repl else expr), approx


class DecimalLiterals:
    """A parser hook: short decimals become exact rationals, long ones placeholders with their digits.

    Keeping each written decimal apart until the judge sees it means ``3*0.044715`` stays
    ``3*(8943/200000)`` rather than a binary product, and ``1.7580993408473766`` is judged at the
    17 digits written.
    """

    def __init__(self) -> None:
        self.approx: dict[sp.Symbol, tuple[sp.Rational, int]] = {}

    def __call__(self, text: str) -> sp.Expr:
        mantissa = text.lower().split("e")[0]
        digits = len(mantissa.replace(".", "").replace("-", "").lstrip("0")) or 1
        value = sp.Rational(text)
        if digits < APPROX_DIGITS:
            return value
        c = sp.Dummy(f"d{len(self.approx)}", real=True)
        self.approx[c] = (value, digits)
        return c


def _prepare(expr: sp.Expr) -> sp.Expr:
    """Distributional parts dropped (DiracDelta is zero a.e.), stable helpers made elementary."""
    expr = sp.sympify(expr)
    if expr.has(sp.DiracDelta):
        expr = expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    expr = expr.replace(lambda e: isinstance(e, expm1), lambda e: sp.exp(e.args[0]) - 1)
    expr = expr.replace(lambda e: isinstance(e, log1p), lambda e: sp.log(1 + e.args[0]))
    if isinstance(expr, sp.Piecewise) or expr.has(sp.Piecewise):
        expr = sp.piecewise_fold(expr)
    return expr


def _elementary(expr: sp.Expr) -> sp.Expr:
    return elementary(expr).replace(lambda e: isinstance(e, sp.sech), lambda e: 1 / sp.cosh(e.args[0]))


# ---- breakpoints ---------------------------------------------------------------------------

def _boundaries(expr: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """Expressions whose zeros (in ``var``) are where a piece or a kink can begin."""
    out: list[sp.Expr] = []
    for pw in expr.atoms(sp.Piecewise):
        for _, c in pw.args:
            for r in c.atoms(sp.core.relational.Relational):
                if r.has(var):
                    out.append(r.lhs - r.rhs)
    for f in expr.atoms(sp.Abs, sp.sign, sp.Heaviside):
        if f.args[0].has(var):
            out.append(f.args[0])
    for f in expr.atoms(sp.Max, sp.Min):
        args = list(f.args)
        out.extend(a - b for i, a in enumerate(args) for b in args[i + 1:] if (a - b).has(var))
    return out


def _roots(g: sp.Expr, var: sp.Symbol) -> list[sp.Expr] | None:
    """Real zeros of ``g`` in ``var`` (a superset is fine), or None when they cannot be found."""
    nonsmooth = [a for a in g.atoms(sp.Abs, sp.sign, sp.Heaviside) if a.has(var)]
    if len(nonsmooth) > 3:
        return None
    variants = [g]
    for a in nonsmooth:  # each sign of the argument in turn; extra roots only add breakpoints
        u = a.args[0]
        if isinstance(a, sp.Abs):
            choices = [u, -u]
        elif isinstance(a, sp.sign):
            choices = [sp.S.One, -sp.S.One, sp.S.Zero]
        else:
            choices = [sp.S.One, sp.S.Zero, sp.S.Half]
        variants = [v.xreplace({a: c}) for v in variants for c in choices]
    roots: list[sp.Expr] = []
    for v in variants:
        v = sp.expand(v)
        if not v.has(var):
            continue
        try:
            poly = sp.Poly(v, var)
        except sp.PolynomialError:
            poly = None
        if poly is not None and poly.degree() <= 2 and not any(c.has(var) for c in poly.coeffs()):
            roots.extend(sp.solve(v, var))
        else:
            try:
                with _deadline(2.0):
                    sol = sp.solve(v, var)
            except (_Timeout, NotImplementedError, ValueError, TypeError):
                return None
            roots.extend(sol)
    return roots


# ---- numerics -------------------------------------------------------------------------------

def _to_mpf(v: sp.Expr, dps: int) -> Any:
    if v in (sp.oo, -sp.oo):
        return mpmath.inf if v == sp.oo else -mpmath.inf
    if v.is_Rational:
        return mpmath.mpf(int(v.p)) / int(v.q)
    return mpmath.mpmathify(str(sp.N(v, dps + 10)))


class _Numeric:
    """mpmath evaluation of one expression with precision raised until two levels agree."""

    def __init__(self, expr: sp.Expr, args: Sequence[sp.Symbol]):
        self.expr = expr
        self.fn = sp.lambdify(list(args), expr, modules=[{"mpmath": mpmath}, "mpmath"])
        gaussian = expr.has(sp.erf, sp.erfc) or any(type(f).__name__ == "Phi" for f in expr.atoms(sp.Function))
        self.gaussian = gaussian or any(
            isinstance(e, sp.exp) and sp.degree(sp.expand(e.args[0]), gen=args[0]) >= 2
            for e in expr.atoms(sp.exp) if e.args[0].is_polynomial(args[0])
        )

    def loss(self, scale: float) -> float:
        """Digits cancellation may cost at |scaled input| = scale (erf/exp(-x^2) tails lose x^2/2)."""
        return 0.4343 * (scale * scale / 2 + scale if self.gaussian else 2 * scale)

    def __call__(self, point: Sequence[sp.Expr], dps: int) -> Any:
        """The value to about ``dps - 15`` digits, or None (did not converge, not finite)."""
        values = []
        for d in (dps, 2 * dps):
            with mpmath.workdps(d):
                try:
                    v = self.fn(*[_to_mpf(p, d) for p in point])
                except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                    return None
                if not isinstance(v, (mpmath.mpf, mpmath.mpc)):
                    try:
                        v = mpmath.mpmathify(v)
                    except (TypeError, ValueError):
                        return None
                if not mpmath.isfinite(v):
                    return None
                values.append(v)
        lo, hi = values
        with mpmath.workdps(2 * dps):
            if hi == 0:
                return hi if lo == 0 else None
            if abs(lo - hi) > mpmath.mpf(10) ** (-(dps - 15)) * abs(hi):
                return None
        return hi


# ---- sampling ---------------------------------------------------------------------------------

_NICE = [sp.Integer(v) for v in (1, -1, 2, -2, 3, -3, 5, -5)] + [
    sp.Rational(1, 2), sp.Rational(-1, 2), sp.Rational(1, 4), sp.Rational(-1, 4), sp.Rational(7, 3),
    sp.Rational(-7, 3), sp.Integer(0)]
_TAIL = [sp.Rational(1, 10**12), sp.Rational(1, 1000), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2),
         sp.Integer(3), sp.Integer(5), sp.Integer(8), sp.Integer(13), sp.Integer(21), sp.Integer(34),
         sp.Integer(55), sp.Integer(89)]


def _interval_points(a: sp.Expr, b: sp.Expr) -> list[sp.Expr]:
    """Nice points first (for readable counterexamples), then near the ends and in the tails."""
    pts: list[sp.Expr] = [p for p in _NICE if (a == -sp.oo or p > a) and (b == sp.oo or p < b)][:6]
    if a.is_finite and b.is_finite:
        w = b - a
        fracs = [sp.Rational(1, 2), sp.Rational(1, 7), sp.Rational(6, 7), sp.Rational(1, 3), sp.Rational(3, 4)]
        pts += [a + w * f for f in fracs]
        for eps in (sp.Rational(1, 10**12), sp.Rational(1, 1000)):
            if (w - 2 * eps).is_positive:
                pts += [a + eps, b - eps]
    elif a.is_finite:
        pts += [a + d for d in _TAIL]
    elif b.is_finite:
        pts += [b - d for d in _TAIL]
    else:
        pts += [s * d for d in _TAIL[2:] for s in (1, -1)]
    seen: set[sp.Expr] = set()
    out = []
    for p in pts:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


_PARAM_CANDIDATES = [sp.Integer(2), sp.Rational(1, 2), sp.Integer(3), sp.Rational(1, 10), sp.Rational(7, 3),
                     sp.Integer(-1), sp.Integer(5), sp.Rational(1, 3), sp.Integer(-2), sp.Integer(1),
                     sp.Integer(0), sp.Rational(-1, 2), sp.Integer(10), sp.Rational(1, 100), sp.Rational(-7, 3),
                     sp.Integer(-5), sp.Rational(17, 7)]


def _candidates(domain: sp.Set, default: sp.Expr | None, rng: random.Random) -> list[sp.Expr]:
    cands = ([default] if default is not None else []) + list(_PARAM_CANDIDATES)
    inf = domain.inf if isinstance(domain, sp.Interval) else -sp.oo
    sup = domain.sup if isinstance(domain, sp.Interval) else sp.oo
    lo = float(inf) if inf.is_finite else -10.0
    hi = float(sup) if sup.is_finite else 10.0
    for _ in range(6):
        cands.append(sp.Rational(round(rng.uniform(lo, hi) * 1000), 1000))
    out = []
    for c in cands:
        if c not in out and domain.contains(c) is sp.true:
            out.append(c)
    return out


def _param_samples(params: Mapping[sp.Symbol, sp.Set], defaults: Mapping[sp.Symbol, sp.Expr],
                   constraints: Sequence[sp.Basic], count: int) -> list[dict[sp.Symbol, sp.Expr]]:
    if not params:
        return [{}]
    rng = random.Random(20240607)
    syms = sorted(params, key=lambda s: s.name)
    cands = {s: _candidates(params[s], defaults.get(s), rng) for s in syms}
    if any(not c for c in cands.values()):
        raise ExpressionError(f"no admissible value to sample for {[s.name for s in syms if not cands[s]]}")
    out: list[dict[sp.Symbol, sp.Expr]] = []
    for k in range(60):
        vec = {s: cands[s][(k * (j + 1) + (0 if k == 0 else j)) % len(cands[s])] for j, s in enumerate(syms)}
        if all(_satisfied(c, vec) for c in constraints) and vec not in out:
            out.append(vec)
        if len(out) >= count:
            break
    if not out:
        raise ExpressionError("no parameter values satisfy the constraints")
    return out


def _satisfied(c: sp.Basic, vec: Mapping[sp.Symbol, sp.Expr]) -> bool:
    """A constraint on sampled values; one naming symbols not sampled here does not restrict them."""
    v = c.xreplace(vec)
    return v is not sp.false if v in (sp.true, sp.false) or not isinstance(v, sp.Basic) else not \
        (v.free_symbols == set() and bool(v) is False)


# ---- branch resolution ---------------------------------------------------------------------------

class _Unresolved(Exception):
    pass


def _sign_at(u: sp.Expr, env: Mapping[sp.Symbol, sp.Expr]) -> int:
    v = u.xreplace(env) if u.free_symbols else u
    v = sp.N(v, 50) if not v.is_Rational else v
    if v.is_positive:
        return 1
    if v.is_negative:
        return -1
    raise _Unresolved


def _holds(c: sp.Basic, env: Mapping[sp.Symbol, sp.Expr]) -> bool:
    v = c.xreplace(env)
    if v in (sp.true, True):
        return True
    if v in (sp.false, False):
        return False
    if isinstance(v, sp.core.relational.Relational):
        s = _sign_at(v.lhs - v.rhs, {})
        return bool(type(v)(s, 0))
    if isinstance(v, (sp.And, sp.Or, sp.Not)):
        vals = [_holds(a, {}) for a in v.args]
        return all(vals) if isinstance(v, sp.And) else any(vals) if isinstance(v, sp.Or) else not vals[0]
    raise _Unresolved


def _resolve(e: sp.Expr, env: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """The analytic expression ``e`` equals near the point ``env`` (branches chosen there)."""
    if not e.args:
        return e
    if isinstance(e, sp.Piecewise):
        for ex, c in e.args:
            if _holds(c, env):
                return _resolve(ex, env)
        raise _Unresolved
    if isinstance(e, sp.Abs):
        u = _resolve(e.args[0], env)
        return u if _sign_at(u, env) > 0 else -u
    if isinstance(e, sp.sign):
        return sp.Integer(_sign_at(_resolve(e.args[0], env), env))
    if isinstance(e, sp.Heaviside):
        return sp.Integer(1 if _sign_at(_resolve(e.args[0], env), env) > 0 else 0)
    if isinstance(e, (sp.Max, sp.Min)):
        args = [_resolve(a, env) for a in e.args]
        vals = [sp.N(a.xreplace(env), 50) for a in args]
        best = max(range(len(args)), key=lambda i: vals[i]) if isinstance(e, sp.Max) else \
            min(range(len(args)), key=lambda i: vals[i])
        if sum(1 for v in vals if abs(v - vals[best]) < 1e-40) > 1:
            raise _Unresolved
        return args[best]
    return e.func(*[_resolve(a, env) for a in e.args])


def _is_zero(diff: sp.Expr, budget: float) -> bool | None:
    """True when SymPy proves ``diff`` == 0, False when it proves it non-zero for every value of
    its symbols (``exp(-10**4)``: too small for sampling to see), None when it cannot tell."""
    if diff == 0:
        return True
    attempts: list[Callable[[], sp.Expr]] = [
        lambda: sp.expand(diff),
        lambda: sp.cancel(sp.together(sp.expand(diff.rewrite(sp.exp)))),
        lambda: sp.simplify(diff),
        lambda: sp.simplify(sp.expand(diff.rewrite(sp.exp))),
    ]
    start = time.monotonic()
    for attempt in attempts:
        left = budget - (time.monotonic() - start)
        if left <= 0:
            return None
        try:
            with _deadline(left):
                r = attempt()
                z = r.is_zero
        except _Timeout:
            return None
        except (TypeError, ValueError, NotImplementedError, sp.PolynomialError):
            continue
        if r == 0 or z is True:
            return True
        if z is False:
            return False
    return None


# ---- the judge ---------------------------------------------------------------------------------

def _fmt(v: Any) -> Any:
    """A value for a counterexample dict: exact ints stay ints, the rest become floats."""
    if isinstance(v, sp.Basic):
        if v.is_Integer:
            return int(v)
        if v.is_Rational:
            return float(v)
        return float(sp.N(v, 20))
    if isinstance(v, mpmath.mpc):
        return complex(v)
    return float(v)


def _show(v: Any, other: Any = None) -> str:
    """``v`` printed; with ``other``, with enough digits that the two visibly differ."""
    if isinstance(v, sp.Basic):
        if v.is_Rational and len(str(v)) < 20:
            return str(v)
        v = _to_mpf(v, 60)
    if other is None:
        return mpmath.nstr(v, 12)
    for n in (12, 17, 25, 40, 60):
        a, b = mpmath.nstr(v, n), mpmath.nstr(other, n)
        if a != b:
            return a
    return mpmath.nstr(v, 60)


def judge(
    claim: sp.Expr,
    truth: sp.Expr,
    *,
    var: sp.Symbol = x,
    params: Mapping[sp.Symbol, sp.Set] | None = None,
    defaults: Mapping[sp.Symbol, sp.Expr] | None = None,
    constraints: Sequence[sp.Basic] = (),
    budget: float = 40.0,
    what: str = "the true value",
    approx: Mapping[sp.Symbol, tuple[sp.Rational, int]] | None = None,
) -> Verdict:
    """Decide whether ``claim`` equals ``truth`` as functions of ``var`` almost everywhere.

    ``params`` maps each free parameter symbol to its admissible set: "correct" means for
    every admissible value (and ``constraints``).  ``defaults`` are tried first when
    sampling.  Floats in ``truth`` are exact decimals; floats in ``claim`` with at least
    :data:`APPROX_DIGITS` digits are judged at the precision they carry.  ``budget`` bounds
    the seconds spent (then "undecided").  ``approx`` maps placeholder symbols in ``claim`` to
    (value, significant digits) of decimals the parser kept apart (see :class:`DecimalLiterals`).
    """
    params = dict(params or {})
    defaults = dict(defaults or {})
    t0 = time.monotonic()
    claim0, truth0 = sp.sympify(claim), sp.sympify(truth)
    given_approx = dict(approx or {})
    allowed = {var, *params, *given_approx}
    for label, e in (("claim", claim0), ("reference", truth0)):
        extra = e.free_symbols - allowed
        if extra:
            raise ExpressionError(f"the {label} uses unknown symbols {sorted(map(str, extra))}; "
                                  f"allowed: {sorted(map(str, allowed))}")
    truth_e, _ = _exact_floats(_prepare(truth0), keep_long=False)
    claim_e, approx = _exact_floats(_prepare(claim0), keep_long=True)
    approx.update(given_approx)
    claim_nominal = claim_e.xreplace({c: q for c, (q, _) in approx.items()}) if approx else claim_e

    def verdict(status: str, method: str, message: str, cx=None, at=None) -> Verdict:
        return Verdict(status, method, cx, at, message, claim0, truth0)

    psyms = sorted(params, key=lambda s: s.name)
    args = [var, *psyms]
    try:
        f_claim = _Numeric(claim_nominal, args)
        f_truth = _Numeric(truth_e, args)
        sens = None
        if approx:
            # first-order error the claim's decimals allow: sum |c dC/dc| * r, r = half a unit in the last
            # digit, or one double-precision ulp for 16-17 digit decimals (a double printed by repr)
            terms = [sp.Abs(c * sp.diff(claim_e, c)) * _relative_precision(d) for c, (_, d) in approx.items()]
            sens = _Numeric(sp.Add(*terms).xreplace({c: q for c, (q, _) in approx.items()}), args)
    except Exception as exc:  # noqa: BLE001 - lambdify can fail in many ways on odd input
        return verdict("undecided", "numeric", f"cannot evaluate the expressions numerically ({exc})")

    # breakpoints, symbolic in the parameters
    complete = True
    roots: list[sp.Expr] = []
    for g in {*_boundaries(claim_nominal, var), *_boundaries(truth_e, var)}:
        r = _roots(g, var)
        if r is None:
            complete = False
        else:
            roots.extend(r)
    roots = list(dict.fromkeys(roots))
    split_fixed = _split_is_fixed(roots, claim_nominal, truth_e, var, psyms, constraints)

    samples = _param_samples(params, defaults, constraints, count=6 if params else 1)
    proved: dict[tuple[sp.Expr, sp.Expr], bool] = {}
    all_proved = complete and not approx
    differs: dict[sp.Expr, str] = {}
    checked_points = 0
    undecided_reason = ""
    scale = max([1.0] + [abs(float(v)) for s in samples for v in s.values()])

    for pv in samples:
        pvals = [pv[s] for s in psyms]
        numeric_roots = sorted({r.xreplace(pv) for r in roots if _is_real(r.xreplace(pv))},
                               key=lambda r: float(sp.N(r, 30)))
        ends = [-sp.oo, *numeric_roots, sp.oo]
        for a, b in zip(ends[:-1], ends[1:], strict=True):
            if a == b:
                continue
            if time.monotonic() - t0 > budget:
                return verdict("undecided", "numeric", f"time budget of {budget:g} s exhausted")
            pts = _interval_points(a, b)
            # a quick look at a few points first: most wrong claims show at x = 1
            quick = _sample(f_claim, f_truth, sens, pts[:3], pv, psyms, var, scale)
            if isinstance(quick, tuple):
                return _incorrect(quick, claim_nominal, truth_e, approx, what, claim0, truth0)
            interval_proved = False
            if complete and not approx:
                try:
                    mid = pts[0]
                    env = {var: mid, **pv}
                    c_piece, t_piece = _resolve(claim_nominal, env), _resolve(truth_e, env)
                    # the same pieces must hold across the interval, else breakpoints are missing
                    for q in pts[1:3]:
                        env_q = {var: q, **pv}
                        if (_resolve(claim_nominal, env_q), _resolve(truth_e, env_q)) != (c_piece, t_piece):
                            complete = all_proved = False
                            raise _Unresolved
                    key = (c_piece, t_piece)
                    if key not in proved:
                        left = min(8.0, budget - (time.monotonic() - t0))
                        proved[key] = _is_zero(_elementary(c_piece - t_piece), left)
                    interval_proved = proved[key] is True
                    if proved[key] is False:
                        p = pts[0]
                        cv, tv = (_to_mpf(e.xreplace({var: p, **pv}), 60) for e in (c_piece, t_piece))
                        cx = {var.name: _fmt(p), **{s.name: _fmt(v) for s, v in pv.items()},
                              "claimed": _fmt(cv), "true": _fmt(tv)}
                        return verdict("incorrect", "symbolic",
                                       f"on ({_show(a)}, {_show(b)}){_pv_text(pv, ' for ')} SymPy proves the claim "
                                       f"differs from {what} by {sp.simplify(c_piece - t_piece)} (non-zero), "
                                       f"e.g. at {var.name} = {_show(p)}", cx)
                except _Unresolved:
                    interval_proved = False
            if not interval_proved:
                all_proved = False
            if interval_proved and split_fixed:
                checked_points += quick
                continue
            rest = _sample(f_claim, f_truth, sens, pts[3:] if not interval_proved else [], pv, psyms, var, scale)
            if isinstance(rest, tuple):
                return _incorrect(rest, claim_nominal, truth_e, approx, what, claim0, truth0)
            good = quick + rest
            checked_points += good
            if not interval_proved and good < 3:
                undecided_reason = (f"only {good} conclusive sample points on ({_show(a)}, {_show(b)}) "
                                    f"{_pv_text(pv, ' for ')}")
        # the breakpoints themselves: a measure-zero set
        for r in roots:
            rv = r.xreplace(pv)
            if not _is_real(rv):
                continue
            res = _compare(f_claim, f_truth, sens, [rv, *pvals], scale)
            if res is not None and not res[0] and r not in differs:
                differs[r] = f"{var.name} = {r}: claim {_show(res[1])}, {what} {_show(res[2])}"

    at = tuple(sorted(differs, key=sp.default_sort_key)) or None
    at_text = ("; it differs only on a set of measure zero: " + "; ".join(differs.values())) if differs else ""
    if undecided_reason:
        return verdict("undecided", "numeric", f"sampling was inconclusive ({undecided_reason})", at=at)
    if all_proved and split_fixed:
        return verdict("correct", "symbolic", "SymPy proves the claim equal to " + what + " on every piece"
                       + at_text, at=at)
    tiny = [a for a in claim_nominal.atoms(sp.Number) if a != 0 and not 1e-12 < abs(a) < 1e12
            and a not in truth_e.atoms(sp.Number)]
    if tiny:
        return verdict("undecided", "numeric",
                       f"no difference found by sampling, but the claim contains the number {tiny[0]}, "
                       "whose effect may lie below the sampling precision", at=at)
    if approx:
        digits = min(d for _, d in approx.values())
        msg = (f"equal to {what} to the precision of the claim's decimals ({digits} significant digits) "
               f"at {checked_points} sample points")
    elif all_proved:
        msg = (f"SymPy proves every piece equal; the case split was checked for {len(samples)} "
               f"parameter values")
    else:
        msg = (f"no difference at {checked_points} sample points (mpmath, ≥ {BASE_DPS} digits), "
               f"including near every breakpoint and in the tails; not proved symbolically")
    return verdict("correct", "numeric", msg + at_text, at=at)


def _relative_precision(digits: int) -> sp.Rational:
    half_unit = sp.Rational(1, 2) * sp.Rational(10) ** (1 - digits)
    return max(half_unit, sp.Rational(1, 2**52)) if digits <= 17 else half_unit


def _sample(f_claim: _Numeric, f_truth: _Numeric, sens: _Numeric | None, pts: Sequence[sp.Expr],
            pv: Mapping[sp.Symbol, sp.Expr], psyms: Sequence[sp.Symbol], var: sp.Symbol,
            scale: float) -> int | tuple[Verdict, dict, Any, Any]:
    """Number of conclusive agreeing points, or (draft verdict, point, claimed, true) at a disagreement."""
    pvals = [pv[s] for s in psyms]
    good = 0
    for p in pts:
        res = _compare(f_claim, f_truth, sens, [p, *pvals], scale)
        if res is None:
            continue
        equal, cv, tv = res
        if not equal:
            cx = {var.name: _fmt(p), **{s.name: _fmt(v) for s, v in pv.items()},
                  "claimed": _fmt(cv), "true": _fmt(tv)}
            where = ", ".join(f"{k} = {_show(v)}" for k, v in [(var.name, p), *[(s.name, v) for s, v in pv.items()]])
            return Verdict("incorrect", "numeric", cx, None, where, None, None), {var: p, **pv}, cv, tv
        good += 1
    return good


def _incorrect(draft: Any, claim: sp.Expr, truth: sp.Expr, approx: Mapping, what: str,
               claim0: sp.Expr, truth0: sp.Expr) -> Verdict:
    v, env, cv, tv = draft
    method = _exact_method(claim, truth, env) if not approx else "numeric"
    msg = f"at {v.message} the claim gives {_show(cv, tv)} but {what} is {_show(tv, cv)}"
    return Verdict("incorrect", method, v.counterexample, None, msg, claim0, truth0)


def _pv_text(pv: Mapping[sp.Symbol, sp.Expr], prefix: str = "") -> str:
    return prefix + ", ".join(f"{s} = {v}" for s, v in pv.items()) if pv else ""


def _is_real(v: sp.Expr) -> bool:
    return v.is_real is True or (v.is_number and sp.im(sp.N(v, 30)) == 0 and v.is_finite is not False)


def _split_is_fixed(roots: list[sp.Expr], claim: sp.Expr, truth: sp.Expr, var: sp.Symbol,
                    psyms: Sequence[sp.Symbol], constraints: Sequence[sp.Basic]) -> bool:
    """Whether the order of the breakpoints is the same for every admissible parameter value."""
    for e in (claim, truth):
        for r in e.atoms(sp.core.relational.Relational):
            if not r.has(var) and r.free_symbols & set(psyms):
                return False  # a branch chosen by the parameters alone
    known = [c.lhs - c.rhs for c in constraints if isinstance(c, sp.core.relational.Relational)]
    for i, a in enumerate(roots):
        for b in roots[i + 1:]:
            d = sp.simplify(a - b)
            if not d.free_symbols & set(psyms):
                continue
            if d.is_nonnegative or d.is_nonpositive:
                continue
            if any(sp.simplify(d - k) == 0 or sp.simplify(d + k) == 0 for k in known):
                continue
            return False
    return True


def _compare(f_claim: _Numeric, f_truth: _Numeric, sens: _Numeric | None, point: list[sp.Expr],
             scale: float) -> tuple[bool, Any, Any] | None:
    """(equal?, claimed, true) at ``point``, or None when the point is inconclusive."""
    xv = abs(float(sp.N(point[0], 20)))
    loss = max(f_claim.loss(scale * xv), f_truth.loss(scale * xv))
    if loss > MAX_LOSS:
        return None
    dps = BASE_DPS + int(loss)
    cv = f_claim(point, dps)
    tv = f_truth(point, dps)
    if cv is None or tv is None:
        return None
    with mpmath.workdps(2 * dps):
        tol = mpmath.mpf(10) ** (-(dps - 20)) * max(abs(cv), abs(tv))
        if sens is not None:
            sv = sens(point, dps)
            if sv is None:
                return None
            tol += 2 * abs(sv)
        return (abs(cv - tv) <= tol), cv, tv


def _exact_method(claim: sp.Expr, truth: sp.Expr, env: Mapping[sp.Symbol, sp.Expr]) -> str:
    """'symbolic' when SymPy itself confirms the difference at the point is non-zero."""
    try:
        with _deadline(3.0):
            d = _elementary(claim.xreplace(env) - truth.xreplace(env))
            d = sp.nsimplify(d) if d.is_Float else d
            if d.is_number and d.is_zero is False:
                return "symbolic"
    except (_Timeout, TypeError, ValueError):
        pass
    return "numeric"


# ---- the public entry points ------------------------------------------------------------------------

_CLAIM_FUNCTIONS: dict[str, Callable[..., Any]] | None = None


def claim_functions() -> dict[str, Callable[..., Any]]:
    """Names a claim may call: SymPy's math (via the parser), symact's classes, catalogue names.

    ``gelu(u)`` means the catalogue's GELU (default parameters) at ``u``; catalogue names never
    shadow SymPy's functions or symact's classes.
    """
    global _CLAIM_FUNCTIONS
    if _CLAIM_FUNCTIONS is None:
        from . import registry
        from .parsing import MATH_FUNCTIONS

        table: dict[str, Callable[..., Any]] = dict(FUNCTIONS)
        for d in registry.definitions():
            if d.kind != "elementwise":
                continue
            for n in (d.name, *d.aliases):
                if n not in table and n not in MATH_FUNCTIONS:
                    table[n] = _catalogue_function(d.name)
        _CLAIM_FUNCTIONS = table
    return _CLAIM_FUNCTIONS


def _catalogue_function(name: str) -> Callable[[sp.Expr], sp.Expr]:
    def call(u: sp.Expr) -> sp.Expr:
        from . import get

        return get(name).expr.xreplace({x: u})

    call.__name__ = name
    return call


def verify_derivative(name: str, claim: str | sp.Expr, **params: Any) -> Verdict:
    """Judge ``claim`` as the derivative of activation ``name`` (SymPy syntax or ``$LaTeX$``).

    Parameters given in ``params`` are bound first; the others stay symbolic over their
    domains, so "correct" means correct for every admissible value.
    """
    from . import registry
    from .parsing import parse_expression

    defn = registry.definition(name)
    if defn.kind != "elementwise":
        raise ExpressionError(f"{defn.name} is not elementwise ({defn.kind}); derivative claims need f(x)")
    byname = {p.name: p for p in defn.params}
    sampled = {s: sp.Symbol(s, real=True) for s in defn.sampled}
    unknown = sorted(set(params) - set(byname) - set(sampled))
    if unknown:
        from .errors import ParameterError

        raise ParameterError(f"{defn.name} has no parameter {', '.join(map(repr, unknown))} "
                             f"(parameters: {', '.join([*byname, *sampled]) or 'none'})")
    bound: dict[sp.Symbol, sp.Expr] = {}
    for k, v in params.items():
        if k in byname:
            bound[byname[k].symbol] = byname[k].check(v)
        else:
            bound[sampled[k]] = sp.sympify(v)
    symbols = {"x": x, **{p.name: p.symbol for p in defn.params}, **sampled}
    decimals = DecimalLiterals()
    if isinstance(claim, str):
        claim_expr = parse_expression(claim, symbols=symbols, functions=claim_functions(), number=decimals)
    else:
        claim_expr = sp.sympify(claim)
    # exact decimals before differentiating: diff of 0.044715*x**3 would round 3*0.044715 in binary
    truth = sp.diff(_exact_floats(defn.expr, keep_long=False)[0], x)
    free = {p.symbol: p.domain for p in defn.params if p.symbol not in bound}
    free.update({s: sp.S.Reals for s in sampled.values() if s not in bound})
    used = truth.free_symbols | claim_expr.free_symbols
    free = {s: d for s, d in free.items() if s in used}
    defaults = {p.symbol: p.default_expr for p in defn.params}
    for s, (lo, hi) in defn.sampled.items():
        defaults[sampled[s]] = (byname[lo].default_expr + byname[hi].default_expr) / 2
    defaults = {s: _exact_floats(v, keep_long=False)[0] for s, v in defaults.items()}
    constraints = [c.xreplace(bound) for c in defn.constraints]
    for c in constraints:
        if c is sp.false:
            from .errors import ParameterError

            raise ParameterError(f"{defn.name}: parameters must satisfy {c}")
    constraints = [c for c in constraints if c is not sp.true]
    v = judge(claim_expr.xreplace(bound), truth.xreplace(bound), var=x, params=free, defaults=defaults,
              constraints=constraints, what=f"{defn.name}'", approx=decimals.approx)
    shown = claim_expr.xreplace({c: sp.Float(q, max(d, 15)) for c, (q, d) in decimals.approx.items()})
    return Verdict(v.status, v.method, v.counterexample, v.differs_at, v.message, shown, truth)


def cli_verify(args: list[str]) -> int:
    """``symact verify NAME CLAIM [--param k=v ...]`` or ``symact verify --identities``.

    Exit status: 0 correct, 1 incorrect, 2 undecided or error.
    """
    ap = argparse.ArgumentParser(prog="symact verify", description="Judge a claimed derivative.")
    ap.add_argument("name", nargs="?", help="activation name (or alias)")
    ap.add_argument("claim", nargs="?", help="claimed derivative: SymPy syntax, or LaTeX between $...$")
    ap.add_argument("--param", "-p", action="append", default=[], metavar="K=V", help="bind a parameter")
    ap.add_argument("--identities", action="store_true", help="run the identity library and print a report")
    try:
        ns = ap.parse_args(args)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    if ns.identities:
        from .identities import report, run_identities

        results = run_identities()
        print(report(results))
        return 0 if all(r.status == "correct" for r in results) else 1
    if not ns.name or ns.claim is None:
        print("usage: symact verify NAME CLAIM [--param k=v ...] | symact verify --identities")
        return 2
    bound: dict[str, str] = {}
    for item in ns.param:
        k, sep, v = item.partition("=")
        if not sep or not k.strip():
            print(f"error: --param expects k=v, got {item!r}")
            return 2
        bound[k.strip()] = v.strip()
    try:
        v = verify_derivative(ns.name, ns.claim, **bound)
    except SymactError as exc:
        print(f"error: {exc}")
        return 2
    print(f"{v.status} ({v.method})")
    print(v.message)
    if v.counterexample:
        print("counterexample: " + ", ".join(f"{k} = {val}" for k, val in v.counterexample.items()))
    if v.differs_at:
        print("differs at: " + ", ".join(f"x = {p}" for p in v.differs_at))
    return {"correct": 0, "incorrect": 1}.get(v.status, 2)

