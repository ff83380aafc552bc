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


def _typo_distance(a: str, b: str) -> int:
    """Edits between a and b counting a swap of neighbours as one (optimal string alignment):
    'gleu' is one typo from 'gelu', as it is from 'glu'."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def close_matches(name: str, known: list[str], n: int = 3) -> list[str]:
    """The closest known names, best first: fewest typos, then difflib's similarity; names within
    two typos or difflib's 0.6 cutoff, then names sharing the first three letters."""
    name = name.lower()
    hits = [k for k in known if _typo_distance(name, k) <= 2]
    hits += [k for k in difflib.get_close_matches(name, known, n=n, cutoff=0.6) if k not in hits]
    hits.sort(key=lambda k: (_typo_distance(name, k), -difflib.SequenceMatcher(None, name, k).ratio()))
    hits = hits[:n]
    if len(hits) < n:
        hits += [k for k in known if k.startswith(name[:3]) and k not in hits][: n - len(hits)]
    return hits
