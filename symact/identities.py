"""The identity library: facts readers of activation notes rely on, each checked, never assumed.

Every identity is built from the catalogue's own expressions (through the registry) and
checked by :func:`symact.verify.judge` or by a high-precision computation; the record says
which.  ``run_identities()`` runs them all (CI does; the website shows the results).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from .functions import Phi, x
from .verify import Verdict, _exact_floats, _resolve, judge

__all__ = ["Identity", "IdentityResult", "IDENTITIES", "run_identities", "identity", "report"]


@dataclass(frozen=True)
class IdentityResult:
    """The outcome of one identity's check; ``value`` holds computed numbers when there are any."""

    name: str
    statement: str
    how: str
    status: str  # "correct" | "incorrect" | "undecided"
    method: str  # "symbolic" | "numeric"
    value: Any = None
    message: str = ""


@dataclass(frozen=True)
class Identity:
    """A record: name, statement (LaTeX), how it is checked, and the check itself."""

    name: str
    statement: str
    how: str
    run: Callable[[], tuple[str, str, Any, str]]  # -> (status, method, value, message)

    def check(self) -> IdentityResult:
        try:
            status, method, value, message = self.run()
        except Exception as exc:  # noqa: BLE001 - a broken identity is reported, not fatal to the others
            status, method, value, message = "undecided", "numeric", None, f"check failed: {exc!r}"
        return IdentityResult(self.name, self.statement, self.how, status, method, value, message)


# ---- access to the catalogue ----------------------------------------------------------------

def _expr(name: str) -> sp.Expr:
    """The catalogue's definition (unbound parameters stay symbols), decimals made exact."""
    from . import registry

    return _exact_floats(registry.definition(name).expr, keep_long=False)[0]


def _bound(name: str, **params: Any) -> sp.Expr:
    """The catalogue's definition with parameters bound (defaults for those not given)."""
    from . import get

    return _exact_floats(get(name, **params).expr, keep_long=False)[0]


def _at(e: sp.Expr, u: sp.Expr) -> sp.Expr:
    return e.xreplace({x: u})


def _param(name: str, pname: str) -> tuple[sp.Symbol, sp.Set]:
    from . import registry

    p = next(p for p in registry.definition(name).params if p.name == pname)
    return p.symbol, p.domain


def _from(v: Verdict) -> tuple[str, str, Any, str]:
    return v.status, v.method, v.counterexample, v.message


def _equal(claim: sp.Expr, truth: sp.Expr, var: sp.Symbol = x,
           params: Mapping[sp.Symbol, sp.Set] | None = None) -> tuple[str, str, Any, str]:
    return _from(judge(claim, truth, var=var, params=params or {}, what="the right-hand side"))


def _phi(u: sp.Expr) -> sp.Expr:
    return sp.exp(-u**2 / 2) / sp.sqrt(2 * sp.pi)


# ---- the identities -------------------------------------------------------------------------

def _sigmoid_derivative():
    s = _expr("sigmoid")
    return _equal(sp.diff(s, x), s * (1 - s))


def _tanh_derivative():
    t = _expr("tanh")
    return _equal(sp.diff(t, x), 1 - t**2)


def _sigmoid_via_tanh():
    return _equal(_expr("sigmoid"), (1 + _at(_expr("tanh"), x / 2)) / 2)


def _tanh_via_sigmoid():
    return _equal(_expr("tanh"), 2 * _at(_expr("sigmoid"), 2 * x) - 1)


def _softplus_derivative():
    beta, dom = _param("softplus", "beta")
    return _equal(sp.diff(_expr("softplus"), x), _at(_expr("sigmoid"), beta * x), params={beta: dom})


def _log_sigmoid_derivative():
    return _equal(sp.diff(_expr("log_sigmoid"), x), _at(_expr("sigmoid"), -x))


def _log_sigmoid_via_softplus():
    return _equal(_expr("log_sigmoid"), -_at(_bound("softplus"), -x))


def _softplus_odd_part():
    sp_ = _bound("softplus")
    return _equal(sp_ - _at(sp_, -x), x)


def _softsign_derivative():
    return _equal(sp.diff(_expr("softsign"), x), 1 / (1 + sp.Abs(x))**2)


def _gelu_derivative():
    return _equal(sp.diff(_expr("gelu"), x), Phi(x) + x * _phi(x))


def _gelu_odd_part():
    g = _expr("gelu")
    return _equal(g - _at(g, -x), x)


def _silu_derivative():
    s = _expr("sigmoid")
    return _equal(sp.diff(_expr("silu"), x), s * (1 + x * (1 - s)))


