"""The public API contract of issue 2: registry, parameters, dtype policy, edge values, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import symact
from symact import x

NAMES = symact.names(kind="elementwise")
SEED = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "rrelu", "elu", "celu", "selu", "softplus",
        "gelu", "gelu_tanh", "gelu_sigmoid", "silu", "swish_beta", "mish", "tanhshrink", "softshrink", "hardshrink",
        "relu6", "softsign", "hardtanh", "threshold", "heaviside", "log_sigmoid", "hardsigmoid", "hardswish", "sine"]


def test_catalogue_covers_the_seed_functions():
    assert set(SEED) <= set(NAMES)
    assert NAMES == sorted(NAMES)


def test_aliases_resolve_to_the_same_definition():
    assert symact.get("swish").name == "silu"
    assert symact.get("SiLU").name == "silu"
    assert "swish" in symact.get("silu").aliases


def test_unknown_name_suggests_closest():
    with pytest.raises(symact.UnknownActivationError) as e:
        symact.get("gleu")
    msg = str(e.value)
    assert "unknown activation 'gleu'" in msg and "'gelu'" in msg
    # one transposition from gelu, one deletion from glu: both are offered first
    assert set(e.value.suggestions[:2]) == {"gelu", "glu"}


def test_parameters_defaults_and_binding():
    assert symact.get("leaky_relu").params == {"negative_slope": 0.01}
    act = symact.get("leaky_relu", negative_slope=0.2)
    assert act(np.array([-1.0, 2.0])).tolist() == [-0.2, 2.0]
    assert symact.get("hardtanh").params == {"min_val": -1.0, "max_val": 1.0}
    assert symact.get("rrelu").params == {"lower": 0.125, "upper": 1 / 3}


def test_selu_constants_full_precision():
    p = {q.name: q.default_expr for q in symact.definition("selu").params}
    assert str(p["alpha"]).startswith("1.6732632423543772848170429916717")
    assert str(p["scale"]).startswith("1.0507009873554804934193349852946")


@pytest.mark.parametrize("bad, err", [
    (dict(alpha=0), "outside its domain"), (dict(alpha=-1.0), "outside its domain"),
    (dict(alph=1.0), "has no parameter 'alph'"), (dict(alpha="abc"), "must be a number"),
])
def test_bad_parameters_are_clear_errors(bad, err):
    with pytest.raises(symact.ParameterError, match=err):
        symact.get("celu", **bad)


def test_parameter_constraints():
    with pytest.raises(symact.ParameterError, match="min_val < max_val"):
        symact.get("hardtanh", min_val=2.0, max_val=1.0)


@pytest.mark.parametrize("value", [np.array(["a", "b"]), np.array([1 + 2j]), [object()]])
def test_non_numeric_input_is_a_type_error(value):
    with pytest.raises(TypeError, match="expected real numbers"):
        symact.get("relu")(value)


def test_expressions_and_latex():
    act = symact.get("gelu")
    assert act.expr == x / 2 * (1 + sp.erf(x / sp.sqrt(2)))
    assert sp.simplify(act.derivative - sp.diff(act.expr, x)) == 0
    assert act.latex.startswith(r"\frac{x \left(\operatorname{erf}")
    assert r"\sigma" in symact.get("silu").latex


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype, out", [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64),
                                        (np.int8, np.float64), (np.bool_, np.float64), (np.float16, np.float16)])
def test_dtype_policy(name, dtype, out):
    act = symact.get(name)
    xs = np.array([-3, -1, 0, 1, 2], dtype=dtype)
    assert act(xs).dtype == out and act.grad(xs).dtype == out


@pytest.mark.parametrize("name", NAMES)
def test_shapes_scalars_empty_noncontiguous(name):
    act = symact.get(name)
    assert np.isscalar(act(0.5)) and np.isscalar(act.grad(0.5))
    assert act(np.float32(0.5)).dtype == np.float32
    assert act(np.zeros((0, 3))).shape == (0, 3)
    a = np.linspace(-4, 4, 24).reshape(4, 6)
    nc = a[:, ::2]
    assert not nc.flags.c_contiguous
    np.testing.assert_array_equal(act(nc), act(np.ascontiguousarray(nc)))
    np.testing.assert_array_equal(act.grad(nc.T), act.grad(np.ascontiguousarray(nc.T)))
    assert act(a).shape == a.shape and act.grad(a).shape == a.shape


@pytest.mark.parametrize("name", NAMES)
def test_out_argument(name):
    act = symact.get(name)
    xs = np.linspace(-5, 5, 11, dtype=np.float32)
    buf = np.empty_like(xs)
    assert act(xs, out=buf) is buf
    np.testing.assert_array_equal(buf, act(xs))


EDGE = np.array([-np.inf, -1e308, -1e4, -800.0, -30.0, -1e-8, -0.0, 0.0, 1e-8, 30.0, 800.0, 1e4, 1e308, np.inf,
                 np.nan])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_warnings_nan_propagates_infinities_give_limits(name, dtype):
    act = symact.get(name)
    xs = EDGE.astype(dtype) if dtype is np.float64 else np.where(np.abs(EDGE) == 1e308, np.sign(EDGE) * 3e38,
                                                                     EDGE).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f, g = act(xs), act.grad(xs)
    assert np.isnan(f[-1]) and np.isnan(g[-1])
    finite = np.isfinite(xs)
    # finite input: no NaN where the truth is finite (sine's limit at +-inf does not exist)
    assert not np.isnan(f[finite]).any() and not np.isnan(g[finite]).any()
    from symact.kernels import limit_at_infinity

    for i, sign in ((0, -1), (-2, 1)):
        for got, expr in ((f[i], act.expr), (g[i], act.derivative)):
            want = limit_at_infinity(expr, x, sign)
            if np.isnan(want):  # no limit (sine, snake, gcu oscillate): the kernel says NaN, not a number
                assert np.isnan(got), (name, sign, got)
            else:
                assert got == np.array(want, dtype=dtype), (name, sign, got, want)


# PyTorch autograd's values at the kinks (read off torch 2.13, see test_torch for the live check)
KINKS = [("relu", 0.0, {}, 0.0), ("leaky_relu", 0.0, {"negative_slope": 0.2}, 0.2), ("prelu", 0.0, {}, 0.25),
         ("rrelu", 0.0, {}, 11 / 48), ("elu", 0.0, {"alpha": 2.0}, 2.0), ("celu", 0.0, {"alpha": 2.0}, 1.0),
         ("relu6", 0.0, {}, 0.0), ("relu6", 6.0, {}, 0.0), ("hardtanh", -1.0, {}, 0.0), ("hardtanh", 1.0, {}, 0.0),
         ("hardsigmoid", -3.0, {}, 0.0), ("hardsigmoid", 3.0, {}, 0.0), ("hardswish", -3.0, {}, 0.0),
         ("hardswish", 3.0, {}, 1.0), ("softshrink", 0.5, {}, 0.0), ("softshrink", -0.5, {}, 0.0),
         ("hardshrink", 0.5, {}, 0.0), ("threshold", 0.1, {}, 0.0), ("heaviside", 0.0, {}, 0.0),
         ("selu", 0.0, {}, 1.0507009873554805 * 1.6732632423543772)]


@pytest.mark.parametrize("name, at, params, want", KINKS)
def test_kink_values_follow_pytorch(name, at, params, want):
    assert symact.get(name, **params).grad(np.array([at]))[0] == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("name, which, at", [("threshold", "f", 0.1), ("relu_squared", "f", 0.0),
                                             ("star_relu", "grad", 0.0), ("nlrelu", "f", 0.0)])
def test_constant_branch_select_keeps_nan_without_a_guard_pass(name, which, at):
    """``e where c, else v`` prints as a select of v on the negated comparison, so NaN (which fails
    every comparison) falls on e and stays NaN by itself: no guard pass over input and result.
    The comparison's boundary still takes the constant (x <= at), its neighbour the formula."""
    k = getattr(symact.get(name), "kernel" if which == "f" else "grad_kernel")
    assert not k._guard, k.source  # noqa: SLF001
    expr = symact.get(name).expr if which == "f" else symact.get(name).derivative
    (x,) = expr.free_symbols
    for dtype in (np.float64, np.float32):
        above = np.nextafter(dtype(at), dtype(np.inf))
        xs = np.array([np.nan, at, above, -np.inf, np.inf, -3.0, 3.0] * 300, dtype=dtype)
        got = k(xs)
        assert np.isnan(got[0]) and got.dtype == dtype
        want = [float(expr.evalf(400, subs={x: sp.Float(float(v), 400)})) for v in xs[1:7]]  # 400 digits: 1 + 5e-324
        np.testing.assert_array_equal(got[1:7], np.array(want, dtype=dtype))


