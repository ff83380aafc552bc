"""Mathematical properties of an activation, derived from its expression, never typed.

Each property records how it was obtained: "symbolic" when SymPy decided it, or
"numeric (...)" when it came from a scan with symact's own kernels (accurate to a few
ULP over the whole range) refined at 30 digits with mpmath.  Where neither decides,
the value is None ("undecided") rather than a guess.
"""
from __future__ import annotations

import hashlib
import math
import signal
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .cache import cached, key
from .derivation import derivative
from .functions import elementary, x
from .kernels import limit_at_infinity
from .printing import new_printer

VERSION = "1"
#: cached properties are keyed on this module's source too, so a code change never reads stale entries
_SOURCE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
_y = sp.Symbol("y", real=True)
#: the scan: dense where activations bend, sparse out to 1e6 (limits cover the rest)
_SCAN = np.unique(np.concatenate([np.linspace(-60, 60, 24001), np.geomspace(60, 1e6, 400),
                                  -np.geomspace(60, 1e6, 400)]))


@dataclass(frozen=True)
class Properties:
    range: sp.Set | None
    continuity: Any  # -1, 0, 1, ..., sympy.oo; None when undecided
    monotonic: bool | None
    monotonic_derivative: bool | None
    bounded_below: bool | None
    bounded_above: bool | None
    f0: sp.Expr
    fprime0: sp.Expr | tuple[sp.Expr, sp.Expr]  # (left, right) at a kink
    zero_centred: bool | None
    approx_identity: bool | None
    saturating_left: bool | None
    saturating_right: bool | None
    max_abs_grad: sp.Expr | None
    max_abs_grad_at: Any
    dead_zone: sp.Set
    parity: str | None
    mean_normal: float | None
    variance_normal: float | None
    derivative_in_terms_of_f: sp.Expr | None
    symbolic_range: sp.Set | None = None
    methods: dict[str, str] = field(default_factory=dict)

    @property
    def saturating(self) -> str:
        sides = [s for s, v in (("left", self.saturating_left), ("right", self.saturating_right)) if v]
        return " and ".join(sides) if sides else "no"

    _LABELS = (
        ("range", "range over ℝ"), ("symbolic_range", "range (parameters symbolic)"),
        ("continuity", "continuity"), ("monotonic", "monotonic"),
        ("monotonic_derivative", "monotonic derivative"), ("bounded_below", "bounded below"),
        ("bounded_above", "bounded above"), ("f0", "f(0)"), ("fprime0", "f′(0)"),
        ("zero_centred", "zero-centred"), ("approx_identity", "≈ identity near 0"),
        ("saturating_left", "saturates left (f′→0 at −∞)"), ("saturating_right", "saturates right (f′→0 at +∞)"),
        ("max_abs_grad", "max |f′|"), ("max_abs_grad_at", "max |f′| at"), ("dead_zone", "dead zone (f′ = 0)"),
        ("parity", "parity"), ("mean_normal", "mean of f(z), z ~ N(0,1)"),
        ("variance_normal", "variance of f(z), z ~ N(0,1)"), ("derivative_in_terms_of_f", "f′ in terms of y = f"),
    )

    def rows(self) -> list[tuple[str, Any, str]]:
        """(key, value, method) for display, in reading order."""
        return [(k, getattr(self, k), self.methods.get(k, "")) for k, _ in self._LABELS
                if not (k == "symbolic_range" and self.symbolic_range is None)]

    def labelled_rows(self) -> list[tuple[str, str, str]]:
        labels = dict(self._LABELS)
        return [(labels[k], text(v), m) for k, v, m in self.rows()]

    def as_dict(self) -> dict[str, Any]:
        return {k: {"value": text(v), "method": m} for k, v, m in self.rows()}


def text(v: Any) -> str:
    """Plain-text form of a property value (for the terminal, CSV and JSON)."""
    if v is None:
        return "undecided"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v == sp.oo and not isinstance(v, sp.Set):
        return "C^inf"
    if isinstance(v, float):
        return f"{v:.12g}"
    if isinstance(v, tuple):
        return f"left {text(v[0])}, right {text(v[1])}"
    if isinstance(v, sp.Basic):
        return sp.sstr(v.evalf(12) if (v.is_number and not v.is_Rational and v.is_finite) else v)
    return str(v)


