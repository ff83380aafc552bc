"""The registry: canonical names and aliases -> definitions; duplicates refused loudly."""
from __future__ import annotations

import fnmatch

from .definition import Definition
from .errors import DefinitionError, UnknownActivationError

_DEFS: dict[str, Definition] = {}
_ALIASES: dict[str, str] = {}


def register(defn: Definition, *, replace: bool = False) -> Definition:
    """Add ``defn``; refuses to shadow an existing name or alias unless ``replace``."""
    taken = [n for n in (defn.name, *defn.aliases) if n in _DEFS or n in _ALIASES]
    if taken and not replace:
        raise DefinitionError(
            f"cannot register {defn.name!r}: {', '.join(map(repr, taken))} already registered "
            "(pass replace=True to shadow it)"
        )
    for n in taken:
        _forget(n)
    if not _builtins_loading:  # a user's definition: the prebuilt built-in kernel of that name no longer applies
        from . import kernel_table

        kernel_table.shadow(defn.name, *defn.aliases, *taken)
    _DEFS[defn.name] = defn
    for a in defn.aliases:
        _ALIASES[a] = defn.name
    _clear_caches()
    return defn


def _forget(name: str) -> None:
    canon = _ALIASES.pop(name, name)
    old = _DEFS.pop(canon, None)
    if old is not None:
        for a in old.aliases:
            _ALIASES.pop(a, None)


def _clear_caches() -> None:
    """Bound activations and the claim-function table are derived from the registry: rebuild lazily."""
    import sys

    from . import activation

    activation.get.cache_clear()
    verify = sys.modules.get("symact.verify")
    if verify is not None:
        verify._CLAIM_FUNCTIONS = None  # noqa: SLF001 - the registry owns when it goes stale


def definition(name: str) -> Definition:
    """The definition registered under ``name`` (canonical or alias)."""
    _ensure_loaded()
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    canon = _ALIASES.get(key, key)
    try:
        return _DEFS[canon]
    except (KeyError, TypeError):
        raise UnknownActivationError(str(name), sorted([*_DEFS, *_ALIASES])) from None


def names(filter: str | None = None, *, kind: str | None = None) -> list[str]:  # noqa: A002 - timm's name
    """Canonical names, sorted; ``filter`` is a glob (``"gelu*"``) over names and aliases;
    ``kind`` keeps one kind only (``"elementwise"``, ``"vector"``, ``"gated"``)."""
    _ensure_loaded()
    return sorted(
        n for n, d in _DEFS.items()
        if (kind is None or d.kind == kind)
        and (filter is None or any(fnmatch.fnmatch(a, filter) for a in (n, *d.aliases)))
    )


def definitions() -> list[Definition]:
    _ensure_loaded()
    return [_DEFS[n] for n in sorted(_DEFS)]


_loaded = False
_builtins_loading = False


def _ensure_loaded() -> None:
    global _loaded, _builtins_loading
    if not _loaded:
        _loaded = True
        _builtins_loading = True
        try:
            from . import catalogue  # noqa: F401 - registers the built-ins
        finally:
            _builtins_loading = False
        from . import plugins

        plugins.load_entry_points()
