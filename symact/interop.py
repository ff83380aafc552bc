"""PyTorch and JAX functions from the one symbolic definition: forward and backward both printed from
the stable forms the NumPy kernels use (``act.kernel.stable``, ``act.grad_kernel.stable``).

``to_torch(act)`` is a ``torch.nn.Module`` over a ``torch.autograd.Function`` whose backward is the
symbolic derivative; ``to_jax(act)`` a function with a ``jax.custom_jvp`` from the same derivative.
Neither framework is imported until one of these is called (``import symact`` imports neither).

In PyTorch, like the NumPy kernels, float16/bfloat16/float32 inputs are computed in float64 and rounded
once (``upcast=False`` computes in the input's dtype instead, e.g. on GPUs without fast float64); JAX
computes in the input's dtype (float64 needs ``jax_enable_x64``).  In both, NaN propagates and at
+-inf where the printed form gives inf*0 = NaN the result is the limit of f (or f') there.
"""
from __future__ import annotations

import functools
import math
from typing import Any

import sympy as sp

__all__ = ["to_torch", "to_jax", "torch_source", "jax_source"]

_FAR = 1e100  # as kernels._FAR: beyond it a NaN from inf*0 / inf-inf is replaced by the limit


def limits(kernel) -> tuple[float, float] | None:
    """(limit at +inf, limit at -inf) of a kernel whose printed code gets NaN/inf wrong, else None.

    The limits are SymPy limits (seconds for gelu_tanh'), memoised on disk like the stable forms."""
    if not kernel._guard:  # noqa: SLF001 - the kernel's own probe of its printed code
        return None
    from .cache import cached, key
    from .kernels import STABLE_VERSION

    def compute():
        return (kernel.limit(1.0), kernel.limit(-1.0))

    hi, lo = cached("limits", key(STABLE_VERSION, sp.srepr(kernel.expr)), compute)
    kernel._limits.setdefault(1.0, hi)  # noqa: SLF001 - the NumPy kernel's patch needs them too
    kernel._limits.setdefault(-1.0, lo)  # noqa: SLF001
    return hi, lo


# ---- PyTorch ------------------------------------------------------------------------------------


