"""``symact bench``: symact's kernels timed side by side with the alternatives, in one run.

For every elementwise activation f and its derivative f', each dtype and each size, the
implementations below are timed *interleaved* (one call of each in turn, ``repeats`` rounds,
the median kept), on the same input ``3 * N(0, 1)`` (both branches of every kink, some tail):

==============  ===============================================================================
``symact``      ``symact.get(name)(x)`` / ``.grad(x)`` (the default NumPy backend), allocating
``symact_out``  the same with a preallocated ``out=``
``numba``       the fused single-pass backend (``act.backend("numba")``) with ``out=``, if numba is installed
``hand``        the best hand-written NumPy/SciPy version (``HAND`` below), allocating
``naive``       ``sympy.lambdify(x, expr, "numpy")`` of the plain definition (custom functions expanded)
``torch``       PyTorch CPU, one thread, allocating (if installed)
``torch_out``   the same with ``out=``; derivatives are the aten ``*_backward`` ops with grad_output = 1
``floor``       ``np.copyto(out, x)``: one read and one write, the limit for any elementwise kernel
==============  ===============================================================================

A row whose first medians break a worst-case goal is timed ``CONFIRM * repeats`` rounds more, every
implementation alike, and keeps the median of all its rounds (``_suspect``): a burst of slow calls is
outvoted, a real excess stays.

Ratios: ``hand`` = symact/hand (both allocating), ``torch_out`` = symact_out/torch_out,
``floor`` = symact_out/floor, and ``numba_*`` the same for the numba backend.  Memory: the
peak of NumPy's allocations (tracemalloc) during one call at the largest size, in units of
the input's size (``out=`` calls: temporaries only; allocating calls include the result).

JSON written by ``json_path`` (the site's benchmark page reads it), schema 1::

    {"schema": 1, "meta": {"python", "numpy", "scipy", "sympy", "torch", "numba", "platform",
                           "cpus", "date", "short", "repeats", "confirm", "import_s", "first_call_s"},
     "sizes": [int], "dtypes": [str], "impls": [str],
     "results": [{"name", "which": "f"|"grad", "dtype", "n", "rounds": int,
                  "seconds": {impl: float|null},       # median seconds per call
                  "ratios": {"hand", "torch_out", "floor", "numba_torch_out", "numba_floor": float|null},
                  "memory": {impl: float|null}}],       # peak extra bytes / input bytes (largest n only)
     "goals": {goal: {"value": float|null, "target": float, "met": bool|null}},
     "bounds": [{"goal", "name", "dtype", "n", "against": "floor"|"hand", "leaves_out",
                 "sketch": float, "symact": float}]}     # with --bounds only (symact.bench_bounds)

Timings are measurements, never assertions: the short mode (CI) checks only that everything runs.
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import numpy as np
import scipy.special as sc

IMPLS = ("symact", "symact_out", "numba", "hand", "naive", "torch", "torch_out", "floor")
#: piecewise-linear kernels (goal: <= 2x the copy floor at 10^7)
PIECEWISE_LINEAR = ("identity", "relu", "leaky_relu", "prelu", "rrelu", "relu6", "hardtanh", "hardshrink",
                    "softshrink", "threshold", "heaviside", "hardsigmoid")
#: the cheap kernels the fused backend is compared with PyTorch on
CHEAP = (*PIECEWISE_LINEAR, "hardswish", "sigmoid", "silu", "softsign", "tanh")
#: the issue's worst-case targets: symact/hand at >= 10^6; piecewise-linear and cheap kernels / copy floor
WORST_HAND, WORST_FLOOR = 1.5, 2.0

_S2 = math.sqrt(2.0)
_ISQRT2PI = 1 / math.sqrt(2 * math.pi)
_GT = math.sqrt(2 / math.pi)  # gelu_tanh's sqrt(2/pi)
_SELU_A, _SELU_S = 1.6732632423543772, 1.0507009873554805
_RRELU = (1 / 8 + 1 / 3) / 2


def _ind(c, dt):
    """A boolean mask as 0/1 of dtype ``dt`` (what an expert writes for a step derivative)."""
    return c.astype(dt)


def _pick(c, a, b, dt):
    return np.where(c, dt.type(a), dt.type(b))


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _gelu_tanh_grad(x):
    u = _GT * (x + 0.044715 * x * x * x)
    t = np.tanh(u)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GT * (1 + 3 * 0.044715 * x * x)


def _mish_grad(x):
    t = np.tanh(_softplus(x))
    return t + x * sc.expit(x) * (1 - t * t)


def _silu_grad(x, b=1.0):
    s = sc.expit(b * x)
    return s * (1 + b * x * (1 - s))


#: name -> (forward, derivative): fast NumPy/SciPy as an expert writes them (default parameters).
#: Python-float constants keep float32 in float32; no care for tails: that is symact's job.
HAND: dict[str, tuple[Callable, Callable]] = {
    "identity": (lambda x: x.copy(), lambda x: np.ones_like(x)),
    "relu": (lambda x: np.maximum(x, 0), lambda x: _ind(x > 0, x.dtype)),
    "leaky_relu": (lambda x: np.maximum(x, 0.01 * x), lambda x: _pick(x > 0, 1, 0.01, x.dtype)),
    "prelu": (lambda x: np.maximum(x, 0.25 * x), lambda x: _pick(x > 0, 1, 0.25, x.dtype)),
    "rrelu": (lambda x: np.maximum(x, _RRELU * x), lambda x: _pick(x > 0, 1, _RRELU, x.dtype)),
    "relu6": (lambda x: np.clip(x, 0, 6), lambda x: _ind((x > 0) & (x < 6), x.dtype)),
    "hardtanh": (lambda x: np.clip(x, -1, 1), lambda x: _ind((x > -1) & (x < 1), x.dtype)),
    "hardsigmoid": (lambda x: np.clip(x / 6 + 0.5, 0, 1), lambda x: _pick((x > -3) & (x < 3), 1 / 6, 0, x.dtype)),
    "hardswish": (lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
                  lambda x: np.where(x < -3, 0, np.where(x > 3, 1, x / 3 + 0.5)).astype(x.dtype)),
    "heaviside": (lambda x: _ind(x >= 0, x.dtype), lambda x: np.zeros_like(x)),
    "threshold": (lambda x: np.where(x > 0.1, x, x.dtype.type(20)), lambda x: _ind(x > 0.1, x.dtype)),
    "softshrink": (lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0), lambda x: _ind(np.abs(x) > 0.5, x.dtype)),
    "hardshrink": (lambda x: np.where(np.abs(x) > 0.5, x, 0), lambda x: _ind(np.abs(x) > 0.5, x.dtype)),
    "sigmoid": (sc.expit, lambda x: (lambda s: s * (1 - s))(sc.expit(x))),
    "tanh": (np.tanh, lambda x: (lambda t: 1 - t * t)(np.tanh(x))),
    "log_sigmoid": (sc.log_expit, lambda x: sc.expit(-x)),
    "softsign": (lambda x: x / (1 + np.abs(x)), lambda x: (lambda d: 1 / (d * d))(1 + np.abs(x))),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
            lambda x: np.where(x > 0, 1, np.exp(np.minimum(x, 0))).astype(x.dtype)),
    "celu": (lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
             lambda x: np.where(x > 0, 1, np.exp(np.minimum(x, 0))).astype(x.dtype)),
    "selu": (lambda x: _SELU_S * np.where(x > 0, x, _SELU_A * np.expm1(np.minimum(x, 0))),
             lambda x: _SELU_S * np.where(x > 0, 1, _SELU_A * np.exp(np.minimum(x, 0))).astype(x.dtype)),
    "softplus": (_softplus, sc.expit),
    "gelu": (lambda x: x * sc.ndtr(x), lambda x: sc.ndtr(x) + x * _ISQRT2PI * np.exp(-0.5 * x * x)),
    "gelu_tanh": (lambda x: 0.5 * x * (1 + np.tanh(_GT * (x + 0.044715 * x * x * x))), _gelu_tanh_grad),
    "gelu_sigmoid": (lambda x: x * sc.expit(1.702 * x), lambda x: _silu_grad(x, 1.702)),
    "silu": (lambda x: x * sc.expit(x), _silu_grad),
    "swish_beta": (lambda x: x * sc.expit(x), _silu_grad),
    "mish": (lambda x: x * np.tanh(_softplus(x)), _mish_grad),
    "tanhshrink": (lambda x: x - np.tanh(x), lambda x: np.square(np.tanh(x))),
    "sine": (lambda x: np.sin(30.0 * x), lambda x: 30.0 * np.cos(30.0 * x)),
}


def _torch_table(torch) -> dict[str, tuple[Callable | None, Callable | None]]:
    """name -> (forward(v, out), derivative(v, out)) with PyTorch's own CPU kernels writing into ``out``.

    Derivatives are the aten backward ops autograd runs (grad_output = ones, the saved output of
    sigmoid/tanh precomputed as autograd keeps it); None where PyTorch has no such kernel.
    """
    A = torch.ops.aten
    g1: dict[tuple, Any] = {}

    def ones(v):
        k = (v.dtype, v.shape)
        if k not in g1:
            g1[k] = torch.ones_like(v)
        return g1[k]

    saved: dict[tuple, Any] = {}

    def out_of(fn, v):  # autograd's saved output (computed once, not timed)
        k = (fn, v.data_ptr(), v.dtype, v.shape)
        if k not in saved:
            saved.clear()
            saved[k] = fn(v)
        return saved[k]

    def leaky(s):
        return (lambda v, o: A.leaky_relu.out(v, s, out=o),
                lambda v, o: A.leaky_relu_backward.grad_input(ones(v), v, s, False, grad_input=o))

    def elu(a, sc_, isc):
        return (lambda v, o: A.elu.out(v, a, sc_, isc, out=o),
                lambda v, o: A.elu_backward.grad_input(ones(v), a, sc_, isc, False, v, grad_input=o))

    def clamp(lo, hi):
        return (lambda v, o: A.hardtanh.out(v, lo, hi, out=o),
                lambda v, o: A.hardtanh_backward.grad_input(ones(v), v, lo, hi, grad_input=o))

    buf: dict[tuple, Any] = {}

    def lsbuf(v):
        return buf.setdefault((v.dtype, v.shape), torch.empty_like(v))

    silu = (lambda v, o: A.silu.out(v, out=o), lambda v, o: A.silu_backward.grad_input(ones(v), v, grad_input=o))
    return {
        "identity": (lambda v, o: o.copy_(v), None),
        "relu": (lambda v, o: A.relu.out(v, out=o),
                 lambda v, o: A.threshold_backward.grad_input(ones(v), v, 0, grad_input=o)),
        "leaky_relu": leaky(0.01), "prelu": leaky(0.25), "rrelu": leaky(_RRELU),
        "relu6": clamp(0.0, 6.0), "hardtanh": clamp(-1.0, 1.0),
        "hardsigmoid": (lambda v, o: A.hardsigmoid.out(v, out=o),
                        lambda v, o: A.hardsigmoid_backward.grad_input(ones(v), v, grad_input=o)),
        "hardswish": (lambda v, o: A.hardswish.out(v, out=o),
                      lambda v, o: A.hardswish_backward.out(ones(v), v, out=o)),
        "heaviside": (lambda v, o: torch.heaviside(v, ones(v), out=o), None),
        "threshold": (lambda v, o: A.threshold.out(v, 0.1, 20.0, out=o),
                      lambda v, o: A.threshold_backward.grad_input(ones(v), v, 0.1, grad_input=o)),
        "softshrink": (lambda v, o: A.softshrink.out(v, 0.5, out=o),
                       lambda v, o: A.softshrink_backward.grad_input(ones(v), v, 0.5, grad_input=o)),
        "hardshrink": (lambda v, o: A.hardshrink.out(v, 0.5, out=o),
                       lambda v, o: A.hardshrink_backward.grad_input(ones(v), v, 0.5, grad_input=o)),
        "sigmoid": (lambda v, o: A.sigmoid.out(v, out=o),
                    lambda v, o: A.sigmoid_backward.grad_input(ones(v), out_of(torch.sigmoid, v), grad_input=o)),
        "tanh": (lambda v, o: A.tanh.out(v, out=o),
                 lambda v, o: A.tanh_backward.grad_input(ones(v), out_of(torch.tanh, v), grad_input=o)),
        "log_sigmoid": (lambda v, o: A.log_sigmoid_forward.output(v, output=o, buffer=lsbuf(v)),
                        lambda v, o: A.log_sigmoid_backward.grad_input(ones(v), v, lsbuf(v), grad_input=o)),
        "softsign": (lambda v, o: torch.div(v, torch.abs(v).add_(1), out=o), None),
        "elu": elu(1.0, 1.0, 1.0), "celu": elu(1.0, 1.0, 1.0), "selu": elu(_SELU_A, _SELU_S, 1.0),
        "softplus": (lambda v, o: A.softplus.out(v, 1.0, 20.0, out=o),
                     lambda v, o: A.softplus_backward.grad_input(ones(v), v, 1.0, 20.0, grad_input=o)),
        "gelu": (lambda v, o: A.gelu.out(v, approximate="none", out=o),
                 lambda v, o: A.gelu_backward.grad_input(ones(v), v, approximate="none", grad_input=o)),
        "gelu_tanh": (lambda v, o: A.gelu.out(v, approximate="tanh", out=o),
                      lambda v, o: A.gelu_backward.grad_input(ones(v), v, approximate="tanh", grad_input=o)),
        "gelu_sigmoid": (lambda v, o: torch.mul(v, torch.sigmoid(1.702 * v), out=o), None),
        "silu": silu, "swish_beta": silu,
        "mish": (lambda v, o: A.mish.out(v, out=o), lambda v, o: o.copy_(A.mish_backward(ones(v), v))),
        "tanhshrink": (lambda v, o: torch.sub(v, torch.tanh(v), out=o), None),
        "sine": (lambda v, o: torch.sin(30.0 * v, out=o), lambda v, o: torch.mul(torch.cos(30.0 * v), 30.0, out=o)),
    }


def _naive(act, which: str) -> Callable | None:
    """``sympy.lambdify(x, expr, "numpy")`` of the plain definition (sigmoid/softplus/Phi expanded).

    SymPy binds ``math.erf`` for "numpy" alone (fails on arrays), so erf falls back to ["scipy", "numpy"].
    """
    import sympy as sp

    from .functions import elementary, x

    expr = elementary(act.expr if which == "f" else act.derivative)
    probe = np.linspace(-3, 3, 5)
    for modules in ("numpy", ["scipy", "numpy"]):
        try:
            fn = sp.lambdify(x, expr, modules)
            with np.errstate(all="ignore"):
                np.asarray(fn(probe), dtype=float)
            return fn
        except Exception:  # noqa: BLE001 - any failure means: try the next module set, else no naive column
            continue
    return None


def _numba_view(act):
    try:
        from .numba_backend import available
    except ImportError:
        return None
    return act.backend("numba") if available() else None


def _timer(fn: Callable[[], Any], number: int) -> float:
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number


def _peak(fn: Callable[[], Any]) -> int:
    """Peak bytes NumPy allocates (tracemalloc) during one call, beyond what was live before."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        r = fn()
        peak = tracemalloc.get_traced_memory()[1]
        del r
    finally:
        tracemalloc.stop()
    return max(0, peak - base)


