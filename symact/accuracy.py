"""Accuracy of the kernels in ULPs against adaptive-precision mpmath references.

The goal (issue 2): at every input the error is at most ``4 ULP + cond(x)`` ULPs, where
``cond(x) = |x g'(x) / g(x)|`` is the relative condition number of the evaluated function g
(f for the forward kernel, f' for the derivative kernel) — as accurate as a backward-stable
evaluation can be.  Where g(x) = 0 the bound is read in absolute terms:
``4 ulp(0) + |x g'(x)| eps``.

References evaluate the *plain* definition (custom functions rewritten to exp/erf, no
stable forms) with mpmath, raising the precision until two evaluations agree, so the
cancellations the kernels avoid cannot creep into the reference.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from .cache import cache_dir  # noqa: E402 - grouped with the module it serves
from .derivation import derivative
from .functions import elementary, x

GOAL_ULP = 4.0
# 40 digits, then 700: a term absorbed at 40 digits (1 + e^-158 == 1) can matter to a double only
# if it is within 10^-(308+324) of the others, so 700 digits resolves every such case; two
# levels agreeing cannot both be fooled by the same absorption.
_PRECISIONS = (40, 700, 1400, 2800)
#: part of the reference cache key: bump when how a reference is computed changes, so a cache
#: written by an older version (another checkout on the same machine) is never read
_REF_VERSION = "ref2|"


#: beyond this |argument| exp is astronomically outside every float format (e^-1e30 << 2^-1074)
_EXP_FAR = mpmath.mpf(10) ** 30
_CAP = 2**1100


def _pow2(v):
    """2^(v / ln 2) with the exponent clipped to +-2^1100 (mpmath exponents are unbounded ints)."""
    k = v / mpmath.ln2
    n = _CAP if k > _CAP else -_CAP if k < -_CAP else int(mpmath.ceil(k))
    return mpmath.ldexp(mpmath.mpf(1), n)


def _exp(v):
    """mpmath.exp, except for |v| > 1e30 — e.g. exp(-exp(1e308)), which mpmath would work on for
    hours or run out of memory — where it is 2^(v/ln 2) with the exponent clipped at 2^1100:
    so far outside the float range that even a factor exp(1e308) = 2^(2^1023.4) cannot bring a
    product back into it.  The mantissa is lost, which matters only where e^X times an exactly
    cancelling e^-X would, which no definition here has."""
    return _pow2(v) if abs(mpmath.re(v)) > _EXP_FAR else mpmath.exp(v)


def _cosh(v):
    return _pow2(abs(v)) if abs(v) > _EXP_FAR else mpmath.cosh(v)


def _sinh(v):
    return mpmath.sign(v) * _pow2(abs(v)) if abs(v) > _EXP_FAR else mpmath.sinh(v)


def _tanh(v):
    return mpmath.sign(v) * (1 - 2 * _pow2(-2 * abs(v))) if abs(v) > _EXP_FAR else mpmath.tanh(v)


def _sech(v):
    return 1 / _cosh(v)


_MPMATH = [{"exp": _exp, "cosh": _cosh, "sinh": _sinh, "tanh": _tanh, "sech": _sech}, "mpmath"]


class Reference:
    """High-precision values of one expression and of its condition number."""

    def __init__(self, expr: sp.Expr, var: sp.Symbol = x):
        self.expr = expr
        self._f = sp.lambdify(var, elementary(expr), _MPMATH)
        self._df = sp.lambdify(var, elementary(derivative(expr, var)), _MPMATH)

    @staticmethod
    def _adaptive(fn, xv: float, rel: float) -> mpmath.mpf:
        prev = None
        for dps in _PRECISIONS:
            with mpmath.workdps(dps):
                try:
                    val = mpmath.mpf(fn(mpmath.mpf(xv)))
                except (ZeroDivisionError, OverflowError, ValueError):
                    val = mpmath.nan
            if prev is not None and not mpmath.isnan(val):
                if val == 0 and prev == 0:  # zero at 700 digits: |truth| < 1e-650, far below any subnormal
                    return val
                elif abs(val - prev) <= rel * abs(val):
                    return val
            prev = val
        if prev is not None and abs(prev) < mpmath.mpf("1e-400"):
            return mpmath.mpf(0)
        raise ArithmeticError(f"reference for {xv!r} did not converge (last {prev})")

    def values(self, xs: np.ndarray) -> list[mpmath.mpf]:
        """``value`` at every point, cached on disk (keyed on the expression and the points)."""
        key = hashlib.sha256((_REF_VERSION + sp.srepr(self.expr) + "|").encode()
                             + np.asarray(xs, np.float64).tobytes()).hexdigest()
        path = cache_dir() / f"ref-{key[:32]}.json"
        try:
            with mpmath.workdps(40):
                return [mpmath.mpf(v) for v in json.loads(path.read_text())]
        except (OSError, ValueError):
            pass
        vals = [self.value(float(v)) for v in np.asarray(xs, np.float64)]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps([mpmath.nstr(v, 30, strip_zeros=False) for v in vals]))
        except OSError:
            pass
        return vals

    def value(self, xv: float) -> mpmath.mpf:
        return self._adaptive(self._f, xv, 1e-25)

    def slope(self, xv: float) -> mpmath.mpf:
        return self._adaptive(self._df, xv, 1e-6)


def breakpoints(expr: sp.Expr) -> list[float]:
    """Numeric points where a Piecewise condition of ``expr`` switches (kinks, jumps)."""
    pts: set[float] = set()
    for rel in expr.atoms(sp.Rel):
        for side in (rel.lhs - rel.rhs,):
            sols = sp.solve(sp.Eq(side.replace(sp.Abs, lambda a: a), 0), x) if side.has(x) else []
            for s in sols:
                if s.is_number and s.is_real:
                    pts.update({float(s), -float(s)} if side.has(sp.Abs) else {float(s)})
    return sorted(pts)


def grid(dtype, extra: Iterable[float] = (), seed: int = 0) -> np.ndarray:
    """Inputs spanning the whole range of ``dtype``: both signs, subnormal to max, dense near 0..50."""
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    rng = np.random.default_rng(seed)
    lo_exp = int(np.log2(float(fi.smallest_subnormal)))
    hi_exp = int(fi.maxexp)
    step = 8 if dt == np.float64 else 2
    pos = [2.0**k * rng.uniform(1, 2) for k in range(lo_exp, hi_exp - 1, step)]
    pos += [float(fi.smallest_subnormal), float(fi.smallest_normal), float(fi.max), float(fi.eps)]
    pos += list(np.linspace(0.0, 50.0, 201)[1:]) + list(rng.uniform(0, 50, 100))
    pos += list(np.geomspace(50, 1000, 40)) + list(rng.uniform(0, 1, 40)) + [1e-8, 1e-4, 30.0, 800.0, 1e4]
    pts = [0.0, *pos, *(-p for p in pos)]
    for b in extra:
        pts += [b, float(np.nextafter(dt.type(b), dt.type(np.inf))), float(np.nextafter(dt.type(b), dt.type(-np.inf)))]
    arr = np.array(pts, dtype=np.float64)
    arr = arr[np.isfinite(arr) & (np.abs(arr) <= float(fi.max))].astype(dt)
    return np.unique(arr)


@dataclass
class Measurement:
    name: str
    which: str
    dtype: str
    n: int = 0
    max_ulp: float = 0.0
    worst_x: float = math.nan
    #: largest (error - allowed) in ULPs; <= 0 means the goal holds everywhere
    max_excess: float = -math.inf
    excess_x: float = math.nan
    failures: list[tuple[float, float, float, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.max_excess <= 0


def _ulp(t: float, dt: np.dtype) -> float:
    top = np.nextafter(np.finfo(dt).max, dt.type(0))
    return float(np.spacing(min(dt.type(abs(t)), top))) if math.isfinite(t) else float(np.spacing(top))


def measure_values(ref: Reference, xs: np.ndarray, got: np.ndarray, *, name: str = "", which: str = "f",
                   extra_ulp: float = 0.0) -> Measurement:
    """Compare kernel outputs ``got`` at ``xs`` with the reference; ULP errors and the goal's excess."""
    dt = xs.dtype
    m = Measurement(name, which, dt.name, n=len(xs))
    eps = float(np.finfo(dt).eps)
    # the overflow threshold max + ulp(max)/2, exactly: as a float product it rounds to max, and a
    # cached 30-digit max (1.797...23732e308 > max) then counted as inf
    with mpmath.workprec(128):
        over = mpmath.ldexp(2 - mpmath.mpf(eps) / 2, int(np.finfo(dt).maxexp) - 1)
    values = ref.values(xs)
    for xv, c, t in zip(xs.tolist(), got.tolist(), values, strict=True):
        tf = float(t) if abs(t) < over else math.copysign(math.inf, t)
        if not math.isfinite(tf):
            err = 0.0 if c == tf else math.inf
            allowed = GOAL_ULP
        elif not math.isfinite(c):
            err, allowed = math.inf, GOAL_ULP
        else:
            ulp = _ulp(tf, dt)
            err = float(abs(mpmath.mpf(c) - t)) / ulp
            slope = ref.slope(xv) if err > GOAL_ULP + extra_ulp else mpmath.mpf(0)
            if t != 0:
                cond = float(abs(mpmath.mpf(xv) * slope / t))
                allowed = GOAL_ULP + extra_ulp + cond
            else:
                allowed = GOAL_ULP + extra_ulp + float(abs(mpmath.mpf(xv) * slope)) * eps / ulp
        if err > m.max_ulp or (m.max_ulp == 0 and math.isnan(m.worst_x)):
            m.max_ulp, m.worst_x = err, xv
        excess = err - allowed
        if excess > m.max_excess:
            m.max_excess, m.excess_x = excess, xv
        if excess > 0:
            m.failures.append((xv, c, float(t), err))
    return m


def measure(act, which: str = "f", dtype=np.float64, xs: np.ndarray | None = None) -> Measurement:
    """Max ULP error of ``act`` (which='f') or ``act.grad`` (which='grad') over ``grid(dtype)``."""
    expr = act.expr if which == "f" else act.derivative
    if xs is None:
        xs = grid(dtype, extra=breakpoints(act.expr))
    kernel = act if which == "f" else act.grad
    got = np.asarray(kernel(xs))
    assert got.dtype == xs.dtype, (got.dtype, xs.dtype)
    extra = float(act.definition.test.get("ulp_extra", 0.0))
    return measure_values(Reference(expr), xs, got, name=act.name, which=which, extra_ulp=extra)
