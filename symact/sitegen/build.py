"""Build the reference site: render the generated pages, run MkDocs, swap the result into place.

The build writes into a staging directory next to the output and only replaces the output
once MkDocs has succeeded (strict: any warning fails it), so a failed build leaves the
previous site intact.  Output is deterministic: plots have fixed ids, the sitemap's dates
come from ``SOURCE_DATE_EPOCH`` (0 unless set), nothing carries the time of the build.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from . import render
from .paths import default_out, site_dir


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    for k, v in values.items():
        os.environ.setdefault(k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _quiet_mkdocs() -> Iterator[None]:
    """MkDocs logs INFO lines through 'mkdocs'; keep only warnings and errors on the console."""
    import logging

    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _config(config_file: Path, site_out: Path, **overrides: Any):
    from mkdocs.config import load_config

    return load_config(config_file=str(config_file), site_dir=str(site_out), strict=True, **overrides)


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` at ``out``: rename the old site aside, rename the new one in, delete the old."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.replace(out, old)
    try:
        os.replace(staging, out)
    except OSError:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build(
    out: Path | str | None = None,
    *,
    progress: Callable[[str], Any] | None = print,
    extra: Iterable[Path] = (),
    cache: Path | bool = True,
    config_file: Path | None = None,
) -> Path:
    """Build the whole site into ``out`` (default ``<checkout>/build/site``) and return its path.

    ``progress`` receives one line per step (``print`` by default, ``None`` for silence);
    ``extra``: Python files defining more activations (they get pages too), and Markdown
    files or folders of them (added under "More"); ``cache`` is the on-disk
    cache of symbolic work (True: the default location, False: none, or a directory).
    """
    from mkdocs.commands.build import build as mkdocs_build

    say = progress or (lambda _msg: None)
    out = Path(out).resolve() if out is not None else default_out()
    out.parent.mkdir(parents=True, exist_ok=True)
    config_file = config_file or site_dir() / "mkdocs.yml"
    t0 = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    options = {"extra": tuple(Path(p) for p in extra), "cache": cache, "progress": say}
    try:
        with _env(SOURCE_DATE_EPOCH="0"), _quiet_mkdocs():
            render.options.clear()
            render.options.update(options)
            say("rendering pages from the registry")
            rendered = render.render_pages(**options)
            say(f"running MkDocs ({len(rendered.files)} generated files)")
            mkdocs_build(_config(config_file, staging))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        render.options.clear()
    _swap(staging, out)
    pages = sum(1 for _ in out.rglob("*.html")) - (1 if (out / "404.html").exists() else 0)
    say(f"built {pages} pages in {time.perf_counter() - t0:.1f} s: {out / 'index.html'}")
    return out


def serve(dev_addr: str = "127.0.0.1:8000", *, open_in_browser: bool = False) -> None:
    """Preview the site with live reload (``mkdocs serve`` on the project's mkdocs.yml)."""
    from mkdocs.commands.serve import serve as mkdocs_serve

    with _env(SOURCE_DATE_EPOCH="0"):
        mkdocs_serve(config_file=str(site_dir() / "mkdocs.yml"), dev_addr=dev_addr,
                     open_in_browser=open_in_browser, livereload=True)
