"""NumPy kernels lambdified from (stabilised) SymPy expressions, with symact's dtype policy.

Policy: float32 in -> float32 out, float64 -> float64, integers/bools -> float64; float16
and float32 are computed in float64 and rounded once (a correctly rounded float64 result
rounds to within 0.5 ULP + 2^-29 ULP of float32).  No floating-point warnings; NaN
propagates; +-inf give the limits of the function.
"""
from __future__ import annotations

import inspect

import numpy as np
import sympy as sp

from .cache import cached, key
from .functions import elementary
from .functions import x as X
from .printing import fold_constants, new_printer
from .rewriting import exact_linear, stabilise

#: bump when rewriting.py or printing.fold_constants change what a stable form is
STABLE_VERSION = "3"

_COMPUTE = {np.dtype(np.float16): np.float16, np.dtype(np.float32): np.float32, np.dtype(np.float64): np.float64}


def to_float_array(value, what: str = "input") -> tuple[np.ndarray, type]:
    """(float64 working array, output dtype) for a real numeric array-like; TypeError otherwise."""
    a = np.asarray(value)
    kind = a.dtype.kind
    if kind == "f":
        out_type = _COMPUTE.get(a.dtype, np.float64)
        return (a if a.dtype == np.float64 else a.astype(np.float64)), out_type
    if kind in "biu":
        return a.astype(np.float64), np.float64
    raise TypeError(f"{what}: expected real numbers (bool, int or float array-like), got dtype {a.dtype}"
                    + (" (complex input is not supported)" if kind == "c" else ""))


_FAR = 1e100
_HUGE = (1e300, -1e300, 1.7976931348623157e308, -1.7976931348623157e308, 1e200, -1e200, 1e155, -1e155, 1e103, -1e103)


class Kernel:
    """One elementwise kernel: ``expr`` (the mathematics) printed from ``stable`` (its stable form)."""

    def __init__(self, expr: sp.Expr, *, name: str, var: sp.Symbol = X):
        self.name, self.var, self.expr = name, var, expr
        # (unpickling re-evaluates Mul(1/6, x + 3) into x/6 + 1/2: re-apply the exact-linear form)
        self.stable = exact_linear(cached("stable", key(STABLE_VERSION, sp.srepr(expr)),
                                          lambda: fold_constants(stabilise(sp.piecewise_fold(expr)))))
        self._fn = sp.lambdify(var, self.stable, modules=["scipy", "numpy"], printer=new_printer(),
                               cse=True, docstring_limit=0)
        self.source = inspect.getsource(self._fn)
        self._limits: dict[float, float] = {}
        with np.errstate(all="ignore"):
            probe = np.broadcast_to(self._fn(np.array([np.nan, np.inf, -np.inf, *_HUGE])), (3 + len(_HUGE),))
        # the guard (one extra pass) only where the printed code gets nan/inf wrong
        self._guard = not np.isnan(probe[0]) or bool(np.isnan(probe[1:]).any())

    def __repr__(self) -> str:
        return f"<symact kernel {self.name}: {self.source}>"

    def limit(self, sign: float) -> float:
        """The limit of ``expr`` at sign*inf (NaN when it has none), computed once."""
        if sign not in self._limits:
            self._limits[sign] = limit_at_infinity(self.expr, self.var, int(sign))
        return self._limits[sign]

    def __call__(self, value, out: np.ndarray | None = None):
        work, out_type = to_float_array(value, self.name)
        with np.errstate(all="ignore"):
            res = np.asarray(self._fn(work), dtype=np.float64)
            if np.ndim(res) != work.ndim or np.shape(res) != work.shape:
                res = np.full(work.shape, res, dtype=np.float64)
            if self._guard and work.size and not (np.isfinite(np.add.reduce(work, axis=None))
                                                  and np.isfinite(np.add.reduce(res, axis=None))):
                res = self._patch(work, np.array(res, dtype=np.float64, copy=True))
            if out is not None:
                np.copyto(out, res, casting="same_kind")
                return out
            if out_type is not np.float64:
                res = res.astype(out_type)
        return res[()] if work.ndim == 0 else res

    def _patch(self, work: np.ndarray, res: np.ndarray) -> np.ndarray:
        """NaN in -> NaN out; a NaN from inf*0 or inf-inf gets the limit of f at that infinity.

        Intermediate overflow happens only for |x| > 1e100 or so, where every built-in with a
        limit has reached it to far below an ULP (the accuracy tests check this on the grid).
        """
        res[np.isnan(work)] = np.nan
        for sign in (1.0, -1.0):
            hit = np.isnan(res) & ~np.isnan(work) & ((work == sign * np.inf) | (sign * work > _FAR))
            if hit.any():
                res[hit] = self.limit(sign)
        return res


def limit_at_infinity(expr: sp.Expr, var: sp.Symbol, sign: int) -> float:
    """lim f(var) as var -> sign*oo as a float; NaN when there is none (sin) or SymPy cannot tell."""
    expr = sp.piecewise_fold(expr)
    if isinstance(expr, sp.Piecewise):
        far = sp.Integer(sign) * sp.Integer(10) ** 400
        for e, c in expr.args:
            if c.subs(var, far) == sp.true:
                return limit_at_infinity(e, var, sign)
        return float("nan")
    try:
        L = sp.limit(elementary(expr), var, sp.oo * sign)
        return float(L) if L.is_extended_real else float("nan")
    except Exception:  # noqa: BLE001 - SymPy's limit raises many kinds; no limit -> NaN
        return float("nan")
