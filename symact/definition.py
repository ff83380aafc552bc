"""The record that declares one activation: everything else is derived from it.

A :class:`Definition` validates itself when built (like the records of NumPy's
``generate_umath.py``), so a bad catalogue entry fails at import naming the culprit.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from .errors import DefinitionError, ParameterError
from .functions import x

__all__ = ["Param", "Reference", "Definition", "num", "x"]


def num(text: str | float | int) -> sp.Expr:
    """A SymPy number from its text: ``num("0.01")``, ``num("1/8")``, ``num("1.6732632423543772848...")``.

    Up to 17 significant digits the value is the binary double (what PyTorch computes with,
    so ``x > threshold`` compares the same way and ``x*0.01`` is exactly representable);
    longer strings keep every digit (SELU's constants); ratios and integers stay Rational.
    """
    if isinstance(text, str):
        if "/" in text or ("." not in text and "e" not in text.lower()):
            return sp.Rational(text)
        digits = sum(c.isdigit() for c in text.split("e")[0].split("E")[0].lstrip("-0."))
        if digits > 17:
            return sp.Float(text, digits + 5)
        exact = sp.Rational(float(text))
        # a short dyadic value (1.0, 0.25, 1.375) is exact: as a Rational it stays exact in symbolic
        # work (a 15-digit Float would make series coefficients and simplification inexact)
        return exact if exact.q <= 1024 and abs(exact.p) < 2**20 else sp.Float(float(text))
    if isinstance(text, int):
        return sp.Integer(text)
    return sp.Float(text)


@dataclass(frozen=True)
class Param:
    """A parameter: its name (PyTorch's argument name), default and admissible domain."""

    name: str
    default: Any
    domain: sp.Set = sp.S.Reals
    doc: str = ""
    #: False for parameters kept only for API compatibility (softplus' threshold).
    used: bool = True

    @cached_property
    def symbol(self) -> sp.Symbol:
        assumptions: dict[str, bool] = {"real": True}
        if self.domain.is_subset(sp.Interval.open(0, sp.oo)):
            assumptions["positive"] = True
        elif self.domain.is_subset(sp.Interval(0, sp.oo)):
            assumptions["nonnegative"] = True
        return sp.Symbol(self.name, **assumptions)

    @cached_property
    def default_expr(self) -> sp.Expr:
        return num(self.default)

    def check(self, value: Any) -> sp.Expr:
        """The value as a SymPy number, or ParameterError if it is outside the domain."""
        try:
            v = num(value) if isinstance(value, str) else sp.sympify(value)
        except (sp.SympifyError, TypeError) as exc:
            raise ParameterError(f"parameter {self.name!r} must be a number, got {value!r}") from exc
        if isinstance(value, float):
            v = sp.Float(value)
        if not (v.is_number and v.is_extended_real):
            raise ParameterError(f"parameter {self.name!r} must be a real number, got {value!r}")
        if self.domain.contains(v) is not sp.true:
            raise ParameterError(f"parameter {self.name!r} = {value!r} is outside its domain {self.domain}")
        return v


@dataclass(frozen=True)
class Reference:
    """Where an activation comes from."""

    authors: str
    title: str
    year: int
    url: str = ""

    def __str__(self) -> str:
        return f"{self.authors} ({self.year}). {self.title}." + (f" {self.url}" if self.url else "")


@dataclass(frozen=True, eq=False)
class Definition:
    """One activation, declared once.

    ``expr`` is written in the input symbol :data:`x` and the parameters' symbols
    (``Param(name).symbol``); Piecewise conditions fix the value taken at a kink, so the
    derivative of the piece whose condition holds there is PyTorch's autograd value.
    """

    name: str
    expr: sp.Expr
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    family: str = "other"
    summary: str = ""
    references: tuple[Reference, ...] = ()
    used_in: str = ""
    #: framework -> qualified name (``{"pytorch": "torch.nn.functional.gelu"}``)
    frameworks: Mapping[str, str] = field(default_factory=dict)
    #: relations between parameters that must hold (``min_val < max_val``)
    constraints: tuple[sp.Basic, ...] = ()
    #: symbols drawn at random in training: symbol name -> (low param, high param); inference uses the mean
    sampled: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: the PyTorch call for cross-checks: (torch, tensor, params) -> tensor
    torch: Callable[..., Any] | None = None
    #: per-entry test overrides (OpInfo style), e.g. {"torch_skip": "..."}
    test: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "elementwise"

    def __post_init__(self) -> None:
        where = f"definition {self.name!r}"
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise DefinitionError(f"{where}: names are lower-case identifiers")
        if not isinstance(self.expr, sp.Expr):
            raise DefinitionError(f"{where}: expr must be a SymPy expression, got {type(self.expr).__name__}")
        self._check_symbols(where)
        names = [p.name for p in self.params]
        if len(set(names)) != len(names) or "x" in names:
            raise DefinitionError(f"{where}: parameter names must be unique and not 'x'")
        for p in self.params:
            try:
                p.check(p.default)
            except ParameterError as exc:
                raise DefinitionError(f"{where}: default of {exc}") from None
        for s, (lo, hi) in self.sampled.items():
            if lo not in names or hi not in names:
                raise DefinitionError(f"{where}: sampled {s!r} needs parameters {lo!r} and {hi!r}")

    def _check_symbols(self, where: str) -> None:
        known = {x, *(p.symbol for p in self.params), *(sp.Symbol(s, real=True) for s in self.sampled)}
        free = self.expr.free_symbols - known
        if free:
            raise DefinitionError(f"{where}: expr uses undeclared symbols {sorted(map(str, free))}")

    @property
    def param_symbols(self) -> dict[str, sp.Symbol]:
        return {p.name: p.symbol for p in self.params}

    def bind(self, **values: Any) -> dict[str, sp.Expr]:
        """Defaults overridden by ``values``; each checked against its domain and the constraints."""
        byname = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(byname))
        if unknown:
            have = ", ".join(byname) or "none"
            raise ParameterError(f"{self.name} has no parameter {', '.join(map(repr, unknown))} (parameters: {have})")
        bound = {n: (p.check(values[n]) if n in values else p.default_expr) for n, p in byname.items()}
        subs = {byname[n].symbol: v for n, v in bound.items()}
        for c in self.constraints:
            if c.subs(subs) is not sp.true:
                raise ParameterError(f"{self.name}: parameters must satisfy {c} (got {bound})")
        return bound
