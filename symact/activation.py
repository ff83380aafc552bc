"""A definition bound to parameter values: expressions, LaTeX, kernels, properties."""
from __future__ import annotations

from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from . import kernel_table
from .kernels import Kernel, to_float_array

if TYPE_CHECKING:
    import sympy as sp

    from .definition import Definition


class Activation:
    """One activation with its parameters bound (defaults unless given).

    ``act(x)`` and ``act.grad(x)`` are NumPy kernels generated from ``act.expr`` and
    ``act.derivative``; everything is derived lazily from the definition, once.
    """

    def __init__(self, definition: Definition | None, values: dict[str, sp.Expr] | None = None, *,
                 name: str | None = None, prebuilt: dict | None = None):
        if definition is not None:
            self.definition, self._values = definition, values
        self._name = name if name is not None else definition.name
        self._prebuilt = prebuilt  # kernel_table entries: kernels without SymPy until expr is asked for

    @cached_property
    def definition(self) -> Definition:
        from . import registry

        return registry.definition(self._name)

    @cached_property
    def _values(self) -> dict[str, sp.Expr]:
        return self.definition.bind()

    # ---- identity --------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.definition.aliases

    @property
    def params(self) -> dict[str, float]:
        """Parameter name -> bound value (as a Python float)."""
        return {n: float(v) for n, v in self._values.items()}

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"symact.get({self.name!r}{', ' if ps else ''}{ps})"

    # ---- symbolic ----------------------------------------------------------------------
    @cached_property
    def _subs(self) -> dict[sp.Symbol, sp.Expr]:
        import sympy as sp

        d = self.definition
        subs = {d.param_symbols[n]: v for n, v in self._values.items()}
        for s, (lo, hi) in d.sampled.items():  # inference uses the mean of U(lo, hi), as a double like PyTorch
            subs[sp.Symbol(s, real=True)] = sp.Float(float((self._values[lo] + self._values[hi]) / 2))
        return subs

    @cached_property
    def expr(self) -> sp.Expr:
        """f(x) with the parameters bound."""
        return self.definition.expr.xreplace(self._subs)

    @cached_property
    def derivative(self) -> sp.Expr:
        """f'(x), taking at a kink the value PyTorch's autograd takes there."""
        from .derivation import derivative

        return derivative(self.expr)

    @cached_property
    def param_derivatives(self) -> dict[str, sp.Expr]:
        """∂f/∂p for each parameter p (PReLU's learnable weight, ...), at the bound values."""
        from .derivation import derivative

        d = self.definition
        return {p.name: derivative(d.expr, p.symbol).xreplace(self._subs) for p in d.params if p.used}

    @cached_property
    def latex(self) -> str:
        import sympy as sp

        return sp.latex(self.definition.expr if not self.definition.sampled else self.expr)

    @cached_property
    def derivative_latex(self) -> str:
        import sympy as sp

        return sp.latex(self.derivative)

    # ---- kernels -----------------------------------------------------------------------
    @cached_property
    def kernel(self) -> Kernel:
        if self._prebuilt is not None:
            return Kernel.prebuilt(self.name, *self._prebuilt["f"], expr_of=lambda: self.expr)
        return Kernel(self.expr, name=self.name)

    @cached_property
    def grad_kernel(self) -> Kernel:
        if self._prebuilt is not None:
            return Kernel.prebuilt(f"{self.name}'", *self._prebuilt["grad"], expr_of=lambda: self.derivative)
        return Kernel(self.derivative, name=f"{self.name}'")

    def __call__(self, x_: Any, *, out: np.ndarray | None = None, axis: int | None = None):
        """f(x) elementwise (float32 -> float32, float64 -> float64, ints -> float64)."""
        return self.kernel(x_, out)

    def grad(self, x_: Any, *, out: np.ndarray | None = None):
        """f'(x) elementwise."""
        return self.grad_kernel(x_, out)

    def backend(self, name: str = "numpy"):
        """These kernels from another backend: "numpy" (default, the reference: ``self``) or "numba"
        (fused single-pass loops compiled from the same stable forms; extra ``fast``).  Same dtype and
        NaN/inf policy; the result has ``__call__(x, out=None)`` and ``grad(x, out=None)``."""
        if name == "numpy":
            return self
        if name == "numba":
            from .numba_backend import fused

            return fused(self)
        raise ValueError(f"unknown backend {name!r} (have: 'numpy', 'numba')")

    def torch(self, **kw):
        """A ``torch.nn.Module`` whose backward is ``self.derivative`` (``symact.interop.to_torch``)."""
        from .interop import to_torch

        return to_torch(self, **kw)

    def jax(self):
        """A JAX function with a ``jax.custom_jvp`` from ``self.derivative`` (``symact.interop.to_jax``)."""
        from .interop import to_jax

        return to_jax(self)

    def vjp(self, x_: Any, g: Any, axis: int | None = None):
        """Vector-Jacobian product g * f'(x) (the Jacobian of an elementwise f is diagonal)."""
        gr = self.grad(x_)
        g_arr, _ = to_float_array(g, f"{self.name}.vjp cotangent")
        return (gr * g_arr).astype(np.result_type(gr), copy=False)

    def param_grad(self, name: str, x_: Any):
        """∂f/∂param at x, elementwise (e.g. ``prelu.param_grad('weight', x)``)."""
        if name not in self.param_derivatives:
            raise KeyError(f"{self.name} has no parameter {name!r} with a derivative "
                           f"(has: {', '.join(self.param_derivatives) or 'none'})")
        return self._param_kernel(name)(x_)

    @cache  # noqa: B019 - activations are cached and live for the process
    def _param_kernel(self, name: str) -> Kernel:
        return Kernel(self.param_derivatives[name], name=f"d{self.name}/d{name}")

    def sample(self, x_: Any, rng: np.random.Generator):
        """Training-mode forward of a randomised activation (rrelu): draws each sampled symbol per element."""
        d = self.definition
        if not d.sampled:
            raise TypeError(f"{self.name} has no random parameters; call it directly")
        work, out_type = to_float_array(x_, self.name)
        draws = {s: rng.uniform(float(self._values[lo]), float(self._values[hi]), size=work.shape)
                 for s, (lo, hi) in d.sampled.items()}
        import sympy as sp

        syms = [sp.Symbol(s, real=True) for s in draws]
        fixed = {k: v for k, v in self._subs.items() if k not in syms}
        expr = d.expr.xreplace(fixed)
        fn = _sampled_kernel(expr, tuple(syms))
        with np.errstate(all="ignore"):
            res = np.asarray(fn(work, *draws.values()), dtype=np.float64)
        return res.astype(out_type)

    # ---- derived analyses --------------------------------------------------------------
    @cached_property
    def properties(self):
        from .properties import compute_properties

        return compute_properties(self)


