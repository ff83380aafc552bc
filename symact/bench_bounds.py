"""``symact bench --bounds``: what NumPy alone can reach, for the goals the NumPy backend misses.

A *sketch* does less than a correct kernel must, in the fewest NumPy passes found, blocked in cache as
symact's kernels are: each leaves out one requirement (the NaN check, correct rounding, float64
accuracy, an accurate series) and says which.  Timed interleaved with the copy floor, symact's kernel
and, where the goal is against it, the hand-written version, a sketch's ratio bounds what any NumPy
kernel of its design can reach: where the sketch is over a goal, a correct kernel of that design is too.

Each sketch's output is checked against symact's kernel to the accuracy it claims (tests/test_bench_bounds.py),
so a bound is never the time of a function that computes something else.
"""
from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._ndtr32 import P as _P
from ._ndtr32 import Q as _Q
from ._runtime import _k as _c  # v as a cached 0-d array of x's dtype: no upcast, no conversion
from ._runtime import aligned_empty, horner
from .kernels import _BLOCK_BYTES  # the kernels' block size


def _blocked(body: Callable, dt: np.dtype, scratch: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """run(x, out): ``body(x_block, out_block, scratch_blocks, bool_block)`` over the kernels' blocks."""
    step = _BLOCK_BYTES // dt.itemsize
    bufs = [aligned_empty(step, dt) for _ in range(scratch)]
    mask = aligned_empty(step, np.bool_)

    def run(x: np.ndarray, out: np.ndarray) -> np.ndarray:
        for s in range(0, x.shape[0], step):
            n = min(step, x.shape[0] - s)
            body(x[s:s + n], out[s:s + n], [b[:n] for b in bufs], mask[:n])
        return out
    return run


def _leaky_relu_grad(dt: np.dtype):
    d, other, zero = _c(0.99, dt), _c(0.01, dt), _c(0, dt)

    def body(x, out, _, m):
        np.greater(x, zero, out=m)
        np.copyto(out, m)
        np.multiply(out, d, out=out)
        np.add(out, other, out=out)
    return _blocked(body, dt, 0)


def _hardsigmoid(dt: np.dtype):
    three, sixth, zero, one = _c(3, dt), _c(1 / 6, dt), _c(0, dt), _c(1, dt)

    def body(x, out, _, m):
        np.add(x, three, out=out)
        np.multiply(out, sixth, out=out)
        np.clip(out, zero, one, out=out)
    return _blocked(body, dt, 0)


def _gelu(dt: np.dtype):
    """x Phi(x), Phi(-a) = exp(-a^2/2) R(a) with R = P/Q symact._ndtr32's float32 fit (8e-9 relative)."""
    p, q = [_c(v, dt) for v in reversed(_P)], [_c(v, dt) for v in reversed(_Q)]
    mhalf, amax, one, mtwo, zero = _c(-0.5, dt), _c(15, dt), _c(1, dt), _c(-2, dt), _c(0, dt)

    def body(x, out, b, m):
        a, e, pv, qv = b
        np.abs(x, out=a)
        np.minimum(a, amax, out=a)
        np.multiply(a, a, out=e)
        np.multiply(e, mhalf, out=e)
        np.exp(e, out=e)
        horner(a, p, pv)
        horner(a, q, qv)
        np.divide(pv, qv, out=pv)
        np.multiply(pv, e, out=pv)                 # Phi(-|x|)
        np.greater_equal(x, zero, out=m)
        np.copyto(qv, m)                           # s = 1 for x >= 0
        np.multiply(qv, mtwo, out=e)
        np.add(e, one, out=e)
        np.multiply(pv, e, out=pv)
        np.add(pv, qv, out=pv)                     # s + (1 - 2s) Phi(-|x|) = Phi(x)
        np.multiply(pv, x, out=out)
    return _blocked(body, dt, 4)


def _tanhshrink(dt: np.dtype):
    # no series at all, float32 x - tanh(x) in float64 (astype, tanh, subtract, astype) is slower
    # still: 5.1 ms at 10^6 where symact took 2.3 and the hand-written 0.72 (NumPy's float64 tanh is
    # 4.8x its float32 one), and it would need a series below |x| = 1.5e-4 besides
    r, c3, c5, c7 = _c(0.96, dt), _c(1 / 3, dt), _c(-2 / 15, dt), _c(17 / 315, dt)

    def body(x, out, b, m):
        (a,) = b
        np.tanh(x, out=out)
        np.subtract(x, out, out=out)
        np.abs(x, out=a)
        np.less(a, r, out=m)
        idx = np.flatnonzero(m)
        v = x.take(idx)
        w = v * v
        s = w * c7
        s += c5
        s *= w
        s += c3
        s *= w
        s *= v
        out[idx] = s
    return _blocked(body, dt, 1)


@dataclass(frozen=True)
class Sketch:
    """A lower-bound kernel for one goal: ``build(dtype)`` gives ``run(x, out)``."""

    goal: str                                      # "piecewise", "gelu" or "hand" (bench.goals' kinds)
    name: str                                      # the activation, with "'" for the derivative
    leaves_out: str
    build: Callable[[np.dtype], Callable]
    against: str                                   # "floor" or "hand"
    #: dtype -> the largest relative difference from symact's kernel on |x| <= ``domain`` (tests check it)
    rtol: dict[str, float]
    domain: float = 20.0


SKETCHES = (
    Sketch("piecewise", "leaky_relu'", "the NaN check (a comparison, its conversion, a multiply and an add)",
           _leaky_relu_grad, "floor", {"float32": 0.0, "float64": 0.0}),
    Sketch("piecewise", "hardsigmoid", "correct rounding (a multiply by 1/6 for the division)",
           _hardsigmoid, "floor", {"float32": 2.4e-7, "float64": 4.5e-16}),
    Sketch("gelu", "gelu", "accuracy: one exp and a 4/5 rational fit (8e-9), a^2 not split, nothing "
           "beyond |x| = 15; 14 float32 ULP, 2e-8 relative in float64",
           _gelu, "floor", {"float32": 2e-6, "float64": 3e-8}, domain=14.0),
    Sketch("hand", "tanhshrink", "the series' accuracy: 3 terms on |x| < 0.96 (5% off), where float32 needs 16",
           _tanhshrink, "hand", {"float32": 0.06}),
)


def _symact_call(name: str):
    from .activation import get

    act = get(name.rstrip("'"))
    return act.grad if name.endswith("'") else act


def run(sizes: tuple[int, ...] = (10**6, 10**7), repeats: int = 5, say: Callable[[str], object] | None = print
        ) -> list[dict]:
    """Each sketch at each size and dtype, interleaved with the floor, symact (``out=``) and, for goals
    against the hand-written version, that version: ratios to the floor or to hand, medians of ``repeats``."""
    from .bench import HAND

    rows = []
    rng = np.random.default_rng(0)
    for sk in SKETCHES:
        kern = _symact_call(sk.name)
        for dt_name in sk.rtol:
            dt = np.dtype(dt_name)
            fn = sk.build(dt)
            for n in sizes:
                x = (3 * rng.standard_normal(n)).astype(dt)
                calls = {"floor": np.copyto, "sketch": lambda o, v, f=fn: f(v, o),
                         "symact": lambda o, v, k=kern: k(v, out=o)}
                if sk.against == "hand":
                    h = HAND[sk.name.rstrip("'")][1 if sk.name.endswith("'") else 0]
                    calls["hand"] = lambda o, v, h=h: h(v)
                med = _medians(calls, x, repeats)
                base = med[sk.against]
                rows.append({"goal": sk.goal, "name": sk.name, "dtype": dt_name, "n": n, "against": sk.against,
                             "leaves_out": sk.leaves_out, "sketch": med["sketch"] / base,
                             "symact": med["symact"] / base})
                if say:
                    say(f"  {sk.name:12s} {dt_name} n={n:.0e}: sketch {rows[-1]['sketch']:.2f}, "
                        f"symact {rows[-1]['symact']:.2f} x {sk.against}")
    return rows


def _medians(calls: dict[str, Callable], x: np.ndarray, repeats: int) -> dict[str, float]:
    """Median seconds of ``call(out, x)`` per name, the calls interleaved, after one warm-up call each."""
    from .bench import _timer

    out = np.empty_like(x)
    t: dict[str, list[float]] = {k: [] for k in calls}
    with np.errstate(all="ignore"):
        for c in calls.values():
            c(out, x)
        for _ in range(repeats):
            for k, c in calls.items():
                t[k].append(_timer(lambda c=c: c(out, x), 1))
    return {k: statistics.median(v) for k, v in t.items()}


def format_bounds(rows: list[dict]) -> str:
    lines = ["lower bounds (a NumPy sketch that does less than a correct kernel; ratio to floor or hand):"]
    for r in rows:
        lines.append(f"  {r['name']:12s} {r['dtype']} {r['n']:.0e}  sketch {r['sketch']:6.2f}  symact "
                     f"{r['symact']:6.2f}  x {r['against']:5s}  (leaves out {r['leaves_out']})")
    return "\n".join(lines)