@contextmanager
def _time_limit(seconds: float):
    """SymPy's simplify/solve can run for minutes: cap them (main thread only; elsewhere no cap).

    The cap counts this process's CPU time, not wall time: a loaded machine (a parallel test run)
    must not turn a found result into "not found", which would then be cached."""
    try:
        old = signal.signal(signal.SIGPROF, _raise_timeout)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


class _Timeout(Exception):
    pass


def _raise_timeout(*_):
    raise _Timeout


def compute_properties(act) -> Properties:
    """Properties of ``act`` at its bound parameters (cached on disk, keyed on the expression)."""
    k = key(VERSION, _SOURCE, sp.srepr(act.expr), sp.srepr(act.definition.expr))
    return cached("props", k, lambda: _compute(act))


# ---------------------------------------------------------------------------------------------


def _pieces(expr: sp.Expr) -> list[tuple[sp.Expr, sp.Basic]]:
    e = sp.piecewise_fold(expr.rewrite(sp.Piecewise) if expr.has(sp.Abs, sp.sign) else expr)
    return list(e.args) if isinstance(e, sp.Piecewise) else [(e, sp.true)]


def _piece_sets(pieces) -> list[tuple[sp.Expr, sp.Set]]:
    """Each piece with the set where it actually applies (its condition minus earlier ones)."""
    out, taken = [], sp.S.EmptySet
    for e, c in pieces:
        here = (sp.S.Reals if c == sp.true else c.as_set().intersect(sp.S.Reals)) - taken
        taken = taken | here
        if here != sp.S.EmptySet:
            out.append((e, here))
    return out


def _breakpoints(expr: sp.Expr) -> list[sp.Expr]:
    pts: set[sp.Expr] = set()
    for _, c in _pieces(expr):
        for rel in c.atoms(sp.Rel):
            for s in sp.solve(sp.Eq(rel.lhs, rel.rhs), x):
                if s.is_real:
                    pts.add(sp.nsimplify(s) if s.is_Float and float(s).is_integer() else s)
    return sorted(pts, key=float)


def _piece_at(pieces, p, side: int) -> sp.Expr:
    """The piece holding just left (side=-1) or right (+1) of p, or at p (0).

    The offset is 1e-9, not smaller: SymPy compares a Rational with a 53-bit Float breakpoint
    at the Float's precision, so p + 1e-30 would still test as p."""
    t = p + side * sp.Rational(1, 10**9)
    for e, c in pieces:
        if c.subs(x, t) == sp.true:
            return e
    raise ValueError(f"no piece at {t}")


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    try:
        d = sp.simplify(a - b)
        if d == 0:
            return True
        if d.is_number:
            return abs(complex(sp.N(d, 30))) < 1e-25
    except (TypeError, ValueError):
        pass
    return False


def _continuity(expr: sp.Expr) -> tuple[Any, str]:
    pieces = _pieces(expr)
    bps = _breakpoints(expr)
    if not bps:
        return sp.oo, "symbolic (one analytic piece)"
    order = sp.oo
    for b in bps:
        left, right = _piece_at(pieces, b, -1), _piece_at(pieces, b, +1)
        if _same(left, right):
            continue
        k = -1
        for n in range(0, 8):
            if not _same(sp.diff(left, x, n).subs(x, b), sp.diff(right, x, n).subs(x, b)):
                break
            k = n
        else:
            return None, "undecided (pieces agree to order 7 at a breakpoint)"
        order = min(order, k)
    return order, f"symbolic (pieces' derivatives compared at {', '.join(map(str, bps))})"


class _Scan:
    """f and f' on a dense grid from symact's own kernels, plus mpmath refinement."""

    def __init__(self, act, extra=()):
        self.act = act
        self.xs = np.unique(np.concatenate([_SCAN, np.array([float(b) for b in extra], dtype=np.float64)]))
        self.f = np.asarray(act(self.xs), dtype=np.float64)
        self.g = np.asarray(act.grad(self.xs), dtype=np.float64)
        self.mf = sp.lambdify(x, elementary(act.expr), "mpmath")
        self.mg = sp.lambdify(x, elementary(act.derivative), "mpmath")

    def sign_changes(self, v: np.ndarray) -> list[tuple[float, float]]:
        s = np.sign(v)
        nz = np.nonzero(s)[0]
        out = []
        for i, j in zip(nz[:-1], nz[1:], strict=True):
            if s[i] != s[j]:
                out.append((float(self.xs[i]), float(self.xs[j])))
        return out

    def critical_points(self) -> list[float]:
        """Roots of f' where it changes sign (refined at 30 digits)."""
        pts = []
        with mpmath.workdps(30):
            for a, b in self.sign_changes(self.g):
                try:
                    pts.append(float(mpmath.findroot(self.mg, (a, b), solver="anderson")))
                except (ValueError, ZeroDivisionError):
                    pts.append((a + b) / 2)
        return pts


