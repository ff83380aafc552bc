"""``out=``: the kernels whose last operation writes into ``out`` (``kernels.out_source``) give the
same bits as without ``out``, for every elementwise activation, both dtypes, small and blocked
arrays, and ``out`` aliasing the input."""
from __future__ import annotations

import numpy as np
import pytest

import symact
from symact import kernels, registry

NAMES = registry.names(kind="elementwise")


def _inputs(n, dtype):
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.standard_normal(n - 9) * 4, [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 1e-30, 50]])
    return x.astype(dtype)


def test_out_source_rewrites_only_the_last_operation():
    src = "def _lambdifygenerated(x):\n    x0 = exp(x)\n    return x0*x + 1\n"
    got = kernels.out_source(src)
    assert "def _lambdifygenerated(x, out):" in got
    assert "x0 = exp(x)" in got and "return numpy.add(x0 * x, 1, out=out)" in got
    assert kernels.out_source("def _lambdifygenerated(x):\n    return maximum(x, 0)\n").endswith(
        "return maximum(x, 0, out=out)\n")
    sig = kernels.out_source("def _lambdifygenerated(x):\n    return symact_sigmoid(x)\n")
    assert "symact_sigmoid(x, out=out)" in sig
    # x itself, where(), and a helper without ``out`` keep the copy
    for body in ("x", "where(x > 0, x, 0)", "symact_ndtr(x)", "symact_cube(x)"):
        assert kernels.out_source(f"def _lambdifygenerated(x):\n    return {body}\n") is None, body


def test_spine_writes_intermediate_results_into_out():
    """With ``spine``, the chain of operations under the last one writes into ``out`` as well: the
    longest chain, a comparison only as a factor of a product, a runtime helper ending the chain."""
    def spine(body):
        src = kernels.out_source(f"def _lambdifygenerated(x):\n    return {body}\n", spine=True)
        return src.splitlines()[-1].strip()

    assert spine("x - clip(x, -0.5, 0.5)") == "return numpy.subtract(x, clip(x, -0.5, 0.5, out=out), out=out)"
    assert spine("x*greater(abs(x), 0.5) + 0.0") == (
        "return numpy.add(numpy.multiply(x, greater(abs(x, out=out), 0.5, out=out), out=out), 0.0, out=out)")
    # a comparison under a sum stays a bool temporary (True + True is not 2 in bools)
    assert spine("greater(x, 0) + greater(x, 1)") == "return numpy.add(greater(x, 0), greater(x, 1), out=out)"
    # the runtime helper writes into out, its argument does not (it reads x again after writing)
    assert spine("x*symact_sigmoid(exp(x))") == "return numpy.multiply(x, symact_sigmoid(exp(x), out=out), out=out)"
    # a temporary of unknown kind (CSE) and x itself stay as they are
    assert spine("x0 + x") == "return numpy.add(x0, x, out=out)"
    assert kernels.out_source("def _lambdifygenerated(x):\n    return x\n", spine=True) is None


def test_kernels_use_the_spine_where_it_gives_the_same_bits():
    k = symact.get("softshrink").kernel
    run = k._direct(np.dtype(np.float64))  # noqa: SLF001
    assert "clip(x, -0.5, 0.5, out=out)" in kernels.out_source(k.source, spine=True)
    x = _inputs(5000, np.float64)
    out = np.empty_like(x)
    run(x, out)
    np.testing.assert_array_equal(out, x - np.clip(x, -0.5, 0.5))
    # a rewrite that changes bits is refused: out=out on a float32 product of float64 parts
    f = kernels.compile_source("def _lambdifygenerated(x, out):\n    return numpy.multiply(x, 3.0, out=out)\n")
    g = kernels.compile_source("def _lambdifygenerated(x, out):\n    return numpy.multiply(x, 3.0000001, out=out)\n")
    assert kernels._same_bits(f, f, np.dtype(np.float64)) and not kernels._same_bits(f, g, np.dtype(np.float64))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [100, 3 * kernels._CHUNK + 7])
def test_out_gives_the_same_bits_as_a_fresh_result(dtype, n):
    x = _inputs(n, dtype)
    direct = 0
    for name in NAMES:
        act = symact.get(name)
        for f, k in ((act, act.kernel), (act.grad, act.grad_kernel)):
            want = f(x)
            out = np.full_like(x, 7.0)
            got = f(x, out=out)
            assert got is out
            np.testing.assert_array_equal(out, want, err_msg=f"{k.name} {dtype.__name__} n={n}")
            direct += bool(k._direct(x.dtype))  # noqa: SLF001
    # most kernels write straight into out (here: 155 of 162 in float64, 126 in float32; float32 counts
    # kernels certified for float32 on the whole line or an interval, which depends on the CPU's SIMD exp
    # and tanh; beyond an interval the float64 round trip patches out)
    assert direct > (100 if dtype == np.float64 else 40)


