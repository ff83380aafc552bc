"""When float32 input is computed in float32 rather than by the float64 round trip.

The default for float32 input is to compute in float64 and round once (<= 0.5 ULP + 2^-29 from
the truth).  But NumPy's float32 ``exp``/``tanh``/``sin`` are SIMD, 4-8x faster than float64's
scalar libm on CPUs without AVX-512, and the round trip itself costs two conversion passes; so a
kernel is computed in float32 where that keeps the accuracy goal:

* everywhere, when the code only selects x and constants (relu, clamps, steps): shown from the
  printed code's shape (no operation rounds a value of x) and confirmed bit for bit;
* on an interval around 0, when a dense sample *on this machine* (NumPy's SIMD code differs
  between CPUs and versions) certifies it: every sampled point within ``3.75 ULP + cond(x)`` of the
  float64 kernel, the goal's ``4 ULP + cond`` less a quarter ULP of margin.  A finite end of the
  interval is halved and must lie beyond +-32 (overflowing or subnormal intermediates); outside
  the interval the float64 round trip is used.  The result is cached on disk per (kernel
  source, NumPy version, CPU features).

Sampling is not proof: ``exhaustive`` (``symact float32 NAME --exhaustive A,B``) checks every
float32 in a range, and its findings set the margins below.

``SYMACT_FLOAT32=roundtrip`` keeps every float32 input on the float64 round trip (0.5 ULP from
the truth everywhere), for whoever needs that more than the speed.
"""
from __future__ import annotations

import ast
import copy
import functools
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._ndtr32 import ROOT as _NDTR32_ROOT
from ._runtime import round_down
from .cache import cache_dir, key, write_atomic

#: the goal is 4 ULP + cond (symact.accuracy); a quarter ULP is kept back for points between samples
#: (the largest float32 errors are NumPy's SIMD exp, <= 2.4 ULP, plus a few roundings: sigmoid'
#: reaches 3.58 on the sample, and the fresh-sample test checks the whole goal on unseen inputs)
BUDGET_ULP = 3.75
#: a certified interval (its ends halved) must hold [-32, 32]: ends that far come from overflow or
#: subnormals, where float32 fails abruptly.  Ends nearer 0 come from errors that grow gradually (silu' below -2.2,
#: gelu' at its series' edge), and there exhaustive checks found floats 4.6-6.2 ULP over cond
#: inside ends that dense samples had placed (1 float in 10^6): such kernels keep the round trip.
MIN_REACH = 32.0
#: near a certified interval's end, where errors grow toward the failing side, sampled points must
#: stay within this (+ cond): the unsampled maximum there runs ~1.5 ULP above the sampled one
EDGE_ULP = 2.5
#: sampled points with errors over this (+ cond) are near-misses: dense windows around up to
#: HOT_WINDOWS of them look for the sparse failures a sample steps over (``_near_misses``)
HOT_ULP = 2.75
HOT_WINDOWS = 24
EVERYWHERE = (-math.inf, math.inf)
_VERSION = "f32-8"


_EXACT_CALLS = {"maximum", "minimum", "clip", "abs", "heaviside", "symact_step", "symact_in", "symact_const", "where",
                "symact_where", "symact_threshold",
                "isnan", "greater", "less", "greater_equal", "less_equal"}


def _f32(c) -> bool:
    return isinstance(c, int | float) and float(np.float32(c)) == float(c)


def _shape(node, var: str) -> str | None:
    """What a printed expression computes, as far as rounding goes: "x" (an input value, or -x, 0, a
    float32 constant, selected exactly), "ind" (a 0/1 indicator, NaN for NaN), "sel" (constants
    selected by indicators, rounded once), "c" (any constant); None for anything that rounds."""
    if isinstance(node, ast.Name):
        return "x" if node.id == var else None
    if isinstance(node, ast.Constant):
        return "x" if _f32(node.value) else "c"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _shape(node.operand, var)
    if isinstance(node, ast.BinOp):
        a, b = _shape(node.left, var), _shape(node.right, var)
        if isinstance(node.op, ast.Sub) and ast.dump(node.left) == ast.dump(node.right) and a == "x":
            return "x"  # v - v: 0, NaN for NaN
        if isinstance(node.op, ast.Mult) and {a, b} == {"x", "bool"}:
            return "x"  # v * (comparison): v or +-0
        if isinstance(node.op, ast.Add) and isinstance(node.right, ast.Constant) and node.right.value == 0:
            return a    # + 0: exact (-0 becomes +0)
        if isinstance(node.op, ast.Mult) and {a, b} <= {"ind", "x", "c", "sel"} and "ind" in (a, b) and \
                not ("x" in (a, b) and _has_var(node, var, skip_calls=True)):
            return "ind" if a == b == "ind" else "sel"
        if isinstance(node.op, ast.Add) and {a, b} <= {"ind", "sel"}:
            return "sel"
        if isinstance(node.op, ast.Div) and a in ("ind", "sel") and b in ("x", "c"):
            return "sel"
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _EXACT_CALLS:
        fn, args = node.func.id, node.args
        if fn in ("heaviside", "symact_step"):
            return "ind" if _threshold(args[0], var) else None
        if fn == "symact_const":
            return "sel"
        if fn == "symact_in":  # comparisons of x with its bounds: exact when they are float32 numbers
            bounds = args[1:3]
            return "ind" if _shape(args[0], var) == "x" and all(
                (isinstance(b, ast.Constant) and (b.value is None or _f32(b.value))) or
                (isinstance(b, ast.UnaryOp) and isinstance(b.operand, ast.Constant) and _f32(b.operand.value))
                for b in bounds) else None
        if fn in ("greater", "less", "greater_equal", "less_equal"):
            return "bool" if _shape(args[0], var) == "x" and _shape(args[1], var) == "x" else None
        if fn == "isnan":
            return "bool" if _shape(args[0], var) == "x" else None
        if fn == "symact_threshold":  # x or v, compared with t rounded down to x's dtype (exact)
            return None if _shape(args[0], var) != "x" else "x" if _shape(args[2], var) == "x" else "sel"
        if fn in ("where", "symact_where"):
            kinds = [_shape(a, var) for a in args]
            if kinds[0] != "bool" or not set(kinds[1:]) <= {"x", "c", "ind", "sel"}:
                return None
            return "x" if set(kinds[1:]) <= {"x"} else "sel"
        kinds = {_shape(a, var) for a in args}
        return "x" if kinds <= {"x"} else None
    return None