def _torch_printer():
    from sympy.printing.pytorch import TorchPrinter  # imports torch

    class SymactTorchPrinter(TorchPrinter):
        """TorchPrinter plus symact's functions; constants as Python floats (no dtype promotion)."""

        def _print_Float(self, expr):
            return repr(float(expr))

        def _print_Rational(self, expr):
            return str(expr.p) if expr.q == 1 else f"({expr.p}/{expr.q})"

        def _print_Half(self, expr):
            return "0.5"

        def _print_Integer(self, expr):
            return str(int(expr))

        def _print_Pow(self, expr, rational=False):
            base, e = expr.args
            if e.is_Integer and abs(int(e)) <= 4 and e != 0:
                b = self.parenthesize(base, 100)
                body = "*".join([b] * abs(int(e)))
                return f"({body})" if e > 0 else f"(1/({body}))"
            if e == sp.S.Half:
                return f"{self._module_format('torch.sqrt')}({self._print(base)})"
            return f"{self._module_format('torch.pow')}({self._print(base)}, {self._print(e)})"

        def _print_Mul(self, expr):
            c, rest = expr.as_coeff_Mul()
            if c.is_Rational and not c.is_Integer and abs(c.p) == 1 and rest != 1:  # (x + 3)/6 divides, as NumPy
                return f"{'-' if c.p < 0 else ''}({self._print(rest)})/{c.q}"
            return super()._print_Mul(expr)

        def _print_sigmoid(self, expr):
            return f"{self._module_format('torch.sigmoid')}({self._print(expr.args[0])})"

        def _print_softplus(self, expr):
            # max(u, 0) + log1p(exp(-|u|)), as symact._runtime: F.softplus switches to u at 20 (1e-10 rel. error)
            u = self._print(expr.args[0])
            t = self._module_format("torch")
            return f"({t}.clamp_min({u}, 0) + {t}.log1p({t}.exp(-{t}.abs({u}))))"

        def _print_Phi(self, expr):  # torch.special.ndtr is 1e-7 relative off at u = -6, 100% below -8
            return f"_ndtr({self._print(expr.args[0])})"

        def _print_shifted(self, expr):
            u, hi, lo = (self._print(a) for a in expr.args)
            return f"(({u} - {hi}) - {lo})"

        def _print_expm1(self, expr):
            return f"{self._module_format('torch.expm1')}({self._print(expr.args[0])})"

        def _print_hypot(self, expr):
            a, b = (self._print(v) for v in expr.args)
            return f"{self._module_format('torch.hypot')}(_c({a}), {b})" if expr.args[0].is_number \
                else f"{self._module_format('torch.hypot')}({a}, {b})"

        def _print_erf(self, expr):
            return f"{self._module_format('torch.special.erf')}({self._print(expr.args[0])})"

        def _print_log1p(self, expr):
            return f"{self._module_format('torch.log1p')}({self._print(expr.args[0])})"

        def _print_Abs(self, expr):
            return f"{self._module_format('torch.abs')}({self._print(expr.args[0])})"

        def _print_sign(self, expr):  # torch.sign(nan) is 0: NaN propagates, as np.sign
            u = self._print(expr.args[0])
            return f"{self._module_format('torch.where')}({self._module_format('torch.isnan')}({u}), {u}, " \
                f"{self._module_format('torch.sign')}({u}))"

        def _print_Heaviside(self, expr):
            h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Zero
            return f"{self._module_format('torch.heaviside')}({self._print(expr.args[0])}, _c({self._print(h0)}))"

        def _minmax(self, expr, which):
            nums = [a for a in expr.args if a.is_number]
            rest = [a for a in expr.args if not a.is_number]
            out = self._print(rest[0]) if rest else f"_c({self._print(nums.pop())})"
            for a in rest[1:]:
                out = f"{self._module_format('torch.' + which)}({out}, {self._print(a)})"
            for a in nums:
                clamp = "clamp_min" if which == "maximum" else "clamp_max"
                out = f"{self._module_format('torch.' + clamp)}({out}, {self._print(a)})"
            return out

        def _print_Max(self, expr):
            return self._minmax(expr, "maximum")

        def _print_Min(self, expr):
            return self._minmax(expr, "minimum")

        def _print_Piecewise(self, expr):
            from .printing import lower_piecewise

            low = lower_piecewise(expr)  # ramps and clamps as maximum/minimum, as the NumPy kernels
            if low is not None:
                return self._print(low)
            where = self._module_format("torch.where")

            def branch(e):  # a number as a tensor of x's dtype: torch.where(c, 1, 0.01) would be float32
                return f"_c({self._print(e)})" if e.is_number else self._print(e)

            *pieces, (last, cond) = expr.args
            out = branch(last) if cond == sp.true else f"{where}({self._print(cond)}, {branch(last)}, _c(nan))"
            for e, c in reversed(pieces):
                out = f"{where}({self._print(c)}, {branch(e)}, {out})"
            return out

        def _print_Relational(self, expr):
            return f"({self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)})"

        def _print_And(self, expr):
            return "(" + " & ".join(self._print(a) for a in expr.args) + ")"

        def _print_Or(self, expr):
            return "(" + " | ".join(self._print(a) for a in expr.args) + ")"

        def _print_Not(self, expr):
            return f"(~{self._print(expr.args[0])})"

        def _print_BooleanTrue(self, expr):
            return f"{self._module_format('torch.ones_like')}(x, dtype={self._module_format('torch.bool')})"

        def _print_BooleanFalse(self, expr):
            return f"{self._module_format('torch.zeros_like')}(x, dtype={self._module_format('torch.bool')})"

        def _print_Exp1(self, expr):
            return repr(math.e)

        def _print_Pi(self, expr):
            return repr(math.pi)

    return SymactTorchPrinter({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})


def _torch_ndtr(u):
    """Phi(u) as symact._runtime.symact_ndtr: for -40 < u < -1, erfcx(-u/sqrt2)/2 * exp(-u^2/2) with u^2
    in double-double (Dekker), so the tail keeps ~4 ULP; elsewhere torch.special.ndtr (accurate there)."""
    import torch

    c = 134217729.0 * u
    uh = c - (c - u)
    ul = u - uh
    hi = u * u
    lo = ((uh * uh - hi) + 2 * uh * ul) + ul * ul
    tail = 0.5 * torch.special.erfcx(-u * 0.7071067811865476) * torch.exp(-0.5 * lo) * torch.exp(-0.5 * hi)
    return torch.where((u < -1) & (u > -40), tail, torch.special.ndtr(u))


