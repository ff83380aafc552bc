"""Matplotlib SVG plots with one set of axes conventions for the whole site.

Conventions: x on [-6, 6] (``XLIM``) for every activation and family plot, f in the left
panel and f' in the right, axes lines through the origin, a light grid, the same palette
(dashed, then dotted, once its 10 colours are used up; a legend in each panel, or one below
the panels when they share more than ``LEGEND_INSIDE`` series),
parameters at their defaults.  Output is deterministic: a fixed ``svg.hashsalt`` (so
clip-path and glyph ids do not change between builds), no date in the metadata, text kept
as text (``svg.fonttype = none``: the browser's own sans-serif, nothing downloaded).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

XLIM = (-6.0, 6.0)
NPOINTS = 2401
LEGEND_INSIDE = 8  # more series than this, shared by every panel, get one legend below the panels
PALETTE = ["#1f5fbf", "#d1495b", "#2a9d5c", "#e08a00", "#7b4fbf", "#0097a7", "#8c564b", "#c2185b",
           "#5d6d7e", "#9e9d24"]
RC = {
    "svg.hashsalt": "symact",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d8d8d8",
    "grid.linewidth": 0.6,
    "axes.edgecolor": "#555555",
    "axes.labelcolor": "#222222",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "lines.linewidth": 1.8,
    "legend.frameon": False,
    "path.simplify": True,
}


@dataclass(frozen=True)
class Series:
    label: str
    x: np.ndarray
    y: np.ndarray
    style: str = "-"


def grid(xlim: tuple[float, float] = XLIM, n: int = NPOINTS) -> np.ndarray:
    return np.linspace(xlim[0], xlim[1], n)


def break_jumps(x: np.ndarray, y: np.ndarray, slope: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN where y jumps (a discontinuity), so no vertical line is drawn across it.

    With the derivative ``slope`` known, a step larger than 8·|f'|·dx (plus a small floor) is
    a jump; without it, a step much larger than both neighbouring steps is.
    """
    y = np.asarray(y, dtype=float)
    dy = np.abs(np.diff(y))
    finite = np.isfinite(y)
    span = float(np.ptp(y[finite])) if finite.any() else 1.0
    floor = 1e-3 * (span or 1.0)
    dx = np.diff(x)
    if slope is not None:
        s = np.abs(np.asarray(slope, dtype=float))
        bound = 8 * np.maximum(s[:-1], s[1:]) * dx + floor
    else:
        prev = np.concatenate([[0.0], dy[:-1]])
        nxt = np.concatenate([dy[1:], [0.0]])
        bound = 8 * np.maximum(prev, nxt) + 1e-2 * (span or 1.0)
    jumps = np.nonzero(dy > bound)[0]
    if not len(jumps):
        return x, y
    xs = np.insert(x.astype(float), jumps + 1, np.nan)
    ys = np.insert(y, jumps + 1, np.nan)
    return xs, ys


def _figure(ncols: int, width: float, height: float):
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(RC)
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _style_axes(ax, xlim=XLIM, *, ylabel: str = "", title: str = "", logy: bool = False, xlabel="x") -> None:
    ax.set_xlim(*xlim)
    if not logy:
        ax.axhline(0, color="#888888", lw=0.8, zorder=1)
        if xlim[0] < 0 < xlim[1]:
            ax.axvline(0, color="#888888", lw=0.8, zorder=1)
    else:
        ax.set_yscale("log")
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=11)


def _ylim(ax, ys: Sequence[np.ndarray]) -> None:
    vals = np.concatenate([np.asarray(y, float)[np.isfinite(y)] for y in ys] or [np.zeros(1)])
    if not len(vals):
        return
    lo, hi = float(min(vals.min(), 0.0)), float(max(vals.max(), 0.0))
    pad = 0.06 * (hi - lo or 1.0)
    ax.set_ylim(lo - pad, hi + pad)


