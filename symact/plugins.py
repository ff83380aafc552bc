"""Activations from other packages: the ``symact.activations`` entry-point group and plain modules."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from importlib.metadata import entry_points
from pathlib import Path

GROUP = "symact.activations"


def load_entry_points() -> list[str]:
    """Import every module registered under the ``symact.activations`` entry-point group."""
    loaded = []
    for ep in entry_points(group=GROUP):
        obj = ep.load()
        if callable(obj):
            obj()
        loaded.append(ep.name)
    return loaded


def load_module(path: str | Path) -> None:
    """Execute a user's Python file that calls ``symact.define``/``symact.register`` (``--extra``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such activation module: {path}")
    name = f"symact_user_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