def torch_source(expr: sp.Expr) -> str:
    """The body of ``lambda x: ...`` that evaluates ``expr`` (a stable form) on a tensor ``x``."""
    from .printing import fold_constants, horner_polynomials

    return _torch_printer().doprint(horner_polynomials(fold_constants(expr)))


def _torch_fn(expr: sp.Expr, limits: tuple[float, float] | None):
    import torch

    src = torch_source(expr)
    code = ("def f(x):\n"
            "    def _c(v):\n"
            "        return torch.full_like(x, v)\n"
            f"    return {src}\n")
    ns: dict[str, Any] = {"torch": torch, "nan": math.nan, "_ndtr": _torch_ndtr}
    exec(compile(code, f"<symact torch {sp.sstr(expr)[:60]}>", "exec"), ns)  # noqa: S102 - our own printed code
    raw = ns["f"]
    # where(x > c, 1, 0) picks a branch at NaN, a constant ignores it: NaN must propagate
    nan_guard = expr.has(sp.Piecewise) or limits is not None or not expr.free_symbols

    def fn(t):
        out = raw(t)
        if not isinstance(out, torch.Tensor) or out.shape != t.shape or out.dtype != t.dtype:
            out = torch.as_tensor(out, dtype=t.dtype, device=t.device).expand(t.shape).clone()
        if nan_guard:
            out = torch.where(torch.isnan(t), t, out)
        if limits is not None:
            bad = torch.isnan(out) & ~torch.isnan(t)
            for lim, far in zip(limits, (t > _FAR, t < -_FAR), strict=True):
                out = torch.where(bad & far, torch.full_like(out, lim), out)
        return out

    fn.source = code  # type: ignore[attr-defined]
    return fn


def to_torch(act, *, upcast: bool = True):
    """``act`` as a ``torch.nn.Module``; its backward is ``act.derivative`` (no autograd tracing of f).

    The forward and backward are printed from the same stable forms as the NumPy kernels.  Parameters
    are bound (``symact.get("elu", alpha=0.5).torch()``); they are not learnable tensors.
    """
    import torch

    if act.definition.kind != "elementwise":
        raise TypeError(f"{act.name} is {act.definition.kind}; to_torch handles elementwise activations")
    f = _torch_fn(act.kernel.stable, limits(act.kernel))
    df = _torch_fn(act.grad_kernel.stable, limits(act.grad_kernel))
    wide = (torch.float16, torch.bfloat16, torch.float32)

    def run(fn, t):
        if upcast and t.dtype in wide:
            return fn(t.to(torch.float64)).to(t.dtype)
        if not t.is_floating_point():
            t = t.to(torch.get_default_dtype())
        return fn(t)

    def forward(ctx, t):
        ctx.save_for_backward(t)
        return run(f, t)

    def backward(ctx, g):
        (t,) = ctx.saved_tensors
        return g * run(df, t)

    fn_cls = type(f"{act.name}_function", (torch.autograd.Function,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward),
        "__doc__": f"{act.name}: forward {act.expr}, backward {act.derivative} (symact)",
    })

    class Module(torch.nn.Module):
        function = fn_cls

        def __init__(self):
            super().__init__()
            self.activation = act

        def forward(self, t):
            return fn_cls.apply(t)

        def extra_repr(self) -> str:
            return ", ".join(f"{k}={v!r}" for k, v in act.params.items())

    Module.__name__ = Module.__qualname__ = "".join(p.capitalize() for p in act.name.split("_")) or "Activation"
    return Module()


# ---- JAX ----------------------------------------------------------------------------------------