def _compute(act) -> Properties:
    expr, d = act.expr, act.derivative
    methods: dict[str, str] = {}
    pieces = _pieces(expr)
    bps = _breakpoints(expr)
    scan = _Scan(act, bps)
    numeric = f"numeric (kernel scan of {len(scan.xs)} points on ±1e6, mpmath refinement)"

    # f(0), f'(0)
    f0 = sp.piecewise_fold(expr).subs(x, 0)
    methods["f0"] = "symbolic"
    dpieces = _pieces(d)
    left = _tame(sp.limit(_piece_at(dpieces, 0, -1), x, 0)) if 0 in bps else None
    right = _tame(sp.limit(_piece_at(dpieces, 0, +1), x, 0)) if 0 in bps else None
    fp0 = sp.piecewise_fold(d).subs(x, 0)
    fprime0 = (left, right) if left is not None and not _same(left, right) else fp0
    methods["fprime0"] = "symbolic" + (" (one-sided limits at the kink)" if isinstance(fprime0, tuple) else "")

    continuity, methods["continuity"] = _continuity(expr)

    # range: limits at +-oo, critical values, breakpoint values, constant pieces
    lim = {s: limit_at_infinity(expr, x, s) for s in (-1, 1)}
    crit = scan.critical_points()
    cands: list[tuple[float, sp.Expr, bool]] = []  # value, exact form or Float, attained
    for s in (-1, 1):
        if not math.isnan(lim[s]):
            cands.append((lim[s], _tame(_limit_exact(pieces, s, lim[s])), False))
    with mpmath.workdps(30):
        for i, c in enumerate(crit):
            cx = _exact_point(c, act.derivative) if i < 4 else None  # (sine has ~600: numeric beyond a few)
            v = sp.piecewise_fold(expr).subs(x, cx) if cx is not None else sp.Float(scan.mf(c), 15)
            cands.append((float(scan.mf(c)), v, True))
    for b in bps:
        for side in (-1, 1):
            v = _tame(sp.limit(_piece_at(pieces, b, side), x, b))
            cands.append((float(v), v, False))
        v = sp.piecewise_fold(expr).subs(x, b)
        cands.append((float(v), v, True))
    for e, _ in _piece_sets(pieces):  # a constant piece is attained on its interval
        if not e.has(x):
            cands.append((float(e), e, True))
    finite = np.isfinite(scan.f)
    if np.any(finite):
        # scan extremes bound the range but never prove an end attained (x = 0.1 + 1e-15 is not 0.1)
        cands.append((float(np.min(scan.f[finite])), sp.Float(float(np.min(scan.f[finite]))), False))
        cands.append((float(np.max(scan.f[finite])), sp.Float(float(np.max(scan.f[finite]))), False))
    lo = min(cands, key=lambda c: c[0])
    hi = max(cands, key=lambda c: c[0])

    def end(val: float, exact, which):
        attained = any(c[2] and abs(c[0] - val) <= 1e-12 * max(1, abs(val)) for c in cands)
        if math.isinf(val):
            return sp.oo if val > 0 else -sp.oo, False
        exact_cands = [c[1] for c in cands if abs(c[0] - val) <= 1e-12 * max(1, abs(val)) and not c[1].is_Float]
        return (exact_cands[0] if exact_cands else exact), attained

    (lo_v, lo_closed), (hi_v, hi_closed) = end(lo[0], lo[1], "inf"), end(hi[0], hi[1], "sup")
    rng = sp.Interval(lo_v, hi_v, left_open=not lo_closed, right_open=not hi_closed)
    exact_ends = not (isinstance(lo_v, sp.Float) or isinstance(hi_v, sp.Float))
    methods["range"] = "symbolic (limits, breakpoints)" if exact_ends else \
        "numeric (extremum at a critical point, 15 digits; limits symbolic)"
    methods["bounded_below"] = methods["bounded_above"] = methods["range"]

    # monotonicity from the sign of f'
    gf = scan.g[np.isfinite(scan.g)]
    piecewise_const = all(not sp.diff(e, x).has(x) for e, _ in pieces)
    mono = bool(np.all(gf >= 0) or np.all(gf <= 0)) and not scan.sign_changes(scan.g)
    methods["monotonic"] = "symbolic (constant slopes on every piece)" if piecewise_const else numeric
    # DiracDelta terms (sign' = 2δ) vanish off a null set; the sign scan needs the rest only
    d2 = derivative(d).replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    with np.errstate(all="ignore"):  # the sign of f'' only: the plain printed form is enough
        g2 = np.broadcast_to(np.asarray(sp.lambdify(x, d2, modules=["scipy", "numpy"], printer=new_printer())(
            scan.xs), dtype=np.float64), scan.xs.shape)
    g2 = g2[np.isfinite(g2)]
    tol = 1e-12 * (np.max(np.abs(g2)) if g2.size else 1)
    mono_d = bool(np.all(g2 >= -tol) or np.all(g2 <= tol))
    methods["monotonic_derivative"] = numeric

    # saturation and the largest slope
    dlim = {s: limit_at_infinity(d, x, s) for s in (-1, 1)}
    sat = {s: (None if math.isnan(dlim[s]) else dlim[s] == 0) for s in (-1, 1)}
    methods["saturating_left"] = methods["saturating_right"] = "symbolic (limit of f′ at ∓∞)"
    for s_, name in ((-1, "saturating_left"), (1, "saturating_right")):
        if sat[s_] is None:  # no limit (sin): saturating only if |f'| is negligible far out, which it is not
            far = np.abs(scan.g[(s_ * scan.xs > 30) & (s_ * scan.xs < 60)])
            if far.size and np.max(far) > 1e-3 * np.max(np.abs(scan.g[np.isfinite(scan.g)])):
                sat[s_] = False
                methods[name] = "numeric (f′ has no limit; |f′| stays large on 30 < |x| < 60)"
    gmax, at, methods["max_abs_grad"] = _max_slope(act, scan, dpieces, bps, dlim, numeric)
    methods["max_abs_grad_at"] = methods["max_abs_grad"]

    # dead zone: pieces whose derivative is identically 0
    dz = sp.Union(*[st for e, st in _piece_sets(dpieces) if e == 0])
    methods["dead_zone"] = "symbolic (pieces with f′ ≡ 0)"

    parity, methods["parity"] = _parity(act, scan)
    mean, var = _normal_moments(act, bps)
    methods["mean_normal"] = methods["variance_normal"] = "numeric (mpmath.quad at 30 digits, split at kinks)"
    in_f, methods["derivative_in_terms_of_f"] = _in_terms_of_f(expr, d)

    has_neg = lo[0] < 0
    has_pos = hi[0] > 0
    f0_zero = f0 == 0
    fp0_one = (fprime0 == 1) if not isinstance(fprime0, tuple) else False
    methods["zero_centred"] = "from f(0) and the range"
    methods["approx_identity"] = "from f(0) and f′(0)"
    sym_range = _symbolic_range(act)
    if sym_range is not None:
        methods["symbolic_range"] = "symbolic (parameters kept as symbols)"
    return Properties(
        range=rng, continuity=continuity, monotonic=mono, monotonic_derivative=mono_d,
        bounded_below=not math.isinf(lo[0]), bounded_above=not math.isinf(hi[0]), f0=f0, fprime0=fprime0,
        zero_centred=bool(f0_zero and has_neg and has_pos), approx_identity=bool(f0_zero and fp0_one),
        saturating_left=sat[-1], saturating_right=sat[1], max_abs_grad=gmax, max_abs_grad_at=at,
        dead_zone=dz, parity=parity, mean_normal=mean, variance_normal=var, derivative_in_terms_of_f=in_f,
        symbolic_range=sym_range, methods=methods)


