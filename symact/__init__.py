"""symact: neural-network activation functions defined once in SymPy.

>>> import symact
>>> act = symact.get("gelu")
>>> act.expr, act.derivative        # SymPy expressions in x
>>> act(x), act.grad(x)             # NumPy kernels (float32 stays float32)
"""
from __future__ import annotations

from .activation import Activation, get
from .definition import Definition, Param, Reference
from .errors import (
    DefinitionError,
    ExpressionError,
    ParameterError,
    SymactError,
    UnknownActivationError,
)
from .functions import x
from .registry import definition, names, register

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