def _silu_is_swish_1():
    return _equal(_expr("silu"), _bound("swish_beta", beta=1))


def _mish_derivative():
    sp_, s, t = _bound("softplus"), _expr("sigmoid"), _expr("tanh")
    tsp = _at(t, sp_)
    return _equal(sp.diff(_expr("mish"), x), tsp + x * s * (1 - tsp**2))


def _elu_derivative_via_f():
    f = _expr("elu")
    alpha, dom = _param("elu", "alpha")
    return _equal(sp.diff(f, x), sp.Piecewise((1, x > 0), (f + alpha, True)), params={alpha: dom})


def _relu_via_abs():
    return _equal(_expr("relu"), (x + sp.Abs(x)) / 2)


def _relu6_is_hardtanh():
    return _equal(_expr("relu6"), _bound("hardtanh", min_val=0, max_val=6))


def _hardswish_via_hardsigmoid():
    return _equal(_expr("hardswish"), x * _expr("hardsigmoid"))


def _celu_is_elu_at_1():
    return _equal(_bound("celu", alpha=1), _bound("elu", alpha=1))


def _softmax(zs) -> list[sp.Expr]:
    """The catalogue's softmax, expanded for the concrete inputs ``zs``."""
    from .activation import get

    return get("softmax").components(zs)


def _softmax2(z1: sp.Symbol, z2: sp.Symbol) -> sp.Expr:
    return _softmax([z1, z2])[0]


def _softmax_two_classes():
    z1, z2 = sp.symbols("z1 z2", real=True)
    return _equal(_softmax2(z1, z2), _at(_expr("sigmoid"), z1 - z2), var=z1, params={z2: sp.S.Reals})


def _cross_entropy_softmax_gradient():
    z = sp.symbols("z1:4", real=True)
    y1, y2 = sp.symbols("y1 y2", real=True)
    y = (y1, y2, 1 - y1 - y2)  # any targets summing to 1 (one-hot or smoothed)
    p = _softmax(z)
    loss = -sum(yi * sp.log(pi) for yi, pi in zip(y, p, strict=True))
    return _equal(sp.diff(loss, z[0]), p[0] - y1, var=z[0],
                  params={z[1]: sp.S.Reals, z[2]: sp.S.Reals, y1: sp.S.Reals, y2: sp.S.Reals})


def _bce_sigmoid_gradient():
    z, y = sp.symbols("z y", real=True)
    s = _at(_expr("sigmoid"), z)
    loss = -(y * sp.log(s) + (1 - y) * sp.log(1 - s))
    return _equal(sp.diff(loss, z), s - y, var=z, params={y: sp.S.Reals})


def _selu_fixed_point():
    """Solve E[λ·elu_α(z)] = 0, E[(λ·elu_α(z))²] = 1 for z ~ N(0,1), with the catalogue's ELU."""
    from . import registry

    alpha_sym, _ = _param("elu", "alpha")
    elu = sp.lambdify([x, alpha_sym], _expr("elu"), modules="mpmath")
    with mpmath.workdps(40):
        def moment(a, k):
            def f(z):
                return elu(z, a) ** k * mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)
            return mpmath.quad(f, [-mpmath.inf, 0]) + mpmath.quad(f, [0, mpmath.inf])

        alpha = mpmath.findroot(lambda a: moment(a, 1), mpmath.mpf("1.6"))
        scale = 1 / mpmath.sqrt(moment(alpha, 2))
        defaults = {p.name: mpmath.mpf(str(p.default)) for p in registry.definition("selu").params}
        rel = {"alpha": abs(alpha / defaults["alpha"] - 1), "scale": abs(scale / defaults["scale"] - 1)}
        value = {"alpha": mpmath.nstr(alpha, 32), "scale": mpmath.nstr(scale, 32),
                 "catalogue_alpha": str(registry.definition("selu").params[0].default),
                 "catalogue_scale": str(registry.definition("selu").params[1].default),
                 "relative_difference": {k: float(v) for k, v in rel.items()}}
    ok = all(v < mpmath.mpf("1e-15") for v in rel.values())
    digits = int(-mpmath.log10(max(max(rel.values()), mpmath.mpf(10) ** -40)))
    msg = (f"alpha = {value['alpha']}, scale = {value['scale']}; they agree with the catalogue's "
           f"constants to {digits} significant digits")
    return ("correct" if ok else "incorrect"), "numeric", value, msg