def _exact_point(c: float, g: sp.Expr) -> sp.Expr | None:
    """c as an exact number (3/2, sqrt(2), ...) if g vanishes there exactly, else None."""
    for cand in (sp.nsimplify(float(c), tolerance=1e-12, rational=True), sp.nsimplify(float(c), tolerance=1e-12)):
        if (cand.is_Rational and cand.q > 1000) or sp.count_ops(cand) > 6:
            continue
        try:
            with _time_limit(2):
                if _same(sp.piecewise_fold(g).subs(x, cand), 0):
                    return cand
        except _Timeout:
            pass
    return None


def _tame(v: sp.Expr) -> sp.Expr:
    """SymPy's limit turns Floats into huge Rationals: give those back as Floats."""
    return sp.Float(v, 15) if v.is_Rational and v.q > 10**6 else v


def _limit_exact(pieces, s: int, approx: float) -> sp.Expr:
    """The limit at s*oo as SymPy found it (exact), else the float from the kernels' limit."""
    far = sp.Integer(s) * sp.Integer(10) ** 400
    try:
        with _time_limit(5):
            e = next(e for e, c in pieces if c.subs(x, far) == sp.true)
            L = sp.limit(elementary(e), x, s * sp.oo)
            if L.is_extended_real and abs(float(L) - approx) <= 1e-12 * max(1, abs(approx)) or L.is_infinite:
                return L
    except (_Timeout, StopIteration, TypeError, ValueError, NotImplementedError):
        pass
    return sp.Float(approx)


