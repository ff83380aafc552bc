"""``symact bench --bounds``: the lower-bound sketches compute the functions they bound, to the accuracy
they state, and their timings reach the report and the performance page (no timing assertions)."""
from __future__ import annotations

import numpy as np
import pytest

import symact
from symact import bench, bench_bounds
from symact.sitegen import performance
from symact.sitegen.render import jinja_env


@pytest.mark.parametrize("sketch", bench_bounds.SKETCHES, ids=lambda s: s.name)
def test_sketch_computes_its_function_to_the_stated_accuracy(sketch):
    """A bound is the time of the activation it names: within its stated relative difference of symact's
    kernel on |x| <= its domain (3 N(0, 1) as timed, a dense grid, the kinks' neighbours), over several
    blocks; and not closer than half of it where it claims to leave accuracy out, so the claim is true."""
    rng = np.random.default_rng(5)
    d = sketch.domain
    for dt_name, rtol in sketch.rtol.items():
        dt = np.dtype(dt_name)
        x = np.concatenate([3 * rng.standard_normal(150_000), np.linspace(-d, d, 200_001),
                            [-3, 3, -0.5, 0.5, 0, -0.0, 1e-30, -1e-30]]).astype(dt)
        x = x[np.abs(x) <= d]
        got = np.empty_like(x)
        with np.errstate(all="ignore"):
            assert sketch.build(dt)(x, got) is got
        act = symact.get(sketch.name.rstrip("'"))
        want = (act.grad if sketch.name.endswith("'") else act)(x)
        err = np.abs(got.astype(np.float64) - want) / np.maximum(np.abs(want.astype(np.float64)), np.finfo(dt).tiny)
        assert err.max() <= rtol, (dt_name, float(err.max()), float(x[np.argmax(err)]))
        if rtol > 0:
            assert err.max() > rtol / 4, (dt_name, float(err.max()))   # the tolerance is not a blanket one


def test_bounds_run_reports_ratios_for_every_sketch_and_dtype(capsys):
    rows = bench_bounds.run(sizes=(10**4,), repeats=1, say=print)
    assert {(r["name"], r["dtype"]) for r in rows} == {(s.name, d) for s in bench_bounds.SKETCHES for d in s.rtol}
    for r in rows:
        assert r["sketch"] > 0 and r["symact"] > 0 and r["against"] in ("floor", "hand") and r["n"] == 10**4
        assert r["goal"] in ("piecewise", "gelu", "hand")
    assert "tanhshrink" in capsys.readouterr().out
    text = bench_bounds.format_bounds(rows)
    assert text.count("\n") == len(rows) and "leaves out the NaN check" in text


def test_missed_goal_section_shows_its_bounds():
    """A report with bounds shows each missed goal's sketches under its reason; a goal met shows none."""
    report = bench.run(names=["relu", "gelu"], short=True, progress=None, numba=False, repeats=1)
    assert "bounds" not in report       # the short mode (CI) never times them
    gelu = next(k for k in report["goals"] if k.startswith("gelu symact_out"))
    report["goals"] = {k: dict(g, met=True) for k, g in report["goals"].items()}
    report["goals"][gelu].update(value=24.0, met=False, over=["gelu float64 1e+07 24.00"])
    report["bounds"] = [{"goal": "gelu", "name": "gelu", "dtype": "float64", "n": 10**7, "against": "floor",
                         "leaves_out": "accuracy", "sketch": 8.9, "symact": 24.6},
                        {"goal": "piecewise", "name": "leaky_relu'", "dtype": "float32", "n": 10**7,
                         "against": "floor", "leaves_out": "the NaN check", "sketch": 1.9, "symact": 2.1}]
    page = jinja_env().get_template("performance.md.j2").render(first_line="", **performance.context(report))
    section = page[page.index("## Goals this run misses"):page.index("## Per kernel")]
    assert "<td>gelu</td><td>float64</td><td>1e+07</td><td>accuracy</td><td>8.90</td><td>24.60</td>" in section
    assert "leaky_relu" not in section   # its goal is met in this report