def _has_var(node, var: str, skip_calls: bool = False) -> bool:
    """Whether ``var`` appears in ``node`` outside calls (a bare factor of x: that would round)."""
    if isinstance(node, ast.Call) and skip_calls:
        return False
    if isinstance(node, ast.Name):
        return node.id == var
    return any(_has_var(c, var, skip_calls) for c in ast.iter_child_nodes(node))


def _threshold(node, var: str) -> bool:
    """x, -x, x - c, c - x, -x - c with c a float32 number: the sign of the difference is exact in any
    precision with gradual underflow, so heaviside of it decides x > c exactly."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    if isinstance(node, ast.Name):
        return node.id == var
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        parts = (node.left, node.right)
        return any(_threshold(p, var) for p in parts) and any(
            isinstance(p, ast.Constant) and _f32(p.value) for p in parts)
    return False


def native_float32(source: str, fn: Callable) -> bool:
    """Whether the printed code gives in float32 exactly what it gives in float64 rounded to float32.

    Then float32 input is computed in float32 (no conversion passes): only for selections of x
    and constants (relu, clamps, steps and their derivatives), shown by the code's shape (no
    operation rounds a value of x) and confirmed bit for bit on the probe inputs."""
    from .kernels import _PROBE

    tree = ast.parse(source)
    func = tree.body[0]
    if len(func.body) != 1 or not isinstance(func.body[0], ast.Return):
        return False
    if _shape(func.body[0].value, func.args.args[0].arg) not in ("x", "ind", "sel"):
        return False
    with np.errstate(all="ignore"):
        grid = np.concatenate([_PROBE, np.linspace(-8, 8, 20001)]).astype(np.float32)
        wide = np.asarray(fn(grid.astype(np.float64)), dtype=np.float64).astype(np.float32)
        narrow = np.asarray(fn(grid))
    return narrow.dtype == np.float32 and narrow.shape == grid.shape and \
        bool(np.array_equal(wide.view(np.int32), narrow.view(np.int32)))




def sample(source: str) -> np.ndarray:
    """Float32 inputs that certify a kernel: 2^20 bit patterns spread over every binade of both
    signs, 2^17 points on [-32, 32], the float32 neighbours of every constant in the code (its
    comparison bounds and roots) and the special values.  Sorted, NaN last."""
    k = np.arange(2**20, dtype=np.uint64)
    bits = (k << np.uint64(12)) + ((k * np.uint64(2654435761)) & np.uint64(4095))  # a varying low part
    spread = bits.astype(np.uint32).view(np.float32)
    consts = [float(n.value) for n in ast.walk(ast.parse(source))
              if isinstance(n, ast.Constant) and isinstance(n.value, int | float) and not isinstance(n.value, bool)]
    near = []
    for c in consts:
        for v in (c, -c):
            if abs(v) < 3.4e38:
                c32 = np.float32(v)
                steps = np.arange(-32, 33, dtype=np.int64)
                near.append((c32.view(np.int32).astype(np.int64) + steps * (1 if c32 >= 0 else -1))
                            .astype(np.int32).view(np.float32))
    fi = np.finfo(np.float32)
    special = np.array([0.0, -0.0, np.inf, -np.inf, fi.max, -fi.max, fi.tiny, -fi.tiny,
                        fi.smallest_subnormal, -fi.smallest_subnormal, np.nan], np.float32)
    xs = np.concatenate([spread, np.linspace(-32, 32, 2**17 + 1, dtype=np.float32), *near, special])
    return np.unique(xs)  # sorted, NaNs last (unique keeps one)


def _check(native: Callable, wide: Callable, xs: np.ndarray, budget: float = BUDGET_ULP,
           hot: float | None = None) -> tuple[np.ndarray, ...] | None:
    """(meets ``budget`` + cond, error in ULPs) at every float32 point of ``xs``; None if ``native``
    does not give one float per input.  With ``hot``, a third array: the error exceeds ``hot`` + cond."""
    x64 = xs.astype(np.float64)
    with np.errstate(all="ignore"):
        got = np.asarray(native(xs))
        ref = np.asarray(wide(x64), dtype=np.float64)
        if got.dtype.kind != "f" or got.shape != xs.shape:
            return None
        got = got.astype(np.float32)  # a NaN patch may have widened it; the caller rounds the same way
        r32 = ref.astype(np.float32)
        fin = np.isfinite(r32)
        ulp = np.spacing(np.abs(np.where(fin, r32, 0)).astype(np.float32)).astype(np.float64)
        err = np.abs(got.astype(np.float64) - ref)
        # the goal's cond(x) = |x g'/g| ULPs, read as |x g'| eps where g rounds to 0 (as symact.accuracy
        # does); g' by central difference, only where the error needs the allowance (a few percent)
        need = np.flatnonzero(fin & ~(err <= min(budget, hot or budget) * ulp))
        cond = np.zeros_like(err)
        if need.size:
            xn, rn = x64[need], ref[need]
            h = np.maximum(np.abs(xn) * 2.0**-20, 2.0**-140)
            slope = (np.asarray(wide(xn + h), np.float64) - np.asarray(wide(xn - h), np.float64)) / (2 * h)
            c = np.where(r32[need] != 0, np.abs(xn * slope / np.where(rn != 0, rn, 1)) * ulp[need],
                         np.abs(xn * slope) * 2.0**-23)
            cond[need] = np.where(np.isfinite(c), c, 0.0)
        ok = np.where(fin, np.isfinite(got) & (err <= budget * ulp + cond),
                      (got == r32) | (np.isnan(got) & np.isnan(r32)))
        ulps = np.where(fin & np.isfinite(got), err / ulp, 0.0)
        if hot is None:
            return ok, ulps
        return ok, ulps, fin & (err > hot * ulp + cond)


def _refine(native: Callable, wide: Callable, edge: float, inward: float) -> float | None:
    """Move a certified interval's end inward until 2^15 fresh points just inside it all pass.

    Errors near an end grow gradually (x*sigmoid(x) loses bits as sigmoid nears the subnormals), so
    the sample's last failure is not where failures stop: a dense window beyond it decides, held to
    ``EDGE_ULP`` (an exhaustive check found silu' 4.6 ULP over cond one float inside an end the
    3.75 budget had placed: 1 float in 10^6 there).  None when the end crosses 0."""
    rng = np.random.default_rng(abs(hash(edge)) % 2**32)
    for _ in range(48):  # each step moves at least past the window's failures, at most 1/8 of the way
        width = max(0.25, abs(edge) / 8)
        pts = np.unique(np.float32(edge) + np.float32(inward) * rng.uniform(0, width, 2**15).astype(np.float32))
        checked = _check(native, wide, pts, EDGE_ULP)
        if checked is None:
            return None
        bad = pts[~checked[0]]
        if not bad.size:
            return edge
        worst = float(bad.max() if inward > 0 else bad.min())
        edge = float(np.nextafter(np.float32(worst), np.float32(inward * math.inf)))
        if edge * inward >= 0:
            return None
    return None


def _sweep(native: Callable, wide: Callable, lo: float, hi: float) -> tuple[float, float]:
    """Shrink [lo, hi] past failures that 2^18 uniform points on its part within +-4096 find.

    Sparse failures (float32 sin(30x) near its zeros past |x| ~ 550, 1 point in 25000) slip
    between the bit-pattern sample's points (2048 per binade); the sweep's density finds them."""
    rng = np.random.default_rng(4096)
    for _ in range(8):
        a, b = max(lo, -4096.0), min(hi, 4096.0)
        pts = rng.uniform(a, b, 2**18).astype(np.float32)
        checked = _check(native, wide, pts)
        if checked is None:
            return 0.0, 0.0
        bad = pts[~checked[0]]
        if not bad.size:
            break
        neg, pos = bad[bad < 0], bad[bad >= 0]
        if (bad == 0).any():
            return 0.0, 0.0
        if neg.size:
            lo = float(np.nextafter(neg.max(), np.float32(np.inf)))
        if pos.size:
            hi = float(np.nextafter(pos.min(), np.float32(-np.inf)))
    return lo, hi


def _near_misses(native: Callable, wide: Callable, hot: np.ndarray) -> np.ndarray:
    """Failures among dense points around sampled near-misses (error over ``HOT_ULP`` + cond).

    Failures can be sparse inside a range whose sampled errors all pass, close to the budget (gelu'
    in float32: 1 float in 1600 over 4 ULP + cond on [-1.76, -1.56], none of ~400 sample points);
    such ranges show as near-misses.  Up to ``HOT_WINDOWS`` of them, spread over the hot points,
    get 2^14 consecutive floats and 2^14 uniform points within 2% of x."""
    if not hot.size:
        return hot
    pick = np.unique(np.sort(hot)[np.linspace(0, hot.size - 1, min(HOT_WINDOWS, hot.size)).astype(int)])
    rng = np.random.default_rng(2024)
    found = []
    for x in pick:
        bits = np.int64(np.float32(x).view(np.int32))
        run = (bits + np.arange(-2**13, 2**13)).astype(np.int32).view(np.float32)
        near = (np.float64(x) * (1 + rng.uniform(-0.02, 0.02, 2**14))).astype(np.float32)
        pts = np.concatenate([run[np.isfinite(run) & (np.sign(run) == np.sign(x))], near])
        checked = _check(native, wide, pts)
        if checked is not None:
            found.append(pts[~checked[0]])
    return np.concatenate(found) if found else hot[:0]


def certify(native: Callable[[np.ndarray], np.ndarray], wide: Callable[[np.ndarray], np.ndarray],
            source: str) -> tuple[tuple[float, float] | None, float]:
    """(interval where ``native`` (float32 code) meets the budget against ``wide`` (the float64
    kernel), or None; the largest error in ULPs inside it, condition allowance not counted).

    The allowance at x is ``3.75 + cond(x)`` ULPs, ``cond = |x g'(x)/g(x)|`` with g' a central
    difference of the float64 kernel: the goal's ``4 + cond(x)`` (``symact.accuracy``) less a
    quarter ULP.  A finite end is where failures stop in a dense window (``_refine``), and a uniform sweep
    of the interval finds sparse failures the spread sample missed (``_sweep``)."""
    xs = sample(source)
    checked = _check(native, wide, xs, hot=HOT_ULP)
    if checked is None:
        return None, math.inf
    ok, ulps, hot = checked
    if not ok[-1] or not np.isnan(xs[-1]):  # NaN in must give NaN out natively (NaN is never outside)
        return None, math.inf
    num, passed = xs[:-1], ok[:-1]
    bad = np.concatenate([num[~passed], _near_misses(native, wide, num[passed & hot[:-1]])])
    lo_bad = bad[bad < 0].max(initial=-math.inf)
    hi_bad = bad[bad > 0].min(initial=math.inf)
    if (bad == 0).any():
        return None, math.inf
    # the bounds start at tested points next to the failures (the untested gap goes to float64)
    inside = (num > lo_bad) & (num < hi_bad)
    lo = -math.inf if math.isinf(lo_bad) else _refine(native, wide, float(num[inside].min()), 1.0)
    hi = math.inf if math.isinf(hi_bad) else _refine(native, wide, float(num[inside].max()), -1.0)
    if lo is None or hi is None:
        return None, math.inf
    lo, hi = _sweep(native, wide, lo, hi)
    # a finite end is halved: failures thin out toward 0 rather than stop (an exhaustive check found
    # float32 sin(30x) 8 ULP over cond at 546.17, inside an end placed at 546.48)
    lo, hi = (lo if math.isinf(lo) else lo / 2), (hi if math.isinf(hi) else hi / 2)
    if lo > -MIN_REACH or hi < MIN_REACH:
        return None, math.inf
    inside = (num >= lo) & (num <= hi)
    return (lo, hi), float(ulps[:-1][inside].max(initial=0.0))


@functools.cache
def _code() -> str:
    """What decides float32 results on the symact side besides a kernel's source: the runtime helpers
    it calls and this check itself (a changed helper must not reuse an old certificate)."""
    here = Path(__file__).parent
    return key(*((here / f).read_bytes() for f in ("_runtime.py", "_ndtr32.py", "float32.py")))


def platform() -> str:
    """What decides float32 results besides the code: NumPy's version and the CPU features its SIMD
    dispatch uses."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as feats
    return key(np.__version__, ",".join(k for k, v in sorted(feats.items()) if v))


