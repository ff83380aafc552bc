"""NumPy kernels lambdified from (stabilised) SymPy expressions, with symact's dtype policy.

Policy: float32 in -> float32 out, float64 -> float64, integers/bools -> float64; float16
and float32 are computed in float64 and rounded once (a correctly rounded float64 result
rounds to within 0.5 ULP + 2^-29 ULP of float32).  No floating-point warnings; NaN
propagates; +-inf give the limits of the function.
"""
from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import sympy as sp

from . import printing as _printing
from . import rewriting as _rewriting
from .cache import cached, key
from .functions import elementary
from .functions import x as X
from .printing import fold_constants, new_printer
from .rewriting import exact_linear, stabilise

#: key of cached stable forms: a version plus the source of the modules that decide what a stable
#: form is, so an edited rule set never reads a form cached by an older one
STABLE_VERSION = "4-" + key(*(Path(m.__file__).read_bytes() for m in (_rewriting, _printing)))

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
#: block size of large evaluations: a few float64 temporaries of it fit the L2 cache (measured best on 1 MiB L2)
_CHUNK = 16384
_HUGE = (1e300, -1e300, 1.7976931348623157e308, -1.7976931348623157e308, 1e200, -1e200, 1e155, -1e155, 1e103, -1e103)


#: inputs a kernel must evaluate without a floating-point flag to run without np.errstate
_PROBE = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, *_HUGE, *np.linspace(-50, 50, 1001), 5e-324, -5e-324,
                   *(s * 10.0**k for k in range(-320, 309, 7) for s in (1, -1)), 3.4028234663852886e38])


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
        # np.errstate costs ~2 us a call: skipped where the code raises no flag over the whole range
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                self._fn(_PROBE)
            self._quiet = True
        except (FloatingPointError, ZeroDivisionError, OverflowError):
            self._quiet = False

    def __repr__(self) -> str:
        return f"<symact kernel {self.name}: {self.source}>"

    def limit(self, sign: float) -> float:
        """The limit of ``expr`` at sign*inf (NaN when it has none), computed once."""
        if sign not in self._limits:
            self._limits[sign] = limit_at_infinity(self.expr, self.var, int(sign))
        return self._limits[sign]

    def __call__(self, value, out: np.ndarray | None = None):
        a = value if type(value) is np.ndarray else np.asarray(value)
        if a.dtype.kind != "f" or a.dtype not in _COMPUTE:
            a, _ = to_float_array(a, self.name)
        out_type = _COMPUTE[a.dtype] if a.dtype in _COMPUTE else np.float64
        if a.size <= _CHUNK:  # small: one evaluation, no per-call overhead beyond the NumPy calls
            res = self._eval(a)
            if out is not None or res.dtype != out_type:
                with np.errstate(over="ignore"):  # a float64 beyond float32's range rounds to inf, as it should
                    if out is not None:
                        np.copyto(out, res, casting="same_kind")
                        return out
                    res = res.astype(out_type)
            return res[()] if a.ndim == 0 else res
        # large: L2-sized blocks, so temporaries and the float64 round trip stay in cache and
        # memory sees one read of x and one write of the result
        dest = out if out is not None else np.empty(a.shape, out_type)
        flat_out = dest.reshape(-1) if dest.flags.c_contiguous and dest.shape == a.shape else None
        target = flat_out if flat_out is not None else np.empty(a.size, out_type)
        flat = a.reshape(-1)
        with np.errstate(all="ignore"):
            for s in range(0, flat.size, _CHUNK):
                np.copyto(target[s:s + _CHUNK], self._eval(flat[s:s + _CHUNK]), casting="same_kind")
        if flat_out is None:
            np.copyto(dest, target.reshape(a.shape), casting="same_kind")
        return dest

    def _eval(self, a: np.ndarray) -> np.ndarray:
        """f on one block, as a float64 array of a's shape (NaN/inf fixed where the printed code is wrong)."""
        work = a if a.dtype == np.float64 else a.astype(np.float64)
        if self._quiet:
            res = self._fn(work)
        else:
            with np.errstate(all="ignore"):
                res = self._fn(work)
        if type(res) is not np.ndarray or res.shape != work.shape or res.dtype != np.float64:
            res = np.broadcast_to(np.asarray(res, dtype=np.float64), work.shape).copy()
        if self._guard and work.size:
            with np.errstate(all="ignore"):
                if not (np.isfinite(np.add.reduce(work, axis=None)) and np.isfinite(np.add.reduce(res, axis=None))):
                    res = self._patch(work, np.array(res, dtype=np.float64, copy=True))
        return res

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
