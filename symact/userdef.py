"""Your own activation in one line: ``symact.define(name, "x*tanh(softplus(beta*x))", params={"beta": 1.0})``.

The text is parsed by the whitelisted parser (:mod:`symact.parsing`, never ``eval``); it may call
SymPy's math, symact's building blocks (``sigmoid``, ``softplus``, ``Phi``) and any catalogue
activation by name (``x*gelu(x)``).  The result is an ordinary :class:`~symact.definition.Definition`,
registered like a built-in, so it gets the derivative, properties, kernels, a page and framework
modules at once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy as sp
from sympy.logic.boolalg import BooleanAtom, BooleanFunction

from . import registry
from .activation import Activation, get
from .definition import Definition, Param
from .errors import DefinitionError, ExpressionError, SymactError
from .functions import x

__all__ = ["define", "from_expression", "make_definition", "DOMAINS"]

#: Domain names accepted in ``params={"beta": (1.0, "positive")}``.
DOMAINS: dict[str, sp.Set] = {
    "real": sp.S.Reals,
    "reals": sp.S.Reals,
    "positive": sp.Interval.open(0, sp.oo),
    "nonnegative": sp.Interval(0, sp.oo),
    "negative": sp.Interval.open(-sp.oo, 0),
    "nonpositive": sp.Interval(-sp.oo, 0),
    "unit": sp.Interval(0, 1),
}


def _domain(name: str, spec: Any) -> sp.Set:
    if isinstance(spec, sp.Set):
        if not spec.is_subset(sp.S.Reals):
            raise DefinitionError(f"parameter {name!r}: domain {spec} is not a set of real numbers")
        return spec
    if isinstance(spec, str) and spec.strip().lower() in DOMAINS:
        return DOMAINS[spec.strip().lower()]
    raise DefinitionError(
        f"parameter {name!r}: domain must be a SymPy Set or one of {sorted(DOMAINS)}, got {spec!r}")


def _params(params: Mapping[str, Any] | None) -> tuple[Param, ...]:
    out = []
    for name, spec in (params or {}).items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise DefinitionError(f"parameter names are identifiers, got {name!r}")
        if name == "x":
            raise DefinitionError("'x' is the input symbol, not a parameter")
        if isinstance(spec, Param):
            out.append(spec)
            continue
        if isinstance(spec, tuple | list):
            if len(spec) != 2:
                raise DefinitionError(f"parameter {name!r}: expected default or (default, domain), got {spec!r}")
            default, dom = spec
            domain = _domain(name, dom)
        else:
            default, domain = spec, sp.S.Reals
        if isinstance(default, bool) or not isinstance(default, int | float | str):
            raise DefinitionError(f"parameter {name!r}: the default must be a number, got {default!r}")
        out.append(Param(name, default, domain))
    return tuple(out)


def _reserved() -> set[str]:
    """Names an expression cannot use as parameters: functions and constants of the parser."""
    from .parsing import CONSTANTS, MATH_FUNCTIONS
    from .verify import claim_functions

    return set(MATH_FUNCTIONS) | set(CONSTANTS) | set(claim_functions())


def _expression(expr: Any, params: tuple[Param, ...]) -> sp.Expr:
    """``expr`` (text or SymPy) in symact's ``x`` and the parameters' symbols; unknown names rejected."""
    from .parsing import parse_expression
    from .verify import claim_functions

    symbols = {"x": x, **{p.name: p.symbol for p in params}}
    clash = sorted(set(symbols) & _reserved() - {"x"})
    if clash:
        raise DefinitionError(f"parameter names {clash} are function or constant names; choose others")
    if isinstance(expr, str):
        # the parser names any unknown symbol or function and rejects everything that is not arithmetic
        out = parse_expression(expr, symbols=symbols, functions=claim_functions())
    elif isinstance(expr, sp.Basic):
        if not isinstance(expr, sp.Expr):
            raise ExpressionError(f"expected a SymPy expression, got {type(expr).__name__}")
        # a user's own Symbol("beta") (any assumptions) stands for the parameter of that name
        by_name = {s: symbols[s.name] for s in expr.free_symbols if isinstance(s, sp.Symbol) and s.name in symbols}
        out = expr.xreplace(by_name)
        unknown = sorted(str(s) for s in out.free_symbols - set(symbols.values()))
        if unknown:
            raise ExpressionError(
                f"unknown symbols {unknown} in the expression (allowed: x and the parameters "
                f"{sorted(p.name for p in params) or 'none'})")
    else:
        raise ExpressionError(f"expected an expression string or a SymPy expression, got {type(expr).__name__}")
    if not isinstance(out, sp.Expr) or out.is_Relational or isinstance(out, BooleanFunction | BooleanAtom):
        raise ExpressionError(f"{expr!r} is not a real-valued expression")
    if x not in out.free_symbols:
        raise ExpressionError(f"{expr!r} does not depend on x")
    unused = [p.name for p in params if p.symbol not in out.free_symbols]
    if unused:
        raise DefinitionError(f"parameters {unused} are declared but not used in the expression")
    return out


def make_definition(name: str, expr: Any, params: Mapping[str, Any] | None = None, *,
                    aliases: Iterable[str] = (), family: str = "user", summary: str = "", **kw: Any) -> Definition:
    """The validated :class:`Definition` that :func:`define` registers (nothing is registered here)."""
    if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
        raise DefinitionError(f"activation names are lower-case identifiers, got {name!r}")
    if isinstance(aliases, str):
        aliases = (aliases,)
    aliases = tuple(aliases)
    for a in aliases:
        if not isinstance(a, str) or not a.isidentifier() or a != a.lower() or a == name:
            raise DefinitionError(f"{name}: aliases are lower-case identifiers other than the name, got {a!r}")
    ps = _params(params)
    e = _expression(expr, ps)
    if not summary:
        summary = f"user-defined: {expr}" if isinstance(expr, str) else f"user-defined: {sp.sstr(e)}"
    defn = Definition(name=name, expr=e, params=ps, aliases=aliases, family=family, summary=summary, **kw)
    # everything a built-in has must follow from it: fail now, naming the activation, not on first use
    act = Activation(defn, defn.bind())
    try:
        _ = act.derivative
    except Exception as exc:  # noqa: BLE001 - SymPy raises many kinds
        raise DefinitionError(f"{name}: cannot differentiate {e}: {exc}") from exc
    return defn


#: canonical names registered through :func:`define` (everything else registered is built-in or a plugin's)
_USER: set[str] = set()


def define(name: str, expr: Any, params: Mapping[str, Any] | None = None, *, aliases: Iterable[str] = (),
           replace: bool = False, family: str = "user", summary: str = "", **kw: Any) -> Activation:
    """Register a new activation and return it (``symact.get(name)``, default parameters).

    ``expr``: text in SymPy syntax (parsed safely; may call ``sigmoid``, ``softplus``, ``Phi`` and
    catalogue activations) or a SymPy expression in ``x``.  ``params``: name -> default, or
    name -> (default, domain) with domain a SymPy Set or "positive" / "nonnegative" / "real" / ...
    Other keywords (``references``, ``used_in``, ``frameworks``, ``test``, ...) go to the Definition.
    A name or alias already registered is refused (DefinitionError) unless ``replace=True``.
    """
    defn = make_definition(name, expr, params, aliases=aliases, family=family, summary=summary, **kw)
    taken = [n for n in (defn.name, *defn.aliases) if _is_registered(n)]
    if taken and not replace:
        user = {registry.definition(n).name for n in taken} <= _USER
        kind = "defined (define(..., replace=True) redefines it)" if user else "a built-in"
        raise DefinitionError(f"cannot define {name!r}: {', '.join(map(repr, taken))} is already {kind}"
                              + ("" if user else " (pass replace=True to shadow it)"))
    registry.register(defn, replace=replace)
    _USER.add(defn.name)
    return get(name)


def _is_registered(n: str) -> bool:
    try:
        registry.definition(n)
    except SymactError:
        return False
    return True


def from_expression(text: Any, params: Mapping[str, Any] | None = None, *, name: str = "expression") -> Activation:
    """An ad-hoc, unregistered activation from an expression (``symact show "x*sigmoid(1.702*x)"``)."""
    defn = make_definition(name, text, params, family="user",
                           summary=f"ad-hoc: {text}" if isinstance(text, str) else "ad-hoc expression")
    return Activation(defn, defn.bind())
