"""A small on-disk JSON/bytes cache for expensive symbolic and plotting work.

Entries are keyed on a hash of what they are computed from (the definition's ``srepr``,
bound parameter values, the symact version, and this module's format version), so an
edited definition misses the cache and everything else hits it.  A corrupt or
unreadable entry is recomputed, never trusted.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..cache import write_atomic

#: Bump when what is cached changes shape or meaning.
FORMAT = "sitegen-5"


def key(*parts: Any) -> str:
    h = hashlib.sha256(FORMAT.encode())
    for p in parts:
        h.update(b"\0")
        h.update(p if isinstance(p, bytes) else str(p).encode())
    return h.hexdigest()[:32]


class DiskCache:
    def __init__(self, root: Path | None):
        self.root = root
        self.hits = 0
        self.misses = 0
        #: everything fetched or computed in this process (worker processes hand theirs back)
        self.mem: dict[tuple[str, str], Any] = {}

    def has(self, kind: str, k: str, ext: str) -> bool:
        path = self._path(kind, k, ext)
        return (kind, k) in self.mem or (path is not None and path.is_file())

    def _path(self, kind: str, k: str, ext: str) -> Path | None:
        return None if self.root is None else self.root / kind / f"{k}.{ext}"

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_atomic(path, data)
        except OSError:  # a read-only cache is only slower
            pass

    def json(self, kind: str, k: str, compute: Callable[[], Any]) -> Any:
        if (kind, k) in self.mem:
            self.hits += 1
            return self.mem[kind, k]
        path = self._path(kind, k, "json")
        if path is not None and path.is_file():
            try:
                value = json.loads(path.read_text("utf-8"))
                self.hits += 1
                self.mem[kind, k] = value
                return value
            except (OSError, ValueError):
                pass
        self.misses += 1
        value = json.loads(json.dumps(compute(), sort_keys=True))  # what a later read would give
        if path is not None:
            self._write(path, json.dumps(value, sort_keys=True).encode("utf-8"))
        self.mem[kind, k] = value
        return value

    def blob(self, kind: str, k: str, compute: Callable[[], bytes]) -> bytes:
        if (kind, k) in self.mem:
            self.hits += 1
            return self.mem[kind, k]
        path = self._path(kind, k, "bin")
        if path is not None and path.is_file():
            try:
                data = path.read_bytes()
                self.hits += 1
                self.mem[kind, k] = data
                return data
            except OSError:
                pass
        self.misses += 1
        data = compute()
        if path is not None:
            self._write(path, data)
        self.mem[kind, k] = data
        return data
