"""symact: neural-network activation functions defined once in SymPy.

>>> import symact
>>> act = symact.get("gelu")
>>> act.expr, act.derivative        # SymPy expressions in x
>>> act(x), act.grad(x)             # NumPy kernels (float32 stays float32)
"""
from __future__ import annotations

import sys as _sys
import types as _types

from .activation import Activation, get
from .errors import (
    DefinitionError,
    ExpressionError,
    ParameterError,
    SymactError,
    UnknownActivationError,
)

# SymPy (0.5 s to import) loads on first use of these: ``get(name)(x)`` of a built-in needs none
# of them (its kernels are prebuilt, see symact.kernel_table)
_LAZY = {"Definition": "definition", "Param": "definition", "Reference": "definition", "x": "functions",
         "names": "registry", "register": "registry"}


class _Package(_types.ModuleType):
    """``symact.definition`` is the registry's lookup function, though a submodule has that name too:
    importing the submodule (lazily, after this file ran) must not replace the function."""

    @property
    def definition(self):
        from .registry import definition

        return definition

    @definition.setter
    def definition(self, value) -> None:  # the import system's setattr of the submodule: ignored
        pass


_sys.modules[__name__].__class__ = _Package


def __getattr__(attr: str):
    if attr in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[attr]}", __name__), attr)
        globals()[attr] = value
        return value
    raise AttributeError(f"module 'symact' has no attribute {attr!r}")


__all__ = [
    "Activation", "Definition", "Param", "Reference", "x",
    "get", "names", "definition", "register", "define", "verify_derivative",
    "SymactError", "UnknownActivationError", "ParameterError", "ExpressionError", "DefinitionError",
]
__version__ = "0.1.0"


def define(name: str, expr, params: dict | None = None, **kwargs) -> Activation:
    """Register a new activation from an expression (string parsed safely, or SymPy) and return it."""
    from .userdef import define as _define

    return _define(name, expr, params=params, **kwargs)


def verify_derivative(name: str, claim: str, **params):
    """Judge a claimed derivative of activation ``name``: ``.status`` is correct | incorrect | undecided."""
    from .verify import verify_derivative as _verify

    return _verify(name, claim, **params)
