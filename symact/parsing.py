"""Safe parsing of expression strings (SymPy syntax, or LaTeX between ``$...$``).

User text is never handed to ``eval``: SymPy syntax is parsed by Python's ``ast``,
every node is checked against a whitelist (numbers, whitelisted names, arithmetic,
comparisons, calls of whitelisted functions), and the SymPy expression is then built
from the checked tree by this module itself.  Sizes are limited before any parsing, so
a megabyte of text or 10^5 nested parentheses fail fast with :class:`ExpressionError`.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from .errors import ExpressionError

__all__ = ["parse_expression", "MATH_FUNCTIONS", "CONSTANTS", "MAX_LENGTH", "MAX_LATEX_LENGTH", "MAX_DEPTH"]

#: Longest accepted SymPy-syntax text, in characters.
MAX_LENGTH = 10_000
#: Longest accepted LaTeX text (the ANTLR parser is slower and recursive).
MAX_LATEX_LENGTH = 2_000
#: Deepest accepted nesting of brackets (and of the syntax tree).
MAX_DEPTH = 60
#: Largest |exponent| accepted in a numeric power (10**10**10 would never finish).
MAX_EXPONENT = 1000


def _normal_cdf(u: sp.Expr) -> sp.Expr:
    return (1 + sp.erf(u / sp.sqrt(2))) / 2


def _normal_pdf(u: sp.Expr) -> sp.Expr:
    return sp.exp(-u**2 / 2) / sp.sqrt(2 * sp.pi)


def _sech(u: sp.Expr) -> sp.Expr:
    return sp.sech(u)


#: SymPy math functions a claim or definition may call (name -> callable building the SymPy object).
MATH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "cbrt": sp.cbrt,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan, "asin": sp.asin, "acos": sp.acos,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "sech": _sech, "asinh": sp.asinh,
    "acosh": sp.acosh, "atanh": sp.atanh, "erf": sp.erf, "erfc": sp.erfc,
    "expm1": expm1, "log1p": log1p,
    "Abs": sp.Abs, "abs": sp.Abs, "Max": sp.Max, "Min": sp.Min, "max": sp.Max, "min": sp.Min,
    "Piecewise": sp.Piecewise, "Heaviside": sp.Heaviside, "sign": sp.sign,
    "Eq": sp.Eq, "Ne": sp.Ne, "And": sp.And, "Or": sp.Or, "Not": sp.Not,
    "Phi": _normal_cdf, "phi": _normal_pdf,
}

#: Names of constants: ``e`` and ``E`` are Euler's number.
CONSTANTS: dict[str, sp.Expr] = {
    "pi": sp.pi, "E": sp.E, "e": sp.E, "oo": sp.oo, "inf": sp.oo,
    "true": sp.true, "false": sp.false,
}

_BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: None,  # Pow is checked separately
    ast.BitAnd: lambda a, b: sp.And(a, b), ast.BitOr: lambda a, b: sp.Or(a, b),
}
_CMPOPS = {
    ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Eq: sp.Eq, ast.NotEq: sp.Ne,
}
_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Call, ast.Name, ast.Load,
    ast.Constant, ast.Tuple, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.BitAnd, ast.BitOr,
    ast.USub, ast.UAdd, ast.Invert, ast.Not, ast.And, ast.Or, *_CMPOPS,
)


def parse_expression(
    text: str,
    *,
    symbols: Mapping[str, sp.Symbol],
    functions: Mapping[str, Callable[..., Any]] | None = None,
    number: Callable[[str], sp.Expr] | None = None,
) -> sp.Expr:
    """Parse ``text`` into a SymPy expression, safely.

    ``symbols`` maps the names the text may use as variables (``x``, parameters) to their
    symbols; ``functions`` adds callables beyond :data:`MATH_FUNCTIONS` (``sigmoid``,
    catalogue names), each called with SymPy arguments.  ``number`` turns a decimal literal's text
    into an expression (default: a Float keeping every digit written); the judge uses it to keep
    ``3*0.044715`` from being rounded in binary before it sees the decimals.  Text wrapped in ``$...$`` (or
    ``$$...$$``) is LaTeX.  Anything else — attribute access, subscripts, lambdas, strings,
    keywords, unknown names — raises :class:`ExpressionError` before anything is evaluated.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, got {type(text).__name__}")
    functions = dict(functions or {})
    stripped = text.strip()
    if len(stripped) > MAX_LENGTH:
        raise ExpressionError(f"expression too long ({len(stripped)} characters; the limit is {MAX_LENGTH})")
    if not stripped:
        raise ExpressionError("empty expression")
    if stripped.startswith("$") and stripped.endswith("$") and len(stripped) >= 2:
        return _parse_latex(stripped.strip("$"), symbols, functions)
    _check_depth(stripped, "([{", ")]}")
    if "\\" in stripped:
        raise ExpressionError("backslashes are not SymPy syntax; wrap LaTeX in $...$")
    tree = _parse_ast(stripped)
    _validate(tree, symbols, functions)
    builder = _Builder(symbols, functions, tree._symact_source, number)  # type: ignore[attr-defined]
    return builder.build(tree.body)