@lru_cache(maxsize=64)
def _sampled_kernel(expr: sp.Expr, syms: tuple[sp.Symbol, ...]):
    import sympy as sp

    from .functions import x
    from .printing import new_printer

    return sp.lambdify((x, *syms), expr, modules=["scipy", "numpy"], printer=new_printer())


def _key(params: dict[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


@lru_cache(maxsize=512)
def _get(name: str, key: tuple) -> Activation:
    if not key:
        hit = kernel_table.lookup(name)
        if hit is not None:
            return Activation(None, name=hit[0], prebuilt=hit[1])
    from . import registry

    defn = registry.definition(name)
    values = defn.bind(**{k: _unrepr(v) for k, v in key})
    if defn.kind != "elementwise":  # softmax-like and gated: act(x, axis), Jacobian-based vjp
        from .vector import VectorActivation

        return VectorActivation(defn, values)
    return Activation(defn, values)


def _unrepr(text: str):
    import ast

    return ast.literal_eval(text)


def get(name: str, **params: Any) -> Activation:
    """The activation ``name`` (canonical or alias) with ``params`` bound (PyTorch's names)."""
    for k, v in params.items():
        if isinstance(v, np.generic):
            params[k] = v.item()
        elif not isinstance(params[k], int | float | str):
            raise TypeError(f"parameter {k!r} must be a number, got {type(v).__name__}")
    return _get(name, _key(params))


get.cache_clear = _get.cache_clear  # type: ignore[attr-defined]