def roundtrip_only() -> bool:
    """``SYMACT_FLOAT32=roundtrip``: every float32 input on the full float64 kernel, rounded once."""
    import os

    return os.environ.get("SYMACT_FLOAT32", "").lower() == "roundtrip"


def certified_range(source: str, native: Callable, wide: Callable) -> tuple[float, float] | None:
    """``certify``'s interval, memoised on disk per (source, platform): computed at a kernel's
    first float32 call on a machine (0.05-0.5 s), read back after."""
    import os

    if roundtrip_only():
        return None
    path = cache_dir() / f"f32-{key(_VERSION, _code(), platform(), source)}.json"
    if not os.environ.get("SYMACT_NO_CACHE"):
        try:
            got = json.loads(path.read_text())
            return None if got is None else (float(got[0]), float(got[1]))
        except (OSError, ValueError, TypeError, IndexError):
            pass
    interval, _ = certify(native, wide, source)
    try:
        write_atomic(path, json.dumps(None if interval is None else [repr(interval[0]), repr(interval[1])]).encode())
    except OSError:
        pass
    return interval


def _const(node) -> float | None:
    """The value of a numeric literal or a negated one, else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _const(node.operand)
        return None if v is None else -v
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    return None


def _down(c: float) -> float:
    """The largest float32 <= c."""
    return round_down(c, np.float32)


def narrowed(op: str, c: float) -> tuple[str, float] | None:
    """A comparison ``x op c`` (op one of > >= < <=) of a float32 value x with a bound float32 cannot
    hold, as the one on the largest float32 below c that decides alike: x > c iff x > c_down, and
    x < c iff x <= c_down.  None where float32 holds c (the comparison stays as it is)."""
    return None if _f32(c) else (">" if op.startswith(">") else "<=", _down(c))


def _truncate(coeffs: list[float], r: float, squared: bool) -> list[float]:
    """Coefficients (highest degree first) without the leading terms float32 cannot see: dropped
    while their sum at |u| = r stays below 2^-30 of the polynomial's value there (1/64 ULP; inside
    the radius the lower terms dominate more).  The float64 series is sized for 2^-53."""
    w = r * r if squared else r
    def horner(v):
        acc = 0.0
        for c in coeffs:
            acc = acc * v + c
        return acc
    size = min(abs(horner(w)), abs(horner(-w))) if not squared else abs(horner(w))
    n = len(coeffs)
    dropped, k = 0.0, 0
    while k < n - 2:
        dropped += abs(coeffs[k]) * w ** (n - 1 - k)
        if dropped > 2.0**-30 * size:
            break
        k += 1
    return coeffs[k:]


def _keep_rational_if_cheaper(call: ast.Call, kept: list[float]) -> None:
    """Drops a series call's ``rational=`` (symact.economise: valid out to ``_widen``'s radius) where
    the polynomial float32 keeps (``_truncate``) takes no more steps than it (the division counts one)."""
    for kw in call.keywords:
        if kw.arg == "rational" and isinstance(kw.value, ast.Tuple):
            num, den = kw.value.elts
            if len(num.elts) + len(den.elts) - 1 >= len(kept) - 1:
                call.keywords.remove(kw)
            return


def _widen(coeffs: list[float], r: float, squared: bool) -> float:
    """The series radius for float32: up to 1.5 r while the three highest terms stay below 2^-36 of
    the polynomial's value at the edge (the unseen terms beyond them are smaller still).

    The float64 series stops where the general formula has 53 good bits; float32 can use the series
    further out, where the general formula's float32 rounding still cancels (gelu' written as the
    float32 sum Phi(x) + x phi(x), three roundings a term, erred by 6 ULP at x = -1.275, 1% beyond r).
    Further out the series cancels too (that sum failed on [-1.76, -1.56] either way); on this
    machine it is what lets hard_elish' run in float32."""
    n = len(coeffs)
    best = r
    for f in (1.1, 1.2, 1.3, 1.4, 1.5):
        rr = r * f
        w = rr * rr if squared else rr
        vals = [abs(np.polyval(coeffs, w))] if squared else [abs(np.polyval(coeffs, w)), abs(np.polyval(coeffs, -w))]
        top = max(abs(c) * w ** (n - 1 - k) for k, c in enumerate(coeffs[:3]))
        if top > 2.0**-36 * min(vals):
            break
        best = rr
    return best