def _calls(act, which: str, dtype: np.dtype, naive: dict, torch, ttable, numba_view, names_numba: bool):
    """impl -> (call(x, out)) for one kernel; missing implementations are left out."""
    kern = act if which == "f" else act.grad
    calls: dict[str, Callable] = {
        "symact": lambda x, o: kern(x),
        "symact_out": lambda x, o: kern(x, out=o),
        "floor": lambda x, o: np.copyto(o, x),
    }
    if numba_view is not None and names_numba:
        nk = numba_view if which == "f" else numba_view.grad
        calls["numba"] = lambda x, o: nk(x, out=o)
    hand = HAND.get(act.name)
    if hand is not None:
        h = hand[0 if which == "f" else 1]
        calls["hand"] = lambda x, o: h(x)
    nv = naive.get((act.name, which))
    if nv is not None:
        calls["naive"] = lambda x, o: nv(x)
    if torch is not None and ttable.get(act.name, (None, None))[0 if which == "f" else 1] is not None:
        tf = ttable[act.name][0 if which == "f" else 1]
        cache: dict[int, Any] = {}

        def tens(a):
            k = id(a)
            if k not in cache:
                cache[k] = torch.from_numpy(a)
            return cache[k]

        calls["torch"] = lambda x, o: tf(tens(x), torch.empty_like(tens(x)))
        calls["torch_out"] = lambda x, o: tf(tens(x), tens(o))
    return calls


