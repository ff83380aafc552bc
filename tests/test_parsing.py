"""The parser: SymPy syntax and LaTeX read right; unsafe or huge input refused before evaluation."""
from __future__ import annotations

import time

import pytest
import sympy as sp

from symact.errors import ExpressionError
from symact.functions import FUNCTIONS, Phi, sigmoid, softplus, x
from symact.parsing import MAX_DEPTH, MAX_LENGTH, parse_expression

ALPHA = sp.Symbol("alpha", positive=True)
SYMS = {"x": x, "alpha": ALPHA}


def parse(text: str) -> sp.Expr:
    return parse_expression(text, symbols=SYMS, functions=FUNCTIONS)


@pytest.mark.parametrize("text, expected", [
    ("exp(-x)/(1+exp(-x))**2", sp.exp(-x) / (1 + sp.exp(-x))**2),
    ("x^2 + 1", x**2 + 1),  # ^ is power, with power's precedence
    ("e^x", sp.exp(x)),
    ("E**x + pi", sp.exp(x) + sp.pi),
    ("sigmoid(x)*(1-sigmoid(x))", sigmoid(x) * (1 - sigmoid(x))),
    ("softplus(alpha*x)", softplus(ALPHA * x)),
    ("Piecewise((alpha, x >= 0), (alpha*exp(x), True))",
     sp.Piecewise((ALPHA, x >= 0), (ALPHA * sp.exp(x), True))),
    ("Piecewise((1, (x > 0) & (x < 6)), (0, True))", sp.Piecewise((1, (x > 0) & (x < 6)), (0, True))),
    ("Piecewise((1, 0 < x < 6), (0, True))", sp.Piecewise((1, (x > 0) & (x < 6)), (0, True))),
    ("Max(x, 0) + abs(x) + Heaviside(x) + sign(x)", sp.Max(x, 0) + sp.Abs(x) + sp.Heaviside(x) + sp.sign(x)),
    ("Phi(x) + erfc(x)", Phi(x) + sp.erfc(x)),
])
def test_sympy_syntax(text, expected):
    assert parse(text) == expected


def test_floats_keep_every_written_digit():
    f = parse("1.7580993408473766123456")
    assert isinstance(f, sp.Float)
    assert str(f).startswith("1.7580993408473766123456")
    # short decimals are at least double precision, never rounded to fewer digits
    assert parse("0.044715") == sp.Float("0.044715", 20)


@pytest.mark.parametrize("text, expected", [
    (r"$1-\tanh^{2}(x)$", 1 - sp.tanh(x)**2),
    (r"$\sigma(x)(1-\sigma(x))$", sigmoid(x) * (1 - sigmoid(x))),
    (r"$\alpha e^{x}$", ALPHA * sp.exp(x)),
    (r"$\exp(-x)$", sp.exp(-x)),
    (r"$\frac{1}{(1+|x|)^2}$", 1 / (1 + sp.Abs(x))**2),
    (r"$\frac{1}{(1+\left|x\right|)^2}$", 1 / (1 + sp.Abs(x))**2),
    (r"$\operatorname{softplus}(x)$", softplus(x)),
    (r"$\Phi(x)$", Phi(x)),
    (r"$\sqrt{2\pi}$", sp.sqrt(2 * sp.pi)),
])
def test_latex(text, expected):
    assert sp.simplify(parse(text) - expected) == 0


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('touch /tmp/x')", "only named functions"),
    ("x.__class__", "attribute access"),
    ("lambda: 0", "lambda"),
    ("x[0]", "subscripting"),
    ("[x for x in (1,)]", "comprehension"),
    ("(y := 1)", "assignment"),
    ("'x'", "literal"),
    ("f'{x}'", "f-string"),
    ("*x", "not a valid expression"),
    ("exp", "must be called"),
    ("y", "unknown name 'y'"),
    ("foo(x)", "unknown function 'foo'"),
    ("Max(x, key=1)", "keyword"),
    ("1 if x else 2", "if-expression"),
    ("exp((x, 1))", "tuples"),
    ("10**10**10", "exponent"),
    ("exp(x, 2)", "invalid expression"),
    ("x +", "not a valid expression"),
    ("", "empty"),
    (r"\tanh(x)", "wrap LaTeX"),
    (r"$\sigma^{2}(x)$", "applied to an argument"),
    (r"$y + x$", "unknown symbol 'y'"),
    (r"$\frac{d}{dx} x$", "derivatives"),
    (r"$\operatorname{foo}(x)$", "unknown function 'foo'"),
])
def test_rejected(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse(text)


def test_attacks_execute_nothing(tmp_path):
    sentinel = tmp_path / "pwned"
    attacks = [
        f"__import__('os').system('touch {sentinel}')",
        f"exp(__import__('os').system('touch {sentinel}'))",
        f"open('{sentinel}', 'w')",
        f"Piecewise((__import__('pathlib').Path('{sentinel}').touch(), True))",
        "x.__class__.__base__.__subclasses__()",
        "$\\operatorname{__import__}(x)$",
    ]
    for a in attacks:
        with pytest.raises(ExpressionError):
            parse(a)
    assert not sentinel.exists()


@pytest.mark.parametrize("text", [
    "x" * 10**6,                                     # 10^6 characters
    "(" * 10**5 + "x" + ")" * 10**5,                 # 10^5 nested parentheses
    "(" * 5000 + "x" + ")" * 5000,                   # under the length limit, still far too deep
    "exp(" * 1000 + "x" + ")" * 1000,
    "-" * 9000 + "x",                                # deep unary chain
    "$" + "{" * 10**5 + "x" + "}" * 10**5 + "$",
    "$" + "(" * 500 + "x" + ")" * 500 + "$",
])
def test_huge_inputs_fail_fast(text):
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match="too long|too deeply|nested"):
        parse(text)
    # a clear error, not a parse of megabytes: well under 0.5 s even on a loaded 2-core machine
    assert time.perf_counter() - start < 0.5


def test_limits_are_what_the_errors_say():
    assert MAX_LENGTH == 10_000 and MAX_DEPTH >= 20
    parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)  # exactly at the limit is fine
    with pytest.raises(ExpressionError, match=str(MAX_LENGTH)):
        parse("x+" * MAX_LENGTH + "x")


def test_caller_functions_and_symbols():
    beta = sp.Symbol("beta", positive=True)
    out = parse_expression("double(beta*x)", symbols={"x": x, "beta": beta}, functions={"double": lambda u: 2 * u})
    assert out == 2 * beta * x
    with pytest.raises(ExpressionError, match="invalid expression"):
        parse_expression("double(x, x)", symbols={"x": x}, functions={"double": lambda u: 2 * u})
    with pytest.raises(ExpressionError, match="must be a string"):
        parse_expression(42, symbols={"x": x})  # type: ignore[arg-type]
