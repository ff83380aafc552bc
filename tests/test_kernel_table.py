"""The prebuilt kernel table: current, SymPy-free, and the same kernels the SymPy path builds."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import symact
from symact import kernel_table, registry
from symact.activation import Activation
from symact.kernels import _PROBE


def test_committed_table_is_what_the_code_derives():
    """Regenerated from the definitions and rules it must come out identical (``symact kernels --write``)."""
    assert kernel_table.stale() == []
    assert kernel_table.lookup("relu") is not None, "the fingerprint of the inputs does not match"


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.strip()


def test_get_and_call_a_builtin_without_importing_sympy():
    code = ("import sys, numpy as np, symact\n"
            "a = symact.get('swish'); y = a(np.linspace(-3, 3, 7)); g = a.grad(np.float32([1, 2]))\n"
            "print('sympy' in sys.modules, a.name, g.dtype)\n"
            "a.expr\n"
            "print('sympy' in sys.modules)")
    assert _run(code).split() == ["False", "silu", "float32", "True"]


def test_replacing_a_builtin_bypasses_its_prebuilt_kernel():
    code = ("import numpy as np, symact\n"
            "before = symact.get('softsign')(np.array([1.0]))[0]\n"
            "symact.define('softsign', 'x/(1 + 2*Abs(x))', replace=True)\n"
            "print(before, symact.get('softsign')(np.array([1.0]))[0])")
    assert [float(v) for v in _run(code).split()] == [0.5, pytest.approx(1 / 3, rel=1e-15)]


GRID = np.concatenate([_PROBE, np.random.default_rng(3).standard_normal(20000) * 30])
GRID32 = GRID[(np.abs(GRID) <= np.finfo(np.float32).max) | np.isnan(GRID)]  # past float32's range cast to inf


@pytest.mark.parametrize("name", registry.names(kind="elementwise"))
def test_prebuilt_kernels_equal_the_sympy_built_ones(name):
    """Same source, same probe flags, and bit-identical values on the probe grid (NaN where NaN)."""
    fast = symact.get(name)
    assert fast._prebuilt is not None  # noqa: SLF001
    defn = registry.definition(name)
    slow = Activation(defn, defn.bind())
    for k_fast, k_slow in ((fast.kernel, slow.kernel), (fast.grad_kernel, slow.grad_kernel)):
        assert k_fast.source == k_slow.source
        assert (k_fast._guard, k_fast._quiet, k_fast._native32) == (  # noqa: SLF001
            k_slow._guard, k_slow._quiet, k_slow._native32)  # noqa: SLF001
        for dt in (np.float64, np.float32):
            x = (GRID if dt == np.float64 else GRID32).astype(dt)
            a, b = k_fast(x), k_slow(x)
            assert a.dtype == b.dtype == dt
            np.testing.assert_array_equal(a, b)


NATIVE = [(n, w) for n in registry.names(kind="elementwise") for w in ("f", "grad")
          if (symact.get(n).kernel if w == "f" else symact.get(n).grad_kernel)._native32]  # noqa: SLF001


def test_native_float32_kernels_are_the_selections():
    """Only kernels that select x or constants run in float32: every step, clamp and ramp of the catalogue."""
    names = {f"{n}{chr(39) if w == 'grad' else ''}" for n, w in NATIVE}
    assert {"relu", "relu'", "relu6", "relu6'", "hardtanh", "hardtanh'", "heaviside", "identity'",
            "leaky_relu'", "hardsigmoid'", "softshrink'", "threshold"} <= names
    # rounding operations keep the float64 round trip: x*0.01 in float32 is not round(0.01*x)
    # (threshold's x > 0.1 is exact in float32 too: symact_threshold rounds 0.1 down to float32)
    assert not names & {"leaky_relu", "threshold'", "hardsigmoid", "softshrink", "elu", "sigmoid"}


@pytest.mark.parametrize(("name", "which"), NATIVE)
def test_native_float32_is_bit_identical_to_the_float64_round_trip(name, which):
    """The float32 path must give exactly round(f64 result): checked on every float32 near each breakpoint."""
    k = symact.get(name).kernel if which == "f" else symact.get(name).grad_kernel
    base = np.concatenate([GRID32, [-6, -3, -1, -0.5, 0, 0.5, 1, 3, 6]]).astype(np.float32)
    with np.errstate(over="ignore"):  # the neighbours of float32's largest value include inf
        near = np.concatenate([base, np.nextafter(base, np.float32(np.inf)), np.nextafter(base, np.float32(-np.inf))])
    wide = k(near.astype(np.float64)).astype(np.float32)
    narrow = k(near)
    assert narrow.dtype == np.float32
    np.testing.assert_array_equal(narrow.view(np.int32), wide.view(np.int32))


def test_results_never_alias_the_input():
    x = np.linspace(-2, 2, 9)
    for dt in (np.float64, np.float32):
        xi = x.astype(dt)
        y = symact.get("identity")(xi)
        assert not np.shares_memory(y, xi)
        y[:] = 7
        assert xi[0] == -2