def _jax_printer():
    from sympy.printing.numpy import JaxPrinter

    class SymactJaxPrinter(JaxPrinter):
        def _print_Float(self, expr):
            return repr(float(expr))

        def _print_Rational(self, expr):
            return str(expr.p) if expr.q == 1 else f"({expr.p}/{expr.q})"

        def _print_Half(self, expr):
            return "0.5"

        def _print_Mul(self, expr):
            c, rest = expr.as_coeff_Mul()
            if c.is_Rational and not c.is_Integer and abs(c.p) == 1 and rest != 1:
                return f"{'-' if c.p < 0 else ''}({self._print(rest)})/{c.q}"
            return super()._print_Mul(expr)

        def _print_sigmoid(self, expr):
            return f"jax.nn.sigmoid({self._print(expr.args[0])})"

        def _print_softplus(self, expr):
            u = self._print(expr.args[0])
            return f"(jnp.maximum({u}, 0) + jnp.log1p(jnp.exp(-jnp.abs({u}))))"

        def _print_Phi(self, expr):
            return f"jax.scipy.special.ndtr({self._print(expr.args[0])})"

        def _print_shifted(self, expr):
            u, hi, lo = (self._print(a) for a in expr.args)
            return f"(({u} - {hi}) - {lo})"

        def _print_expm1(self, expr):
            return f"jnp.expm1({self._print(expr.args[0])})"

        def _print_hypot(self, expr):
            return f"jnp.hypot({self._print(expr.args[0])}, {self._print(expr.args[1])})"

        def _print_erf(self, expr):
            return f"jax.scipy.special.erf({self._print(expr.args[0])})"

        def _print_log1p(self, expr):
            return f"jnp.log1p({self._print(expr.args[0])})"

        def _print_Piecewise(self, expr):
            from .printing import lower_piecewise

            low = lower_piecewise(expr)
            if low is not None:
                return self._print(low)
            *pieces, (last, cond) = expr.args
            out = self._print(last) if cond == sp.true else f"jnp.where({self._print(cond)}, {self._print(last)}, nan)"
            for e, c in reversed(pieces):
                out = f"jnp.where({self._print(c)}, {self._print(e)}, {out})"
            return out

        def _print_Relational(self, expr):
            return f"({self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)})"

        def _module_format(self, fqn, register=True):
            return fqn.replace("jax.numpy.", "jnp.")

    return SymactJaxPrinter({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})


def jax_source(expr: sp.Expr) -> str:
    from .printing import fold_constants, horner_polynomials

    return _jax_printer().doprint(horner_polynomials(fold_constants(expr)))


def _jax_fn(expr: sp.Expr, limits: tuple[float, float] | None):
    import jax
    import jax.numpy as jnp
    import jax.scipy.special  # noqa: F401 - ndtr

    code = f"def f(x):\n    return {jax_source(expr)}\n"
    ns: dict[str, Any] = {"jax": jax, "jnp": jnp, "nan": math.nan, "functools": functools}
    exec(compile(code, f"<symact jax {sp.sstr(expr)[:60]}>", "exec"), ns)  # noqa: S102 - our own printed code
    raw = ns["f"]
    nan_guard = expr.has(sp.Piecewise) or limits is not None or not expr.free_symbols

    def fn(t):
        out = jnp.broadcast_to(jnp.asarray(raw(t), dtype=t.dtype), t.shape)
        if nan_guard:
            out = jnp.where(jnp.isnan(t), t, out)
        if limits is not None:
            bad = jnp.isnan(out) & ~jnp.isnan(t)
            out = jnp.where(bad & (t > _FAR), limits[0], out)
            out = jnp.where(bad & (t < -_FAR), limits[1], out)
        return out

    return fn


def to_jax(act):
    """``act`` as a JAX function with a ``jax.custom_jvp`` whose tangent is ``act.derivative * dx``."""
    import jax
    import jax.numpy as jnp

    if act.definition.kind != "elementwise":
        raise TypeError(f"{act.name} is {act.definition.kind}; to_jax handles elementwise activations")
    f = _jax_fn(act.kernel.stable, limits(act.kernel))
    df = _jax_fn(act.grad_kernel.stable, limits(act.grad_kernel))

    @jax.custom_jvp
    def fn(t):
        t = jnp.asarray(t)
        if not jnp.issubdtype(t.dtype, jnp.floating):
            t = t.astype(jnp.result_type(float))
        return f(t)

    @fn.defjvp
    def _jvp(primals, tangents):
        (t,), (dt,) = primals, tangents
        t = jnp.asarray(t)
        if not jnp.issubdtype(t.dtype, jnp.floating):
            t = t.astype(jnp.result_type(float))
        return f(t), df(t) * dt

    fn.__name__ = act.name
    fn.__doc__ = f"{act.name}: {act.expr}; derivative {act.derivative} (symact, jax.custom_jvp)"
    return fn