class _Narrow(ast.NodeTransformer):
    """Rewrites printed float64 code so that float32 arithmetic decides and rounds as float64 did:

    * a comparison of an exact value of x (x, -x, abs(x)) with a bound c that float32 cannot hold
      compares with the largest float32 below c instead (x > c iff x > c_down for float32 x), so
      threshold's ``x > 0.1`` keeps its decision at x = float32(0.1);
    * a root split in two, ``(x - a) - b`` (series near a root), is re-split into float32 parts, so
      ``x - a32`` stays exact near the root and u keeps its relative accuracy;
    * a Taylor series reaches further (``_widen``) and drops the high-order terms float32 cannot see
      (``_truncate``).
    """

    def __init__(self, var: str):
        self.var = var

    def _exact(self, node) -> bool:
        return _shape(node, self.var) == "x"

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Sub) and isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Sub):
            a, b = _const(node.left.right), _const(node.right)
            if a is not None and b is not None and self._exact(node.left.left):
                hi = float(np.float32(a + b))
                lo = float(np.float32((a - hi) + b))
                return ast.BinOp(ast.BinOp(node.left.left, ast.Sub(), ast.Constant(hi)), ast.Sub(), ast.Constant(lo))
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        name = getattr(node.func, "id", "")
        args = node.args
        if name in ("greater", "greater_equal", "less", "less_equal") and len(args) == 2 and self._exact(args[0]):
            c = _const(args[1])
            if c is not None and (nb := narrowed(">" if name.startswith("greater") else "<", c)):
                node.func = ast.Name("greater" if nb[0] == ">" else "less_equal", ast.Load())
                node.args = [args[0], ast.Constant(nb[1])]
        elif name == "symact_series" and len(args) >= 4 and isinstance(args[2], ast.Tuple):
            coeffs = [_const(c) for c in args[2].elts]
            r, power = _const(args[1]), _const(args[4]) if len(args) > 4 else None
            if r is not None and None not in coeffs:
                r = _widen(coeffs, r, power is not None)
                kept = _truncate(coeffs, r, power is not None)
                args[1] = ast.Constant(r)
                args[2] = ast.Tuple([ast.Constant(c) for c in kept], ast.Load())
                _keep_rational_if_cheaper(node, kept)
        elif name == "symact_threshold" and len(args) == 3 and self._exact(args[0]):
            c = _const(args[1])  # u > t is u > t_down (the helper would round it so; the source says it)
            if c is not None and (nb := narrowed(">", c)):
                args[1] = ast.Constant(nb[1])
        elif name == "symact_in" and len(args) >= 5 and self._exact(args[0]):
            for i, flag in ((1, 0), (2, 1)):  # lo: u > lo_down; hi: u <= hi_down
                c = _const(args[i])
                if c is not None and not _f32(c):
                    args[i], args[i + 2] = ast.Constant(_down(c)), ast.Constant(flag)
        return node


