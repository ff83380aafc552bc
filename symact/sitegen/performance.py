"""The site's performance page: ratios from a recorded ``symact bench --json`` run, never timed at build time.

Timing during a build would make two builds differ; the page shows one recorded run instead
(``site/data/bench.json``, refreshed with ``symact bench --json site/data/bench.json``), with the
machine and versions it was measured on.  "Cost" is the symact kernel's time relative to relu's in the
same run, same size and dtype (the property list's measured cost).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .records import load_record

BENCH_JSON = Path("data") / "bench.json"


def load(site_root: Path) -> dict[str, Any] | None:
    return load_record(site_root / BENCH_JSON, "benchmark")


def _r(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _kind(goal: str) -> str:
    """Which explanation of a missed goal the page gives (the template holds the prose)."""
    if "numba" in goal:
        return "numba"
    return "hand" if goal.startswith("worst symact/hand") else "piecewise" if "piecewise" in goal else \
        "gelu" if goal.startswith("gelu") else ""


def context(report: dict[str, Any] | None) -> dict[str, Any]:
    """Template context: goals, per-kernel rows at the largest size, costs relative to relu."""
    if report is None:
        return {"report": None}
    top = max(report["sizes"])
    idx = {(r["name"], r["which"], r["dtype"], r["n"]): r for r in report["results"]}
    dtypes = report["dtypes"]
    rows = []
    for name in sorted({r["name"] for r in report["results"]}):
        for which in ("f", "grad"):
            cells = []
            for dt in dtypes:
                r = idx.get((name, which, dt, top))
                relu = idx.get(("relu", "f", dt, top))
                q = r["ratios"] if r else {}
                t, t_relu = (r or {}).get("seconds", {}).get("symact"), (relu or {}).get("seconds", {}).get("symact")
                cost = t / t_relu if t and t_relu else None
                cells.append({k: _r(q.get(k)) for k in ("hand", "torch_out", "floor", "numba_floor")}
                             | {"cost": _r(cost, 1)})
            if any(c["hand"] != "–" or c["cost"] != "–" for c in cells):
                rows.append({"name": name, "which": which, "cells": cells})
    bounds = [b | {"sketch": _r(b["sketch"]), "symact": _r(b["symact"]), "size": f"{b['n']:.0e}"}
              for b in report.get("bounds") or []]
    goals = [{"goal": k, "value": _r(g["value"]), "target": g["target"],
              "met": {True: "met", False: "not met", None: "n/a"}[g["met"]],
              "where": g.get("where") or "", "over": g.get("over") or [], "kind": _kind(k),
              "bounds": [b for b in bounds if b["goal"] == _kind(k)]}
             for k, g in report["goals"].items()]
    return {"report": report, "meta": report["meta"], "top": f"{top:.0e}", "dtypes": dtypes, "rows": rows,
            "goals": goals}