def test_prelu_weight_derivative():
    act = symact.get("prelu", weight=0.3)
    xs = np.array([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_array_equal(act.param_grad("weight", xs), [-2.0, -0.5, 0.0, 0.0])
    with pytest.raises(KeyError, match="no parameter 'alpha'"):
        act.param_grad("alpha", xs)


def test_rrelu_inference_and_training():
    act = symact.get("rrelu", lower=0.1, upper=0.3)
    assert act(np.array([-1.0]))[0] == -((0.1 + 0.3) / 2)
    rng = np.random.default_rng(1)
    xs = -np.ones(20000)
    ys = act.sample(xs, rng)
    slopes = -ys
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.003  # 5 sigma of U(0.1, 0.3)'s mean over 20000 draws is 0.002
    np.testing.assert_array_equal(act.sample(np.array([2.0, 0.0]), rng), [2.0, 0.0])
    with pytest.raises(TypeError, match="no random parameters"):
        symact.get("relu").sample(xs, rng)


def test_softplus_threshold_is_accepted_but_exact():
    a, b = symact.get("softplus"), symact.get("softplus", threshold=5.0)
    xs = np.array([4.0, 6.0, 25.0])
    np.testing.assert_array_equal(a(xs), b(xs))
    assert a(np.array([25.0]))[0] == 25.0 + np.exp(-25.0)  # not PyTorch's reverted x


def test_vjp_is_cotangent_times_derivative():
    act = symact.get("gelu")
    xs, g = np.array([-1.0, 0.5, 2.0]), np.array([2.0, -1.0, 0.5])
    np.testing.assert_array_equal(act.vjp(xs, g), g * act.grad(xs))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "celu", "selu", "softplus",
                                  "softsign", "hardtanh", "hardsigmoid", "relu6", "log_sigmoid", "softshrink",
                                  "identity", "tanhshrink", "prelu", "rrelu"])