def _max_slope(act, scan: _Scan, dpieces, bps, dlim, numeric: str):
    """sup |f'| and where: candidates are constant pieces (intervals), kinks (value and one-sided
    limits), the limits at +-oo and interior maxima of |f'| (roots of f'' on the scan)."""
    d = act.derivative
    cands: list[tuple[float, sp.Expr, Any, str]] = []
    for e, st in _piece_sets(dpieces):
        if not e.has(x):
            cands.append((abs(float(e)), sp.Abs(e), st, "symbolic"))
    for b in bps:
        v = sp.piecewise_fold(d).subs(x, b)
        cands.append((abs(float(v)), sp.Abs(v), b, "symbolic"))
        for side, label in ((-1, "−"), (1, "+")):
            lv = _tame(sp.limit(_piece_at(dpieces, b, side), x, b))
            cands.append((abs(float(lv)), sp.Abs(lv), f"approached as x → {b}{label}", "symbolic (one-sided limit)"))
    for s_, label in ((-1, "as x → −∞"), (1, "as x → +∞")):
        if not math.isnan(dlim[s_]) and not math.isinf(dlim[s_]):
            cands.append((abs(dlim[s_]), sp.nsimplify(abs(dlim[s_])), label, "symbolic (limit)"))
        elif math.isinf(dlim[s_]):
            return sp.oo, label, "symbolic (limit)"
    d2 = sp.lambdify(x, elementary(derivative(d)), "mpmath")
    with np.errstate(all="ignore"):
        ag = np.abs(scan.g)
    ag[~np.isfinite(ag)] = 0
    i = int(np.argmax(ag))
    if 0 < i < len(scan.xs) - 1 and not any(abs(float(scan.xs[i]) - float(b)) < 0.02 for b in bps):
        with mpmath.workdps(30):
            try:
                c = mpmath.findroot(d2, (scan.xs[i - 1], scan.xs[i + 1]), solver="anderson")
            except (ValueError, ZeroDivisionError):
                c = mpmath.mpf(float(scan.xs[i]))
            cx = _exact_point(c, derivative(d))
            if cx is not None:
                v = sp.Abs(sp.piecewise_fold(d).subs(x, cx))
                cands.append((float(v), v, cx, "symbolic (root of f'' found numerically, checked exactly)"))
            else:
                cands.append((float(abs(scan.mg(c))), sp.Float(abs(scan.mg(c)), 15), sp.Float(c, 15), numeric))
    if not cands:
        return None, None, "undecided"
    best = max(cands, key=lambda c: c[0])
    return best[1], best[2], best[3]


def _parity(act, scan: _Scan) -> tuple[str | None, str]:
    f = sp.piecewise_fold(act.expr)
    fm = f.subs(x, -x)
    with _guarded():
        if _same(fm, f):
            return "even", "symbolic"
        if _same(fm, -f):
            return "odd", "symbolic"
    fx, fmx = scan.f, np.asarray(act(-scan.xs), dtype=np.float64)
    ok = np.isfinite(fx) & np.isfinite(fmx)
    scale = np.maximum(np.abs(fx[ok]), 1e-300)
    if np.any(np.abs(fmx[ok] - fx[ok]) > 1e-9 * scale) and np.any(np.abs(fmx[ok] + fx[ok]) > 1e-9 * scale):
        return "neither", "numeric (f(−x) ≠ ±f(x) by more than 1e-9 relative on the scan)"
    return None, "undecided"


@contextmanager
def _guarded():
    try:
        with _time_limit(2):
            yield
    except _Timeout:
        pass