def _selu_kink():
    """SELU is not differentiable at 0: its one-sided slopes are scale·alpha and scale."""
    d = sp.diff(_bound("selu"), x)
    # the analytic piece on each side, continued to 0 (sp.limit mishandles Piecewise here)
    eps = sp.Rational(1, 10**6)
    left, right = (_resolve(d, {x: s * eps}).xreplace({x: 0}) for s in (-1, 1))
    value = {"left": float(left), "right": float(right)}
    status = "correct" if (left - right).is_zero is False else "incorrect"
    return status, "symbolic", value, (f"selu'(0-) = scale*alpha = {float(left):.16g}, selu'(0+) = scale = "
                                       f"{float(right):.16g}: a kink, since alpha != 1")


def _max_error(approx_name: str):
    """max over R of |approx - gelu|, located on a grid then refined with findroot on the derivative."""
    g, a = _expr("gelu"), _expr(approx_name)
    diff = a - g
    f = sp.lambdify([x], diff, modules=[{"mpmath": mpmath}, "mpmath"])
    df = sp.lambdify([x], sp.diff(diff, x), modules=[{"mpmath": mpmath}, "mpmath"])
    with mpmath.workdps(30):
        grid = [mpmath.mpf(i) / 50 for i in range(-600, 601)]
        best = max(grid, key=lambda t: abs(f(t)))
        xs = mpmath.findroot(df, best)
        err = abs(f(xs))
        # the difference is even (gelu(x) - gelu(-x) = x holds for both), so the maximum is at ±xs
        sym = abs(f(-xs) - f(xs)) < mpmath.mpf(10) ** -25
        tail = max(abs(f(mpmath.mpf(t))) for t in (12, 20, 40, -12, -20, -40))
    ok = tail < err
    value = {"max_abs_error": float(err), "at": float(abs(xs)), "symmetric": bool(sym)}
    where = f"x = ±{mpmath.nstr(abs(xs), 10)}" if sym else f"x = {mpmath.nstr(xs, 10)}"
    return ("correct" if ok else "undecided"), "numeric", value, (
        f"max |{approx_name} - gelu| = {mpmath.nstr(err, 10)} at {where} (grid on [-12, 12], refined by "
        f"findroot on the derivative; beyond |x| = 12 the error is below {_bound_text(tail)})")


def _bound_text(v: Any) -> str:
    return "1e-20" if v < mpmath.mpf(10) ** -20 else mpmath.nstr(v, 3)


def _gelu_tanh_error():
    return _max_error("gelu_tanh")


def _gelu_sigmoid_error():
    return _max_error("gelu_sigmoid")


_J = "judge (SymPy per piece, else mpmath sampling)"

