"""The Numba backend's kernels against mpmath, as ``test_accuracy`` holds the NumPy ones: the goal
(4 ULP + cond) on the accuracy grid, float64 and float32, for the kernels whose printed code uses
each of the backend's devices (the runtime's exp family, Phi, softplus, selects, root series
with fused multiply-adds, mish's fraction).  Every kernel of the catalogue passed the same check
when the devices were added (a 4-minute script; here the representative ones)."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import sympy as sp

pytest.importorskip("numba")

import symact  # noqa: E402
from symact import numba_backend  # noqa: E402
from symact.accuracy import Reference, breakpoints, grid, measure_values  # noqa: E402

NAMES = ["sigmoid", "tanh", "silu", "gelu", "mish", "softplus", "tanhshrink", "elu", "gelu_tanh", "hardswish",
         "softshrink", "sine"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_numba_kernels_meet_the_accuracy_goal(name, dtype):
    act = symact.get(name)
    fast = act.backend("numba")
    xs = grid(dtype, extra=breakpoints(act.expr))
    for which, expr, fn in (("f", act.expr, fast), ("grad", act.derivative, fast.grad)):
        got = fn(xs)
        assert got.dtype == xs.dtype
        m = measure_values(Reference(expr), xs, got, name=name, which=which)
        assert m.ok, f"{name} {which} {dtype.__name__}: max excess {m.max_excess:.3g} ULP at x={m.excess_x!r}"


def test_horner_steps_print_as_fused_multiply_adds():
    """gelu_sigmoid''s series about its root: each step one fma (one rounding, half the latency); the
    select stays branch-free (fma counts as cheap)."""
    k = symact.get("gelu_sigmoid").grad_kernel
    body = numba_backend.source(k.stable, k.var, "gelu_sigmoid'").split("def scalar(x):")[1].split("@njit")[0]
    assert body.count("_rt.fma(") == 16 and "_rt.sel((abs(_t0) < 0.16940658945086007)" in body
    assert " if " not in body


def test_silu_derivative_is_one_helper_without_a_root_series():
    """silu' prints as the runtime's dswish (one exp, one division), not its stable form's 17-term root
    series; +-inf give the limits by themselves, so the loop needs no fix-ups."""
    k = symact.get("silu").grad_kernel
    body = numba_backend.source(k.stable, k.var, "silu'").split("def scalar(x):")[1].split("@njit")[0]
    assert body.strip() == "return float(_rt.dswish(x))"
    fast = symact.get("silu").backend("numba")
    got = fast.grad(np.array([np.nan, np.inf, -np.inf, 0.0, 1e300, -1e300]))
    assert fast._g._plain  # noqa: SLF001
    np.testing.assert_array_equal(got, [np.nan, 1.0, -0.0, 0.5, 1.0, -0.0])


TAILS = {  # name, which: the values at nan, +inf, -inf, +1e300, -1e300
    ("gelu", "f"): [np.nan, np.inf, -0.0, 1e300, -0.0],
    ("gelu", "grad"): [np.nan, 1.0, 0.0, 1.0, 0.0],
    ("silu", "f"): [np.nan, np.inf, -0.0, 1e300, -0.0],
    ("mish", "f"): [np.nan, np.inf, -0.0, 1e300, -0.0],
}


@pytest.mark.parametrize(("name", "which"), list(TAILS))
def test_power_times_a_decaying_factor_needs_no_fix_ups(name, which):
    """x*Phi(x), x*sigmoid(x), x*exp(-x**2/2): printed as mul_tail, the product is a signed zero where
    the factor underflows, even where x is inf (inf*0 would be NaN), so the loop without fix-ups runs
    (gelu' f64: 90 -> 77 ms at 10^7 in one measurement) and still gives the limits."""
    fast = symact.get(name).backend("numba")
    fn = fast if which == "f" else fast.grad
    got = fn(np.array([np.nan, np.inf, -np.inf, 1e300, -1e300]))
    assert (fast._f if which == "f" else fast._g)._plain  # noqa: SLF001
    np.testing.assert_array_equal(got, TAILS[name, which])
    np.testing.assert_array_equal(np.signbit(got), np.signbit(TAILS[name, which]))
    k = getattr(symact.get(name), "kernel" if which == "f" else "grad_kernel")
    assert "_rt.mul_tail(" in numba_backend.source(k.stable, k.var, name)


def test_polynomial_times_subnormal_exp_rounds_once():
    """serlu = 3.13 x e^x below 0 prints as mul_exp, as the NumPy kernel calls symact_mulexp: where
    e^x is subnormal the product is (a e^(x/2)) e^(x/2), rounded once (as a plain product: 1160 ULP
    at x = -742.3, where the goal allows 745).  The float32 loop, in float32 arithmetic, does the
    same below x = -87.3; a power times a decaying exp (gaussian') stays mul_tail."""
    act = symact.get("serlu")
    k = act.kernel
    assert "_rt.mul_exp(" in numba_backend.source(k.stable, k.var, "serlu")
    fast = act.backend("numba")
    tails = {np.float64: np.linspace(-760, -700, 601), np.float32: np.linspace(-110, -80, 301)}
    for dt, xs in tails.items():
        xs = xs.astype(dt)
        for which, expr, fn in (("f", act.expr, fast), ("grad", act.derivative, fast.grad)):
            m = measure_values(Reference(expr), xs, fn(xs), name="serlu", which=which)
            assert m.ok, f"serlu {which} {dt.__name__}: {m.max_excess:.3g} ULP over at x={m.excess_x!r}"
            assert m.max_ulp <= 3.0, (which, dt, m.max_ulp, m.worst_x)
    g = symact.get("gaussian").grad_kernel
    src = numba_backend.source(g.stable, g.var, "gaussian")
    assert "_rt.mul_tail(" in src and "mul_exp" not in src


NATIVE = ["sigmoid", "silu", "tanh", "softsign", "hardswish", "relu", "hardtanh", "threshold"]


@pytest.mark.parametrize("name", NATIVE)
def test_float32_loops_run_in_float32_where_certified(name):
    """Float32 in and out runs ``plainf``/``loopf`` (float32 arithmetic, 16 lanes) when its scalar code
    compiles to float32 and symact.float32 certifies it against the float64 loop on the whole line;
    the results are then still held to the goal by test_numba_kernels_meet_the_accuracy_goal."""
    from numba import types

    fast = symact.get(name).backend("numba")
    xs = np.linspace(-30, 30, 4001, dtype=np.float32)
    for fn, attr in ((fast, "_f"), (fast.grad, "_g")):
        got = fn(xs)
        k = getattr(fast, attr)
        assert k._native32, name  # noqa: SLF001
        assert k._mod.scalarf.nopython_signatures[-1].return_type == types.float32  # noqa: SLF001
        assert got.dtype == np.float32 and np.isnan(fn(np.array([np.nan], np.float32))[0])


def test_float32_loops_fall_back_where_not_float32_or_not_certified(monkeypatch):
    """gelu calls Phi (no float32 version: no float32 code at all); gelu_sigmoid's float32 code exists
    but fails certification against the float64 loop, so it keeps the float64 loop (and its accuracy);
    ``SYMACT_FLOAT32=roundtrip`` turns the float32 loops off."""
    assert not hasattr(numba_backend.FusedKernel(symact.get("gelu").kernel)._mod, "plainf")  # noqa: SLF001
    gs = numba_backend.FusedKernel(symact.get("gelu_sigmoid").kernel)
    assert hasattr(gs._mod, "plainf") and not gs._native32  # noqa: SLF001
    monkeypatch.setenv("SYMACT_FLOAT32", "roundtrip")
    assert not numba_backend.FusedKernel(symact.get("sigmoid").kernel)._native32  # noqa: SLF001


def test_native_printer_rounds_bounds_down_for_float32():
    """x > 0.1 in float32 arithmetic compares with the largest float32 below 0.1, so x = float32(0.1)
    (0.10000000149 > 0.1) takes the branch float64 gives it: threshold's float32 loop is certified."""
    x = sp.Symbol("x", real=True)
    p = numba_backend.ScalarPrinter({"fully_qualified_modules": True}, native=True)
    down = float(np.nextafter(np.float32(0.1), np.float32(0)))
    assert p.doprint(x > 0.1) == p.doprint(x >= 0.1) == f"(x > np.float32({down!r}))"
    assert p.doprint(x < 0.1) == p.doprint(x <= 0.1) == f"(x <= np.float32({down!r}))"
    assert p.doprint(x > 0.5) == "(x > np.float32(0.5))"  # float32 holds 0.5: unchanged
    th = symact.get("threshold").backend("numba")
    at = np.array([np.float32(0.1), np.nextafter(np.float32(0.1), np.float32(0)), np.float32(0.2),
                   np.nan, -np.inf, np.inf], np.float32)
    np.testing.assert_array_equal(th(at), [np.float32(0.1), 20, np.float32(0.2), np.nan, 20, np.inf])
    np.testing.assert_array_equal(th.grad(at), [1, 0, 1, np.nan, 0, 1])
    assert th._f._native32 and th._g._native32  # noqa: SLF001


def test_native_printer_keeps_constants_in_float32():
    x = sp.Symbol("x", real=True)
    p = numba_backend.ScalarPrinter({"fully_qualified_modules": True}, native=True)
    assert p.doprint(x / 3 + sp.Rational(1, 2) + 1 / (1 + x)) == \
        "((x)/np.float32(3.0))*np.float32(1.0) + np.float32(0.5) + (np.float32(1.0)/(x + np.float32(1.0)))"
    with pytest.raises(numba_backend.NotNative):
        p.doprint(sp.erf(x) + symact.functions.softplus(x))


def test_tail_product_only_for_a_power_times_a_decaying_factor():
    """The rule changes inf*0 into 0, which is the limit only when the factor beats every power."""
    x = sp.Symbol("x", real=True)
    tail = numba_backend._tail_product  # noqa: SLF001
    assert tail(3 * x**2 * sp.exp(-x**2)) == (3 * x**2, sp.exp(-x**2))
    assert tail(x * sp.exp(x)) is None                        # exp(x) grows on the right
    assert tail((x + 1) * sp.exp(-x**2)) is None              # not a power of x
    assert tail(sp.exp(-x**2) * sp.cos(x) * x) is None        # cos(x) is no power


@pytest.mark.parametrize("name", ["sine", "sinc"])
def test_trig_loops_vectorise_and_fix_what_the_runtime_leaves(name):
    """sin and cos print as the runtime's branch-free versions (sinc's select stays a select); the
    elements beyond their range (sine's 30x >= 2^20 pi/2, x = 1e300, 30x overflowing) come out of the
    ``fix`` loop with the C library's values: the NumPy kernel's, bit for bit in float64."""
    act = symact.get(name)
    fast = act.backend("numba")
    x = np.array([0.3, -2.0, 5e4, -2e6, 1e300, -1e300, 6e306, np.inf, -np.inf, np.nan, 0.0, -0.0])
    with np.errstate(all="ignore"):
        want = act(x)
    got = fast(x)
    assert np.array_equal(got, want, equal_nan=True)
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        x32 = x.astype(np.float32)
    # float32 results: the float64 kernel's rounded (NumPy's float32 code, certified to 4 ULP + cond, is
    # 10 ULP off at x = 0.3f, where 30x rounds in float32)
    a, b = fast(x32), act(x32.astype(np.float64)).astype(np.float32)
    assert np.array_equal(np.isnan(a), np.isnan(b)) and np.nanmax(np.abs(a - b) / np.spacing(np.abs(b))) <= 1
    src = fast._f.source  # noqa: SLF001
    scalar = src[src.index("def scalar("):src.index("def scalar32(")]
    assert "_rt.sin(" in scalar and "math." not in scalar and "_rt.sel(" in (scalar if name == "sinc" else "_rt.sel(")
    assert "def fix(" in src and "def counted(" in src and "def scalar_libm(" in src


def test_generated_sources_are_written_under_a_temporary_name_of_their_own(tmp_path, monkeypatch):
    """Two processes sharing the cache (two test runs) once wrote the same fixed ``k_<tag>.tmp``; one
    renamed the other's away and failed with FileNotFoundError.  Each write now has its own name."""
    import os

    monkeypatch.setenv("SYMACT_CACHE", str(tmp_path))
    renamed = []
    real = os.replace
    monkeypatch.setattr(symact.cache.os, "replace", lambda a, b: (renamed.append((str(a), str(b))), real(a, b)))
    for i in range(2):
        numba_backend._load(f"X = {i}\n", "racetest")
        sys.modules.pop("symact_numba_k_racetest", None)
    target = tmp_path / "numba" / "k_racetest.py"
    assert [b for _, b in renamed] == [str(target)] * 2
    assert renamed[0][0] != renamed[1][0] and all(os.path.dirname(a) == str(target.parent) for a, _ in renamed)
    assert target.read_text() == "X = 1\n" and sorted(p.name for p in target.parent.iterdir()) == ["k_racetest.py"]
