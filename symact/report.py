"""Terminal reports: ``symact show NAME`` and ``symact table``."""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys

import sympy as sp

from . import registry
from .errors import SymactError


def _parse_params(items: list[str]) -> dict[str, str]:
    out = {}
    for it in items:
        k, sep, v = it.partition("=")
        if not sep:
            raise SymactError(f"--param expects name=value, got {it!r}")
        out[k.strip()] = v.strip()
    return out


def _resolve(name: str, params: dict[str, str]):
    """A registered activation, or an ad-hoc one from an expression string (parsed safely)."""
    from .activation import get
    from .userdef import from_expression

    try:
        return get(name, **params)
    except SymactError as exc:
        if not any(c in name for c in "()*+-/^$ "):
            raise
        first = exc
    try:
        return from_expression(name)
    except SymactError:
        raise first from None


def cli_show(args: list[str]) -> int:
    p = argparse.ArgumentParser(prog="symact show", description="formula, derivative and derived properties")
    p.add_argument("name", help="activation name or alias, or an expression in x such as 'x*sigmoid(1.702*x)'")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    ns = p.parse_args(args)
    try:
        act = _resolve(ns.name, _parse_params(ns.param))
    except SymactError as exc:
        print(f"symact show: {exc}", file=sys.stderr)
        return 2
    d = act.definition
    print(f"{act.name}" + (f"  (aliases: {', '.join(d.aliases)})" if d.aliases else ""))
    if d.summary:
        print(f"  {d.summary}")
    if act.params:
        print("  parameters: " + ", ".join(f"{k} = {v:g}" for k, v in act.params.items()))
    if d.kind != "elementwise":
        return _show_vector(act)
    print("\nf(x) =")
    print(sp.pretty(act.expr, use_unicode=True))
    print("\nf'(x) =")
    print(sp.pretty(act.derivative, use_unicode=True))
    print("\nproperties (method in brackets):")
    props = act.properties
    width = max(len(label) for label, _, _ in props.labelled_rows())
    for label, value, method in props.labelled_rows():
        print(f"  {label:<{width}}  {value}  [{method}]")
    return 0


def _show_vector(act) -> int:
    """Vector-valued and gated activations: output component, derived Jacobian and vjp (no property table)."""
    sym = act.symbolic
    gated = act.definition.kind == "gated"
    print("\nf(a, b) =  (x = [a | b] split in halves along the axis)" if gated else "\ny_i =")
    print(sp.pretty(sym.expr, use_unicode=True))
    print("\n(∂f/∂a, ∂f/∂b) =" if gated else "\nJ_ij = ∂y_i/∂x_j =")
    print(sp.pretty(sym.jacobian_expr, use_unicode=True))
    if act.form.kind != "maxout":
        print("\nvector-Jacobian product v_j = Σ_i g_i J_ij =" if not gated else "\nvjp (ā, b̄) =")
        print(sp.pretty(sym.vjp_expr, use_unicode=True))
    if act.definition.note:
        print(f"\nnote: {act.definition.note}")
    print("\n(no property table: the derived properties cover elementwise activations)")
    return 0


COLUMNS = ("range", "continuity", "monotonic", "bounded_below", "bounded_above", "f0", "fprime0", "zero_centred",
           "approx_identity", "saturating_left", "saturating_right", "max_abs_grad", "max_abs_grad_at",
           "dead_zone", "parity", "mean_normal", "variance_normal", "derivative_in_terms_of_f")


def _warm(name: str) -> str:
    from .activation import get

    get(name).properties  # noqa: B018 - computed for its disk-cache side effect
    return name


def warm_cache(names: list[str], progress=None) -> None:
    """Compute the properties of ``names`` on every core (each worker fills the disk cache)."""
    import multiprocessing as mp
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(names), os.cpu_count() or 1)
    if workers < 2 or "fork" not in mp.get_all_start_methods():
        return
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        for n in pool.map(_warm, names):
            if progress:
                progress(n)


def table_rows(progress=None) -> list[dict[str, str]]:
    from .activation import get
    from .properties import text

    names = registry.names(kind="elementwise")
    warm_cache(names, progress)
    rows = []
    for n in names:
        if progress:
            progress(n)
        p = get(n).properties
        rows.append({"name": n, **{c: text(getattr(p, c)) for c in COLUMNS}})
    return rows


def cli_table(args: list[str]) -> int:
    p = argparse.ArgumentParser(prog="symact table", description="derived properties of the whole catalogue")
    p.add_argument("--format", choices=("markdown", "csv", "json"), default="markdown")
    ns = p.parse_args(args)
    rows = table_rows(progress=lambda n: print(f"  {n}…", file=sys.stderr, end="\r"))
    print(" " * 40, file=sys.stderr, end="\r")
    if ns.format == "json":
        print(json.dumps(rows, indent=1, ensure_ascii=False))
    elif ns.format == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["name", *COLUMNS])
        w.writeheader()
        w.writerows(rows)
        print(buf.getvalue(), end="")
    else:
        cols = ["name", *COLUMNS]
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for r in rows:
            print("| " + " | ".join(r[c].replace("|", "\\|") for c in cols) + " |")
    return 0
