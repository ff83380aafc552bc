"""Which activations PyTorch, JAX and Keras ship, under what names and defaults, and whether they agree.

One table (:data:`ROWS`) maps every framework activation to a symact entry; the tests check it against
what the installed libraries expose (:func:`introspect`), so a release that adds an activation fails
loudly.  Agreement is always measured (:func:`agreement`), never typed: the framework and symact are
evaluated in float64 on the same grid.  ``python -m symact.frameworks --json site/data/frameworks.json``
(or ``symact frameworks --json ...``) records the table the site's Frameworks page shows.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib
import inspect
import json
import os
import platform
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FRAMEWORKS = ("pytorch", "jax", "keras")
PREFIX = {"pytorch": "torch.nn.", "jax": "jax.nn.", "keras": "keras.activations."}
TOL = 1e-6  # see tests/test_frameworks.py for why


@dataclass(frozen=True)
class Row:
    """One framework callable (with ``fw_kwargs``) and the symact entry (with ``symact_params``) it computes.

    ``contrast`` names the entry a reader would expect instead when the framework's definition differs from
    the namesake (jax.nn.gelu is the tanh form, not erf GELU); the table measures the difference to it.
    """

    framework: str
    public_name: str
    symact_name: str
    fw_kwargs: Mapping[str, Any] = field(default_factory=dict)
    symact_params: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    contrast: str | None = None

    @property
    def call(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.fw_kwargs.items())
        return f"{PREFIX[self.framework]}{self.public_name}({args})"


def _rows(framework: str, spec: str) -> tuple[Row, ...]:
    """``"public:symact public:symact"``: the plain rows, same definition and defaults."""
    return tuple(Row(framework, *pair.split(":")) if ":" in pair else Row(framework, pair, pair.lower())
                 for pair in spec.split())


_DIM = {"dim": -1}
_IMPLICIT_DIM = "dim has no usable default (dim=None picks one implicitly, deprecated): compared with dim=-1"
_GELU_TANH = "the tanh approximation of GELU, not erf GELU"

ROWS: tuple[Row, ...] = (
    *_rows("pytorch", "ELU CELU SELU GELU:gelu Hardshrink Hardsigmoid Hardtanh Hardswish LeakyReLU:leaky_relu "
                      "LogSigmoid:log_sigmoid Mish PReLU ReLU ReLU6 RReLU SiLU Sigmoid Softplus Softshrink "
                      "Softsign Tanh Tanhshrink GLU Identity"),
    Row("pytorch", "GELU", "gelu_tanh", {"approximate": "tanh"}, note=_GELU_TANH, contrast="gelu"),
    Row("pytorch", "Threshold", "threshold", {"threshold": 0.1, "value": 20.0},
        note="threshold and value have no defaults: compared at symact's (0.1, 20)"),
    Row("pytorch", "Softmax", "softmax", _DIM, note=_IMPLICIT_DIM),
    Row("pytorch", "Softmin", "softmin", _DIM, note=_IMPLICIT_DIM),
    Row("pytorch", "LogSoftmax", "log_softmax", _DIM, note=_IMPLICIT_DIM),
    Row("pytorch", "Softmax2d", "softmax", note="softmax over the channel axis (-3) of (C, H, W) or (N, C, H, W)"),
    *_rows("jax", "celu elu glu hard_sigmoid:hardsigmoid hard_silu:hardswish hard_swish:hardswish "
                  "hard_tanh:hardtanh identity leaky_relu log_sigmoid log_softmax mish relu relu6 selu sigmoid "
                  "silu swish:silu soft_sign:softsign softmax softplus sparse_plus sparse_sigmoid squareplus tanh"),
    Row("jax", "gelu", "gelu_tanh", note="jax.nn.gelu defaults to approximate=True: " + _GELU_TANH, contrast="gelu"),
    Row("jax", "gelu", "gelu", {"approximate": False}),
    *_rows("keras", "celu elu exponential gelu glu hard_shrink:hardshrink hard_silu:hardswish hard_swish:hardswish "
                    "hard_tanh:hardtanh linear:identity log_sigmoid log_softmax mish relu relu6 selu sigmoid silu "
                    "softmax softplus softsign sparse_plus sparse_sigmoid sparsemax squareplus swish:silu tanh "
                    "soft_shrink:softshrink tanh_shrink:tanhshrink"),
    Row("keras", "hard_sigmoid", "hardsigmoid", contrast="hard_sigmoid_keras2",
        note="Keras 3 computes PyTorch's relu6(x+3)/6; Keras 2 / tf.keras computed clip(0.2x + 0.5, 0, 1) "
             "(entry hard_sigmoid_keras2)"),
    Row("keras", "gelu", "gelu_tanh", {"approximate": True}, note=_GELU_TANH, contrast="gelu"),
    Row("keras", "leaky_relu", "leaky_relu", symact_params={"negative_slope": 0.2},
        note="Keras's default negative_slope is 0.2 (PyTorch and JAX: 0.01)"),
    Row("keras", "threshold", "threshold", {"threshold": 0.1, "default_value": 20.0},
        note="threshold and default_value have no defaults: compared at symact's (0.1, 20)"),
)

#: Public callables of the three namespaces that are not activations, and why.
NOT_ACTIVATIONS: dict[str, dict[str, str]] = {
    "pytorch": {"MultiheadAttention": "attention layer (lives in activation.py for history)"},
    "jax": {
        "dot_product_attention": "attention", "scaled_dot_general": "block-scaled matmul (low precision)",
        "scaled_matmul": "block-scaled matmul (low precision)",
        "get_scaled_dot_general_config": "configuration helper for scaled_dot_general",
        "one_hot": "encodes integer labels", "standardize": "normalisation (mean/variance), not a nonlinearity",
        "logsumexp": "reduction", "logmeanexp": "reduction",
        "log1mexp": "log(1 - e^-x) helper for log-probabilities, listed under 'other functions'",
    },
    "keras": {"get": "looks an activation up by name", "serialize": "serialisation helper",
              "deserialize": "serialisation helper"},
}


#: Rows measured to differ from the documented definition: a framework bug, reported, not papered over.
#: The tests require these to still differ, so a fixed release shows up.
KNOWN_DISAGREEMENTS: dict[tuple[str, str], str] = {
    ("keras", "sparsemax"): "Keras 3.15 computes tau from the sum of the cumulative sums over the support, not "
                            "the support's sum: outputs do not sum to 1 once two or more entries are in the support "
                            "(sparsemax([0.5, 0.4, -3]) = [0.3, 0.2, 0], should be [0.55, 0.45, 0])",
}


# ---- the installed libraries --------------------------------------------------------------------------------
def _module(framework: str):
    """The framework's activation namespace, or None when it is not installed."""
    try:
        if framework == "pytorch":
            return importlib.import_module("torch.nn")
        if framework == "jax":
            return importlib.import_module("jax.nn")
        os.environ.setdefault("KERAS_BACKEND", "numpy")  # Keras defaults to TensorFlow, which is not needed
        return importlib.import_module("keras.activations")
    except ImportError:
        return None