IDENTITIES: tuple[Identity, ...] = (
    Identity("sigmoid_derivative", r"\sigma'(x) = \sigma(x)\,(1-\sigma(x))", _J, _sigmoid_derivative),
    Identity("tanh_derivative", r"\tanh'(x) = 1-\tanh^2(x)", _J, _tanh_derivative),
    Identity("sigmoid_via_tanh", r"\sigma(x) = \tfrac{1}{2}\left(1+\tanh\tfrac{x}{2}\right)", _J, _sigmoid_via_tanh),
    Identity("tanh_via_sigmoid", r"\tanh(x) = 2\sigma(2x)-1", _J, _tanh_via_sigmoid),
    Identity("softplus_derivative", r"\frac{d}{dx}\frac{\operatorname{softplus}(\beta x)}{\beta} = \sigma(\beta x)",
             _J, _softplus_derivative),
    Identity("softplus_odd_part", r"\operatorname{softplus}(x)-\operatorname{softplus}(-x) = x", _J,
             _softplus_odd_part),
    Identity("log_sigmoid_derivative", r"\frac{d}{dx}\log\sigma(x) = \sigma(-x)", _J, _log_sigmoid_derivative),
    Identity("log_sigmoid_via_softplus", r"\log\sigma(x) = -\operatorname{softplus}(-x)", _J,
             _log_sigmoid_via_softplus),
    Identity("softsign_derivative", r"\operatorname{softsign}'(x) = \frac{1}{(1+|x|)^2}", _J, _softsign_derivative),
    Identity("gelu_derivative", r"\operatorname{GELU}'(x) = \Phi(x) + x\,\varphi(x)", _J, _gelu_derivative),
    Identity("gelu_odd_part", r"\operatorname{GELU}(x)-\operatorname{GELU}(-x) = x", _J, _gelu_odd_part),
    Identity("silu_derivative", r"\operatorname{SiLU}'(x) = \sigma(x)\,\bigl(1+x\,(1-\sigma(x))\bigr)", _J,
             _silu_derivative),
    Identity("silu_is_swish_1", r"\operatorname{SiLU}(x) = \operatorname{Swish}_{\beta=1}(x)", _J, _silu_is_swish_1),
    Identity("mish_derivative", r"\operatorname{mish}'(x) = \tanh(\operatorname{sp}(x)) + "
             r"x\,\sigma(x)\operatorname{sech}^2(\operatorname{sp}(x))", _J, _mish_derivative),
    Identity("elu_derivative_via_f", r"\operatorname{ELU}'(x) = \operatorname{ELU}(x)+\alpha \text{ for } x \le 0",
             _J, _elu_derivative_via_f),
    Identity("relu_via_abs", r"\operatorname{ReLU}(x) = \tfrac{1}{2}(x+|x|)", _J, _relu_via_abs),
    Identity("relu6_is_hardtanh", r"\operatorname{ReLU6}(x) = \operatorname{Hardtanh}_{[0,6]}(x)", _J,
             _relu6_is_hardtanh),
    Identity("hardswish_via_hardsigmoid", r"\operatorname{hardswish}(x) = x\cdot\operatorname{hardsigmoid}(x)", _J,
             _hardswish_via_hardsigmoid),
    Identity("celu_is_elu_at_1", r"\operatorname{CELU}_{\alpha=1} = \operatorname{ELU}_{\alpha=1}", _J,
             _celu_is_elu_at_1),
    Identity("softmax_two_classes", r"\operatorname{softmax}(z_1,z_2)_1 = \sigma(z_1-z_2)", _J, _softmax_two_classes),
    Identity("cross_entropy_softmax_gradient",
             r"\frac{\partial}{\partial z_j}\Bigl(-\sum_i y_i\log\operatorname{softmax}(z)_i\Bigr) = p_j - y_j "
             r"\quad(\textstyle\sum_i y_i = 1)", _J + "; three classes, any targets summing to 1",
             _cross_entropy_softmax_gradient),
    Identity("bce_sigmoid_gradient",
             r"\frac{\partial}{\partial z}\bigl(-y\log\sigma(z)-(1-y)\log(1-\sigma(z))\bigr) = \sigma(z)-y", _J,
             _bce_sigmoid_gradient),
    Identity("selu_fixed_point",
             r"\mathbb{E}[\operatorname{SELU}(z)] = 0,\ \mathbb{E}[\operatorname{SELU}(z)^2] = 1,"
             r"\ z\sim\mathcal{N}(0,1)",
             "mpmath.quad moments of the catalogue's ELU, mpmath.findroot at 40 digits, compared with "
             "the catalogue's SELU constants (relative difference < 1e-15)", _selu_fixed_point),
    Identity("selu_kink", r"\operatorname{SELU}'(0^-) = \lambda\alpha \ne \lambda = \operatorname{SELU}'(0^+)",
             "the derivative's analytic pieces on each side of 0, evaluated there (SymPy)", _selu_kink),
    Identity("gelu_tanh_max_error", r"\max_{x\in\mathbb{R}} |\operatorname{GELU}_{\tanh}(x)-\operatorname{GELU}(x)|",
             "mpmath grid (step 0.02 on [-12, 12]) refined by findroot on the derivative", _gelu_tanh_error),
    Identity("gelu_sigmoid_max_error",
             r"\max_{x\in\mathbb{R}} |x\,\sigma(1.702x)-\operatorname{GELU}(x)|",
             "mpmath grid (step 0.02 on [-12, 12]) refined by findroot on the derivative", _gelu_sigmoid_error),
)


def identity(name: str) -> Identity:
    """The identity record called ``name``."""
    for i in IDENTITIES:
        if i.name == name:
            return i
    raise KeyError(f"no identity {name!r}; known: {', '.join(i.name for i in IDENTITIES)}")


def run_identities() -> list[IdentityResult]:
    """Check every identity; a failure in one is reported in its result, not raised."""
    return [i.check() for i in IDENTITIES]


def report(results: list[IdentityResult]) -> str:
    """A plain-text table: name, status, method, and the message."""
    w = max(len(r.name) for r in results)
    lines = [f"{'identity':<{w}}  {'status':<10} {'method':<9} details", "-" * (w + 60)]
    lines += [f"{r.name:<{w}}  {r.status:<10} {r.method:<9} {r.message}" for r in results]
    n = sum(r.status == "correct" for r in results)
    lines.append(f"{n}/{len(results)} correct")
    return "\n".join(lines)
