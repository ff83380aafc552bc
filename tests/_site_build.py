"""One site build per test session, shared by test_site.py and test_browser.py."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

_BUILT: dict[str, object] = {}


def built_site() -> Path:
    """Build the whole catalogue once (disk cache at its default place) and return the output dir."""
    if "path" not in _BUILT:
        from symact.sitegen import render
        from symact.sitegen.build import build

        out = Path(tempfile.mkdtemp(prefix="symact-site-test-")) / "site"
        render._MEMO = None
        t0 = time.perf_counter()
        _BUILT["path"] = build(out, progress=None)
        _BUILT["seconds"] = time.perf_counter() - t0
    return _BUILT["path"]  # type: ignore[return-value]