def version(framework: str) -> str | None:
    mod = _module(framework)
    if mod is None:
        return None
    return importlib.import_module({"pytorch": "torch"}.get(framework, framework)).__version__


def introspect(framework: str) -> set[str]:
    """Public activation-like callables of the installed library (empty when it is not installed)."""
    mod = _module(framework)
    if mod is None:
        return set()
    if framework == "pytorch":
        act = importlib.import_module("torch.nn.modules.activation")
        return {n for n, o in vars(act).items() if not n.startswith("_") and inspect.isclass(o)
                and issubclass(o, mod.Module) and o.__module__ == act.__name__}
    return {n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))
            and not inspect.ismodule(getattr(mod, n)) and not inspect.isclass(getattr(mod, n))}


def coverage(framework: str) -> tuple[set[str], set[str]]:
    """(covered, missing): introspected names with a row or a NOT_ACTIVATIONS reason, and those without."""
    found = introspect(framework)
    known = {r.public_name for r in ROWS if r.framework == framework} | set(NOT_ACTIVATIONS.get(framework, {}))
    return found & known, found - known


def defaults(row: Row) -> dict[str, Any]:
    """The framework's own keyword defaults, read from its signature (not restated here)."""
    obj = getattr(_module(row.framework), row.public_name)
    target = obj.__init__ if inspect.isclass(obj) else obj
    skip = {"self", "x", "input", "inplace", "device", "dtype", "where"}
    out = {}
    for p in inspect.signature(target).parameters.values():
        if p.name not in skip and p.default is not inspect.Parameter.empty:
            out[p.name] = p.default if isinstance(p.default, (int, float, str, bool, type(None))) else repr(p.default)
    return out


