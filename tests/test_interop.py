"""PyTorch and JAX from the one definition: the backward is the symbolic derivative.

``torch.autograd.gradcheck`` (float64) and ``jax.test_util.check_grads`` for every built-in elementwise
activation at points away from its kinks; values agree with the NumPy kernels; ``import symact``
imports neither framework.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symact
from symact.accuracy import breakpoints

ROOT = Path(__file__).resolve().parents[1]
ELEMENTWISE = symact.names(kind="elementwise")
CANDIDATES = np.array([-6.3, -3.7, -1.3, -0.55, -0.05, 0.12, 0.8, 1.6, 4.1, 7.3, 23.5])
EDGES = np.array([-np.inf, -1e300, -800.0, -40.0, -1e-8, 0.0, 1e-8, 40.0, 800.0, 1e300, np.inf, np.nan])


def _smooth_points(act) -> np.ndarray:
    """Candidate points at least 1e-3 from every kink/jump of f (gradcheck's finite differences are 1e-6)."""
    kinks = np.array(breakpoints(act.expr) or [np.inf])
    keep = np.min(np.abs(CANDIDATES[:, None] - kinks[None, :]), axis=1) > 1e-3
    pts = CANDIDATES[keep]
    assert len(pts) >= 6, (act.name, kinks)
    return pts


def _same(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    both_nan = np.isnan(a) & np.isnan(b)
    close = np.isclose(a, b, rtol=rtol, atol=0) | (a == b)
    return bool(np.all(both_nan | close))


def test_import_symact_imports_no_framework():
    code = ("import sys, symact; symact.get('gelu'); symact.get('gelu').grad(1.0);"
            "print(sorted(m for m in ('torch', 'jax', 'jaxlib') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# ---- PyTorch ----------------------------------------------------------------------------------------

@pytest.mark.torch
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_torch_gradcheck_and_values(name):
    torch = pytest.importorskip("torch")
    act = symact.get(name)
    mod = act.torch()
    assert isinstance(mod, torch.nn.Module) and issubclass(mod.function, torch.autograd.Function)
    pts = _smooth_points(act)
    t = torch.tensor(pts, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(mod, (t,), eps=1e-6, atol=1e-8, rtol=1e-6)
    # forward and backward are the NumPy kernels' stable forms: same values (torch's libm, so a few ULP)
    y = mod(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    f = act(pts)
    if "symact_sigmoid_poly" in act.kernel.source:
        # the NumPy kernel corrects sigma(P) for P's rounding (gelu_tanh); the export keeps plain P,
        # whose error sigma multiplies by |P| sigma(-P): each is within the goal, 4 ULP + cond, of the truth
        cond = np.abs(pts * act.grad(pts) / f)
        assert (np.abs(y.detach().numpy() - f) <= 2 * (4 + cond) * np.spacing(np.abs(f))).all()
    else:
        np.testing.assert_allclose(y.detach().numpy(), f, rtol=2e-15, atol=1e-300)
    dg = act.grad(pts)
    if "symact_dswish_poly" in act.grad_kernel.source:  # gelu_tanh': likewise, the kernel corrects for P's rounding
        v = act.grad_kernel.var
        cond = np.abs(pts * sp.lambdify(v, sp.diff(act.derivative, v), "numpy")(pts) / dg)
        assert (np.abs(g.numpy() - dg) <= 2 * (4 + cond) * np.spacing(np.abs(dg))).all()
    else:
        np.testing.assert_allclose(g.numpy(), dg, rtol=2e-15, atol=1e-300)
    # edges: +-inf give the limits and NaN propagates, as in the NumPy kernels
    e = torch.tensor(EDGES, dtype=torch.float64, requires_grad=True)
    ye = mod(e)
    (ge,) = torch.autograd.grad(ye.sum(), e)
    assert _same(ye.detach().numpy(), act(EDGES), 1e-13), (ye, act(EDGES))
    assert _same(ge.numpy(), act.grad(EDGES), 1e-13), (ge, act.grad(EDGES))


@pytest.mark.torch
@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "hardswish", "softplus"])
def test_torch_float32_is_computed_in_float64(name):
    torch = pytest.importorskip("torch")
    act = symact.get(name)
    xs = np.linspace(-12, 12, 241).astype(np.float32)
    t = torch.tensor(xs, requires_grad=True)
    y = act.torch()(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    assert y.dtype == torch.float32 and g.dtype == torch.float32
    # rounded once from float64: within 1 float32 ULP of symact's float64 kernel rounded to float32
    # (symact's own float32 kernel may compute in float32: symact.float32)
    x64 = xs.astype(np.float64)
    for ours, theirs in ((y.detach().numpy(), act(x64).astype(np.float32)),
                         (g.numpy(), act.grad(x64).astype(np.float32))):
        assert np.all(np.abs(ours - theirs) <= np.spacing(np.abs(theirs))), name


@pytest.mark.torch
def test_torch_bound_parameters_and_user_activation():
    torch = pytest.importorskip("torch")
    from symact.userdef import from_expression

    elu = symact.get("elu", alpha=0.5).torch()
    assert "alpha=0.5" in repr(elu)
    t = torch.tensor([-2.0, -0.5, 0.5, 3.0], dtype=torch.float64, requires_grad=True)
    np.testing.assert_allclose(elu(t).detach().numpy(), torch.nn.functional.elu(t, alpha=0.5).detach().numpy(),
                               rtol=1e-15)
    act = from_expression("x*tanh(softplus(beta*x))", params={"beta": 1.5})
    mod = act.torch()
    assert torch.autograd.gradcheck(mod, (t,))
    ref = t * torch.tanh(torch.nn.functional.softplus(1.5 * t))
    np.testing.assert_allclose(mod(t).detach().numpy(), ref.detach().numpy(), rtol=1e-14)


# ---- JAX --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jax64():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", False)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_jax_check_grads_and_values(name, jax64):
    jax = jax64
    import jax.numpy as jnp
    from jax.test_util import check_grads

    act = symact.get(name)
    fn = act.jax()
    pts = _smooth_points(act)
    xs = jnp.asarray(pts)
    check_grads(fn, (xs,), order=1, modes=("fwd", "rev"), eps=1e-6)
    np.testing.assert_allclose(np.asarray(fn(xs)), act(pts), rtol=1e-14, atol=1e-300)  # XLA libm: a few ULP
    np.testing.assert_allclose(np.asarray(jax.vmap(jax.grad(fn))(xs)), act.grad(pts), rtol=1e-14, atol=1e-300)
    assert _same(np.asarray(fn(jnp.asarray(EDGES))), act(EDGES), 1e-13)
