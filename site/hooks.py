"""MkDocs hooks: the generated half of the site (thin: all the work is in symact.sitegen.render).

- ``on_config``: render the pages (memoised, disk-cached) and set the navigation by family.
- ``on_files``: add the generated pages and plots as virtual files (nothing is written to docs/).
- ``on_page_markdown``: expand ``<!-- symact:NAME -->`` blocks (index table, concept figures).
- ``on_page_content``: turn ``$...$`` / ``$$...$$`` (arithmatex spans) into MathML.
"""
from __future__ import annotations

import logging
import os
import re

from mkdocs.structure.files import File

from symact.sitegen import mathml, render

log = logging.getLogger("mkdocs.plugins.symact")
_state: dict = {}
_BLOCK = re.compile(r"<!--\s*symact:([a-z_]+)\s*-->")


def on_config(config, **kwargs):
    if config.use_directory_urls:
        raise ValueError("symact's site needs use_directory_urls: false (generated tables link to .html pages)")
    # reproducible output: sitemap dates and gzip mtime come from SOURCE_DATE_EPOCH
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    rendered = render.render_pages(**render.options)
    for w in rendered.warnings:  # a warning fails a --strict build
        log.warning("symact: %s", w)
    _state["rendered"] = rendered
    config.nav = rendered.nav
    return config


def on_files(files, config, **kwargs):
    rendered = _state["rendered"]
    for rel, content in sorted(rendered.files.items()):
        old = files.get_file_from_path(rel)
        if old is not None:
            files.remove(old)
        files.append(File.generated(config, rel, content=content))
    return files


def on_page_markdown(markdown, page, config, files, **kwargs):
    blocks = _state["rendered"].blocks
    root = render.relroot(page.file.src_uri)

    def expand(m: re.Match) -> str:
        name = m.group(1)
        if name not in blocks:
            raise KeyError(f"{page.file.src_uri}: unknown block <!-- symact:{name} --> "
                           f"(known: {', '.join(sorted(blocks))})")
        return blocks[name](root)

    return _BLOCK.sub(expand, markdown)


def on_page_content(html, page, config, files, **kwargs):
    return mathml.convert_arithmatex(html)


def on_serve(server, config, builder, **kwargs):
    from symact.sitegen.paths import site_dir, templates_dir

    server.watch(str(templates_dir()))
    server.watch(str(site_dir() / "prose.yml"))
    return server
