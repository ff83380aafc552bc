"""Figures and numbers for the concept pages, computed with symact's own kernels.

Each concept block (``templates/figures/<name>.md.j2``) gets a context computed here:
plots (SVG, cached on their data) and tables of numbers.  Activations missing from the
catalogue are left out, never faked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtri

from . import plots
from .cache import DiskCache, key


@dataclass
class Concepts:
    files: dict[str, bytes] = field(default_factory=dict)
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"files": {k: v.decode("utf-8") for k, v in self.files.items()}, "blocks": self.blocks}


def _pick(acts, names):
    by = {a.name: a for a in acts}
    return [by[n] for n in names if n in by]


def _f(act, z):
    with np.errstate(all="ignore"):
        return np.asarray(act(z), dtype=float)


def _g(act, z):
    with np.errstate(all="ignore"):
        return np.asarray(act.grad(z), dtype=float)


def gaussian_moments(act, var: float = 1.0, mean: float = 0.0) -> tuple[float, float]:
    """E[f(z)] and Var[f(z)] for z ~ N(mean, var), by the trapezoid rule on ±12 standard deviations."""
    sd = float(np.sqrt(var))
    z = np.linspace(-12.0, 12.0, 48001)
    w = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    fz = _f(act, mean + sd * z)
    m1 = float(np.trapezoid(w * fz, z))
    m2 = float(np.trapezoid(w * fz * fz, z))
    return m1, max(m2 - m1 * m1, 0.0)


def normal_quantiles(n: int = 20000) -> np.ndarray:
    """Deterministic 'samples' of N(0, 1): the n mid-quantiles."""
    return ndtri((np.arange(n) + 0.5) / n)


def _svg(dc: DiskCache, plot_code: bytes, tag: str, data: list[np.ndarray], make) -> bytes:
    return dc.blob("plot", key(plot_code, tag, *(np.ascontiguousarray(d, dtype=float).tobytes() for d in data)),
                   make)


def compute(acts, dc: DiskCache, plot_code: bytes) -> Concepts:
    out = Concepts()
    xs = plots.grid()
    qz = normal_quantiles()

    # ---- vanishing gradient ------------------------------------------------------------
    vg = _pick(acts, ["sigmoid", "tanh", "softsign", "relu", "gelu", "silu", "elu", "selu"])
    depths = np.arange(1, 31)
    rows, series_g, series_d = [], [], []
    for a in vg:
        g = np.abs(_g(a, xs))
        wide = np.abs(_g(a, np.linspace(-50, 50, 200001)))
        mx = float(np.nanmax(wide))
        typical = float(np.mean(np.abs(_g(a, qz))))
        rows.append({"name": a.name, "max": mx, "typical": typical,
                     "depth10": typical ** 10, "depth30": typical ** 30})
        series_g.append(plots.Series(a.name, xs, g))
        series_d.append(plots.Series(a.name, depths.astype(float), typical ** depths.astype(float), "-o"))
    if vg:
        out.files["plots/concept-vanishing-gradient.svg"] = _svg(
            dc, plot_code, "vg", [s.y for s in series_g] + [s.y for s in series_d],
            lambda: plots.overlay_svg(
                [("|f′(x)|", "|f′(x)|", series_g), ("E|f′(z)|^L, z ~ N(0, 1)", "gradient factor", series_d)],
                logy=(False, True), xlim=[plots.XLIM, (1, 30)], xlabel=["x", "depth L"], width=9.5, height=3.4))
        out.blocks["vanishing_gradient"] = {"rows": rows, "plot": "plots/concept-vanishing-gradient.svg"}

    # ---- dying ReLU ----------------------------------------------------------------------
    dr = _pick(acts, ["relu", "leaky_relu", "elu", "gelu", "silu", "relu6"])
    shifts = np.linspace(-3, 3, 61)
    series_frac, rows_dr = [], []
    for a in dr:
        frac = np.array([float(np.mean(_g(a, b + qz) == 0.0)) for b in shifts])
        series_frac.append(plots.Series(a.name, shifts, frac))
        rows_dr.append({"name": a.name, "at0": float(frac[30]), "at_minus1": float(frac[20]),
                        "at_minus2": float(frac[10])})
    if dr:
        out.files["plots/concept-dying-relu.svg"] = _svg(
            dc, plot_code, "dr", [s.y for s in series_frac],
            lambda: plots.overlay_svg([("units with zero gradient, z ~ N(b, 1)", "fraction with f′(z) = 0",
                                        series_frac)], xlim=(-3, 3), xlabel="bias shift b", width=6.0,
                                      ylim=[(-0.03, 1.03)]))
        out.blocks["dying_relu"] = {"rows": rows_dr, "plot": "plots/concept-dying-relu.svg"}

    # ---- self-normalisation --------------------------------------------------------------
    sn = _pick(acts, ["selu", "elu", "relu", "tanh", "gelu"])
    layers = np.arange(0, 17)
    series_sn, series_start, rows_sn = [], [], []
    selu = _pick(acts, ["selu"])
    for a in sn:
        v, path = 1.0, [1.0]
        for _ in layers[1:]:
            v = gaussian_moments(a, v)[1]
            path.append(v)
        series_sn.append(plots.Series(a.name, layers.astype(float), np.array(path), "-o"))
    if selu:
        for v0 in (0.25, 1.0, 2.5):
            v, path = v0, [v0]
            for _ in layers[1:]:
                v = gaussian_moments(selu[0], v)[1]
                path.append(v)
            series_start.append(plots.Series(f"selu, start {v0:g}", layers.astype(float), np.array(path), "-o"))
    for a in acts:
        if a.definition.kind != "elementwise":
            continue
        m, var = gaussian_moments(a)
        rows_sn.append({"name": a.name, "mean": m, "var": var})
    if sn:
        panels = [("variance through depth, start 1", "Var of the layer output", series_sn)]
        if series_start:
            panels.append(("selu from several starts", "Var of the layer output", series_start))
        out.files["plots/concept-self-normalisation.svg"] = _svg(
            dc, plot_code, "sn", [s.y for p in panels for s in p[2]],
            lambda: plots.overlay_svg(panels, xlim=(0, 16), xlabel="layer"))
        out.blocks["self_normalisation"] = {"rows": rows_sn, "plot": "plots/concept-self-normalisation.svg",
                                            "selu": next((r for r in rows_sn if r["name"] == "selu"), None)}

    # ---- GELU approximations ----------------------------------------------------------------
    exact = _pick(acts, ["gelu"])
    approx = _pick(acts, ["gelu_tanh", "gelu_sigmoid"])
    if exact and approx:
        ge = exact[0]
        wide = np.linspace(-10, 10, 400001)
        fe = _f(ge, wide)
        rows_ga, series_val, series_err = [], [plots.Series("gelu", xs, _f(ge, xs))], []
        for a in approx:
            err = np.abs(_f(a, wide) - fe)
            i = int(np.argmax(err))
            gerr = np.abs(_g(a, wide) - _g(ge, wide))
            j = int(np.argmax(gerr))
            rows_ga.append({"name": a.name, "max_err": float(err[i]), "where": float(wide[i]),
                            "max_grad_err": float(gerr[j]), "where_grad": float(wide[j])})
            series_val.append(plots.Series(a.name, xs, _f(a, xs), "--"))
            e = np.abs(_f(a, xs) - _f(ge, xs))
            series_err.append(plots.Series(a.name, xs, np.where(e > 0, e, np.nan)))
        out.files["plots/concept-gelu-approximations.svg"] = _svg(
            dc, plot_code, "ga", [s.y for s in series_val + series_err],
            lambda: plots.overlay_svg([("gelu and its approximations", "f(x)", series_val),
                                       ("absolute error against exact gelu", "|error|", series_err)],
                                      logy=(False, True)))
        out.blocks["gelu_approximations"] = {"rows": rows_ga, "plot": "plots/concept-gelu-approximations.svg"}
    return out

