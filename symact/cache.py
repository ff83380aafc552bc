"""A small on-disk cache for derived results that are slow to compute (stable forms, references).

Entries are keyed on a hash of the SymPy expression (``srepr``) and a version tag, so a
changed definition or rule set never reads a stale entry; an unwritable cache is skipped.
Pickled entries are read only from the user's own cache directory.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file of its own in the same directory, renamed into
    place: a reader never sees half a file, and processes sharing the cache never rename each other's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cache_dir() -> Path:
    """$SYMACT_CACHE, else ~/.cache/symact."""
    return Path(os.environ.get("SYMACT_CACHE") or Path.home() / ".cache" / "symact")


def key(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def cached(kind: str, k: str, compute: Callable[[], Any], *, sympy_as_stored: bool = False) -> Any:
    """``compute()`` memoised on disk under ``kind-k.pkl`` (atomic write; errors fall back to computing).

    ``sympy_as_stored``: unpickle SymPy objects without evaluation, so a hit is the very tree that was
    computed (unpickling rebuilds each node, and evaluation would re-order and flatten the
    unevaluated sums of a stable form: the kernel printed from a hit differed from a miss)."""
    if os.environ.get("SYMACT_NO_CACHE"):
        return compute()
    path = cache_dir() / f"{kind}-{k}.pkl"
    try:
        data = path.read_bytes()
        if not sympy_as_stored:
            return pickle.loads(data)
        import sympy as sp

        with sp.evaluate(False):
            return pickle.loads(data)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    value = compute()
    try:
        write_atomic(path, pickle.dumps(value))
    except (OSError, pickle.PicklingError):
        pass
    return value