def _ratio(a, b):
    return a / b if a is not None and b is not None and b > 0 else None


def _rounds(calls: dict, outs: dict, x: np.ndarray, number: int, rounds: int, samples: dict) -> None:
    """``rounds`` more interleaved rounds (one timing of each implementation in turn, the starting one
    rotating) appended to ``samples``."""
    order = list(calls)
    start = len(samples["floor"])
    for r in range(start, start + rounds):
        for k in order[r % len(order):] + order[:r % len(order)]:
            samples[k].append(_timer(lambda c=calls[k], o=outs[k], x=x: c(x, o), number))


def _medians(samples: dict) -> dict[str, float | None]:
    return {k: statistics.median(samples[k]) if samples.get(k) else None for k in IMPLS}


def _row_ratios(samples: dict) -> dict[str, float | None]:
    s = _medians(samples)
    return {"hand": _ratio(s["symact"], s["hand"]), "torch_out": _ratio(s["symact_out"], s["torch_out"]),
            "floor": _ratio(s["symact_out"], s["floor"]), "numba_torch_out": _ratio(s["numba"], s["torch_out"]),
            "numba_floor": _ratio(s["numba"], s["floor"])}


#: rows whose first rounds put them over a worst-case goal get CONFIRM times as many rounds again
CONFIRM = 2


