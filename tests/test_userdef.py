"""User-defined activations: define(), parameter domains, shadowing, unsafe text, plugins, from_expression."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symact
from symact import registry
from symact.errors import DefinitionError, ExpressionError, ParameterError
from symact.functions import sigmoid, softplus, x
from symact.userdef import _USER, from_expression

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def forget():
    """Names registered by a test are unregistered afterwards (the registry is process-wide)."""
    names: list[str] = []
    yield names.append
    for n in names:
        registry._forget(n)  # noqa: SLF001
        _USER.discard(n)
    registry._clear_caches()  # noqa: SLF001 - also forgets the claim-function table


def test_define_gives_everything_a_builtin_has(forget):
    forget("my_act")
    act = symact.define("my_act", "x*tanh(softplus(beta*x))", params={"beta": 1.0}, aliases=["mine"])
    assert act.name == "my_act" and act.aliases == ("mine",) and act.params == {"beta": 1.0}
    beta = act.definition.params[0].symbol
    assert act.definition.expr == x * sp.tanh(softplus(beta * x))
    assert act.definition.family == "user"
    assert symact.get("my_act") is act and symact.get("MINE").definition is act.definition
    assert "my_act" in symact.names()
    # derivative is SymPy's, kernels agree with it and with the closed form
    assert sp.simplify((act.derivative - sp.diff(act.expr, x)).rewrite(sp.exp)) == 0
    xs = np.array([-30.0, -2.0, -0.5, 0.0, 0.5, 2.0, 30.0])
    mish = xs * np.tanh(np.logaddexp(0, xs))
    np.testing.assert_allclose(act(xs), mish, rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(act.grad(xs), symact.get("mish").grad(xs), rtol=1e-14)
    assert act(xs.astype(np.float32)).dtype == np.float32
    # parameters bind like a built-in's
    np.testing.assert_allclose(symact.get("mine", beta=2.0)(xs), xs * np.tanh(np.logaddexp(0, 2 * xs)), rtol=1e-15)
    props = act.properties
    assert props.f0 == 0 and props.bounded_below is True and props.bounded_above is False
    assert symact.verify_derivative("my_act", "tanh(softplus(x))").status == "incorrect"
    assert symact.verify_derivative("my_act", str(act.derivative), beta=1.0).status == "correct"


def test_define_uses_catalogue_names_and_earlier_definitions(forget):
    forget("gelu_sq")
    forget("gelu_sq2")
    a = symact.define("gelu_sq", "x*gelu(x)")
    xs = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(a(xs), xs * symact.get("gelu")(xs), rtol=1e-15, atol=1e-300)
    b = symact.define("gelu_sq2", "2*gelu_sq(x)")  # a user name is callable in later definitions
    np.testing.assert_allclose(b(xs), 2 * a(xs), rtol=1e-15, atol=1e-300)


def test_sympy_expression_and_plain_parameter_symbols(forget):
    forget("sym_swish")
    beta, xx = sp.Symbol("beta"), sp.Symbol("x")  # no assumptions: matched by name
    act = symact.define("sym_swish", xx * sigmoid(beta * xx), params={"beta": (1.5, sp.Interval(0, 10))})
    assert act.expr == x * sigmoid(sp.Float(1.5) * x)
    assert act.definition.params[0].domain == sp.Interval(0, 10)
    assert act.definition.params[0].symbol.is_nonnegative
    with pytest.raises(ParameterError, match="outside its domain"):
        symact.get("sym_swish", beta=11)


@pytest.mark.parametrize(("domain", "bad", "good"), [
    ("positive", 0.0, 0.5), ("nonnegative", -1.0, 0.0), ("real", None, -3.0),
    (sp.Interval(1, 2), 2.5, 1.5),
])
def test_parameter_domains(forget, domain, bad, good):
    forget("dom_act")
    act = symact.define("dom_act", "Max(x, k*x)", params={"k": (1.0, domain)})
    assert act.params == {"k": 1.0}
    assert symact.get("dom_act", k=good).params == {"k": good}
    if bad is not None:
        with pytest.raises(ParameterError, match="outside its domain"):
            symact.get("dom_act", k=bad)


def test_bad_parameter_specs():
    with pytest.raises(DefinitionError, match="domain must be"):
        symact.define("p1", "k*x", params={"k": (1, "weird")})
    with pytest.raises(DefinitionError, match="default of"):
        symact.define("p1", "k*x", params={"k": (-1, "positive")})
    with pytest.raises(DefinitionError, match="function or constant names"):
        symact.define("p1", "x", params={"tanh": 1})
    with pytest.raises(DefinitionError, match="not used"):
        symact.define("p1", "x", params={"k": 1})
    with pytest.raises(DefinitionError, match="input symbol"):
        symact.define("p1", "x", params={"x": 1})
    assert "p1" not in symact.names()


def test_unknown_symbols_are_named():
    with pytest.raises(ExpressionError, match="'y'"):
        symact.define("u1", "x*y")
    with pytest.raises(ExpressionError, match=r"\['gamma_', 'q'\]"):
        symact.define("u1", x * sp.Symbol("q") + sp.Symbol("gamma_"))
    with pytest.raises(ExpressionError, match="unknown function 'foo'"):
        symact.define("u1", "foo(x)")
    with pytest.raises(ExpressionError, match="does not depend on x"):
        symact.define("u1", "3")
    with pytest.raises(ExpressionError, match="not a real-valued expression"):
        symact.define("u1", "x > 0")


def test_shadowing_builtins_refused_unless_asked(forget):
    with pytest.raises(DefinitionError, match="'gelu' is already a built-in.*replace=True"):
        symact.define("gelu", "x")
    with pytest.raises(DefinitionError, match="'swish'"):  # silu's alias
        symact.define("my_swish", "x*sigmoid(x)", aliases=["swish"])
    assert symact.get("gelu").definition.family != "user"
    forget("twice")
    symact.define("twice", "2*x")
    with pytest.raises(DefinitionError, match="already defined"):
        symact.define("twice", "3*x")
    assert symact.define("twice", "3*x", replace=True)(np.array([1.0]))[0] == 3.0


def test_replace_shadows_a_builtin_when_asked(forget):
    from symact import catalogue  # noqa: F401 - re-registered below
    old = registry.definition("softsign")
    try:
        act = symact.define("softsign", "x/(1 + 2*Abs(x))", replace=True)
        assert act(np.array([1.0]))[0] == pytest.approx(1 / 3)
    finally:
        registry.register(old, replace=True)
        _USER.discard("softsign")
    assert symact.get("softsign")(np.array([1.0]))[0] == 0.5


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo pwned')",
    "x.__class__",
    "(lambda: 1)()",
    "exp(x)[0]",
    "open('/etc/passwd')",
    "eval('1')",
    "x if x else x",
    "[x for x in 'ab']",
    "x; import os",
    "getattr(x, 'real')",
    "f'{x}'",
    "9**9**9**9",
    "(" * 500 + "x" + ")" * 500,
    "x*" * 6000 + "x",
    "",
])
def test_malicious_or_unsafe_strings_rejected(text, capfd):
    with pytest.raises(ExpressionError):
        symact.define("evil", text)
    assert "pwned" not in capfd.readouterr().out
    assert "evil" not in symact.names()


def test_invalid_names():
    for name in ("Bad", "has space", "1x", ""):
        with pytest.raises(DefinitionError):
            symact.define(name, "x")
    with pytest.raises(DefinitionError, match="aliases"):
        symact.define("ok_name", "x", aliases=["Not OK"])


def test_from_expression_is_not_registered():
    act = from_expression("x*sigmoid(1.702*x)")
    assert act.name == "expression" and "expression" not in symact.names()
    xs = np.array([-3.0, 0.0, 1.0, 5.0])
    np.testing.assert_allclose(act(xs), xs / (1 + np.exp(-1.702 * xs)), rtol=1e-15)
    np.testing.assert_allclose(act.grad(xs), symact.get("gelu_sigmoid").grad(xs), rtol=1e-15)
    assert act.properties.f0 == 0
    with pytest.raises(ExpressionError):
        from_expression("x*sigmoid(x).__class__")
    assert from_expression("a*x", params={"a": 2.0})(np.array([1.5]))[0] == 3.0


def test_plugin_module(tmp_path, forget):
    forget("plugin_act")
    path = tmp_path / "my_acts.py"
    path.write_text(textwrap.dedent("""
        import symact
        symact.define("plugin_act", "x*softplus(x)*gelu(x)", aliases=["plug"], summary="from a file")
    """))
    from symact.plugins import load_module

    mod = load_module(path)
    assert load_module(str(path)) is mod  # loading again is a no-op, not a refused re-registration
    act = symact.get("plug")
    assert act.name == "plugin_act" and act.definition.summary == "from a file"
    assert act(np.array([0.0]))[0] == 0.0
    with pytest.raises(FileNotFoundError):
        load_module(tmp_path / "missing.py")


def test_broken_plugin_module_leaves_registry_usable(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import symact\nsymact.define('broken_one', 'x*y')\n")
    from symact.plugins import load_module

    with pytest.raises(ExpressionError, match="'y'"):
        load_module(path)
    assert "broken_one" not in symact.names() and "gelu" in symact.names()


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)


def test_entry_point_plugin_end_to_end(tmp_path):
    """A package shipping activations: a ``symact.activations`` entry point, found at first use."""
    (tmp_path / "acme_acts.py").write_text(
        "import symact\n\ndef register():\n"
        "    symact.define('acme_act', 'x*tanh(sigmoid(x))', aliases=['acme'])\n")
    (tmp_path / "broken_acts.py").write_text("raise RuntimeError('boom')\n")
    dist = tmp_path / "acme_acts-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-acts\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[symact.activations]\nacme = acme_acts:register\nbroken = broken_acts\n")
    code = ("import warnings, symact\nwarnings.simplefilter('always')\n"
            "a = symact.get('acme'); print(a.name, float(a(1.0)), 'gelu' in symact.names())")
    r = _run(code, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["acme_act", repr(float(np.tanh(1 / (1 + np.exp(-1.0))))), "True"]
    assert "plugin 'broken'" in r.stderr and "boom" in r.stderr