# ---- SymPy syntax ------------------------------------------------------------------------

def _check_depth(text: str, opening: str, closing: str) -> None:
    """Reject deep nesting by counting brackets: cheap, and before any recursive parser runs."""
    depth = 0
    for ch in text:
        if ch in opening:
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(f"expression nested too deeply (more than {MAX_DEPTH} levels of brackets)")
        elif ch in closing:
            depth -= 1
            if depth < 0:
                raise ExpressionError("unbalanced brackets in expression")
    if depth != 0:
        raise ExpressionError("unbalanced brackets in expression")


def _parse_ast(text: str) -> ast.Expression:
    # '^' is power in maths; Python's '^' (xor) binds looser than '+', so convert the token
    # textually before parsing (strings, where '^' could otherwise hide, are rejected anyway).
    source = text.replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg} (at column {exc.offset})") from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"expression nested too deeply or too large to parse ({type(exc).__name__})") from None
    tree._symact_source = source  # type: ignore[attr-defined]
    return tree


def _validate(tree: ast.Expression, symbols: Mapping[str, Any], functions: Mapping[str, Any]) -> None:
    """Walk the tree iteratively; every node type and every name must be whitelisted."""
    stack: list[tuple[ast.AST, int, ast.AST | None]] = [(tree, 0, None)]
    count = 0
    while stack:
        node, depth, parent = stack.pop()
        count += 1
        if depth > 2 * MAX_DEPTH:
            raise ExpressionError("expression nested too deeply")
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{_describe(node)} is not allowed in an expression")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                if not isinstance(node.value, bool):
                    raise ExpressionError(f"literal {node.value!r} is not allowed (only numbers)")
        elif isinstance(node, ast.Name):
            if not (node.id in symbols or node.id in CONSTANTS):
                if node.id in MATH_FUNCTIONS or node.id in functions:
                    raise ExpressionError(f"function {node.id!r} must be called, e.g. {node.id}(x)")
                raise ExpressionError(f"unknown name {node.id!r}; allowed: {_allowed_names(symbols)}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError("only named functions can be called (no attribute access or calls of calls)")
            name = node.func.id
            if name not in MATH_FUNCTIONS and name not in functions:
                raise ExpressionError(f"unknown function {name!r}")
            if node.keywords:
                raise ExpressionError(f"keyword arguments are not allowed (in the call of {name})")
            for a in node.args:
                if isinstance(a, ast.Tuple) and name != "Piecewise":
                    raise ExpressionError(f"tuples are only allowed as Piecewise pieces, not in {name}()")
            # the function name itself is checked here, not as a free Name
            stack.extend((a, depth + 1, node) for a in node.args)
            continue
        elif isinstance(node, ast.Tuple):
            if not (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name)
                    and parent.func.id == "Piecewise") or len(node.elts) != 2:
                raise ExpressionError("tuples are only allowed as (expression, condition) pieces of Piecewise")
        stack.extend((c, depth + 1, node) for c in ast.iter_child_nodes(node))
    if count > 20_000:
        raise ExpressionError("expression too large")


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access", ast.Subscript: "subscripting", ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension", ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension", ast.Starred: "unpacking (*)", ast.NamedExpr: "assignment (:=)",
        ast.List: "a list", ast.Dict: "a dict", ast.Set: "a set", ast.JoinedStr: "an f-string",
        ast.IfExp: "an if-expression (use Piecewise)", ast.Await: "await", ast.Yield: "yield",
    }
    return names.get(type(node), f"syntax {type(node).__name__!r}")