@contextlib.contextmanager
def _float64(framework: str) -> Iterator[None]:
    """JAX and Keras compute in float32 unless told: JAX via enable_x64, Keras's NumPy backend by lifting
    its float64 -> float32 demotion (it mirrors JAX's default) for the duration of the call."""
    if framework == "jax":
        import jax

        with jax.enable_x64(True):
            yield
    elif framework == "keras":
        from keras.src.backend.common import dtypes

        saved = dict(dtypes.BIT64_TO_BIT32_DTYPE)
        dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
        try:
            yield
        finally:
            dtypes.BIT64_TO_BIT32_DTYPE.clear()
            dtypes.BIT64_TO_BIT32_DTYPE.update(saved)
    else:
        yield


def _vector(row: Row) -> bool:
    from .registry import definition

    return definition(row.symact_name).kind != "elementwise"


def evaluate(row: Row, xs: np.ndarray, *, grad: bool = False) -> np.ndarray:
    """The framework's values (or elementwise derivative) at float64 ``xs``; vectors along the last axis."""
    fn = getattr(_module(row.framework), row.public_name)
    with _float64(row.framework), np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf * 0 and overflow at the extremes are the point
        if row.framework == "pytorch":
            import torch

            mod = fn(**row.fw_kwargs).to(torch.float64).eval()
            t = torch.tensor(xs, dtype=torch.float64, requires_grad=grad)
            y = mod(t[..., None, None] if row.public_name == "Softmax2d" else t)
            y = y[..., 0, 0] if row.public_name == "Softmax2d" else y
            if grad:
                (g,) = torch.autograd.grad(y.sum(), t)
                return g.numpy()
            return y.detach().numpy()
        if row.framework == "jax":
            import jax
            import jax.numpy as jnp

            def f(v):
                return fn(v, **row.fw_kwargs)

            if grad:
                return np.asarray(jax.vmap(jax.grad(f))(jnp.asarray(xs)))
            out = np.asarray(f(jnp.asarray(xs)))
        else:
            if grad:
                raise NotImplementedError("Keras's NumPy backend has no autodiff")
            out = np.asarray(fn(np.asarray(xs, dtype=np.float64), **row.fw_kwargs))
    if out.dtype != np.float64:
        raise TypeError(f"{row.call} computed in {out.dtype}, not float64")
    return out


# ---- measuring agreement ------------------------------------------------------------------------------------
GRID = np.concatenate([np.linspace(-30, 30, 2001), [-1e3, 1e3]])
#: Shifted off every multiple of 0.1 by >= 0.002, so no point sits on a kink (0, ±0.5, ±1, ±2.5, ±3, 6, ...).
GRAD_GRID = np.linspace(-30, 30, 2001) + 0.0123
EXTREMES = np.array([-np.inf, -1e30, 1e30, np.inf])


def _vector_inputs() -> np.ndarray:
    rng = np.random.default_rng(6)
    return np.concatenate([rng.normal(scale=s, size=(32, 8)) for s in (0.5, 3.0, 30.0)])


def max_rel(theirs: np.ndarray, ours: np.ndarray) -> float:
    """max |f - s| / max(|s|, 1): relative at |s| >= 1, absolute below.

    A pure relative measure would report the frameworks' naive formulas in underflowing tails (1 + erf(x)
    cancels for gelu at x < -6, where the value is below 1e-9) as 100 % off; that is accuracy, not definition.
    Equal values (including matching infinities and NaNs) count as 0.
    """
    theirs, ours = np.asarray(theirs, float), np.asarray(ours, float)
    same = (theirs == ours) | (np.isnan(theirs) & np.isnan(ours))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(same, 0.0, np.abs(theirs - ours) / np.maximum(np.abs(ours), 1.0))
    diff = np.where(np.isnan(diff), np.inf, diff)
    return float(diff.max()) if diff.size else 0.0


def _kind(v: float) -> str:
    return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf") if np.isinf(v) else "finite"


def _extremes(row: Row, act: Any) -> str:
    """'same' when the framework is finite / infinite / NaN exactly where symact is; else the differences."""
    if _vector(row):
        xs = np.array([[1e30, 0.0, -1e30, 1.0], [np.inf, 0.0, -np.inf, 1.0]])
        theirs, ours = evaluate(row, xs), act(xs)
        where = [f"{['[1e30, 0, -1e30, 1]', '[inf, 0, -inf, 1]'][i]}[{j}]" for i, j in np.ndindex(ours.shape)]
        theirs, ours = theirs.ravel(), ours.ravel()
    else:
        theirs, ours, where = evaluate(row, EXTREMES), act(EXTREMES), [f"x={v:g}" for v in EXTREMES]
    bad = [f"{w}: {row.framework} {_kind(t)}, symact {_kind(o)}"
           for w, t, o in zip(where, theirs.tolist(), ours.tolist(), strict=True) if _kind(t) != _kind(o)]
    return "same" if not bad else "; ".join(bad)