def narrow_source(source: str) -> str:
    """The printed kernel rewritten for float32 arithmetic (``_Narrow``), without the series about a root
    that a helper computes whole (``ROOT_SAFE``); the same text if nothing changes."""
    tree = ast.parse(source)
    func = tree.body[0]
    var = func.args.args[0].arg
    new = _Narrow(var).visit(tree)
    new = _without_root_series(new, var, lambda a, general: _root_safe(a, general, var))
    new = ast.fix_missing_locations(new)
    return source if ast.dump(new) == ast.dump(ast.parse(source)) else ast.unparse(new) + "\n"


#: float32 helpers that form a sum which cancels at a root x0 whole, in float64, rounded once, and keep
#: their relative accuracy through that root: a series about x0 is not needed around them.  gelu' =
#: Phi(x) + x phi(x) (root -0.7518): ``_ndtr32.ndtr_xpdf32``'s bracket R(a) - a/sqrt(2 pi) is fitted
#: exact at the root (within 2.15 ULP on every float32 of [-1.0, -0.5], tests/test_ndtr32.py).
ROOT_SAFE = {"symact_ndtr_xpdf": -_NDTR32_ROOT}


def _root_safe(a: float, general, var: str) -> bool:
    """Whether ``general`` is a ROOT_SAFE helper of x alone whose root is the series' x0 (about a)."""
    if not (isinstance(general, ast.Call) and getattr(general.func, "id", "") in ROOT_SAFE
            and len(general.args) == 1 and isinstance(general.args[0], ast.Name) and general.args[0].id == var):
        return False
    return abs(a - ROOT_SAFE[general.func.id]) < 1e-6


