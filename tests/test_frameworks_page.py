"""The Frameworks page is rendered from the recorded ``site/data/frameworks.json`` (never measured at build)."""
from __future__ import annotations

import json

import pytest

from symact.sitegen import frameworks_page as page
from symact.sitegen.paths import site_dir
from symact.sitegen.render import jinja_env


def _cell(name, call, agree, max_rel, note="", contrast=None, **defaults):
    c = {"name": name, "call": call, "defaults": defaults, "fw_kwargs": {}, "symact_params": {}, "note": note,
         "max_rel": max_rel, "agree": agree, "extremes": "same", "grad_max_rel": None}
    return c | ({"contrast": contrast} if contrast else {})


FIXTURE = {
    "schema": 1, "tolerance": 1e-6,
    "meta": {"date": "2025-01-01", "python": "3.11", "numpy": "2.0", "pytorch": "2.13", "jax": "0.10.2",
             "keras": None},
    "coverage": {"pytorch": {"installed": True, "introspected": 2, "covered": 2, "not_activations": {}},
                 "jax": {"installed": True, "introspected": 3, "covered": 3, "not_activations": {"one_hot": "labels"}},
                 "keras": {"installed": False, "introspected": 0, "covered": 0, "not_activations": {}}},
    "entries": [
        {"name": "gelu", "aliases": [], "frameworks": {
            "pytorch": [_cell("torch.nn.GELU", "torch.nn.GELU()", True, 2e-16, approximate="none")],
            "jax": [_cell("jax.nn.gelu", "jax.nn.gelu(approximate=False)", True, 2e-16)]}},
        {"name": "gelu_tanh", "aliases": [], "frameworks": {
            "jax": [_cell("jax.nn.gelu", "jax.nn.gelu()", True, 3e-15, "jax defaults to approximate=True",
                          {"name": "gelu", "max_rel": 4.7e-4}, approximate=True)]}},
        {"name": "relu", "aliases": [], "frameworks": {
            "pytorch": [_cell("torch.nn.ReLU", "torch.nn.ReLU()", False, 0.5, "made up")]}},
    ],
}


def _render(data):
    return jinja_env().get_template("frameworks.md.j2").render(first_line="", **page.context(data))


def test_fixture_page_counts_and_differences(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "frameworks.json").write_text(json.dumps(FIXTURE))
    ctx = page.context(page.load(tmp_path))
    assert ctx["fws"] == ["pytorch", "jax"]  # Keras not installed: no column
    assert ctx["counts"]["pytorch"] | {} == {"entries": 2, "rows": 2, "agree": 1, "introspected": 2, "covered": 2,
                                             "title": "PyTorch", "version": "2.13"}
    assert [(d["entry"], d["fw"]) for d in ctx["differ"]] == [("gelu_tanh", "JAX"), ("relu", "PyTorch")]
    text = _render(page.load(tmp_path))
    assert "<td>PyTorch 2.13</td><td>2</td><td>2</td><td>2</td><td>2</td><td>1/2</td>" in text
    assert "`jax.nn.gelu()` → [gelu_tanh](activations/gelu_tanh.md): agrees with gelu_tanh (3.0e-15), " \
           "differs from gelu by 4.7e-04" in text
    assert "**differs** from relu by 5.0e-01" in text and "<th>Keras</th>" not in text
    assert '<a href="activations/gelu.html">gelu</a>' in text and "`one_hot` (labels)" in text


def test_page_without_a_recording_says_how_to_make_one(tmp_path):
    assert page.load(tmp_path) is None
    assert "symact frameworks --json site/data/frameworks.json" in _render(None)


def test_schema_is_checked(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "frameworks.json").write_text(json.dumps({"schema": 2}))
    with pytest.raises(ValueError, match="schema 2"):
        page.load(tmp_path)


def test_recorded_page_shows_jax_gelu_differs_and_full_coverage():
    data = page.load(site_dir())
    if data is None:
        pytest.skip("no recorded site/data/frameworks.json")
    text = page.render_frameworks_page()
    ctx = page.context(data)
    assert all(c["covered"] == c["introspected"] > 25 for c in ctx["counts"].values())
    gelu_tanh = next(r for r in ctx["rows"] if r["name"] == "gelu_tanh")
    jax_default = next(c for c in gelu_tanh["cells"]["jax"] if c["name"] == "jax.nn.gelu" and c["contrast"])
    assert jax_default["agree"] and jax_default["contrast"].startswith("differs from gelu by 4.7e-04")
    assert "`jax.nn.gelu()` → [gelu_tanh](activations/gelu_tanh.md)" in text
    assert "hard_sigmoid_keras2 by 8.3e-02" in text

