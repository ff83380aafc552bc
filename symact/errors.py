"""Errors raised by symact; each says what was wrong and what would be accepted."""
from __future__ import annotations

import difflib


class SymactError(Exception):
    """Base class of every error symact raises on bad input."""


class UnknownActivationError(SymactError, KeyError):
    """A name that is neither a canonical name nor an alias."""

    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.suggestions = close_matches(name, known)
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown activation {name!r}{hint} (symact.names() lists all)")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class ParameterError(SymactError, ValueError):
    """An unknown parameter name or a value outside the parameter's domain."""


class ExpressionError(SymactError, ValueError):
    """A malformed, unsafe or unsupported expression string."""


class DefinitionError(SymactError, ValueError):
    """A registry entry that does not validate (raised at registration, naming the entry)."""


def close_matches(name: str, known: list[str], n: int = 3) -> list[str]:
    """The closest known names, best first (difflib ratio, then prefix matches)."""
    name = name.lower()
    hits = difflib.get_close_matches(name, known, n=n, cutoff=0.6)
    if len(hits) < n:
        hits += [k for k in known if k.startswith(name[:3]) and k not in hits][: n - len(hits)]
    return sorted(hits, key=lambda k: -difflib.SequenceMatcher(None, name, k).ratio())
