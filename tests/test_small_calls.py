"""Small calls: what makes them cheap must not change a bit.

* printed kernels compiled for one dtype take their numeric operands as 0-d arrays of it
  (``kernels.hoist_constants``): the same values NumPy converts Python numbers to;
* steps, indicators and constants on arrays of at most ``_runtime.SMALL`` elements go through
  ``np.heaviside`` instead of comparisons and a NaN check: the same values as on large arrays.
"""
from __future__ import annotations

import ast
import itertools

import numpy as np
import pytest

import symact
from symact import _runtime, kernels, registry
from symact.kernels import _PROBE, compile_source

NAMES = registry.names(kind="elementwise")


def _bits(a: np.ndarray) -> np.ndarray:
    """Bit patterns with every NaN made one pattern (a NaN's sign and payload are not part of the contract)."""
    a = np.asarray(a)
    return np.where(np.isnan(a), np.nan, a).view(np.uint8)


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(_bits(a), _bits(b))


def test_hoist_replaces_only_operands_next_to_arrays():
    src = ("def _lambdifygenerated(x):\n"
           "    return (2/3)*x + maximum(x, 0) - 1.5 + symact_in(x, 0, None, 0, 0) + x**2\n")
    tree = ast.parse(src)
    consts = kernels.hoist_constants(tree, np.dtype(np.float32))
    text = ast.unparse(tree)
    assert "2 / 3" in text                        # Python arithmetic between numbers stays Python
    assert "symact_in(x, 0, None, 0, 0)" in text  # a helper's arguments are the values it tests
    assert "x ** 2" in text                       # powers keep NumPy's scalar fast paths
    assert "maximum(x, _k" in text and "- _k" in text
    assert sorted(float(v) for v in consts.values()) == [0.0, 1.5]
    assert all(v.dtype == np.float32 and v.ndim == 0 for v in consts.values())


def test_hoisted_float32_constant_is_the_rounded_value():
    src = "def _lambdifygenerated(x):\n    return x*0.1 + greater(x, 1e300)\n"
    fn = compile_source(src, np.dtype(np.float32))
    plain = compile_source(src)
    x = np.array([1.0, 3.0, -7.5, 3e38, np.inf], dtype=np.float32)
    with np.errstate(over="ignore"):
        assert _same(fn(x), plain(x))
    assert fn(x).dtype == np.float32


@pytest.mark.parametrize("name", NAMES)
def test_hoisted_kernels_give_the_same_bits(name):
    """Every kernel compiled per dtype equals the generic compile of the same source, on the probe
    inputs (NaN, infinities, huge and subnormal values) and a dense grid, both dtypes."""
    act = symact.get(name)
    rng = np.random.default_rng(5)
    x64 = np.concatenate([_PROBE, rng.standard_normal(3000) * 3, rng.standard_normal(500) * 60])
    with np.errstate(over="ignore"):
        x32 = x64.astype(np.float32)
    for k in (act.kernel, act.grad_kernel):
        with np.errstate(all="ignore"):
            assert _same(k._fn64(x64), k._fn(x64)), k.name
            assert _same(k._fn32(x32), compile_source(k._source32)(x32)), k.name


def _inputs(dtype):
    vals = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.5, -0.5, 6, -6, 1, -1, 3, -3, 0.1, -0.1, 2, 1e-45, -1e-45, 3e38]
    rng = np.random.default_rng(2)
    with np.errstate(over="ignore"):
        u = np.concatenate([vals, rng.standard_normal(60) * 4]).astype(dtype)
    return np.concatenate([u, np.nextafter(u, dtype(np.inf)), np.nextafter(u, dtype(-np.inf))])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_small_indicators_match_the_large_path(dtype):
    """symact_in on <= SMALL elements (heaviside) gives what the same elements give inside a large
    array (comparisons, conversion, NaN check), for every kind of interval and value pair."""
    u = _inputs(dtype)
    assert u.size <= _runtime.SMALL
    pad = np.zeros(_runtime.SMALL + 100, dtype)
    big = np.concatenate([u, pad])
    intervals = [(0, None), (None, 0), (0, 6), (-0.5, 0.5), (-3, 3), (0.1, None), (-3, 2), (None, 6), (0, 0)]
    values = [(1.0, 0.0), (1.0, 0.01), (1 / 6, 0.0), (-2.0, 0.0), (0.3, 0.7)]
    n = 0
    with np.errstate(over="ignore"):
        for (lo, hi), cl, ch, outside, (v, o) in itertools.product(intervals, (0, 1), (0, 1), (False, True), values):
            small = _runtime.symact_in(u, lo, hi, cl, ch, outside, value=v, other=o)
            large = _runtime.symact_in(big, lo, hi, cl, ch, outside, value=v, other=o)[:u.size]
            assert _same(small, large), (lo, hi, cl, ch, outside, v, o)
            n += 1
        for h0 in (0, 1):
            assert _same(_runtime.symact_step(u, h0), _runtime.symact_step(big, h0)[:u.size])
    assert n == 9 * 2 * 2 * 2 * 5
    # the values themselves, at the edges: relu' (0 at 0, NaN kept) and hardshrink' (|u| > 0.5)
    r = _runtime.symact_in(np.array([-1.0, -0.0, 0.0, 2.0, np.nan, np.inf], dtype), 0, None, 0, 0)
    assert r.tolist()[:4] == [0.0, 0.0, 0.0, 1.0] and np.isnan(r[4]) and r[5] == 1.0
    r = _runtime.symact_in(np.array([-0.5, 0.5, 0.75, -np.inf], dtype), -0.5, 0.5, 1, 1, outside=True)
    assert r.tolist() == [0.0, 0.0, 1.0, 1.0]


def test_small_calls_raise_no_warnings():
    """The heaviside path subtracts bounds: no overflow flag even at the ends of the float range."""
    for dtype in (np.float32, np.float64):
        big = np.finfo(dtype).max
        u = np.array([big, -big, np.inf, -np.inf, np.nan, 0.0], dtype)
        with np.errstate(all="raise"):
            for name in ("relu", "relu6", "hardtanh", "hardshrink", "threshold", "heaviside", "leaky_relu"):
                act = symact.get(name)
                act.grad(u)
                act(u)