def _suspect(name: str, n: int, top: int, ratios: dict) -> bool:
    """Whether a row's first medians break one of the worst-case goals.  Two slow calls of one
    implementation (another process, a page-cache flush) decide a median of 3 one-call samples at 10^7;
    every implementation of such a row is timed again, interleaved as before, and the median of all its
    rounds is kept, so a real excess stays and a hiccup is outvoted (the same rounds for symact and what
    it is compared with)."""
    def over(key, target):
        v = ratios.get(key)
        return v is not None and v > target

    return ((n >= 10**6 and over("hand", WORST_HAND))
            or (n == top and name in PIECEWISE_LINEAR and over("floor", WORST_FLOOR))
            or (n == top and name in CHEAP and over("numba_floor", WORST_FLOOR)))


def _startup_times() -> tuple[float | None, float | None]:
    """(import symact beyond import numpy, first get('gelu')(x)) in a fresh interpreter, seconds."""
    code = ("import time; import numpy as np; t0 = time.perf_counter(); import symact; t1 = time.perf_counter();"
            "x = np.linspace(-3, 3, 100); symact.get('gelu')(x); t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
        a, b = out.stdout.split()
        return float(a), float(b)
    except (subprocess.SubprocessError, ValueError, OSError):
        return None, None


def run(names: Iterable[str] | None = None, sizes: Iterable[int] = (10**2, 10**4, 10**6, 10**7),
        dtypes: Iterable[str] = ("float32", "float64"), repeats: int = 7, short: bool = False,
        json_path: str | None = None, progress: Callable[[str], Any] | None = print,
        numba: bool | None = None, bounds: bool = False) -> dict:
    """Time every kernel against the alternatives (see the module docstring); returns the JSON dict.

    ``short`` (CI): sizes 10^2 and 10^4, 3 repeats, no numba compilation — checks that it all runs.
    ``numba``: include the fused backend (default: when installed and not ``short``).
    ``bounds``: also time ``symact.bench_bounds``' sketches at this run's sizes from 10^6 (``"bounds"``).
    """
    from . import registry
    from .activation import get

    say = progress or (lambda s: None)
    if short:
        sizes, repeats = (10**2, 10**4), min(repeats, 3)
    sizes, dtypes = tuple(int(n) for n in sizes), tuple(dtypes)
    names = list(names) if names is not None else registry.names(kind="elementwise")
    try:
        import torch

        torch.set_num_threads(1)
        ttable = _torch_table(torch)
    except ImportError:
        torch, ttable = None, {}
    use_numba = (not short) if numba is None else numba
    import_s, first_s = _startup_times()
    acts = {n: get(n) for n in names}
    naive = {(n, w): _naive(a, w) for n, a in acts.items() for w in ("f", "grad")}
    numba_views = {n: _numba_view(a) for n, a in acts.items()} if use_numba else {}
    rng = np.random.default_rng(0)
    results = []
    for dt_name in dtypes:
        dt = np.dtype(dt_name)
        for n in sizes:
            x = (3 * rng.standard_normal(n)).astype(dt)
            number = max(1, int((2e4 if short else 2e5) // n))
            for name, act in acts.items():
                for which in ("f", "grad"):
                    calls = _calls(act, which, dt, naive, torch, ttable, numba_views.get(name), use_numba)
                    outs = {k: np.empty_like(x) for k in calls}
                    with np.errstate(all="ignore"):
                        for k, c in calls.items():  # warm up: builds kernels, compiles, faults pages in
                            c(x, outs[k])
                        samples: dict[str, list[float]] = {k: [] for k in calls}
                        _rounds(calls, outs, x, number, repeats, samples)
                        if not short and _suspect(name, n, max(sizes), _row_ratios(samples)):
                            _rounds(calls, outs, x, number, CONFIRM * repeats, samples)
                        memory: dict[str, float | None] = {}
                        if n == max(sizes):
                            for k, c in calls.items():
                                if not k.startswith("torch"):
                                    memory[k] = _peak(lambda c=c, o=outs[k], x=x: c(x, o)) / x.nbytes
                    results.append({"name": name, "which": which, "dtype": dt_name, "n": n,
                                    "seconds": _medians(samples), "ratios": _row_ratios(samples),
                                    "rounds": len(samples["floor"]), "memory": memory})
            say(f"  {dt_name} n={n}: {len(acts)} activations done")
    meta = {"python": platform.python_version(), "numpy": np.__version__, "scipy": _version("scipy"),
            "sympy": _version("sympy"), "torch": _version("torch"), "numba": _version("numba") if use_numba else None,
            "platform": platform.platform(), "cpus": _cpus(), "date": datetime.now(timezone.utc).isoformat(),
            "short": short, "repeats": repeats, "confirm": 0 if short else CONFIRM, "import_s": import_s,
            "first_call_s": first_s}
    report = {"schema": 1, "meta": meta, "sizes": list(sizes), "dtypes": list(dtypes), "impls": list(IMPLS),
              "results": results}
    report["goals"] = goals(report)
    big = tuple(n for n in sizes if n >= 10**6)
    if bounds and big:
        from . import bench_bounds

        say("lower bounds:")
        report["bounds"] = bench_bounds.run(sizes=big, repeats=repeats, say=say)
    if progress:
        say(format_table(report))
        if report.get("bounds"):
            from .bench_bounds import format_bounds

            say(format_bounds(report["bounds"]))
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(report, fh, indent=1, allow_nan=False, default=_nan_none)
    return report


def _nan_none(v):
    return None


def _version(mod: str) -> str | None:
    try:
        return __import__(mod).__version__
    except ImportError:
        return None


def _cpus() -> int | None:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _stats(vals: list[float]) -> tuple[float | None, float | None]:
    vals = [v for v in vals if v is not None and math.isfinite(v)]
    return (statistics.median(vals), max(vals)) if vals else (None, None)


def _label(r: dict) -> str:
    return f"{r['name']}{chr(39) if r['which'] == 'grad' else ''} {r['dtype']} {r['n']:.0e}"


def _worst(rows: list[dict], key: str, target: float) -> tuple[float | None, str | None, list[str]]:
    """(largest ratio, the entry it is from, every entry over ``target`` worst first, as "label ratio")."""
    vals = sorted(((r["ratios"][key], _label(r)) for r in rows
                   if r["ratios"].get(key) is not None and math.isfinite(r["ratios"][key])), reverse=True)
    if not vals:
        return None, None, []
    return vals[0][0], vals[0][1], [f"{lab} {v:.2f}" for v, lab in vals if v > target]


def goals(report: dict) -> dict:
    """The issue's goals evaluated on this run's ratios (None where the run lacks the data).  A goal on a
    worst case also names the entry it comes from (``where``) and lists the entries over its target
    (``over``), so a missed goal shows what misses it."""
    res = report["results"]
    big = [r for r in res if r["n"] >= 10**6]
    top = max(report["sizes"])
    at_top = [r for r in res if r["n"] == top]
    pwl = [r for r in at_top if r["name"] in PIECEWISE_LINEAR]
    gelu = [r for r in at_top if r["name"] == "gelu"]
    cheap = [r for r in at_top if r["name"] in CHEAP]
    meta = report["meta"]

    def median(vals):
        return _stats(vals)[0]

    # (goal, value or (rows, ratio) for a worst case, target), in the order
    spec = [
        ("median symact/hand at >= 1e6", median([r["ratios"]["hand"] for r in big]), 1.0),
        ("worst symact/hand at >= 1e6", (big, "hand"), WORST_HAND),
        (f"piecewise-linear symact_out/floor at {top:.0e} (worst)", (pwl, "floor"), WORST_FLOOR),
        (f"gelu symact_out/floor at {top:.0e} (worst of f, f')", (gelu, "floor"), 8.0),
        # the same two goals met by the fused backend instead (Phi branch-free for float32 results only)
        (f"piecewise-linear numba/floor at {top:.0e} (worst)", (pwl, "numba_floor"), WORST_FLOOR),
        *((f"gelu numba/floor at {top:.0e}, {dt} (worst of f, f')",
           ([r for r in gelu if r["dtype"] == dt], "numba_floor"), 8.0) for dt in ("float32", "float64")),
        ("numba/torch_out, cheap kernels (median)", median([r["ratios"]["numba_torch_out"] for r in cheap]), 1.0),
        ("numba/floor, cheap kernels (worst)", (cheap, "numba_floor"), WORST_FLOOR),
        ("per-call symact/hand at 1e2 (median)", median([r["ratios"]["hand"] for r in res if r["n"] == 10**2]), 2.0),
        ("temporaries of symact_out / input (worst)",
         _stats([r["memory"].get("symact_out") for r in at_top if r["memory"]])[1], 3.0),
        ("import symact beyond numpy (s)", meta.get("import_s"), 0.3),
        ("first get('gelu')(x) (s)", meta.get("first_call_s"), 0.2),
    ]
    out = {}
    for name, v, t in spec:
        extra = {}
        if isinstance(v, tuple):
            v, where, over = _worst(*v, t)
            extra = {"where": where, "over": over}
        out[name] = {"value": v, "target": t, "met": None if v is None else bool(v <= t), **extra}
    return out


def _fmt(v: float | None, w: int = 7) -> str:
    return f"{'-':>{w}s}" if v is None else f"{v:{w}.2f}"


def format_table(report: dict) -> str:
    """Ratios per kernel (columns: per dtype, size: symact/hand, symact_out/torch_out, symact_out/floor)."""
    lines = []
    cols = [(d, n) for d in report["dtypes"] for n in report["sizes"] if n >= 10**6] or \
        [(d, max(report["sizes"])) for d in report["dtypes"]]
    head = f"{'kernel':16s}" + "".join(f" | {d[5:]}@{n:.0e} hand  torch floor numba" for d, n in cols)
    lines += ["ratios (lower is faster for symact): symact/hand, symact_out/torch_out, symact_out/floor, "
              "numba_out/floor", head, "-" * len(head)]
    idx = {(r["name"], r["which"], r["dtype"], r["n"]): r for r in report["results"]}
    names = sorted({r["name"] for r in report["results"]})
    for name in names:
        for which in ("f", "grad"):
            cells = []
            for d, n in cols:
                r = idx.get((name, which, d, n))
                q = r["ratios"] if r else {}
                cells.append(" | " + " ".join(_fmt(q.get(k), 5 if i else 10) for i, k in
                                              enumerate(("hand", "torch_out", "floor", "numba_floor"))))
            lines.append(f"{name + ('' if which == 'f' else chr(39)):16s}" + "".join(cells))
    lines.append("\ngoals:")
    for k, g in report["goals"].items():
        met = {True: "met", False: "NOT met", None: "n/a"}[g["met"]]
        lines.append(f"  {k:52s} {_fmt(g['value'])}  (target <= {g['target']})  {met}")
        if g["met"] is False and g.get("over"):
            more = f" (+{len(g['over']) - 6} more)" if len(g["over"]) > 6 else ""
            lines.append(f"      over: {', '.join(g['over'][:6])}{more}")
    return "\n".join(lines)


def cli_bench(args: list[str]) -> int:
    """``symact bench [--short] [--json PATH] [--names a,b] [--sizes 100,1e6] [--repeats N] [--no-numba]
    [--bounds]``."""
    p = argparse.ArgumentParser(prog="symact bench", description="benchmark the kernels side by side")
    p.add_argument("--short", action="store_true", help="small sizes, few repeats (CI; < 60 s)")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON (schema in symact.bench)")
    p.add_argument("--names", help="comma-separated activations (default: all)")
    p.add_argument("--sizes", help="comma-separated sizes, e.g. 100,1e4,1e6")
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--numba", dest="numba", action="store_true", default=None, help="include the numba backend")
    p.add_argument("--no-numba", dest="numba", action="store_false")
    p.add_argument("--bounds", action="store_true",
                   help="also time the NumPy lower-bound sketches of the missed goals (symact.bench_bounds)")
    ns = p.parse_args(args)
    kw: dict[str, Any] = {}
    if ns.sizes:
        kw["sizes"] = [int(float(s)) for s in ns.sizes.split(",")]
    run(names=ns.names.split(",") if ns.names else None, dtypes=ns.dtypes.split(","), repeats=ns.repeats,
        short=ns.short, json_path=ns.json, numba=ns.numba, bounds=ns.bounds, **kw)
    return 0