def _allowed_names(symbols: Mapping[str, Any]) -> str:
    return ", ".join(sorted(symbols)) + ", constants pi, e, E, oo"


def _float_from_text(text: str) -> sp.Float:
    """A Float keeping every digit written (at least double precision), like ``definition.num``."""
    mantissa = re.split(r"[eE]", text)[0]
    digits = len(mantissa.replace(".", "").replace("_", "").lstrip("0")) or 1
    return sp.Float(text.replace("_", ""), max(digits, 15) + 5)


class _Builder:
    """Builds the SymPy expression from an already validated tree (no eval anywhere)."""

    def __init__(self, symbols: Mapping[str, sp.Symbol], functions: Mapping[str, Callable[..., Any]],
                 source: str = "", number: Callable[[str], sp.Expr] | None = None):
        self.number = number or _float_from_text
        self.symbols = symbols
        self.functions = functions
        self.source = source  # floats keep the digits written

    def build(self, node: ast.AST) -> sp.Expr:
        try:
            out = self._build(node)
        except ExpressionError:
            raise
        except (TypeError, ValueError, AttributeError, sp.SympifyError) as exc:
            raise ExpressionError(f"invalid expression: {exc}") from None
        except RecursionError:
            raise ExpressionError("expression nested too deeply") from None
        if not isinstance(out, sp.Basic):
            raise ExpressionError("the expression is not a SymPy expression")
        return out

    def _build(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return sp.true if v else sp.false
            if isinstance(v, int):
                return sp.Integer(v)
            seg = ast.get_source_segment(self.source, node) if self.source else None
            return self.number(seg.replace("_", "")) if seg else sp.Float(v)
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id]
            return CONSTANTS[node.id]
        if isinstance(node, ast.UnaryOp):
            a = self._build(node.operand)
            if isinstance(node.op, ast.USub):
                return -a
            if isinstance(node.op, ast.UAdd):
                return a
            return sp.Not(a)
        if isinstance(node, ast.BinOp):
            a, b = self._build(node.left), self._build(node.right)
            if isinstance(node.op, ast.Pow):
                return _power(a, b)
            return _BINOPS[type(node.op)](a, b)
        if isinstance(node, ast.BoolOp):
            parts = [self._build(v) for v in node.values]
            return sp.And(*parts) if isinstance(node.op, ast.And) else sp.Or(*parts)
        if isinstance(node, ast.Compare):
            terms = [self._build(node.left), *(self._build(c) for c in node.comparators)]
            rels = [_CMPOPS[type(op)](terms[i], terms[i + 1]) for i, op in enumerate(node.ops)]
            return rels[0] if len(rels) == 1 else sp.And(*rels)
        if isinstance(node, ast.Call):
            name = node.func.id  # type: ignore[attr-defined] - validated
            if name == "Piecewise":
                pieces = []
                for a in node.args:
                    if not isinstance(a, ast.Tuple):
                        raise ExpressionError("Piecewise takes (expression, condition) pairs")
                    pieces.append((self._build(a.elts[0]), self._build(a.elts[1])))
                return sp.Piecewise(*pieces)
            fn = self.functions[name] if name in self.functions else MATH_FUNCTIONS[name]
            return fn(*(self._build(a) for a in node.args))
        raise ExpressionError(f"{_describe(node)} is not allowed")  # pragma: no cover - validated


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if exponent.is_number and exponent.is_real and abs(float(exponent)) > MAX_EXPONENT:
        raise ExpressionError(f"exponent {exponent} too large (|exponent| <= {MAX_EXPONENT})")
    return base**exponent