#: family overlays clip y to these windows (when the data goes beyond), so one outlier member
#: (threshold's replacement value 20) does not flatten the others
FAMILY_YWINDOW = {"f": (-4.0, 7.0), "g": (-1.5, 3.0)}


def family_ylim(series_f: Sequence[Series], series_g: Sequence[Series]):
    out = []
    for key_, series in (("f", series_f), ("g", series_g)):
        vals = np.concatenate([np.asarray(s.y, float)[np.isfinite(s.y)] for s in series] or [np.zeros(1)])
        lo, hi = float(min(vals.min(), 0.0)), float(max(vals.max(), 0.0))
        wlo, whi = FAMILY_YWINDOW[key_]
        if len(series) < 2 or (lo >= wlo and hi <= whi):
            out.append(None)
            continue
        lo, hi = max(lo, wlo), min(hi, whi)
        pad = 0.06 * (hi - lo)
        out.append((lo - pad, hi + pad))
    return out


def to_svg(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.05)
    return buf.getvalue()


def activation_svg(name: str, x: np.ndarray, f: np.ndarray, g: np.ndarray) -> bytes:
    """f on the left, f' on the right, each with its jumps broken."""
    fig, (a0, a1) = _figure(2, 8.0, 3.0)
    xs, ys = break_jumps(x, f, g)
    a0.plot(xs, ys, color=PALETTE[0], zorder=3)
    _style_axes(a0, ylabel=f"{name}(x)", title="f(x)")
    _ylim(a0, [f])
    xs, ys = break_jumps(x, g)
    a1.plot(xs, ys, color=PALETTE[1], zorder=3)
    _style_axes(a1, ylabel=f"{name}'(x)", title="f′(x)")
    _ylim(a1, [g])
    fig.tight_layout()
    return to_svg(fig)


def overlay_svg(panels: Sequence[tuple[str, str, Sequence[Series]]], *, xlim=XLIM, logy: Sequence[bool] = (),
                xlabel: str | list[str] = "x", width: float | None = None, height: float = 3.2, ylim=None) -> bytes:
    """Several series on each panel: ``panels`` is a list of (title, ylabel, series).

    ``xlim`` and ``xlabel`` may be lists (one per panel).
    """
    n = len(panels)
    labels = [s.label for s in panels[0][2]]
    shared = len(labels) > LEGEND_INSIDE and all([s.label for s in p[2]] == labels for p in panels)
    ncol = min(len(labels), 3 * n)
    legend_h = (0.2 * -(-len(labels) // ncol) + 0.1) if shared else 0.0
    fig, axes = _figure(n, width or 4.2 * n + 0.4, height + legend_h)
    xlims = xlim if isinstance(xlim, list) else [xlim] * n
    xlabels = xlabel if isinstance(xlabel, list) else [xlabel] * n
    for k, (ax, (title, ylabel, series)) in enumerate(zip(axes, panels, strict=True)):
        log = bool(logy[k]) if k < len(logy) else False
        for i, s in enumerate(series):
            xs, ys = (s.x, s.y) if log else break_jumps(s.x, s.y)
            ax.plot(xs, ys, _line_style(s.style, i), color=PALETTE[i % len(PALETTE)], label=s.label, zorder=3)
        _style_axes(ax, xlims[k], ylabel=ylabel, title=title, logy=log, xlabel=xlabels[k])
        if ylim is not None and ylim[k] is not None:
            ax.set_ylim(*ylim[k])
        elif not log:
            _ylim(ax, [s.y for s in series])
        if not shared:
            ax.legend(fontsize=8.5, loc="best")
    if shared:  # one legend for all panels, below them: inside an axes it would cover the curves
        fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=ncol, fontsize=8.5)
        fig.tight_layout(rect=(0, legend_h / (height + legend_h), 1, 1))
    else:
        fig.tight_layout()
    return to_svg(fig)


def _line_style(style: str, i: int) -> str:
    """Solid lines while the palette lasts, then dashed, then dotted, so no two series look alike."""
    return ("-", "--", ":")[i // len(PALETTE) % 3] if style == "-" else style
