"""The built site in a real browser: headless Debian Chromium driven by Playwright for Python.

Serves one build of the catalogue on 127.0.0.1 (a thread http.server), opens the index and
several activation, family and concept pages, and asserts that formulas are laid out as
MathML (not raw LaTeX), plots load, the index table has a row per activation and sorts, search
works offline, the console stays clean, and no request leaves localhost (every request is
recorded; anything else is aborted).  Leaves a screenshot to look at: tests/artifacts/gelu.png.
"""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

import symact

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
#: pages whose formula is a fraction or a Piecewise (cases) table
TWO_DIMENSIONAL = {"gelu", "relu", "selu", "hardtanh"}
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ACTIVATION_PAGES = ["gelu", "relu", "selu", "softplus", "hardtanh", "sigmoid"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (pip, the `test` extra) is not installed")
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"{CHROMIUM} is missing: run tests/setup_test_env.sh (installs Debian's chromium)",
                allow_module_level=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    from _site_build import built_site

    root = built_site()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        except Exception as exc:  # noqa: BLE001 - a broken local chromium is an environment problem
            pytest.skip(f"cannot launch {CHROMIUM}: {exc}")
        yield b
        b.close()


class Visit:
    """A page with every request recorded, outside requests aborted, and console errors kept."""

    def __init__(self, browser, base: str, color_scheme: str = "light"):
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"requestfailed: {r.url} {r.failure}"))

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        host = urlparse(url).hostname
        if host in ("127.0.0.1", "localhost") or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            route.abort()

    def open(self, path: str):
        self.page.goto(f"{self.base}/{path}", wait_until="networkidle")
        return self.page

    def outside(self) -> list[str]:
        return [u for u in self.requests
                if urlparse(u).hostname not in ("127.0.0.1", "localhost") and not u.startswith(("data:", "blob:"))]

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    v = Visit(browser, server)
    yield v
    v.close()


def assert_math_rendered(page, min_count: int = 1):
    info = page.evaluate("""() => {
        const maths = Array.from(document.querySelectorAll('math'));
        return {
          count: maths.length,
          native: maths.every(m => m instanceof MathMLElement),
          sized: maths.filter(m => { const r = m.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length,
          tallest: Math.max(0, ...maths.filter(m => m.getAttribute('display') === 'block')
                                     .map(m => m.getBoundingClientRect().height)),
          text: document.querySelector('article').innerText,
        };
    }""")
    assert info["count"] >= min_count
    assert info["native"], "math elements must be MathML elements"
    assert info["sized"] == info["count"], "every formula is laid out (non-empty box)"
    for raw in ("\\frac", "\\begin{", "\\left", "$$", "\\(", "\\sigma"):
        assert raw not in info["text"], f"raw LaTeX {raw!r} is visible"
    return info


def assert_plots_loaded(page, min_count: int = 1):
    page.evaluate("""async () => {
        for (const img of document.querySelectorAll('img')) {
            img.loading = 'eager';
            img.scrollIntoView();
            if (!img.complete) await new Promise(r => { img.onload = img.onerror = r; });
        }
        window.scrollTo(0, 0);
    }""")
    sizes = page.evaluate("() => Array.from(document.querySelectorAll('img.plot')).map(i => [i.src, i.naturalWidth])")
    assert len(sizes) >= min_count
    for src, width in sizes:
        assert width > 0, f"plot {src} did not load"


def test_index_table_and_sorting(visit):
    page = visit.open("index.html")
    rows = page.locator("#catalogue tbody tr")
    names = symact.names()
    assert rows.count() == len(names)
    assert page.eval_on_selector_all("#catalogue tbody tr", "rs => rs.map(r => r.dataset.name)") == names
    assert_math_rendered(page, min_count=2 * len(names))
    header = page.locator("#catalogue thead th", has_text="Function")
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert page.eval_on_selector_all("#catalogue tbody tr", "rs => rs.map(r => r.dataset.name)") == names[::-1]
    assert not visit.errors, visit.errors
    assert not visit.outside(), visit.outside()


@pytest.mark.parametrize("name", ACTIVATION_PAGES)
def test_activation_page(visit, name):
    page = visit.open(f"activations/{name}.html")
    info = assert_math_rendered(page, min_count=2)
    if name in TWO_DIMENSIONAL:  # a fraction or a cases table: real layout, taller than a text line
        assert info["tallest"] > 30, f"{name}: display formula not laid out in two dimensions"
    assert_plots_loaded(page)
    assert page.locator("h2#parameters").count() == 1
    assert page.locator("h2#derivative").count() == 1
    assert "import symact" in page.locator("pre").first.inner_text()
    assert not visit.errors, visit.errors
    assert not visit.outside(), visit.outside()
    assert any(u.endswith(f"plots/{name}.svg") for u in visit.requests)


@pytest.mark.parametrize("path", ["families/smooth-relu.html", "concepts/self-normalisation.html",
                                  "concepts/gelu-approximations.html", "concepts/vanishing-gradient.html"])
def test_family_and_concept_pages(visit, path):
    page = visit.open(path)
    assert_math_rendered(page) if page.locator("math").count() else None
    assert_plots_loaded(page)
    assert not visit.errors, visit.errors
    assert not visit.outside(), visit.outside()


def test_search_works_offline(visit):
    page = visit.open("index.html")
    page.locator("input.md-search__input").click()
    page.keyboard.type("selu", delay=30)   # Material searches on key events
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    assert "selu" in page.locator(".md-search-result").inner_text().lower()
    assert not visit.errors, visit.errors
    assert not visit.outside(), visit.outside()


def test_dark_palette(browser, server):
    v = Visit(browser, server, color_scheme="dark")
    try:
        page = v.open("activations/gelu.html")
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == "slate"
        assert_plots_loaded(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "gelu-dark.png"), full_page=False)
        assert not v.errors and not v.outside()
    finally:
        v.close()


def test_screenshot_for_people(visit):
    """tests/artifacts/gelu.png: the GELU page as a reader sees it (look at it after a change)."""
    page = visit.open("activations/gelu.html")
    assert_plots_loaded(page)
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / "gelu.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 20_000
    assert page.title().startswith("GELU")


def test_opened_from_disk(browser):
    """file://: formulas and plots still render and nothing is fetched (search needs a server)."""
    from _site_build import built_site

    site = built_site()
    requests: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: (requests.append(route.request.url),
                                         route.continue_() if route.request.url.startswith("file:")
                                         else route.abort()))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto((site / "activations" / "relu.html").as_uri(), wait_until="load")
        assert_math_rendered(page, min_count=2)
        assert_plots_loaded(page)
        page.locator("nav a", has_text="Leaky ReLU").first.click()
        page.wait_for_load_state("load")
        assert page.url.endswith("activations/leaky_relu.html")
        assert [u for u in requests if not u.startswith("file:")] == []
        # Material looks for search/search_index.js under file:// (only its offline plugin, which
        # needs a CDN shim, writes it); nothing else may fail
        assert [e for e in errors if "search_index" not in e and "ERR_FILE_NOT_FOUND" not in e] == []
    finally:
        context.close()