@pytest.mark.parametrize("name", ["relu", "silu", "sigmoid", "hardswish", "gelu", "tanh", "elu", "softsign",
                                  "softshrink", "hardshrink", "threshold", "leaky_relu", "mish"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_out_may_be_the_input_itself(name, dtype):
    act = symact.get(name)
    for f in (act, act.grad):
        for n in (100, 3 * kernels._CHUNK + 7):
            x = _inputs(n, dtype)
            want = f(x)
            y = x.copy()
            assert f(y, out=y) is y
            np.testing.assert_array_equal(y, want, err_msg=f"{name} {dtype.__name__} n={n}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [100, 5000])
def test_symact_where_is_np_where_bit_for_bit(dtype, n):
    """The bit select (arrays of 2048 and more) and the np.where path give np.where's bits, NaN, inf
    and -0.0 included, for array and scalar branches."""
    from symact._runtime import symact_where

    x = _inputs(n, dtype)
    c = x > 0.1
    with np.errstate(invalid="ignore"):
        cases = ((x, 20), (x, x - x), (1.0, -0.0), (-x, x))
        for a, b in cases:
            want, got = np.where(c, a, b), symact_where(c, a, b)
            assert got.dtype == want.dtype
            assert np.array_equal(got.view(np.uint8), want.view(np.uint8))
            out = np.empty_like(want)
            assert symact_where(c, a, b, out=out) is out and np.array_equal(out.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [100, 5000])
@pytest.mark.parametrize("t, v", [(0.1, 20), (0.0, 1.0), (-0.0, 2.0), (-3.0, 3.0), (3.0, 3.0), (1e-310, 1.0),
                                  (-1e-45, 0.5), (0.1, -20), (5.0, 1.0)])
def test_threshold_is_the_select_bit_for_bit(dtype, n, t, v):
    """symact_threshold (a maximum with +-v where |t| <= v, the select otherwise, last two cases) gives
    u where u > t (t compared exactly, in float64) and v elsewhere, NaN for NaN, signed zeros kept;
    into a fresh array, into ``out`` and into u itself."""
    from symact._runtime import symact_threshold

    x = _inputs(n, dtype)
    near = [np.nextafter(dtype(t), dtype(s)) for s in (np.inf, -np.inf)]
    x = np.concatenate([x, np.array([t, -t, v, -v, 5e-324, -5e-324, 1e-45, -1e-45, *near, -np.nan], dtype)])
    want = np.where(x.astype(np.float64) > t, x, dtype(v))
    want[np.isnan(x)] = np.nan
    for target in (None, np.empty_like(x), "self"):
        u = x.copy()
        into = u if isinstance(target, str) else target
        with np.errstate(all="raise"):
            got = symact_threshold(u, t, v, out=into)
        assert got.dtype == dtype and (into is None or got is into)
        assert np.array_equal(got, want, equal_nan=True)
        assert np.array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(want[~np.isnan(want)]))
    wide = np.empty(x.shape, np.float64)  # an out of another dtype gets the values cast
    assert symact_threshold(x, t, v, out=wide) is wide and np.array_equal(wide, want.astype(np.float64), equal_nan=True)


def test_two_valued_indicator_gives_exactly_its_two_values_and_nan():
    """symact_in(value, other): a multiply-add where that is exact, else a bit select."""
    from symact._runtime import symact_in

    x = _inputs(5000, np.float64)
    for value, other in ((1.0, 0.01), (1.0, 0.22916666666666666), (0.5, 0.0), (0.1, 0.7), (-2.0, 3.0)):
        got = symact_in(x, 0, None, 0, 0, value=value, other=other)
        want = np.where(x > 0, value, other)
        want[np.isnan(x)] = np.nan
        assert np.array_equal(got, want, equal_nan=True), (value, other)


def test_sin_mul_is_np_sin_until_the_product_overflows():
    """symact_sin_mul(c, u): np.sin(c*u)'s bits while c*u is finite (one dot product says so); where it
    overflows for a finite u, a finite value from halving and doubling back (|sin| <= 1), not NaN."""
    from symact._runtime import symact_sin_mul

    x = _inputs(5000, np.float64)
    finite = np.where(np.isfinite(x), x, 0.0)
    assert np.array_equal(symact_sin_mul(30, finite), np.sin(30 * finite))
    big = np.array([6e306, -6e306, 1e300, np.inf, np.nan, 0.5])
    with np.errstate(over="ignore", invalid="ignore"):
        got = symact_sin_mul(30, big)
    assert np.all(np.abs(got[:3]) <= 1) and np.isnan(got[3:5]).all() and got[5] == np.sin(15.0)
    assert got[2] == np.sin(3e301)  # 30 * 1e300 is finite: no halving


def test_a_zero_constant_derivative_is_one_whole_calloc_pass():
    # heaviside' = 0: a zeroed array from calloc (no pass to write it) and the NaN check, evaluated
    # whole; blocks would write the zeros block by block (10^7 float32: 7.1 -> 1.4 ms)
    assert kernels.count_passes("def f(x):\n    return symact_const(x, 0.0)\n") == 1
    assert kernels.count_passes("def f(x):\n    return symact_const(x, 1.0)\n") == 2
    g = symact.get("heaviside").grad
    x = np.linspace(-3, 3, 3 * 10**5, dtype=np.float32)
    x[::1000] = np.nan
    x[1::1000] = -0.0
    r = g(x)
    want = np.where(np.isnan(x), np.float32(np.nan), np.float32(0.0))
    assert r.dtype == np.float32 and np.array_equal(r.view(np.int32), want.view(np.int32))
    o = np.full_like(x, 7.0)
    assert g(x, out=o) is o and np.array_equal(o.view(np.int32), want.view(np.int32))
