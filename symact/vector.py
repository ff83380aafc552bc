"""Vector-valued (softmax-like) and gated activations, each declared once as an indexed SymPy expression.

The output component ``i`` is written in indexed symbols (``x[i]``, ``Sum(..., (k, 1, n))``); from that one
expression SymPy derives the Jacobian entry ``J[i, j]`` (``KroneckerDelta`` sums evaluated with ``doit``),
and the vector-Jacobian product ``v[j] = Σ_i g[i] J[i, j]``, which is what the NumPy kernel evaluates (never a
materialised n×n matrix).  Kernels are printed from these expressions by :class:`ReducingPrinter`, which turns
an index sum into ``numpy.sum(..., axis=axis, keepdims=True)``.  Stability comes from one identity each:
softmax-like forms are invariant under ``u -> u - max(u)`` (rows of ±1e4 give exact probabilities), and
``log Σ exp(z)`` with ``max z = 0`` is ``log1p`` of the other terms (log_softmax stays accurate where softmax
underflows or rounds to 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from .activation import Activation
from .definition import Definition
from .errors import DefinitionError
from .functions import x
from .kernels import to_float_array
from .printing import KernelPrinter

__all__ = ["VectorDefinition", "VectorActivation", "softmax_of", "log_softmax_of", "sparsemax_form",
           "hardmax_form", "maxout_form", "gated", "X", "U", "P", "G", "i", "j", "k", "n"]

# ---- indexed symbols -------------------------------------------------------------------
X, U, P, G, S = (sp.IndexedBase(c) for c in ("x", "u", "p", "g", "s"))
i, j, k = sp.symbols("i j k", integer=True)
n = sp.Symbol("n", integer=True, positive=True)
a, b = sp.symbols("a b", real=True)  # the two halves of a gated unit's input: value and gate
tau = sp.Symbol("tau", real=True)  # sparsemax's threshold, defined implicitly by Σ_k max(x_k - τ, 0) = 1


def sum_k(body: sp.Expr) -> sp.Sum:
    return sp.Sum(body, (k, 1, n))


class rowmax(sp.Function):  # noqa: N801 - SymPy's naming for functions
    """max_k x_k: an opaque reduction (used by hardmax's display form)."""

    def _latex(self, printer):
        return r"\max_{k} x_{k}"


def _first_piece(*args):
    return args[0][0]  # the branch 1 <= j <= n, which always holds for an index of the vector


def _doit(e: sp.Expr) -> sp.Expr:
    return e.doit().replace(sp.Piecewise, _first_piece)


@dataclass(frozen=True)
class Form:
    """How an indexed template is evaluated: ``kind`` picks the stable evaluation (shift by the max,
    the sparsemax threshold, ...); ``template`` is the output component in ``U[...]`` (or ``a``, ``b``)."""

    kind: str
    template: sp.Expr
    u: sp.Expr = x  # the elementwise map applied before the reduction (x/T for a temperature, -x for softmin)
    gate: str = ""  # gated: the elementwise catalogue entry applied to the gate half
    pieces: int = 0  # maxout


def softmax_of(u: sp.Expr) -> Form:
    """p_i = exp(u_i) / Σ_k exp(u_k) of the elementwise map u(x)."""
    return Form("softmax", sp.exp(U[i]) / sum_k(sp.exp(U[k])), u)


def log_softmax_of(u: sp.Expr) -> Form:
    """y_i = u_i − log Σ_k exp(u_k)."""
    return Form("log_softmax", U[i] - sp.log(sum_k(sp.exp(U[k]))), u)


def sparsemax_form() -> Form:
    """p_i = max(x_i − τ, 0), τ the threshold with Σ_k max(x_k − τ, 0) = 1 (Euclidean projection on the simplex)."""
    return Form("sparsemax", sp.Max(U[i] - tau, 0))


def hardmax_form() -> Form:
    """One-hot of the arg max (first index on ties)."""
    return Form("hardmax", sp.Piecewise((1, sp.Eq(U[i], rowmax(U))), (0, True)))


def maxout_form(pieces: int) -> Form:
    """h = max of ``pieces`` consecutive inputs (z_1 ... z_k of one unit)."""
    return Form("maxout", sp.Max(*(U[m] for m in range(1, pieces + 1))), pieces=pieces)


def gated(gate: str) -> Form:
    """a ⊙ gate(b) on the input split in two halves [a | b] along the axis (PyTorch's and JAX's GLU order)."""
    from .activation import get

    g = get(gate).expr.subs(x, b) if gate != "identity" else b
    return Form("gated", a * g, gate=gate)


# ---- the definition record --------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class VectorDefinition(Definition):
    """A vector-valued or gated activation: ``form`` carries the indexed template; ``expr`` is derived."""

    expr: sp.Expr = sp.S.Zero
    form: Form | None = None
    kind: str = "vector"
    #: why there is no useful gradient, etc.: shown on the page
    note: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"definition {self.name!r}"
        if self.form is None:
            raise DefinitionError(f"{where}: a vector definition needs a form (softmax_of(...), gated(...), ...)")
        if self.kind not in ("vector", "gated"):
            raise DefinitionError(f"{where}: kind must be 'vector' or 'gated'")
        object.__setattr__(self, "expr", _indexed_expr(self.form))
        super().__post_init__()

    def _check_symbols(self, where: str) -> None:
        free = self.form.u.free_symbols - {x, *(p.symbol for p in self.params)}
        if free:
            raise DefinitionError(f"{where}: u uses undeclared symbols {sorted(map(str, free))}")


def _indexed_expr(form: Form) -> sp.Expr:
    if form.kind in ("gated",):
        return form.template
    if form.kind == "maxout":
        return form.template.replace(U, X)
    return form.template.replace(lambda e: isinstance(e, sp.Indexed) and e.base == U,
                                 lambda e: form.u.subs(x, X[e.indices[0]])).xreplace({U: X})


# ---- printing of reductions ------------------------------------------------------------------
class lse0(sp.Function):  # noqa: N801
    """log Σ_k exp(z_k) for rows whose maximum is exactly 0: log1p of the terms other than the max."""


class ReducingPrinter(KernelPrinter):
    """KernelPrinter plus index sums: ``Sum(body, (k, 1, n))`` -> ``numpy.sum(body, axis=axis, keepdims=True)``."""

    def _print_Sum(self, expr):
        return f"numpy.sum({self._print(expr.function)}, axis=axis, keepdims=True)"

    def _print_lse0(self, expr):
        return f"symact.vector._lse0({self._print(expr.args[0])}, axis)"


def _plain(e: sp.Expr, names: dict[sp.IndexedBase, str]) -> sp.Expr:
    """Indexed symbols -> plain array names (every index of a row is the same array)."""
    return e.replace(lambda t: isinstance(t, sp.Indexed) and t.base in names,
                     lambda t: sp.Symbol(names[t.base], real=True))


def _compile(e: sp.Expr, args: tuple[str, ...]):
    syms = [sp.Symbol(s, real=True) for s in args]
    return sp.lambdify((*syms, sp.Symbol("axis")), e, modules=[{"symact": __import__("symact")}, "numpy"],
                       printer=ReducingPrinter({"fully_qualified_modules": True, "inline": True,
                                                "allow_unknown_functions": True}), cse=True)


def _lse0(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z)
    top = np.argmax(z, axis=axis, keepdims=True)
    np.put_along_axis(e, top, 0.0, axis=axis)  # exp(0) = 1 is the "1" of log1p; the rest may be tiny
    out = np.log1p(np.sum(e, axis=axis, keepdims=True))
    return np.where(np.isnan(np.take_along_axis(z, top, axis=axis)), np.nan, out)


def _shift(u: np.ndarray, axis: int) -> np.ndarray:
    """u − max(u) per row; where the max is +inf, the +inf entries share the mass (0) and the rest get −inf."""
    m = np.max(u, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore"):
        z = u - m
    inf_rows = np.isposinf(m)
    if inf_rows.any():
        z = np.where(inf_rows, np.where(np.isposinf(u), 0.0, -np.inf), z)
    return z


def _sparsemax_tau(z: np.ndarray, axis: int) -> np.ndarray:
    """Martins & Astudillo (2016), Algorithm 1: sort, cumulative sums, support size k(z), τ = (Σ_{≤k} z − 1)/k."""
    zs = -np.sort(-z, axis=axis)
    csum = np.cumsum(zs, axis=axis)
    shape = [1] * z.ndim
    shape[axis] = z.shape[axis]
    r = np.arange(1, z.shape[axis] + 1, dtype=np.float64).reshape(shape)
    support = 1 + r * zs > csum
    kz = np.sum(support, axis=axis, keepdims=True)
    ssum = np.take_along_axis(csum, np.maximum(kz, 1) - 1, axis=axis)
    return (ssum - 1) / kz


def _as_axis(arr: np.ndarray, axis: int, name: str) -> int:
    if arr.ndim == 0:
        raise ValueError(f"{name} is vector-valued: give an array with at least one dimension, not a scalar")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for an array of {arr.ndim} dimension(s)")
    return axis % arr.ndim


class VectorActivation(Activation):
    """A vector-valued activation with parameters bound: ``act(x, axis=-1)``, ``act.vjp(x, g, axis=-1)``,
    ``act.jacobian_expr`` (the derived J[i, j]) and ``act.jacobian(x)`` (numeric, for one vector)."""

    definition: VectorDefinition

    @property
    def form(self) -> Form:
        return self.definition.form

    # ---- symbolic --------------------------------------------------------------------------
    @cached_property
    def _subs(self) -> dict[sp.Symbol, sp.Expr]:
        # integral values print as integers (temperature 1 gives exp(x_i), not exp(1.0 x_i)); exact either way
        subs = super()._subs
        return {s: (sp.Integer(int(v)) if v.is_Float and float(v).is_integer() else v) for s, v in subs.items()}

    @cached_property
    def symbolic(self) -> VectorActivation:
        """The same activation with its parameters left as symbols (what the pages show)."""
        return VectorActivation(self.definition, {p.name: p.symbol for p in self.definition.params})

    @cached_property
    def _u(self) -> sp.Expr:
        return self.form.u.xreplace(self._subs)

    @cached_property
    def expr(self) -> sp.Expr:
        """Output component i as an indexed SymPy expression (gated: in the halves a and b)."""
        return self.definition.expr.xreplace(self._subs)

    @cached_property
    def _jacobian_u(self) -> sp.Expr:
        """∂y_i/∂u_j of the template, with exp(u)/Σexp(u) folded back into p (softmax of u)."""
        t, kind = self.form.template, self.form.kind
        if kind in ("softmax", "log_softmax"):
            total = sum_k(sp.exp(U[k]))
            jac = _doit(sp.diff(t, U[j]))
            return sp.simplify(jac.subs({sp.exp(U[i]): P[i] * total, sp.exp(U[j]): P[j] * total}))
        if kind == "sparsemax":
            # implicit differentiation of F(τ, u) = Σ_k max(u_k − τ, 0) − 1 = 0:  dτ/du_j = −F_uj / F_τ
            F = sum_k(sp.Max(U[k] - tau, 0)) - 1
            dtau = -_doit(sp.diff(F, U[j])) / _doit(sp.diff(F, tau))
            jac = sp.diff(t, U[j]) + sp.diff(t, tau) * dtau
            in_support = {h: S[(h.args[0] + tau).indices[0]] for h in _doit(jac).atoms(sp.Heaviside)
                          if isinstance(h.args[0] + tau, sp.Indexed)}  # H(u_m − τ) = s_m: m in the support
            return sp.simplify(_doit(jac).xreplace(in_support))
        if kind == "hardmax":
            return sp.simplify(sp.diff(t, U[j]))
        raise TypeError(f"{self.name}: no indexed Jacobian for a {kind} form")

    @cached_property
    def jacobian_expr(self) -> sp.Expr | sp.Matrix:
        """J[i, j] = ∂y_i/∂x_j derived from the definition (gated: the row (∂/∂a, ∂/∂b); maxout: ∂h/∂z)."""
        kind = self.form.kind
        if kind == "gated":
            return sp.Matrix([[sp.diff(self.expr, a), sp.diff(self.expr, b)]])
        if kind == "maxout":
            zs = [X[m] for m in range(1, self.form.pieces + 1)]
            return sp.Matrix([[sp.diff(self.expr, z) for z in zs]])
        du = sp.diff(self._u, x).subs(x, X[j])
        return self._jacobian_u * du

    @property
    def derivative(self):  # the generic name: for a vector function it is the Jacobian
        return self.jacobian_expr

    @cached_property
    def _vjp_u(self) -> sp.Expr:
        """Σ_i g_i ∂y_i/∂u_j, contracted symbolically (KroneckerDelta sums evaluated)."""
        return sp.simplify(_doit(sp.Sum(G[i] * self._jacobian_u, (i, 1, n))))

    @cached_property
    def vjp_expr(self) -> sp.Expr | tuple[sp.Expr, sp.Expr]:
        """v_j = Σ_i g_i J[i, j] (gated: (g·∂f/∂a, g·∂f/∂b)); maxout has none (a one-hot routing)."""
        if self.form.kind == "gated":
            ga = sp.Symbol("g", real=True)
            return (ga * self.jacobian_expr[0], ga * self.jacobian_expr[1])
        if self.form.kind == "maxout":
            raise TypeError("maxout's vjp routes g to the arg max of each group (the Jacobian is a one-hot row)")
        return self._vjp_u * sp.diff(self._u, x).subs(x, X[j])

    def components(self, xs) -> list[sp.Expr]:
        """The outputs for the concrete inputs ``xs`` (index sums expanded): ``softmax.components([z1, z2])``."""
        xs = list(xs)
        kind = self.form.kind
        if kind == "gated":
            h = len(xs) // 2
            return [self.expr.subs({a: va, b: vb}) for va, vb in zip(xs[:h], xs[h:], strict=True)]
        if kind not in ("softmax", "log_softmax"):
            raise TypeError(f"{self.name}: components are expanded for the softmax family and gated units")
        e = self.expr.subs(n, len(xs))
        values = {X[m + 1]: v for m, v in enumerate(xs)}
        return [e.subs(i, r + 1).doit().xreplace(values) for r in range(len(xs))]

    @cached_property
    def latex(self) -> str:
        """y_i with the parameters as symbols (temperature printed T)."""
        return _latex(self.symbolic.expr)

    @cached_property
    def derivative_latex(self) -> str:
        """The derived Jacobian entry J_ij (gated: the row of partial derivatives in a and b)."""
        return _latex(self.symbolic.jacobian_expr)

    @cached_property
    def vjp_latex(self) -> str:
        v = self.symbolic.vjp_expr if self.form.kind != "maxout" else None
        if v is None:
            return ""
        return r",\; ".join(map(_latex, v)) if isinstance(v, tuple) else _latex(v)

    @cached_property
    def jacobian_matrix_latex(self) -> str:
        """The Jacobian written out for n = 3 inputs (softmax: (diag(p) − p pᵀ)/T)."""
        if self.form.kind in ("gated", "maxout"):
            return self.derivative_latex
        jac = self.symbolic.jacobian_expr.subs(n, 3)
        m = sp.Matrix(3, 3, lambda r, c: jac.subs({i: r + 1, j: c + 1}).doit())
        return _latex(m)

    # ---- numeric -----------------------------------------------------------------------
    @cached_property
    def _u_kernel(self):
        from .kernels import Kernel

        return None if self._u == x else Kernel(self._u, name=f"{self.name} u")

    @cached_property
    def _du(self) -> float | None:
        d = sp.diff(self._u, x)
        return float(d) if d.is_number else None

    def _u_of(self, xa: np.ndarray) -> np.ndarray:
        return xa if self._u_kernel is None else self._u_kernel(xa)

    @cached_property
    def _forward_fn(self):
        t = self.form.template
        if self.form.kind == "log_softmax":
            t = t.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Sum), lambda e: lse0(U[k]))
        return _compile(_plain(t, {U: "z"}).subs(tau, sp.Symbol("tau", real=True)), ("z", "tau"))

    @cached_property
    def _vjp_fn(self):
        return _compile(_plain(self._vjp_u, {P: "p", G: "g", S: "s"}), ("p", "g", "s"))

    def __call__(self, x_: Any, *, axis: int = -1, out: np.ndarray | None = None):  # type: ignore[override]
        """y = f(x) along ``axis`` (float32 stays float32: computed in float64, rounded once)."""
        xa, otype = to_float_array(x_, f"{self.name} input")
        ax = _as_axis(xa, axis, self.name)
        with np.errstate(all="ignore"):
            res = self._forward(xa, ax)
        return _deliver(res, otype, out)

    def _forward(self, xa: np.ndarray, ax: int) -> np.ndarray:
        kind = self.form.kind
        if kind == "gated":
            va, vb = _halves(xa, ax, self.name)
            return va * self._gate(vb)
        if kind == "maxout":
            return np.max(_groups(xa, ax, self.form.pieces, self.name), axis=ax + 1)
        if kind == "hardmax":
            res = np.zeros_like(xa)
            np.put_along_axis(res, np.argmax(xa, axis=ax, keepdims=True), 1.0, axis=ax)
            return np.where(np.isnan(xa).any(axis=ax, keepdims=True), np.nan, res)
        u = self._u_of(xa)
        if kind == "sparsemax":
            return self._forward_fn(u, _sparsemax_tau(u, ax), ax)
        return self._forward_fn(_shift(u, ax), 0.0, ax)

    def vjp(self, x_: Any, g: Any, axis: int = -1):  # type: ignore[override]
        """gᵀJ along ``axis``: the cotangent of x (gated: same shape as x, both halves)."""
        xa, otype = to_float_array(x_, f"{self.name} input")
        ga, _ = to_float_array(g, f"{self.name} cotangent")
        ax = _as_axis(xa, axis, self.name)
        with np.errstate(all="ignore"):
            res = self._vjp(xa, ga, ax)
        return res.astype(otype, copy=False)

    def _vjp(self, xa: np.ndarray, ga: np.ndarray, ax: int) -> np.ndarray:
        kind = self.form.kind
        if kind == "gated":
            va, vb = _halves(xa, ax, self.name)
            ga = np.broadcast_to(ga, va.shape)
            return np.concatenate([ga * self._gate(vb), ga * va * self._gate_grad(vb)], axis=ax)
        if kind == "maxout":
            grp = _groups(xa, ax, self.form.pieces, self.name)
            res = np.zeros_like(grp)
            top = np.expand_dims(np.argmax(grp, axis=ax + 1), ax + 1)
            np.put_along_axis(res, top, np.expand_dims(np.broadcast_to(ga, top.shape[:ax + 1] + top.shape[ax + 2:]),
                                                       ax + 1), axis=ax + 1)
            return res.reshape(xa.shape)
        if kind == "hardmax":
            return np.where(np.isnan(xa) | np.isnan(ga), np.nan, 0.0)
        u = self._u_of(xa)
        ga = np.broadcast_to(ga, xa.shape)
        if kind == "sparsemax":
            support = (u > _sparsemax_tau(u, ax)).astype(np.float64)
            v = self._vjp_fn(0.0, ga, support, ax)
        else:
            z = _shift(u, ax)
            e = np.exp(z)
            p = e / np.sum(e, axis=ax, keepdims=True)
            v = self._vjp_fn(p, ga, 0.0, ax)
        du = self._du
        if du is None:
            from .kernels import Kernel

            return v * Kernel(sp.diff(self._u, x), name=f"{self.name} u'")(xa)
        return v if du == 1.0 else v * du

    def jacobian(self, x_: Any) -> np.ndarray:
        """The numeric Jacobian of one input vector (rows: outputs), from the vjp of each basis vector."""
        xa, otype = to_float_array(x_, f"{self.name} input")
        if xa.ndim != 1:
            raise ValueError(f"{self.name}.jacobian takes one vector (1-D), got shape {xa.shape}")
        m = self(xa).shape[0]
        eye = np.eye(m)
        rows = np.broadcast_to(xa, (m, xa.shape[0]))
        return self.vjp(rows, eye, axis=-1).astype(otype, copy=False)

    def grad(self, x_: Any, *, out: np.ndarray | None = None):
        raise TypeError(f"{self.name} is vector-valued: use {self.name}.vjp(x, g, axis) or .jacobian(x)")

    @cached_property
    def _gate_act(self):
        from .activation import get

        return get(self.form.gate)

    def _gate(self, v: np.ndarray) -> np.ndarray:
        return v if self.form.gate == "identity" else self._gate_act(v)

    def _gate_grad(self, v: np.ndarray) -> np.ndarray:
        return np.ones_like(v) if self.form.gate == "identity" else self._gate_act.grad(v)

    @cached_property
    def kernel(self):
        raise TypeError(f"{self.name} is vector-valued: call it as {self.name}(x, axis=-1)")

    @property
    def properties(self):
        raise TypeError(f"{self.name} is vector-valued; the property table covers elementwise activations")

    def param_grad(self, name: str, x_: Any):
        raise TypeError(f"{self.name}: parameter gradients are derived for elementwise activations only")

    def backend(self, name: str = "numpy"):
        if name == "numpy":
            return self
        raise ValueError(f"{self.name} is vector-valued: only the 'numpy' backend evaluates it")


def _latex(e) -> str:
    names = {s: "T" for s in e.free_symbols if str(s) == "temperature"}
    return sp.latex(e, symbol_names=names)


def _deliver(res: np.ndarray, otype, out: np.ndarray | None) -> np.ndarray:
    if out is None:
        return res.astype(otype, copy=False)
    if out.shape != res.shape:
        raise ValueError(f"out has shape {out.shape}, the result has {res.shape}")
    np.copyto(out, res, casting="same_kind")
    return out


def _halves(xa: np.ndarray, ax: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    m = xa.shape[ax]
    if m % 2:
        raise ValueError(f"{name} splits the input in two halves along axis {ax}: its length {m} is odd")
    return np.split(xa, 2, axis=ax)


def _groups(xa: np.ndarray, ax: int, pieces: int, name: str) -> np.ndarray:
    m = xa.shape[ax]
    if m % pieces:
        raise ValueError(f"{name} takes groups of {pieces} consecutive inputs along axis {ax}: {m} is not a multiple")
    return xa.reshape(xa.shape[:ax] + (m // pieces, pieces) + xa.shape[ax + 1:])