def _root_shift(node, var: str) -> float | None:
    """a for ``(x - a) - b`` (a series variable about a root x0 = a + b), else None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and isinstance(node.left, ast.BinOp) \
            and isinstance(node.left.op, ast.Sub) and isinstance(node.left.left, ast.Name) \
            and node.left.left.id == var and _const(node.right) is not None:
        return _const(node.left.right)
    return None


class _RootSeries(ast.NodeTransformer):
    """Each Taylor series about a root x0 (``symact_series`` or an inline ``symact_where(less(abs(u), r),
    series, general)``, gcu', dsilu') gives way to its general formula where ``gives_way(a, general)``."""

    def __init__(self, var: str, shifts: dict[str, float], gives_way: Callable[[float, ast.AST], bool]):
        self.var, self.shifts, self.gives_way = var, shifts, gives_way

    def _shift(self, u) -> float | None:
        return self.shifts.get(u.id) if isinstance(u, ast.Name) else _root_shift(u, self.var)

    def visit_Call(self, node):
        self.generic_visit(node)
        name = getattr(node.func, "id", "")
        if _is_call(node, "symact_where", 3):
            c = node.args[0]
            if _is_call(c, "less", 2) and _is_call(c.args[0], "abs", 1) \
                    and (a := self._shift(c.args[0].args[0])) is not None and self.gives_way(a, node.args[2]):
                return node.args[2]
        elif name == "symact_series" and len(node.args) >= 4 and (a := self._shift(node.args[0])) is not None \
                and self.gives_way(a, node.args[3]):
            return node.args[3]
        return node


def _without_root_series(tree: ast.Module, var: str, gives_way: Callable[[float, ast.AST], bool]) -> ast.Module:
    """``_RootSeries`` on the kernel's function, then the assignments nothing reads any more (the root
    shifts) dropped."""
    func = tree.body[0]
    shifts = {st.targets[0].id: a for st in func.body
              if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)
              and (a := _root_shift(st.value, var)) is not None}
    tree = _RootSeries(var, shifts, gives_way).visit(tree)
    _drop_dead(func)
    return tree


def _drop_dead(func: ast.FunctionDef) -> None:
    """Assignments nothing reads any more removed (they would still cost their passes)."""
    while True:
        used = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        dead = [st for st in func.body if isinstance(st, ast.Assign) and len(st.targets) == 1
                and isinstance(st.targets[0], ast.Name) and st.targets[0].id not in used]
        if not dead:
            return
        func.body = [st for st in func.body if st not in dead]


class _SeriesAboutZero(ast.NodeTransformer):
    """A series about 0 keeps the terms float32 can see (``_truncate``), and its rational where cheaper."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if getattr(node.func, "id", "") == "symact_series" and len(node.args) >= 4 \
                and isinstance(node.args[2], ast.Tuple):
            coeffs = [_const(c) for c in node.args[2].elts]
            r = _const(node.args[1])
            if r is not None and None not in coeffs:
                kept = _truncate(coeffs, r, len(node.args) > 4)
                node.args[2] = ast.Tuple([ast.Constant(c) for c in kept], ast.Load())
                _keep_rational_if_cheaper(node, kept)
        return node


def roundtrip_source(source: str) -> str:
    """The printed float64 kernel for results rounded to float32 (the float64 round trip).

    Near a simple root x0 != 0, g(x) ~ g'(x0)(x - x0), and the goal's 4 ULP + cond allows a
    constant absolute error of about |x0 g'(x0)| 2^-23: the general formula in float64 errs by
    ~1e-15 of its terms, far inside that, so its series (17-33 terms on a few percent of the
    input, with a gather and a scatter) is not needed; ``tests/test_float32.py`` checks every
    such root densely.  A series about 0 is still needed (cond is bounded there), at the length
    float32 sees (``_truncate``: 2^-30 of its value).  The same text when nothing changes."""
    tree = ast.parse(source)
    var = tree.body[0].args.args[0].arg
    new = _without_root_series(tree, var, lambda a, general: abs(a) > 1e-3)
    new = ast.fix_missing_locations(_SeriesAboutZero().visit(new))
    return source if ast.dump(new) == ast.dump(ast.parse(source)) else ast.unparse(new) + "\n"


#: where ``one_sided_source`` clamps x: e^-42 < 2^-60, far below what a float32 result sees of the
#: terms that decay like e^-x beyond it, and e^(4*42) is far from float64's overflow
ONE_SIDED_CLAMP = 42.0


