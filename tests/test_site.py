"""The reference site: one build of the whole catalogue, then what it holds.

Checks every activation has a page with MathML (never raw LaTeX), the index table has a row
per activation, links resolve, nothing is loaded from the network, two builds are
byte-identical, a failed build leaves the previous site intact, `mkdocs build --strict`
works on the project, and the wheel ships the templates and the MkDocs project.
"""
from __future__ import annotations

import datetime
import filecmp
import hashlib
import html.parser
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _site_build import built_site

import symact
from symact.sitegen import mathml, paths, plots, render
from symact.sitegen.build import build

ROOT = Path(__file__).resolve().parent.parent
#: subprocesses import this checkout's symact whether or not it is pip-installed
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


class _Refs(html.parser.HTMLParser):
    """Collect every URL an HTML page references, and its visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []   # (tag, attr, url)
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.refs.append((tag, k, v))
        if tag in ("script", "style", "code", "pre"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def parse(path: Path) -> _Refs:
    p = _Refs()
    p.feed(path.read_text("utf-8"))
    return p


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ---- content ----------------------------------------------------------------------------------


def test_every_activation_has_a_page_with_mathml(site):
    for name in symact.names():
        page = site / "activations" / f"{name}.html"
        assert page.is_file(), name
        text = page.read_text("utf-8")
        assert text.count("<math") >= 2, f"{name}: formula and derivative as MathML"
        assert 'display="block"' in text
        act = symact.get(name)
        if act.definition.kind == "elementwise":
            assert f"../plots/{name}.svg" in text
            assert (site / "plots" / f"{name}.svg").is_file()
        for fw, qual in act.definition.frameworks.items():
            assert qual.split("(")[0] in text, (name, fw)


def test_build_within_budget(site, tmp_path):
    """A rebuild (caches warm: what an author waits for) within 60 s; the first, cold build of
    a fresh machine computes every property, plot and reference and is only reported."""
    import time

    from _site_build import _BUILT

    render._MEMO = None
    t0 = time.perf_counter()
    build(tmp_path / "rebuild", progress=None)
    seconds = time.perf_counter() - t0
    print(f"\nsite build: first {_BUILT['seconds']:.1f} s, rebuild {seconds:.1f} s")
    assert seconds < 60, f"rebuild took {seconds:.1f} s (budget 60 s)"


def test_page_count_and_families(site):
    names = symact.names()
    families = {symact.definition(n).family for n in names}
    assert len(list((site / "activations").glob("*.html"))) == len(names)
    assert {p.stem for p in (site / "families").glob("*.html")} == families
    for c in ("vanishing-gradient", "dying-relu", "self-normalisation", "gelu-approximations"):
        assert (site / "concepts" / f"{c}.html").is_file()


def test_index_table_has_a_row_per_activation(site):
    text = (site / "index.html").read_text("utf-8")
    table = text[text.index('<table id="catalogue"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr data-name="([a-z0-9_]+)">', table)
    assert rows == symact.names()
    assert table.count("<math") >= 2 * len(rows)


def test_no_raw_latex_in_visible_text(site):
    for page in pages(site):
        text = " ".join(parse(page).text)
        for raw in ("\\frac", "\\begin{", "\\left(", "$$", "\\(", "\\["):
            assert raw not in text, f"{page.relative_to(site)} shows raw LaTeX {raw!r}"


def test_formula_comes_from_the_expression(site):
    gelu = (site / "activations" / "gelu.html").read_text("utf-8")
    assert 'mathvariant="normal">erf</mi>' in gelu
    relu = (site / "activations" / "relu.html").read_text("utf-8")
    assert "<mtable>" in relu, "Piecewise renders as a MathML table (cases)"
    leaky = (site / "activations" / "leaky_relu.html").read_text("utf-8")
    assert "<code>negative_slope</code>" in leaky and "<code>0.01</code>" in leaky
    selu = (site / "activations" / "selu.html").read_text("utf-8")
    assert "LeCun-normal" in selu and "alpha-dropout" in selu


def test_concept_numbers_are_computed(site):
    sn = (site / "concepts" / "self-normalisation.html").read_text("utf-8")
    m = re.search(r"variance <strong>([0-9.]+)</strong>", sn)
    assert m and abs(float(m.group(1)) - 1.0) < 1e-6, "SELU keeps unit variance at its default constants"
    vg = (site / "concepts" / "vanishing-gradient.html").read_text("utf-8")
    row = re.search(r'activations/sigmoid.html">sigmoid</a></td><td data-sort="([0-9.e-]+)"', vg)
    assert row and abs(float(row.group(1)) - 0.25) < 1e-6, "max sigmoid' = 1/4"
    ga = (site / "concepts" / "gelu-approximations.html").read_text("utf-8")
    errs = dict(re.findall(r'activations/(gelu_\w+).html">gelu_\w+</a></td><td>([0-9.e+-]+)</td>', ga))
    assert 1e-5 < float(errs["gelu_tanh"]) < 1e-3
    assert float(errs["gelu_tanh"]) < float(errs["gelu_sigmoid"]) < 0.05


def test_generated_sources_say_so():
    r = render.render_pages(progress=None)
    for rel, content in r.files.items():
        if rel.endswith(".md") and not rel.startswith("extra/"):
            assert render.FIRST_LINE in content.split("\n")[0], rel


# ---- links and offline -------------------------------------------------------------------------


def test_local_links_resolve(site):
    for page in pages(site):
        if page.name == "404.html":  # served at any depth, so MkDocs makes its links root-absolute
            continue
        for tag, attr, url in parse(page).refs:
            if re.match(r"^[a-z]+:", url) or url.startswith("#") or url.startswith("//"):
                continue
            target = (page.parent / url.split("#")[0].split("?")[0]).resolve()
            assert target.exists(), f"{page.relative_to(site)}: <{tag} {attr}={url!r}> is broken"


def test_nothing_is_loaded_from_the_network(site):
    for page in pages(site):
        for tag, attr, url in parse(page).refs:
            if tag in ("script", "img", "link", "iframe", "source", "audio", "video") and tag != "a":
                if tag == "link" and attr == "href":
                    pass
                assert not re.match(r"^(https?:)?//", url), f"{page.relative_to(site)} loads {url}"
    for css in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text("utf-8")), css
        assert "@import" not in css.read_text("utf-8") or "http" not in css.read_text("utf-8"), css


def test_generated_pages_are_not_written_into_docs(site):
    docs = paths.site_dir() / "docs"
    assert not (docs / "activations").exists() and not (docs / "plots").exists()


# ---- determinism, atomicity, caching ----------------------------------------------------------


def test_two_builds_are_byte_identical(site, tmp_path):
    render._MEMO = None                      # render again, not from memory
    again = build(tmp_path / "again", progress=None)
    assert tree_digest(again) == tree_digest(site)
    today = datetime.date.today().isoformat().encode()
    for p in site.rglob("*"):
        assert not p.is_file() or today not in p.read_bytes(), f"{p.relative_to(site)} carries the build date"


def test_plots_are_deterministic():
    x = plots.grid()
    act = symact.get("elu")
    a = plots.activation_svg("elu", x, act(x), act.grad(x))
    b = plots.activation_svg("elu", x, act(x), act.grad(x))
    assert a == b
    assert b"<dc:date>" not in a and b"<svg" in a


def test_a_large_family_gets_one_legend_below_its_panels_and_distinct_lines():
    """The 25-member smooth-ReLU family overflowed a legend inside each panel (Matplotlib's
    "Tight layout not applied"), and its 25 lines repeated the 10 colours with the same stroke."""
    import warnings

    x = plots.grid()
    series = [plots.Series(f"s{i}", x, np.tanh(x) * (1 + i / 25)) for i in range(25)]
    few = series[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = plots.overlay_svg([("f(x)", "f(x)", series), ("f′(x)", "f′(x)", series)]).decode()
        small = plots.overlay_svg([("f(x)", "f(x)", few), ("f′(x)", "f′(x)", few)]).decode()
    assert svg.count('id="legend_') == 1 and small.count('id="legend_') == 2
    assert svg.count(">s24<") == 1  # each label once, not once per panel
    assert [plots._line_style("-", i) for i in (0, 9, 10, 19, 20)] == ["-", "-", "--", "--", ":"]
    assert plots._line_style("o", 12) == "o"  # an explicit style is kept


def test_cached_record_equals_fresh_record(tmp_path):
    from symact.sitegen.cache import DiskCache

    act = symact.get("softsign")
    fresh = render.symbolic_record(act)
    dc = DiskCache(tmp_path)
    first = dc.json("record", "k", lambda: render.symbolic_record(act))
    second = dc.json("record", "k", lambda: pytest.fail("second read must hit the cache"))
    assert fresh == first == second and dc.hits == 1


def test_failed_build_leaves_previous_site_intact(site, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(site, out)
    before = tree_digest(out)
    broken = tmp_path / "project"
    shutil.copytree(paths.site_dir(), broken, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / "docs" / "concepts" / "dying-relu.md").write_text("# Broken\n\n[nowhere](no-such-page.md)\n")
    render._MEMO = None
    with pytest.raises(BaseException) as exc:
        build(out, progress=None, config_file=broken / "mkdocs.yml")
    assert not isinstance(exc.value, KeyboardInterrupt)
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project"], "no staging dirs left behind"


def test_write_pages_touches_only_changed_files(tmp_path):
    r = render.Rendered(files={"a.md": "one", "plots/b.svg": b"<svg/>"})
    assert render.write_pages(tmp_path, r) == 2
    assert render.write_pages(tmp_path, r) == 0
    r.files["a.md"] = "two"
    assert render.write_pages(tmp_path, r) == 1


# ---- MkDocs on its own, the CLI, packaging ----------------------------------------------------


def test_mkdocs_build_strict_on_the_project(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(paths.site_dir() / "mkdocs.yml"),
         "-d", str(tmp_path / "direct")], capture_output=True, text=True, timeout=300, env=ENV,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp_path / "direct" / "activations" / "gelu.html").is_file()


def test_cli_build_with_extra_definitions(tmp_path):
    extra = tmp_path / "mine.py"
    extra.write_text(
        "import sympy as sp\n"
        "from symact import Definition, register, x\n"
        "register(Definition(name='my_bent_identity', expr=(sp.sqrt(x**2 + 1) - 1) / 2 + x, family='other',\n"
        "                    summary='A smooth, unbounded, monotonic test activation.'))\n"
    )
    res = subprocess.run([sys.executable, "-m", "symact", "build", "--out", str(tmp_path / "cli"),
                          "--extra", str(extra)], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=ENV)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    page = tmp_path / "cli" / "activations" / "my_bent_identity.html"
    assert page.is_file() and "<msqrt>" in page.read_text("utf-8")
    assert 'data-name="my_bent_identity"' in (tmp_path / "cli" / "index.html").read_text("utf-8")


def test_prose_is_keyed_by_catalogue_names():
    prose = render.load_prose()
    assert set(prose["activations"]) <= set(symact.names())
    assert set(prose["families"]) <= {symact.definition(n).family for n in symact.names()}
    concepts = {p.stem for p in (paths.site_dir() / "docs" / "concepts").glob("*.md")}
    assert set(prose["concepts_order"]) == concepts


def test_mathml_conversion():
    out = mathml.latex_to_mathml(r"\begin{cases} x & \text{for}\: x > 0 \\ 0 & \text{otherwise} \end{cases}", True)
    assert out.startswith("<math") and 'display="block"' in out and "<mtable>" in out
    page = '<p>see <span class="arithmatex">\\(\\tfrac14 &lt; x\\)</span></p><div class="arithmatex">\\[x^2\\]</div>'
    conv = mathml.convert_arithmatex(page)
    assert "arithmatex" not in conv and conv.count("<math") == 2 and "<msup>" in conv


def test_wheel_ships_templates_and_site(tmp_path):
    src = tmp_path / "src"   # build from a copy: pip's in-tree build would write build/ into the checkout
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".*cache", "artifacts"))
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(src)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    (wheel,) = tmp_path.glob("symact-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for tpl in paths.templates_dir().rglob("*.j2"):
        assert f"symact/_templates/{tpl.relative_to(paths.templates_dir()).as_posix()}" in names
    for f in ("mkdocs.yml", "hooks.py", "prose.yml", "docs/index.md", "docs/assets/symact.css",
              "docs/assets/tablesort.js", "docs/concepts/dying-relu.md"):
        assert f"symact/_site/{f}" in names, f
    assert not any("__pycache__" in n for n in names if n.startswith("symact/_site"))
    # an installed copy finds its own templates and site, away from the checkout
    target = tmp_path / "installed"
    res = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                          str(wheel)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    code = ("from symact.sitegen import paths; print(paths.templates_dir()); print(paths.site_dir()); "
            "print(paths.project_root())")
    env = {**os.environ, "PYTHONPATH": str(target)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    tdir, sdir, root = res.stdout.split()
    assert tdir.startswith(str(target)) and sdir.startswith(str(target)) and root == "None"
    assert filecmp.cmp(Path(tdir) / "activation.md.j2", paths.templates_dir() / "activation.md.j2", shallow=False)


def test_property_rows_render_whatever_the_properties_object_has():
    import dataclasses

    import sympy as sp

    @dataclasses.dataclass
    class Stand:   # the shape of a properties object: SymPy sets, booleans, None (undecided), numbers
        range: object = sp.Interval.Ropen(0, sp.oo)
        continuity: object = 0
        monotonic: object = True
        zero_centred: object = None
        max_abs_derivative: object = sp.Rational(1, 4)
        methods: dict = dataclasses.field(default_factory=lambda: {"range": "limits + critical points"})

    rows = {r["key"]: r for r in render.property_rows(Stand())}
    assert set(rows) == {"range", "continuity", "monotonic", "zero_centred", "max_abs_derivative"}
    assert "<math" in rows["range"]["value"] and "&#x0221E;" in rows["range"]["value"]
    assert "<msup>" in rows["continuity"]["value"], "C^0"
    assert rows["monotonic"]["value"] == "yes" and "undecided" in rows["zero_centred"]["value"]
    assert rows["max_abs_derivative"]["sort"] == "0.25" and rows["range"]["method"] == "limits + critical points"

    class WithRows:
        _LABELS = (("fprime0", "f′(0)"),)

        def rows(self):
            return [("parity", "odd", "symbolic"), ("continuity", sp.oo, "symbolic"),
                    ("fprime0", (sp.Integer(0), sp.Integer(1)), "one-sided limits")]

    rows = render.property_rows(WithRows())
    assert [r["key"] for r in rows] == ["parity", "continuity", "fprime0"]
    assert rows[0]["label"] == "Parity" and rows[2]["label"] == "f′(0)"
    assert rows[2]["value"].startswith("left <math") and ", right <math" in rows[2]["value"]
    assert "C" in rows[1]["value"] and "&#x0221E;" in rows[1]["value"]


def test_serve_previews_the_site(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = f"from symact.sitegen import serve; serve('127.0.0.1:{port}')"
    proc = subprocess.Popen([sys.executable, "-c", code], env=ENV, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/activations/gelu.html", timeout=5) as r:
                    body = r.read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
                assert time.monotonic() < deadline, "mkdocs serve did not come up"
                time.sleep(0.5)
        assert "<math" in body and "GELU" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_derived_properties_are_shown(site):
    pytest.importorskip("symact.properties", reason="the properties module has not landed")
    sigmoid = (site / "activations" / "sigmoid.html").read_text("utf-8")
    assert 'data-key="range"' in sigmoid and 'data-key="continuity"' in sigmoid
    assert 'class="math-block in-terms-of-f"' in sigmoid, "σ′ written in terms of σ"
    props = symact.get("sigmoid").properties
    row = sigmoid[sigmoid.index('data-key="max_abs_grad"'):]
    assert str(props.max_abs_grad) == "1/4"
    assert "<mfrac><mrow><mn>1</mn></mrow><mrow><mn>4</mn></mrow></mfrac>" in row[:400]
    index = (site / "index.html").read_text("utf-8")
    for header in ("Range", "Continuity", "Monotonic"):
        assert f"<th>{header}</th>" in index
