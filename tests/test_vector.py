"""Vector-valued and gated activations (issue 6): derived Jacobians, stable kernels, vjp, PyTorch cross-checks.

References are mpmath at 50 digits written here from the textbook definitions (not symact's expressions).
Tolerances: outputs within 4 ULP + cond + (n − 1) ULP of the reference.  cond is the componentwise
condition number of computing p_i from the rounded inputs u and the rounded shift z = u − max u:
Σ_j |δ_ij − p_j| (|u_j| + |u_j − max u|) (log_softmax: divided by |y_i|) — the two roundings every
max-shifted evaluation makes — and n − 1 bounds the rounding of the row sum.
"""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symact
from symact.vector import G, P, S, a, b, i, j, k, n

RNG = np.random.default_rng(20261123)
SOFTMAX_LIKE = ["softmax", "log_softmax", "softmin"]
GATED = {"glu": lambda v: 1 / (1 + mp.exp(-v)), "bilinear": lambda v: v, "reglu": lambda v: max(v, 0),
         "geglu": lambda v: v * mp.ncdf(v), "swiglu": lambda v: v / (1 + mp.exp(-v))}


@pytest.fixture(autouse=True)
def _digits():
    """50 digits for every test here, whatever precision other test modules left mpmath at (a module-level
    setting was undone by them: the references then lost the tiny log-probabilities)."""
    with mp.workdps(50):
        yield


# ---- references -------------------------------------------------------------------------------
def ref_softmax(row, sign=1, temperature=1):
    u = [sign * mp.mpf(float(v)) / temperature for v in row]
    m = max(u)
    e = [mp.exp(t - m) for t in u]
    tot = mp.fsum(e)
    return [t / tot for t in e], u


def ref_log_softmax(row):
    """(u - m) - log1p(the other terms): the max's log-probability, -log1p(tiny), without the cancellation
    of m + log(1 + tiny) against m (which needed ~60 digits where the max leads by 90)."""
    u = [mp.mpf(float(v)) for v in row]
    m = max(u)
    top = u.index(m)
    rest = mp.fsum(mp.exp(t - m) for i, t in enumerate(u) if i != top)
    return [(t - m) - mp.log1p(rest) for t in u], u


def _cond(u, p, c) -> float:
    m = max(u)
    return float(mp.fsum(abs((1 if q == c else 0) - p[q]) * (abs(u[q]) + abs(u[q] - m)) for q in range(len(u))))


def ulps(got, ref, dtype) -> float:
    r = float(ref)
    sp_ = float(np.spacing(np.abs(np.asarray(r, dtype=dtype)))) or float(np.finfo(dtype).smallest_subnormal)
    return float(abs(mp.mpf(float(got)) - ref) / sp_)