def one_sided_source(source: str) -> str | None:
    """The round trip's code with its ``symact_where(less(x, 0), A, B)`` replaced by A on u = min(x, C).

    ``rewriting._exp_rational_derivative`` prints one rational function of e^x twice, in e =
    exp(-|x|): A (e = e^x) below 0 and B (e = e^-x) above, so that float64 never overflows over
    all doubles.  float32's range only needs e^x up to where the function has reached its limit:
    A alone on min(x, C), one exp and one branch where both branches were evaluated everywhere
    (mish' float32 at 10^6: 16.3 -> 9.0 ms).  Above 0 A's brackets are sums of positive terms.
    That the limit is reached by C is checked, not assumed: ``kernels.Kernel._fn_rt`` adopts this
    code only where it agrees with the two-sided code on probes.  None: no such where, or A uses
    |x| other than in exp(-|x|)."""
    tree = ast.parse(source)
    func = tree.body[0]
    var = func.args.args[0].arg
    ret = func.body[-1]
    if not isinstance(ret, ast.Return) or not _is_call(ret.value, "symact_where", 3):
        return None
    cond = ret.value.args[0]
    if not (_is_call(cond, "less", 2) and _is_name(cond.args[0], var) and _const(cond.args[1]) == 0):
        return None
    u = "_u"

    class OneSided(ast.NodeTransformer):
        def visit_Name(self, node):
            return ast.Name(u, node.ctx) if node.id == var else node

        def visit_Call(self, node):
            # exp(-abs(x)) is e^x on the side A was printed for
            if _is_call(node, "exp", 1) and isinstance(node.args[0], ast.UnaryOp) \
                    and isinstance(node.args[0].op, ast.USub) and _is_call(node.args[0].operand, "abs", 1) \
                    and _is_name(node.args[0].operand.args[0], var):
                return ast.Call(ast.Name("exp", ast.Load()), [ast.Name(u, ast.Load())], [])
            return self.generic_visit(node)

    ret.value = ret.value.args[1]
    func.body = [ast.parse(f"{u} = minimum({var}, {ONE_SIDED_CLAMP!r})").body[0]] + \
        [OneSided().visit(st) for st in func.body]
    _drop_dead(func)
    if not any(_is_call(n, "exp", 1) and _is_name(n.args[0], u) for n in ast.walk(func)) or \
            any(_is_call(n, "abs", 1) for n in ast.walk(func)):
        return None
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _is_call(node, name: str, nargs: int) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") == name and len(node.args) == nargs \
        and not node.keywords


def _is_name(node, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


#: x in float64, in mixed float32 code (``mixed_source``)
WIDE_VAR = "_x64"


def _roundings(node, var: str, pure: dict | None = None, leaves: frozenset | set = frozenset()) -> int | None:
    """How many roundings a piece of pure arithmetic on x (+, -, *, /, square, abs and constants) makes in
    float32, a constant float32 cannot hold counting one; None for anything else.  ``pure``: names
    assigned such arithmetic, and their values; ``leaves``: float32 names taken as they are, like x."""
    if isinstance(node, ast.Name):
        if node.id == var or node.id in leaves:
            return 0
        return _roundings(pure[node.id], var, pure, leaves) if pure and node.id in pure else None
    if isinstance(node, ast.Constant):
        v = node.value
        return None if isinstance(v, bool) or not isinstance(v, int | float) else 0 if _f32(v) else 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _roundings(node.operand, var, pure, leaves)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        a, b = _roundings(node.left, var, pure, leaves), _roundings(node.right, var, pure, leaves)
        return None if a is None or b is None else a + b + 1
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("square", "abs") and len(node.args) == 1 \
            and not node.keywords:
        r = _roundings(node.args[0], var, pure, leaves)
        return None if r is None else r + (node.func.id == "square")
    return None


class _Mixed(ast.NodeTransformer):
    """Each largest piece of pure arithmetic on x that rounds twice or more, computed in float64 from x
    (``WIDE_VAR``; names assigned pure arithmetic, ``pure``, written out; ``leaves`` from their float64
    copies, ``<name>_64``) and rounded to float32 once (``symact_round32``)."""

    def __init__(self, var: str, pure: dict, leaves: set):
        self.var, self.pure, self.leaves, self.changed = var, pure, leaves, False
        self.widened: set = set()   # leaves read in float64

    def _wide(self, node):
        """node (pure arithmetic: a name, constant, unary or binary operation, or square/abs call) on _x64."""
        if isinstance(node, ast.Name):
            if node.id == self.var:
                return ast.Name(WIDE_VAR, ast.Load())
            if node.id in self.leaves:
                self.widened.add(node.id)
                return ast.Name(node.id + "_64", ast.Load())
            return self._wide(copy.deepcopy(self.pure[node.id]))
        if isinstance(node, ast.UnaryOp):
            node.operand = self._wide(node.operand)
        elif isinstance(node, ast.BinOp):
            node.left, node.right = self._wide(node.left), self._wide(node.right)
        elif isinstance(node, ast.Call):
            node.args = [self._wide(a) for a in node.args]
        return node

    def visit(self, node):  # top-down, so that the largest piece is taken whole
        if isinstance(node, ast.expr) and not isinstance(node, ast.Name) \
                and (_roundings(node, self.var, self.pure, self.leaves) or 0) >= 2 \
                and any(isinstance(n, ast.Name) and (n.id == self.var or n.id in self.pure or n.id in self.leaves)
                        for n in ast.walk(node)):
            self.changed = True
            return ast.Call(ast.Name("symact_round32", ast.Load()), [self._wide(copy.deepcopy(node))], [])
        return super().visit(node)


#: functions whose value is not a float32 array (a mask), never a leaf of mixed code
_NOT_FLOAT = frozenset({"less", "greater", "less_equal", "greater_equal", "equal", "not_equal", "logical_and",
                        "logical_or", "logical_not", "logical_xor", "isnan", "isinf", "isfinite", "signbit"})


def mixed_source(source: str, leaves: bool = False) -> str | None:
    """The float32 code with its arithmetic on x computed in float64 and rounded once (``_Mixed``), or
    None where it has none: what a kernel tries when its float32 code fails certification, before the
    float64 round trip (transcendental functions stay float32, the costly part in float64).

    exp(z) and sigmoid(z) carry z's rounding error times |z|: gelu_tanh's z = x (c x^2 + k) in four
    float32 roundings (one more for c) is ~2 ULP of z off, 22 ULP of the result at x = -4 where the
    goal allows 25, while z rounded once from float64 costs 5.

    ``leaves``: arithmetic on the float32 values of functions too, each converted once (squareplus'
    computes its two fractions in x0 = hypot(2, x) in float64 from the float32 hypot and rounds each
    once: certified everywhere, where the float32 fractions failed and the round trip took twice as
    long).  Names assigned pure arithmetic keep their float64 value for later float64 pieces."""
    tree = ast.parse(source)
    func = tree.body[0]
    var = func.args.args[0].arg
    pure: dict = {}
    leafset: set = set()
    for st in func.body:
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
            if _roundings(st.value, var, pure, leafset) is not None:
                pure[st.targets[0].id] = st.value
            elif leaves and isinstance(st.value, ast.Call) and getattr(st.value.func, "id", "") not in _NOT_FLOAT:
                leafset.add(st.targets[0].id)
    mixed = _Mixed(var, pure, leafset)
    body, kept64 = [], set()
    for st in func.body:
        st = mixed.visit(st)
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call) \
                and getattr(st.value.func, "id", "") == "symact_round32":
            name = st.targets[0].id
            pure.pop(name, None)   # rounded once: later code reads the float32 value
            if leaves:             # ... and later float64 pieces the float64 one, not rounded
                body.append(ast.Assign([ast.Name(name + "_64", ast.Store())], st.value.args[0]))
                st.value.args[0] = ast.Name(name + "_64", ast.Load())
                leafset.add(name)
                kept64.add(name)
        body.append(st)
    if not mixed.changed:
        return None
    func.body = []
    for st in body:   # each other leaf read in float64 converted once, after its assignment
        func.body.append(st)
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name) \
                and st.targets[0].id in mixed.widened - kept64:
            name = st.targets[0].id
            wide = ast.Call(ast.Name("symact_wide", ast.Load()), [ast.Name(name, ast.Load())], [])
            func.body.append(ast.Assign([ast.Name(name + "_64", ast.Store())], wide))
    _drop_dead(func)
    func.body.insert(0, ast.Assign([ast.Name(WIDE_VAR, ast.Store())],
                                   ast.Call(ast.Name("symact_wide", ast.Load()), [ast.Name(var, ast.Load())], [])))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def exhaustive(native: Callable, wide: Callable, lo: float, hi: float, progress=print) -> dict:
    """Every float32 in [lo, hi] checked against the budget (what ``certify`` samples): the count,
    the failures, and the largest error in ULPs with where it is."""
    def bits(v: float) -> int:
        return int(np.float32(v).view(np.uint32))

    parts = []  # (first, last) bit patterns of magnitudes, sign bit
    if hi >= 0:
        parts.append((bits(max(lo, 0.0)), bits(hi), 0))
    if lo < 0:
        parts.append((bits(max(-hi, 0.0)), bits(-lo), 0x80000000))
    total = sum(b - a + 1 for a, b, _ in parts)
    out = {"n": 0, "failures": 0, "max_ulp": 0.0, "worst_x": math.nan}
    step, done, shown = 1 << 22, 0, 0.0
    for a, b, sign in parts:
        for s in range(a, b + 1, step):
            pts = (np.arange(s, min(s + step, b + 1), dtype=np.uint64) | sign).astype(np.uint32).view(np.float32)
            ok, ulps = _check(native, wide, pts)
            out["n"] += pts.size
            out["failures"] += int((~ok).sum())
            i = int(np.argmax(ulps))
            if ulps[i] > out["max_ulp"]:
                out["max_ulp"], out["worst_x"] = float(ulps[i]), float(pts[i])
            done += pts.size
            if progress and done / total >= shown + 0.1:
                shown = done / total
                progress(f"  {shown:.0%} of {total:,} floats: {out['failures']} failures, max {out['max_ulp']:.3f} ULP")
    return out


