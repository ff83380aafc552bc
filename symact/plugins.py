"""Activations from other packages: the ``symact.activations`` entry-point group and plain modules."""
from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from importlib.metadata import entry_points
from pathlib import Path

GROUP = "symact.activations"


def load_entry_points() -> list[str]:
    """Import every module registered under the ``symact.activations`` entry-point group.

    An entry point names a module (importing it registers its activations) or a callable (called
    once).  A plugin that fails is reported with a warning naming it; the others still load.
    """
    loaded = []
    for ep in entry_points(group=GROUP):
        try:
            obj = ep.load()
            if callable(obj):
                obj()
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break `import symact`
            warnings.warn(f"symact: activation plugin {ep.name!r} ({ep.value}) failed to load: {exc!r}",
                          RuntimeWarning, stacklevel=2)
            continue
        loaded.append(ep.name)
    return loaded


_MODULES: dict[Path, object] = {}


def load_module(path: str | Path):
    """Execute a user's Python file that calls ``symact.define``/``symact.register`` (``--extra``), once;
    returns the module."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such activation module: {path}")
    if path in _MODULES:  # loading twice would re-register (and be refused)
        return _MODULES[path]
    from . import registry

    registry.names()  # built-ins and entry points first, so the file may use them (x*gelu(x))
    name = f"symact_user_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _MODULES[path] = module
    return module
