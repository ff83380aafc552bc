"""Every stable form is the definition: rule identities, and each kernel's expression vs the definition."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import symact
from symact.functions import elementary, x
from symact.rewriting import RULES, stabilise


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_identity_holds(rule):
    before, after = rule.identity
    u = next(iter(before.free_symbols))
    diff = elementary(before) - elementary(after).rewrite(sp.erf)
    f = sp.lambdify(u, diff.rewrite(sp.exp), "mpmath")
    with mpmath.workdps(60):
        for v in np.linspace(-20, 20, 41):
            assert abs(f(mpmath.mpf(v))) < mpmath.mpf("1e-50"), (rule.name, v)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_rewrites_its_own_pattern(rule):
    before, after = rule.identity
    assert rule.apply(before) != before or before == after


@pytest.mark.parametrize("name", symact.names(kind="elementwise"))
@pytest.mark.parametrize("which", ["f", "grad"])
def test_stable_form_equals_definition(name, which):
    act = symact.get(name)
    expr = act.expr if which == "f" else act.derivative
    kernel = act.kernel if which == "f" else act.grad_kernel
    a = sp.lambdify(x, elementary(expr), "mpmath")
    b = sp.lambdify(x, elementary(kernel.stable.replace(
        lambda e: e.func.__name__ in ("expm1", "log1p"), lambda e: e.rewrite(sp.exp) if hasattr(e, "rewrite") else e)),
        ["mpmath", {"expm1": mpmath.expm1, "log1p": mpmath.log1p}])
    rng = np.random.default_rng(3)
    with mpmath.workdps(80):
        for v in [*rng.uniform(-8, 8, 40), 0.3, -0.3, 1e-3, -1e-3]:
            va, vb = a(mpmath.mpf(v)), b(mpmath.mpf(v))
            # series pieces: truncated at 2^-56 relative, coefficients and roots stored as doubles
            # (2^-53 each); 2^-50 bounds the identity; the ULP test bounds what the kernel computes
            assert abs(va - vb) <= mpmath.mpf(2) ** -50 * abs(va) + mpmath.mpf("1e-70"), (name, which, v, va, vb)


def test_known_stable_forms():
    assert "symact_ndtr" in symact.get("gelu").kernel.source
    assert "expm1" in symact.get("elu").kernel.source
    assert "symact_softplus" in symact.get("log_sigmoid").kernel.source
    mish_grad = symact.get("mish").grad_kernel.source
    # one exponential, fractions in it below and above 0 (no tanh^2 = 1 - sech^2 cancellation, no
    # softplus, sigmoid, cosh or tanh of their own)
    assert mish_grad.count("exp(") == 1 and "less(x, 0)" in mish_grad
    assert not any(f in mish_grad for f in ("cosh", "tanh", "softplus", "sigmoid"))
    assert "(x + 3)/6" in symact.get("hardsigmoid").kernel.source
    assert isinstance(stabilise(x - sp.tanh(x)), sp.Piecewise)
    assert "power" not in symact.get("gelu_tanh").kernel.source


def test_literature_stable_forms():
    assert "hypot" in symact.get("isru").kernel.source
    assert "exp(x - exp(x))" in str(symact.get("cloglog").grad_kernel.stable)
    assert "cosh" not in symact.get("tanhexp").grad_kernel.source  # sech^2(e^x) in its exp form
    assert "sin(x/2 + " in str(symact.get("cosid").grad_kernel.stable)  # 1 + sin x = 2 sin^2(x/2 + pi/4)


def test_sigmoids_of_the_same_magnitude_share_one_exp():
    # gelu_sigmoid': sigma(1.702 x) and sigma(-1.702 |x|) from one exp(-|1.702 x|), in symact_sigmoid's
    # operations: the same bits as the two symact_sigmoid calls it replaces (float64 1e6: 15.4 -> 12.2 ms)
    from symact import _runtime
    from symact.kernels import compile_source

    k = symact.get("gelu_sigmoid").grad_kernel
    assert k.source.count("exp(") == 1 and "symact_sigmoid" not in k.source
    fn = compile_source(k.source)
    calls = []

    def series(u, r, coeffs, general, power=None, out=None, rational=None):
        calls.append((u, r, coeffs, rational))
        return _runtime.symact_series(u, r, coeffs, general, power, out, rational)

    fn.__globals__["symact_series"] = series
    rng = np.random.default_rng(7)
    v = np.concatenate([rng.normal(0, 3, 20000), rng.uniform(-800, 800, 2000), [0.0, -0.0, np.inf, -np.inf]])
    with np.errstate(all="ignore"):
        got = fn(v)
        (u, r, coeffs, rational), = calls
        x0, x2 = 1.702 * v, 1.702 * np.abs(v)
        general = x2 * _runtime.symact_sigmoid(-x2) + np.minimum(x0 + 1, 1)
        want = _runtime.symact_series(u, r, coeffs, general, rational=rational) * _runtime.symact_sigmoid(x0)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))
