"""Recorded measurements under ``site/data`` (benchmark, framework comparison) that pages render."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_record(path: Path, what: str) -> dict[str, Any] | None:
    """The JSON at ``path`` (schema 1), or None when nothing is recorded; a newer schema is an error."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text("utf-8"))
    if data.get("schema") != 1:
        raise ValueError(f"{path}: {what} schema {data.get('schema')!r}, this build reads schema 1")
    return data