# ---- LaTeX -------------------------------------------------------------------------------

_NAMED = re.compile(r"\\(?:operatorname\*?|mathrm|textrm|text|mathit|rm)\s*\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_PLACEHOLDER = "Omega"


def _parse_latex(tex: str, symbols: Mapping[str, sp.Symbol], functions: Mapping[str, Callable[..., Any]]):
    if len(tex) > MAX_LATEX_LENGTH:
        raise ExpressionError(f"LaTeX too long ({len(tex)} characters; the limit is {MAX_LATEX_LENGTH})")
    _check_depth(tex, "({[", ")}]")
    if not tex.strip():
        raise ExpressionError("empty LaTeX expression")
    named: list[str] = []

    def sub(m: re.Match[str]) -> str:
        word = m.group(1)
        if word == "e":
            return " e "
        named.append(word)
        return rf"\{_PLACEHOLDER}_{{{len(named) - 1}}}"

    tex = _NAMED.sub(sub, tex)
    tex = tex.replace(r"\left|", "|").replace(r"\right|", "|")
    try:
        from sympy.parsing.latex import parse_latex

        raw = parse_latex(tex, backend="antlr")
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ExpressionError(f"LaTeX claims need antlr4-python3-runtime 4.11 ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - the ANTLR parser raises several unrelated types
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExpressionError(f"could not read the LaTeX: {msg}") from None
    return _map_latex(raw, named, symbols, functions)


def _map_latex(raw: sp.Basic, named: list[str], symbols: Mapping[str, sp.Symbol],
               functions: Mapping[str, Callable[..., Any]]) -> sp.Expr:
    """Give parse_latex's free symbols and undefined functions their meaning, or refuse them."""
    if raw.has(sp.Derivative, sp.Integral, sp.Limit, sp.Sum, sp.Product):
        raise ExpressionError("derivatives, integrals, limits and sums are not accepted in a claim")
    extra = {"sigma": functions.get("sigmoid"), "Phi": _normal_cdf, "phi": _normal_pdf}

    def lookup(fname: str) -> Callable[..., Any]:
        m = re.fullmatch(rf"{_PLACEHOLDER}_\{{?(\d+)\}}?", fname)
        word = named[int(m.group(1))] if m else fname
        if word in functions:
            return functions[word]
        if word in MATH_FUNCTIONS:
            return MATH_FUNCTIONS[word]
        if extra.get(word) is not None:
            return extra[word]
        raise ExpressionError(f"unknown function {word!r} in the LaTeX")

    def fix_function(f: sp.Basic) -> sp.Basic:
        fn = lookup(type(f).__name__)
        return fn(*f.args)

    out = raw.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef), fix_function)
    subs: dict[sp.Symbol, sp.Expr] = {}
    for s in out.free_symbols:
        name = s.name
        if name in symbols:
            subs[s] = symbols[name]
        elif name in ("e", "E"):
            subs[s] = sp.E
        elif name == "pi":
            subs[s] = sp.pi
        elif name in ("sigma", "Phi", "phi") or name.startswith(_PLACEHOLDER):
            raise ExpressionError(f"{name!r} must be applied to an argument in parentheses, e.g. \\{name}(x)")
        else:
            raise ExpressionError(f"unknown symbol {name!r} in the LaTeX; allowed: {_allowed_names(symbols)}")
    # simultaneous, so a symbol named like a target is not substituted twice
    out = out.xreplace(subs) if subs else out
    # E**u from e^{u}: make it exp(u) so it is recognised as the exponential
    out = out.replace(lambda e: isinstance(e, sp.Pow) and e.base is sp.E, lambda e: sp.exp(e.exp))
    return out
