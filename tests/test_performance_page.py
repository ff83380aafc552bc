"""The site's performance page is rendered from a recorded ``symact bench --json`` run (never timed at build)."""
from __future__ import annotations

import json

import pytest

from symact import bench
from symact.sitegen import performance
from symact.sitegen.render import jinja_env


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    bench.run(names=["relu", "gelu"], short=True, json_path=str(path), progress=None, numba=False)
    return json.loads(path.read_text())


def test_page_shows_goals_rows_and_cost(report):
    ctx = performance.context(report)
    assert [r["name"] for r in ctx["rows"]] == ["gelu", "gelu", "relu", "relu"]
    relu_f = next(r for r in ctx["rows"] if r["name"] == "relu" and r["which"] == "f")
    assert all(c["cost"] == "1.0" for c in relu_f["cells"])  # relu's forward is the unit of cost
    page = jinja_env().get_template("performance.md.j2").render(first_line="", **ctx)
    assert "## Goals" in page and "median symact/hand" in page and page.count("<tr><td><a href") == 4


def test_page_without_a_recorded_run_says_how_to_make_one(tmp_path):
    assert performance.load(tmp_path) is None
    page = jinja_env().get_template("performance.md.j2").render(first_line="", **performance.context(None))
    assert "symact bench --json site/data/bench.json" in page


def test_schema_is_checked(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bench.json").write_text(json.dumps({"schema": 99}))
    with pytest.raises(ValueError, match="schema 99"):
        performance.load(tmp_path)


def test_a_missed_goal_lists_its_entries_and_why(report):
    """Goals the run misses get a section: the entries over the target and the reason for that kind of goal."""
    missed = dict(report, goals={k: dict(g, met=True) for k, g in report["goals"].items()})
    pwl = next(k for k in missed["goals"] if k.startswith("piecewise-linear symact_out"))
    missed["goals"][pwl].update(value=2.2, met=False, where="relu' float64 1e+04", over=["relu' float64 1e+04 2.20"])
    page = jinja_env().get_template("performance.md.j2").render(first_line="", **performance.context(missed))
    section = page[page.index("## Goals this run misses"):page.index("## Per kernel")]
    assert "2.20 against ≤ 2.0; 1 entry over it (relu&#x27; float64 1e+04 2.20)." in section
    assert "one pass over its block per operation" in section and "fdlibm" not in section
    met = {k: dict(g, met=True) for k, g in report["goals"].items()}
    page = jinja_env().get_template("performance.md.j2").render(
        first_line="", **performance.context(dict(report, goals=met)))
    assert "## Goals this run misses" not in page