def _normal_moments(act, bps) -> tuple[float | None, float | None]:
    f = sp.lambdify(x, elementary(act.expr), "mpmath")
    # |z| <= 40: the weight is below 1e-347 beyond, and f(+-inf) may be exp(exp(1e300)), which mpmath
    # would try to compute (cloglog) instead of overflowing
    # (split where the weight's mass is, so tanh-sinh sees the peak)
    cuts = {-40.0, -10.0, -4.0, -1.0, 0.0, 1.0, 4.0, 10.0, 40.0} | {float(b) for b in bps if abs(float(b)) < 40}
    pts = [mpmath.mpf(c) for c in sorted(cuts)]
    with mpmath.workdps(30):
        def phi(z):
            return mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)
        try:
            m1 = mpmath.quad(lambda z: f(z) * phi(z), pts)
            m2 = mpmath.quad(lambda z: f(z) ** 2 * phi(z), pts)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None, None
        return float(m1), float(m2 - m1 * m1)


def _in_terms_of_f(expr: sp.Expr, d: sp.Expr) -> tuple[sp.Expr | None, str]:
    """g with f'(x) = g(f(x)): solve y = f(x) for x on each piece, substitute into f', simplify."""
    def clean(e):
        return sp.nsimplify(e, rational=True) if e.atoms(sp.Float) and all(
            float(f).is_integer() for f in e.atoms(sp.Float)) else e

    fp, dp = _pieces(clean(elementary(expr))), _pieces(clean(elementary(d)))
    if len(fp) != len(dp):
        return None, "not found"
    out = []
    try:
        with _time_limit(2.5):
            for (e, c), (de, _) in zip(fp, dp, strict=True):
                if not de.has(x):
                    out.append((de, c))
                    continue
                sols = sp.solve(sp.Eq(_y, e), x)
                found = None
                for s in sols:
                    for form in (de, de.rewrite(sp.exp)):
                        cand = sp.simplify(form.subs(x, s))
                        if cand.has(x) or not cand.has(_y) or cand.has(sp.I) or not _verify_in_f(cand, e, de, c):
                            continue
                        if found is None or sp.count_ops(cand) < sp.count_ops(found):
                            found = cand
                if found is None:
                    return None, "not found (no closed inverse on a piece)"
                out.append((sp.factor_terms(found), c))
    except _Timeout:
        return None, "not found (time limit)"
    except (NotImplementedError, ValueError, TypeError):
        return None, "not found (SymPy cannot invert f)"
    if all(not g.has(_y) for g, _ in out):
        return None, "not found"
    if len(out) == 1:
        return out[0][0], "symbolic (solve y = f(x), substitute, simplify; checked at 30 digits)"
    return sp.Piecewise(*[(g, c) for g, c in out]), "symbolic per piece (checked at 30 digits)"


def _verify_in_f(cand, e, de, cond) -> bool:
    g = sp.lambdify(_y, cand, "mpmath")
    fe, fd = sp.lambdify(x, e, "mpmath"), sp.lambdify(x, de, "mpmath")
    with mpmath.workdps(30):
        for t in (-3.1, -1.3, -0.4, 0.35, 1.7, 4.2):
            if cond.subs(x, t) != sp.true:
                continue
            try:
                want, got = fd(mpmath.mpf(t)), g(fe(mpmath.mpf(t)))
            except (ValueError, ZeroDivisionError):
                return False
            if abs(want - got) > mpmath.mpf("1e-20") * max(1, abs(want)):
                return False
    return True


def _symbolic_range(act) -> sp.Set | None:
    """Range with the parameters as symbols, for simple piecewise families (leaky_relu, elu, hardtanh)."""
    d = act.definition
    if not d.params or d.sampled:
        return None
    expr = sp.piecewise_fold(d.expr)
    if not isinstance(expr, sp.Piecewise):
        return None
    try:
        with _time_limit(5):
            parts = []
            for e, c in expr.args:
                dom = c.as_set() if c != sp.true else sp.S.Reals
                for e2, c2 in expr.args:
                    if e2 is e:
                        break
                    dom = dom - (c2.as_set() if c2 != sp.true else sp.S.Reals)
                parts.append(sp.imageset(sp.Lambda(x, e), dom))
            r = sp.Union(*parts)
            if r.has(sp.ImageSet) or not r.free_symbols:
                return None
            return r
    except (_Timeout, NotImplementedError, TypeError, ValueError):
        return None
