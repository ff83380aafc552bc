"""Where the site's sources, templates, output and cache live.

``templates/`` and ``site/`` sit at the top of the repository; the package reaches them
through the ``symact/_templates`` and ``symact/_site`` links, which setuptools follows
when it builds a wheel (so an installed symact carries real copies at the same place).
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent          # .../symact


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    raise FileNotFoundError(
        "symact's site sources are missing; looked in " + ", ".join(str(c) for c in candidates)
    )


def templates_dir() -> Path:
    """The Jinja templates (``templates/`` of a checkout, ``symact/_templates`` when installed)."""
    return _first_existing(PACKAGE / "_templates", PACKAGE.parent / "templates")


def site_dir() -> Path:
    """The MkDocs project (``site/``: mkdocs.yml, hand-written pages, prose, assets)."""
    return _first_existing(PACKAGE / "_site", PACKAGE.parent / "site")


def project_root() -> Path | None:
    """The repository root when running from a checkout (editable install), else None."""
    root = PACKAGE.parent
    if (root / "pyproject.toml").is_file() and (root / "site" / "mkdocs.yml").is_file():
        return root
    return None


def default_out() -> Path:
    """``<checkout>/build/site`` (git-ignored), or ``./build/site`` for an installed symact."""
    return (project_root() or Path.cwd()) / "build" / "site"


def cache_dir() -> Path:
    """On-disk cache of the site's symbolic work: ``site/`` inside symact's one cache ($SYMACT_CACHE)."""
    from ..cache import cache_dir as root

    return root() / "site"
