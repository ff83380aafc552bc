"""Shared pytest configuration: the per-kernel accuracy table printed at the end of a run."""
from __future__ import annotations


def pytest_terminal_summary(terminalreporter):
    try:
        from test_accuracy import RESULTS
    except ImportError:
        return
    if not RESULTS:
        return
    tr = terminalreporter
    tr.section("max ULP error per kernel (vs mpmath; goal 4 ULP + condition number)")
    names = sorted({k[0] for k in RESULTS})
    tr.write_line(f"{'kernel':14s} {'f f64':>10s} {'f f32':>8s} {'grad f64':>10s} {'grad f32':>9s}")
    for n in names:
        cells = [RESULTS.get((n, w, d), float("nan")) for w in ("f", "grad") for d in ("float64", "float32")]
        tr.write_line(f"{n:14s} {cells[0]:10.3g} {cells[1]:8.3g} {cells[2]:10.3g} {cells[3]:9.3g}")
