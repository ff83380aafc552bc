"""The reference website: pages rendered from the registry through Jinja, built with MkDocs.

``build()`` generates every page and plot, runs MkDocs and swaps the result into place;
``serve()`` previews it.  ``site/hooks.py`` calls the same :func:`render.render_pages` so
``mkdocs build -f site/mkdocs.yml`` works on its own.
"""
from __future__ import annotations

__all__ = ["build", "serve", "render_pages"]


def build(*args, **kwargs):
    from .build import build as _build

    return _build(*args, **kwargs)


def serve(*args, **kwargs):
    from .build import serve as _serve

    return _serve(*args, **kwargs)


def render_pages(*args, **kwargs):
    from .render import render_pages as _render

    return _render(*args, **kwargs)