def rows(nrows=40, width=7):
    """Random rows of mixed magnitude: ordinary logits, ties, ±1e4 spreads, tiny and huge entries."""
    out = [RNG.normal(size=width) * s for s in (1, 5, 30, 300, 1e4) for _ in range(nrows // 5)]
    out += [np.array([1e4, -1e4, 0, 5, 5, -3, 1e-300]), np.array([0.0, -40, -745, -1e30, 3, 3, 3])]
    return out


# ---- the derived Jacobians --------------------------------------------------------------------------
def test_softmax_jacobian_is_diag_p_minus_ppT_over_T():
    act = symact.get("softmax")
    T = act.definition.params[0].symbol
    J = act.symbolic.jacobian_expr
    assert sp.simplify(J - P[i] * (sp.KroneckerDelta(i, j) - P[j]) / T) == 0
    m = sp.Matrix(3, 3, lambda r, c: J.subs(n, 3).subs({i: r + 1, j: c + 1}).doit())
    expected = sp.Matrix(3, 3, lambda r, c: ((P[r + 1] if r == c else 0) - P[r + 1] * P[c + 1]) / T)  # diag(p) − ppᵀ
    assert sp.simplify(m - expected) == sp.zeros(3, 3)
    assert sp.simplify(act.symbolic.vjp_expr - P[j] * (G[j] - sp.Sum(G[i] * P[i], (i, 1, n))) / T) == 0


def test_log_softmax_and_softmin_jacobians():
    J = symact.get("log_softmax").jacobian_expr
    assert sp.simplify(J - (sp.KroneckerDelta(i, j) - P[j])) == 0
    J = symact.get("softmin").jacobian_expr
    assert sp.simplify(J + P[i] * (sp.KroneckerDelta(i, j) - P[j])) == 0  # chain rule through u = −x


def test_sparsemax_jacobian_from_implicit_differentiation():
    J = symact.get("sparsemax").jacobian_expr
    expected = S[i] * (sp.KroneckerDelta(i, j) - S[j] / sp.Sum(S[k], (k, 1, n)))  # Martins & Astudillo, eq. 12
    assert sp.simplify(J - expected) == 0


def test_hardmax_has_zero_jacobian_and_says_why():
    act = symact.get("hardmax")
    assert act.jacobian_expr == 0 and act.vjp_expr == 0
    assert "no gradient" in act.definition.note


@pytest.mark.parametrize("name", list(GATED))
def test_gated_partials(name):
    act = symact.get(name)
    gate = {"glu": "sigmoid", "bilinear": "identity", "reglu": "relu", "geglu": "gelu", "swiglu": "silu"}[name]
    g = symact.get(gate).expr.subs(symact.x, b)
    da, db = act.jacobian_expr
    assert sp.simplify(da - g) == 0
    assert sp.simplify((db - a * sp.diff(g, b)).rewrite(sp.exp)) == 0


def test_components_expand_the_index_sums():
    z1, z2 = sp.symbols("z1 z2", real=True)
    p = symact.get("softmax").components([z1, z2])
    assert sp.simplify(p[0] - 1 / (1 + sp.exp(z2 - z1))) == 0 and sp.simplify(p[0] + p[1] - 1) == 0


# ---- forward accuracy against mpmath ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["softmax", "softmin", "softmax_t"])
def test_softmax_family_meets_goal(name, dtype):
    temperature = 0.37 if name == "softmax_t" else 1.0
    act = symact.get("softmin") if name == "softmin" else symact.get("softmax", temperature=temperature)
    sign = -1 if name == "softmin" else 1
    for row in rows():
        row = row.astype(dtype)
        got = act(row)
        assert got.dtype == dtype and not np.isnan(got).any()
        ref, u = ref_softmax(row, sign, temperature)
        for c in range(len(row)):
            cond = _cond(u, ref, c)
            err = ulps(got[c], ref[c], dtype)
            assert err <= 4 + cond + len(row) - 1, (name, row, c, err, cond)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_softmax_meets_goal(dtype):
    act = symact.get("log_softmax")
    for row in rows():
        row = row.astype(dtype)
        got = act(row)
        ref, u = ref_log_softmax(row)
        p = [mp.exp(t) for t in ref]
        for c in range(len(row)):
            if not mp.isfinite(ref[c]) or float(ref[c]) == 0:  # 0, or below the smallest double
                assert not mp.isfinite(ref[c]) or abs(float(got[c])) <= float(np.finfo(dtype).smallest_subnormal)
                continue
            cond = _cond(u, p, c) / float(abs(ref[c]))
            err = ulps(got[c], ref[c], dtype)
            assert err <= 4 + cond + len(row) - 1, (row, c, err, cond)


def test_log_softmax_accurate_where_softmax_rounds_to_one():
    # log p_1 = −log(1 + e^−40) = −4.248e−18: 1 + e^−40 rounds to 1, so log(Σ exp) gives 0; log1p does not
    y = symact.get("log_softmax")(np.array([0.0, -40.0]))
    ref = -mp.log1p(mp.exp(-40))
    assert ulps(y[0], ref, np.float64) <= 1 and y[1] == pytest.approx(-40 - 4.248354255291589e-18, abs=0)


def test_rows_of_1e4_give_exact_probabilities():
    sm = symact.get("softmax")
    assert sm(np.array([1e4, -1e4, 0.0])).tolist() == [1.0, 0.0, 0.0]
    assert sm(np.array([1e4, 1e4])).tolist() == [0.5, 0.5]
    assert sm(np.array([-1e4, -1e4, -1e4, -1e4])).tolist() == [0.25] * 4
    assert symact.get("log_softmax")(np.array([1e4, -1e4])).tolist() == [0.0, -2e4]
    assert sm(np.array([1e308, -1e308])).tolist() == [1.0, 0.0]


def test_infinities_and_nan():
    sm, lsm = symact.get("softmax"), symact.get("log_softmax")
    assert sm(np.array([np.inf, 0.0, -np.inf])).tolist() == [1.0, 0.0, 0.0]  # the limit; PyTorch gives NaN
    assert sm(np.array([np.inf, np.inf])).tolist() == [0.5, 0.5]
    assert lsm(np.array([np.inf, 1.0])).tolist()[1] == -np.inf
    out = sm(np.array([[np.nan, 1.0], [2.0, 1.0]]))
    assert np.isnan(out[0]).all() and not np.isnan(out[1]).any()
    assert np.isnan(lsm(np.array([np.nan, 0.0]))).all()


def test_axis_dtype_and_shapes():
    sm = symact.get("softmax")
    x = RNG.normal(size=(3, 4, 5))
    for ax in (0, 1, 2, -1):
        y = sm(x, axis=ax)
        assert y.shape == x.shape and np.allclose(y.sum(axis=ax), 1, rtol=0, atol=4e-16)
        assert np.array_equal(y, np.moveaxis(sm(np.moveaxis(x, ax, -1)), -1, ax))
    assert sm(x.astype(np.float16)).dtype == np.float16 and sm(np.arange(4)).dtype == np.float64
    out = np.empty((3, 4, 5), np.float32)
    assert sm(x.astype(np.float32), out=out) is out and np.array_equal(out, sm(x.astype(np.float32)))


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="vector-valued.*scalar"):
        symact.get("softmax")(1.0)
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        symact.get("softmax")(np.ones((2, 2)), axis=3)
    with pytest.raises(ValueError, match="odd"):
        symact.get("glu")(np.ones(5))
    with pytest.raises(ValueError, match="multiple"):
        symact.get("maxout")(np.ones(5))
    with pytest.raises(TypeError, match="vjp"):
        symact.get("softmax").grad(np.ones(3))
    with pytest.raises(symact.ParameterError):
        symact.get("softmax", temperature=0)
    with pytest.raises(TypeError, match="complex"):
        symact.get("softmax")(np.ones(3, complex))


# ---- sparsemax, hardmax, maxout --------------------------------------------------------------------
def ref_sparsemax(row):
    """Bisection on τ at 50 digits: Σ max(z − τ, 0) = 1 (independent of the sort-based kernel)."""
    z = [v if isinstance(v, mp.mpf) else mp.mpf(float(v)) for v in row]
    lo, hi = max(z) - 1, max(z)
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mp.fsum(max(t - mid, 0) for t in z) > 1 else (lo, mid)
    return [max(t - lo, 0) for t in z]


def test_sparsemax_paper_example_and_reference():
    sp_ = symact.get("sparsemax")
    assert sp_(np.array([1.0, 0.8, 0.1])) == pytest.approx([0.6, 0.4, 0.0], abs=2e-16)
    for row in rows(20, 6):
        got = sp_(row)
        ref = ref_sparsemax(row)
        scale = max(1.0, float(np.max(np.abs(row))))
        assert (got >= 0).all() and abs(got.sum() - 1) <= 8e-16 * len(row) * scale
        assert all(abs(float(g) - float(r)) <= 4 * len(row) * 2.2e-16 * scale for g, r in zip(got, ref, strict=True))


def test_hardmax_and_maxout():
    hm = symact.get("hardmax")
    assert hm(np.array([[1.0, 3, 3], [-1, -2, -3]])).tolist() == [[0, 1, 0], [1, 0, 0]]
    assert hm.vjp(np.array([1.0, 2]), np.array([5.0, 7])).tolist() == [0, 0]
    mo = symact.get("maxout")
    x = np.array([[1.0, 4, -2, -5, 0, 0]])
    assert mo(x).tolist() == [[4, -2, 0]]
    assert mo.vjp(x, np.array([[10.0, 20, 30]])).tolist() == [[0, 10, 20, 0, 30, 0]]


# ---- vjp against the Jacobian by high-precision differentiation ---------------------------------------
def mp_forward(name, xs):
    if name in GATED:
        h = len(xs) // 2
        return [xs[q] * GATED[name](xs[h + q]) for q in range(h)]
    if name == "log_softmax":
        return _mp_log_softmax(xs)
    if name == "sparsemax":
        return ref_sparsemax(xs)
    sign = -1 if name == "softmin" else 1
    u = [sign * v / (0.37 if name == "softmax_t" else 1) for v in xs]
    tot = mp.fsum(mp.exp(t) for t in u)
    return [mp.exp(t) / tot for t in u]


def _mp_log_softmax(xs):
    lse = mp.log(mp.fsum(mp.exp(t) for t in xs))
    return [t - lse for t in xs]


@pytest.mark.parametrize("name", [*SOFTMAX_LIKE, "softmax_t", "sparsemax", *GATED])
def test_vjp_equals_g_times_jacobian(name):
    act = symact.get("softmax", temperature=0.37) if name == "softmax_t" else symact.get(name)
    for _ in range(4):
        x = RNG.normal(size=6) * 2
        g = RNG.normal(size=3 if name in GATED else 6)
        v = act.vjp(x, g)
        xs = [mp.mpf(float(t)) for t in x]
        J = [[mp.diff(lambda t, r=r, c=c, xs=xs: mp_forward(name, xs[:c] + [t] + xs[c + 1:])[r], xs[c])
              for c in range(6)] for r in range(len(g))]
        p = [abs(t) for t in mp_forward("softmax" if name in GATED else name, xs)] if name != "log_softmax" \
            else [mp.exp(t) for t in mp_forward(name, xs)]
        gp = mp.fsum(abs(g[r]) * p[r] for r in range(len(g)))
        for c in range(6):
            exact = mp.fsum(g[r] * J[r][c] for r in range(len(g)))
            scale = float(mp.fsum(abs(g[r] * J[r][c]) for r in range(len(g))))
            if name not in GATED:  # p_j (g_j − Σ g_i p_i) cancels when p_j ≈ 1: the formula's own error bound
                scale += float(p[c] * (abs(g[c]) + gp))
            # a handful of roundings (32 eps covers n = 6 terms), times the condition of p (≈ 1 + max |u|)
            cond = 1 + float(np.max(np.abs(x))) / (0.37 if name == "softmax_t" else 1)
            assert abs(v[c] - float(exact)) <= 32 * 2.2e-16 * cond * scale + 1e-300, (name, c, v, exact)


def test_numeric_jacobian_matches_formula():
    x = np.array([0.3, -1.2, 2.0])
    p = symact.get("softmax")(x)
    assert np.allclose(symact.get("softmax").jacobian(x), np.diag(p) - np.outer(p, p), rtol=0, atol=1e-16)


# ---- PyTorch as the independent oracle ---------------------------------------------------------------
TORCH_OPS = {
    "softmax": lambda t, v: t.softmax(v, -1), "log_softmax": lambda t, v: t.log_softmax(v, -1),
    "softmin": lambda t, v: t.nn.functional.softmin(v, -1), "glu": lambda t, v: t.nn.functional.glu(v, -1),
    "reglu": lambda t, v: v.chunk(2, -1)[0] * t.relu(v.chunk(2, -1)[1]),
    "geglu": lambda t, v: v.chunk(2, -1)[0] * t.nn.functional.gelu(v.chunk(2, -1)[1]),
    "swiglu": lambda t, v: v.chunk(2, -1)[0] * t.nn.functional.silu(v.chunk(2, -1)[1]),
    "bilinear": lambda t, v: v.chunk(2, -1)[0] * v.chunk(2, -1)[1],
}


GATE_D = {"glu": lambda v: 1 / (1 + mp.exp(-v)) / (1 + mp.exp(v)), "bilinear": lambda v: 1,
          "reglu": lambda v: 1 if v > 0 else 0, "geglu": lambda v: mp.ncdf(v) + v * mp.npdf(v),
          "swiglu": lambda v: (1 + v / (1 + mp.exp(v))) / (1 + mp.exp(-v))}


def mp_vjp(name, row, g):
    """Textbook vjp at 50 digits: softmax p ⊙ (g − ⟨g, p⟩), log_softmax g − p Σg, GLU (g·h(b), g·a·h'(b))."""
    xs = [mp.mpf(float(t)) for t in row]
    gs = [mp.mpf(float(t)) for t in g]
    if name in GATED:
        h = len(xs) // 2
        return ([gs[q] * GATED[name](xs[h + q]) for q in range(h)]
                + [gs[q] * xs[q] * GATE_D[name](xs[h + q]) for q in range(h)])
    p, _ = ref_softmax(row, -1 if name == "softmin" else 1)
    if name == "log_softmax":
        tot = mp.fsum(gs)
        return [gs[q] - p[q] * tot for q in range(len(xs))]
    dot = mp.fsum(a_ * b_ for a_, b_ in zip(gs, p, strict=True))
    return [(-1 if name == "softmin" else 1) * p[q] * (gs[q] - dot) for q in range(len(xs))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(TORCH_OPS))
def test_matches_pytorch(name, dtype):
    """Forward and vjp against PyTorch 2.13 (CPU) and mpmath: per row, symact's largest error is at most
    PyTorch's plus 4 ULP of the row's scale (PyTorch computes float32 in float32; symact rounds a float64
    result once, so in float32 it is typically far closer)."""
    torch = pytest.importorskip("torch")
    act = symact.get(name)
    extremes = np.array([[1e4, -1e4, 0, 3e4, -3e4, 1e-30, -1e-30, 7], [1e-38, -1e-38, 0, 0, 1e-20, 2e-20, -5, 5]])
    x = np.concatenate([RNG.normal(size=(12, 8)) * 3, RNG.normal(size=(4, 8)) * 80, extremes]).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ty = TORCH_OPS[name](torch, tx)
    g = RNG.normal(size=tuple(ty.shape)).astype(dtype)
    ty.backward(torch.tensor(g))
    y, v = act(x), act.vjp(x, g)
    assert y.dtype == v.dtype == np.dtype(dtype)
    ref_y = [ref_softmax(r, -1 if name == "softmin" else 1)[0] if name in ("softmax", "softmin")
             else ref_log_softmax(r)[0] if name == "log_softmax"
             else [mp.mpf(float(r[q])) * GATED[name](mp.mpf(float(r[4 + q]))) for q in range(4)] for r in x]
    ref_v = [mp_vjp(name, r, gr) for r, gr in zip(x, g, strict=True)]
    # the scale of a row: its largest value; for the vjp also max |g| (p_j (g_j − ⟨g, p⟩) cancels to far below it)
    gmax = np.max(np.abs(g), axis=-1) * (name not in GATED)
    for ours, theirs, ref, extra in ((y, ty.detach().numpy(), ref_y, 0), (v, tx.grad.numpy(), ref_v, gmax)):
        ref = np.array([[float(t) for t in r] for r in ref])
        e_ours = np.max(np.abs(ours.astype(np.float64) - ref), axis=-1)
        e_torch = np.max(np.abs(theirs.astype(np.float64) - ref), axis=-1)
        scale = np.maximum(np.max(np.abs(ref), axis=-1), extra)
        slack = 4 * np.spacing(scale.astype(dtype)).astype(np.float64)
        assert np.all(e_ours <= e_torch + slack), (name, e_ours / (e_torch + slack))


def test_pytorch_softmax_nan_where_symact_takes_the_limit():
    torch = pytest.importorskip("torch")
    t = torch.softmax(torch.tensor([float("inf"), 0.0], dtype=torch.float64), -1)
    assert torch.isnan(t).any()  # documented difference: symact returns [1, 0]
    assert symact.get("softmax")(np.array([np.inf, 0.0])).tolist() == [1.0, 0.0]


def test_keras_sparsemax():
    """Keras 3.15's sparsemax is wrong (sparsemax([0.5, 0.4, -3]) = [0.3, 0.2, 0], summing to 0.5);
    symact lists it as a known disagreement.  Should Keras fix it, the two must agree."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "numpy")  # before the first import: the default is TensorFlow
    keras = pytest.importorskip("keras")

    from symact.frameworks import KNOWN_DISAGREEMENTS

    x = RNG.normal(size=(10, 6)) * 2
    theirs = np.asarray(keras.activations.sparsemax(x.astype(np.float32)))
    ours = symact.get("sparsemax")(x.astype(np.float32))
    np.testing.assert_allclose(ours.sum(axis=-1), 1, atol=4e-7)
    np.testing.assert_allclose(symact.get("sparsemax")(np.array([0.5, 0.4, -3.0])), [0.55, 0.45, 0], atol=1e-15)
    if not np.allclose(ours, theirs, rtol=0, atol=4e-7):
        assert ("keras", "sparsemax") in KNOWN_DISAGREEMENTS
        assert not np.allclose(theirs.sum(axis=-1), 1, atol=1e-3)  # theirs is the one that is off


def test_registry_kinds():
    assert set(symact.names(kind="vector")) >= {"softmax", "log_softmax", "softmin", "sparsemax", "hardmax", "maxout"}
    assert set(symact.names(kind="gated")) >= {"glu", "bilinear", "reglu", "geglu", "swiglu"}
    assert symact.get("softargmax").name == "softmax"
    assert "temperature" in symact.get("softmax").params
    assert "\\sum_{k=1}^{n}" in symact.get("softmax").latex and "T" in symact.get("softmax").latex