def cli_float32(args: list[str]) -> int:
    """``symact float32 [NAMES] [--exhaustive A,B]``: where each kernel computes float32 in float32."""
    import argparse

    from . import registry
    from .activation import get

    p = argparse.ArgumentParser(prog="symact float32", description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="*", help="activations (default: all elementwise)")
    p.add_argument("--exhaustive", metavar="A,B", help="also check every float32 in [A, B] (inside the certified "
                   "interval): 2^30 floats take minutes")
    args = list(args)
    if "--exhaustive" in args[:-1]:  # "--exhaustive -4,-1" would read as an unknown option
        i = args.index("--exhaustive")
        args[i:i + 2] = [f"--exhaustive={args[i + 1]}"]
    ns = p.parse_args(args)
    names = ns.names or registry.names(kind="elementwise")
    bad = 0
    for n in names:
        for which in ("f", "grad"):
            k = get(n).kernel if which == "f" else get(n).grad_kernel
            label = n if which == "f" else f"{n}'"
            iv = k._f32  # noqa: SLF001 - certified on first use
            where = "float64 round trip" if iv is None else "everywhere" if iv == EVERYWHERE else \
                f"[{iv[0]:.6g}, {iv[1]:.6g}], round trip outside"
            print(f"{label:22s} float32 {where}", flush=True)
            if ns.exhaustive and iv is not None:
                a, b = (float(v) for v in ns.exhaustive.split(","))
                r = exhaustive(lambda v, k=k: k._eval(v, False), lambda v, k=k: k._eval(v, False),  # noqa: SLF001
                               max(a, iv[0]), min(b, iv[1]))
                bad += r["failures"] > 0
                print(f"{'':22s} every float32 in [{max(a, iv[0]):.6g}, {min(b, iv[1]):.6g}]: {r['n']:,} checked, "
                      f"{r['failures']} over 3.75 ULP + cond, max {r['max_ulp']:.3f} ULP at x={r['worst_x']!r}")
    return 1 if bad else 0