@settings(max_examples=60, deadline=None)
@given(xs=hnp.arrays(np.float64, st.integers(2, 40), elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_monotonic_where_it_holds(name, xs):
    ys = symact.get(name)(np.sort(xs))
    assert np.all(np.diff(ys) >= 0)


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(NAMES),
       xs=hnp.arrays(st.sampled_from([np.float32, np.float64]), hnp.array_shapes(max_dims=3, max_side=5),
                     elements=st.floats(width=32)))
def test_property_dtype_shape_no_warnings(name, xs):
    act = symact.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f, g = act(xs), act.grad(xs)
    assert f.dtype == xs.dtype and g.dtype == xs.dtype
    assert f.shape == xs.shape and g.shape == xs.shape
    assert np.array_equal(np.isnan(f), np.isnan(xs)) or name == "sine"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dswish_helper_values(dtype):
    """symact_dswish, silu' from one exp: 1/2 at 0, the limits 1 and 0 beyond (the kernel's guard puts
    the limit where the helper's inf * 0 gives NaN), NaN kept, dtype kept, out= honoured, scalars."""
    from symact._runtime import symact_dswish

    k = symact.get("silu").grad_kernel
    xs = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 800.0, -800.0, 2.0, -2.0] * 300, dtype=dtype)
    got = k(xs)
    assert got.dtype == dtype
    import mpmath

    def exact(v):  # silu'(v) = sigma(v) (1 + v sigma(-v)), 30 digits
        with mpmath.workdps(30):
            sv = 1 / (1 + mpmath.exp(-v))
            return float(sv * (1 + v * (1 - sv)))

    want = np.array([0.5, 0.5, np.nan, 1.0, 0.0, 1.0, -0.0, exact(2), exact(-2)], dtype=dtype)
    np.testing.assert_allclose(got[:9], want, rtol=2 * np.finfo(dtype).eps, atol=0)  # within 2 ULP
    out = np.empty_like(xs)
    with np.errstate(invalid="ignore"):
        assert symact_dswish(xs, out=out) is out
        np.testing.assert_array_equal(out, symact_dswish(xs))
    assert float(symact_dswish(np.float64(0.0))) == 0.5