def agreement(row: Row, *, grad: bool = True) -> dict[str, Any]:
    """Measured, float64: max_rel over the grid (rows of random vectors for vector entries), agree, extremes,
    and for elementwise PyTorch / JAX rows the derivative's max_rel on a kink-free grid."""
    from .activation import get

    act = get(row.symact_name, **row.symact_params)
    xs = _vector_inputs() if _vector(row) else GRID
    out: dict[str, Any] = {"max_rel": max_rel(evaluate(row, xs), act(xs))}
    out["agree"] = out["max_rel"] <= TOL
    out["extremes"] = _extremes(row, act)
    out["grad_max_rel"] = None
    if grad and not _vector(row) and row.framework != "keras":
        out["grad_max_rel"] = max_rel(evaluate(row, GRAD_GRID, grad=True), act.grad(GRAD_GRID))
    if row.contrast:
        out["contrast"] = {"name": row.contrast, "max_rel": max_rel(evaluate(row, xs), get(row.contrast)(xs))}
    return out


# ---- the table ------------------------------------------------------------------------------------------------
def table() -> list[dict[str, Any]]:
    """One record per symact entry that some installed framework ships: per framework, the rows (name, call,
    the framework's defaults, the symact parameters compared, measured agreement, note)."""
    from .registry import definition

    entries: dict[str, dict[str, Any]] = {}
    for row in ROWS:
        if _module(row.framework) is None:
            continue
        d = definition(row.symact_name)
        rec = entries.setdefault(d.name, {"name": d.name, "kind": d.kind, "family": d.family,
                                          "aliases": list(d.aliases), "frameworks": {}})
        rec["frameworks"].setdefault(row.framework, []).append({
            "name": PREFIX[row.framework] + row.public_name, "call": row.call, "defaults": defaults(row),
            "fw_kwargs": dict(row.fw_kwargs), "symact_params": dict(row.symact_params),
            "note": row.note or KNOWN_DISAGREEMENTS.get((row.framework, row.public_name), ""),
            **agreement(row)})
    return [entries[k] for k in sorted(entries)]


def record(path: str | Path) -> dict[str, Any]:
    """Write the measured table as JSON (schema 1) with the library versions and date; returns it."""
    import sympy

    cov = {}
    for fw in FRAMEWORKS:
        found = introspect(fw)
        covered, missing = coverage(fw)
        cov[fw] = {"installed": _module(fw) is not None, "introspected": len(found), "covered": len(covered),
                   "missing": sorted(missing), "rows": sum(r.framework == fw for r in ROWS),
                   "not_activations": NOT_ACTIVATIONS.get(fw, {})}
    data = {"schema": 1, "tolerance": TOL,
            "meta": {"date": datetime.date.today().isoformat(), "python": platform.python_version(),
                     "numpy": np.__version__, "sympy": sympy.__version__,
                     **{fw: version(fw) for fw in FRAMEWORKS}},
            "coverage": cov, "entries": table()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=False, default=str) + "\n", "utf-8")
    return data


def cli_frameworks(args: list[str]) -> int:
    p = argparse.ArgumentParser(prog="symact frameworks", description=__doc__.split("\n")[0])
    p.add_argument("--json", metavar="PATH", help="record the table, e.g. site/data/frameworks.json")
    ns = p.parse_args(args)
    for fw in FRAMEWORKS:
        covered, missing = coverage(fw)
        print(f"{fw:8s} {version(fw) or 'not installed':14s} introspected {len(introspect(fw)):3d}  "
              f"covered {len(covered):3d}  missing {sorted(missing) or '-'}")
    rows = table() if not ns.json else record(ns.json)["entries"]
    for e in rows:
        for items in e["frameworks"].values():
            for r in items:
                flag = "ok " if r["agree"] else "DIFFERS"
                extra = f" (vs {r['contrast']['name']}: {r['contrast']['max_rel']:.2g})" if "contrast" in r else ""
                print(f"{flag:7s} {e['name']:16s} {r['call']:45s} max_rel {r['max_rel']:.2g}{extra}")
    if ns.json:
        print(f"recorded {ns.json}")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(cli_frameworks(sys.argv[1:]))
