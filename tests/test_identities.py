"""The identity library: every identity holds, by the method its record states, from catalogue expressions."""
from __future__ import annotations

import functools
import inspect

import mpmath
import pytest

from symact import identities
from symact.identities import IDENTITIES, identity, report, run_identities
from symact.verify import cli_verify


@functools.cache
def result(name: str):
    return identity(name).check()


@pytest.mark.parametrize("name", [i.name for i in IDENTITIES])
def test_identity_holds(name):
    r = result(name)
    assert r.status == "correct", r.message
    assert r.method in ("symbolic", "numeric") and r.statement and r.how


def test_library_covers_the_issue():
    names = {i.name for i in IDENTITIES}
    required = {"sigmoid_derivative", "tanh_derivative", "sigmoid_via_tanh", "softplus_derivative",
                "log_sigmoid_derivative", "softsign_derivative", "gelu_derivative", "silu_derivative",
                "softmax_two_classes", "cross_entropy_softmax_gradient", "bce_sigmoid_gradient",
                "selu_fixed_point", "gelu_tanh_max_error", "gelu_sigmoid_max_error"}
    assert required <= names and len(names) == len(IDENTITIES)


def test_derivative_identities_are_proved_symbolically():
    for name in ("sigmoid_derivative", "tanh_derivative", "gelu_derivative", "silu_derivative",
                 "cross_entropy_softmax_gradient", "bce_sigmoid_gradient", "softsign_derivative"):
        assert result(name).method == "symbolic", name


def test_selu_constants_from_the_fixed_point():
    r = result("selu_fixed_point")
    # the published constants (Klambauer et al., PyTorch's source) to 32 digits; derived at 40 digits,
    # so agreement to 1e-30 relative is the honest bound (quad + findroot error is far smaller)
    alpha = mpmath.mpf(r.value["alpha"])
    scale = mpmath.mpf(r.value["scale"])
    assert abs(alpha / mpmath.mpf("1.6732632423543772848170429916717") - 1) < 1e-30
    assert abs(scale / mpmath.mpf("1.0507009873554804934193349852946") - 1) < 1e-30
    assert max(r.value["relative_difference"].values()) < 1e-15


def test_selu_is_not_differentiable_at_zero():
    r = result("selu_kink")
    assert r.value["left"] == pytest.approx(1.7580993408473766, rel=1e-15)
    assert r.value["right"] == pytest.approx(1.0507009873554805, rel=1e-15)


def test_gelu_approximation_errors():
    t, s = result("gelu_tanh_max_error").value, result("gelu_sigmoid_max_error").value
    # independent check: the located maximum is a maximum of |approx - gelu| on a fine float grid
    # (step 1e-3 on [-8, 8]); 1e-9 relative covers the grid's distance from the refined argmax
    import numpy as np
    from scipy.special import erf, expit

    xs = np.linspace(-8, 8, 16001)
    gelu = xs / 2 * (1 + erf(xs / np.sqrt(2)))
    tanh_err = np.abs(xs / 2 * (1 + np.tanh(np.sqrt(2 / np.pi) * (xs + 0.044715 * xs**3))) - gelu)
    sig_err = np.abs(xs * expit(1.702 * xs) - gelu)
    assert t["max_abs_error"] == pytest.approx(tanh_err.max(), rel=1e-6)
    assert s["max_abs_error"] == pytest.approx(sig_err.max(), rel=1e-6)
    assert t["max_abs_error"] >= tanh_err.max() * (1 - 1e-9)
    assert abs(abs(xs[tanh_err.argmax()]) - t["at"]) < 2e-3 and abs(abs(xs[sig_err.argmax()]) - s["at"]) < 2e-3
    assert t["symmetric"] and s["symmetric"]
    assert 4.7e-4 < t["max_abs_error"] < 4.8e-4 and 0.020 < s["max_abs_error"] < 0.021


def test_identities_restate_no_activation_formula():
    """Identities take f from the registry: no check builds erf, tanh or exp(-x) by hand for an activation."""
    src = inspect.getsource(identities)
    for forbidden in ("1 + sp.exp(-x)", "erf(x / sp.sqrt(2))", "sp.log(1 + sp.exp(x))", "x * sigmoid(x)"):
        assert forbidden not in src


def test_report_and_cli(capsys):
    results = run_identities()
    text = report(results)
    assert f"{len(IDENTITIES)}/{len(IDENTITIES)} correct" in text
    assert cli_verify(["--identities"]) == 0
    out = capsys.readouterr().out
    assert "selu_fixed_point" in out and "gelu_tanh_max_error" in out


def test_unknown_identity():
    with pytest.raises(KeyError, match="no identity"):
        identity("nope")
