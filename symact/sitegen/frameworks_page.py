"""The site's Frameworks page: which PyTorch / JAX / Keras activations symact covers, and whether they agree.

Rendered from the recorded ``site/data/frameworks.json`` (``symact frameworks --json site/data/frameworks.json``)
so a build needs neither JAX nor Keras and two builds of one checkout are identical.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .records import load_record

FRAMEWORKS_JSON = Path("data") / "frameworks.json"
TITLES = {"pytorch": "PyTorch", "jax": "JAX", "keras": "Keras"}


def load(site_root: Path) -> dict[str, Any] | None:
    return load_record(site_root / FRAMEWORKS_JSON, "frameworks")


def _defaults(r: dict[str, Any]) -> str:
    shown = {**r["defaults"], **r["fw_kwargs"]}
    return ", ".join(f"{k}={v!r}" for k, v in shown.items())


def _cell(r: dict[str, Any]) -> dict[str, Any]:
    contrast = r.get("contrast")
    return {"name": r["name"], "call": r["call"], "defaults": _defaults(r), "agree": r["agree"],
            "max_rel": f"{r['max_rel']:.1e}", "note": r["note"], "extremes": r["extremes"],
            "contrast": contrast and f"differs from {contrast['name']} by {contrast['max_rel']:.1e}"}


def context(data: dict[str, Any] | None) -> dict[str, Any]:
    """Template context: one row per symact entry, one cell list per framework, and the counts."""
    if data is None:
        return {"data": None, "tolerance": "1e-06"}
    fws = [fw for fw, c in data["coverage"].items() if c["installed"]]
    rows, differ = [], []
    counts = {fw: {"entries": 0, "rows": 0, "agree": 0} for fw in fws}
    for e in data["entries"]:
        cells = {fw: [_cell(r) for r in e["frameworks"].get(fw, [])] for fw in fws}
        for fw, cs in cells.items():
            counts[fw]["entries"] += bool(cs)
            counts[fw]["rows"] += len(cs)
            counts[fw]["agree"] += sum(c["agree"] for c in cs)
            differ += [{"entry": e["name"], "fw": TITLES[fw], **c} for c in cs if not c["agree"] or c["contrast"]]
        rows.append({"name": e["name"], "aliases": e["aliases"], "cells": cells})
    for fw in fws:
        counts[fw] |= {k: data["coverage"][fw][k] for k in ("introspected", "covered")} | {
            "title": TITLES[fw], "version": data["meta"].get(fw)}
    return {"data": data, "meta": data["meta"], "fws": fws, "titles": TITLES, "rows": rows, "counts": counts,
            "differ": differ, "tolerance": f"{data['tolerance']:g}", "coverage": data["coverage"]}


def render_frameworks_page() -> str:
    from .paths import site_dir
    from .render import FIRST_LINE, jinja_env

    return jinja_env().get_template("frameworks.md.j2").render(first_line=FIRST_LINE,
                                                                 **context(load(site_dir())))
