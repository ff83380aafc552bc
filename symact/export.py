"""C99 (and CUDA) source for f and f' from the same stable forms as the NumPy kernels.

``export(act)`` prints ``act.kernel.stable`` and ``act.grad_kernel.stable`` — the definition and its
symbolic derivative after :func:`symact.rewriting.stabilise` — with SymPy's C99 printer, extended for
symact's functions (``sigmoid``, ``softplus``, ``Phi``, ``shifted``) the way their ``_numpycode``
hooks extend the NumPy printer, so the C code evaluates the same formulas in the same order:

    double NAME(double x);       double NAME_grad(double x);
    float  NAMEf(float x);       float  NAME_gradf(float x);      (computed in double, rounded once)

The same dtype and special-value policy as the NumPy kernels: NaN propagates, and where the printed
form gives inf*0 = NaN for |x| > 1e100 the result is the function's limit there.  ``symact export
gelu --to c -o gelu.c`` on the command line.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import sympy as sp
from sympy.codegen.cfunctions import hypot
from sympy.printing.c import C99CodePrinter

__all__ = ["export", "c_source", "c_name", "cli_export", "LANGS"]

LANGS = ("c", "cuda")
_FAR = 1e100  # as kernels._FAR

#: C functions of <math.h> an activation name must not redefine (``tanh``): those get a ``symact_`` prefix
_LIBM = {"tanh", "exp", "log", "sin", "cos", "erf", "erfc", "sqrt", "fabs", "expm1", "log1p", "cosh", "sinh",
         "atan", "tan", "asinh", "acosh", "atanh", "cbrt", "fmax", "fmin", "pow", "round", "trunc", "floor", "ceil"}

# Helpers the printed code calls, each the C twin of the symact._runtime function of the same name.
_HELPERS: dict[str, str] = {
    "symact_sigmoid": """\
/* 1/(1 + e^-u) from e = exp(-|u|): no overflow, the left tail reaches the subnormals */
static double symact_sigmoid(double u) {
    double e = exp(-fabs(u));
    double r = 1.0 / (1.0 + e);
    return u >= 0 ? r : e * r;
}""",
    "symact_softplus": """\
/* log(1 + e^u) as max(u, 0) + log1p(exp(-|u|)): no overflow, no cancellation */
static double symact_softplus(double u) {
    return (u > 0 ? u : 0.0) + log1p(exp(-fabs(u)));
}""",
    "symact_ndtr": """\
/* Phi(u) = erfc(-u/sqrt 2)/2.  For u < -1 the rounding of z = -u/sqrt 2 would cost ~u^2/2 ULP
   (erfc's condition number is 2z^2); its error zl is taken exactly (fma, 1/sqrt 2 in double-double)
   and corrected to first order: erfc(z + zl) = erfc(z) - zl * 2/sqrt(pi) * exp(-z^2). */
static double symact_ndtr(double u) {
    const double h = 0.70710678118654757, l = -4.8336466567264567e-17; /* h + l = 1/sqrt 2 */
    double z = -u * h;
    if (u < -1.0 && u > -INFINITY) {  /* fma(inf, h, -inf) would be NaN */
        double zl = fma(-u, h, -z) + (-u) * l;
        return 0.5 * (erfc(z) - zl * 1.1283791670955126 * exp(-z * z));
    }
    return 0.5 * erfc(z);
}""",
    "symact_sin_mul": """\
/* sin(c*u) (cos if k) that stays finite when c*u overflows: halve until finite, double back */
static double symact_sin_mul(double c, double u, int k) {
    double v = c * u;
    if (isinf(v) && isfinite(u)) {
        int n = 0;
        double w = v, s, t;
        while (isinf(w)) { n++; w = c * ldexp(u, -n); }
        s = sin(w); t = cos(w);
        while (n-- > 0) { double s2 = 2 * s * t; t = t * t - s * s; s = s2; }
        return k ? t : s;
    }
    return k ? cos(v) : sin(v);
}""",
}


class SymactCPrinter(C99CodePrinter):
    """C99 printer for symact's stable forms (helpers recorded in ``self.helpers``)."""

    def __init__(self, settings=None):
        super().__init__(settings or {})
        self.helpers: set[str] = set()

    def _helper(self, name: str, *args: str) -> str:
        self.helpers.add(name)
        return f"{name}({', '.join(args)})"

    def _print_Float(self, expr):
        v = float(expr)
        return "INFINITY" if v == math.inf else "-INFINITY" if v == -math.inf else repr(v)

    def _print_Rational(self, expr):
        return f"{expr.p}.0" if expr.q == 1 else repr(float(expr))

    def _print_Integer(self, expr):
        return str(int(expr))

    def _print_Half(self, expr):
        return "0.5"

    def _print_sigmoid(self, expr):
        return self._helper("symact_sigmoid", self._print(expr.args[0]))

    def _print_softplus(self, expr):
        return self._helper("symact_softplus", self._print(expr.args[0]))

    def _print_Phi(self, expr):
        return self._helper("symact_ndtr", self._print(expr.args[0]))

    def _print_shifted(self, expr):
        u, hi, lo = (self._print(a) for a in expr.args)
        return f"(({u} - {hi}) - {lo})"

    def _trig(self, expr, cos: bool):
        c, rest = expr.args[0].as_coeff_Mul()
        if c.is_number and c != 1 and rest.is_Symbol:  # as the NumPy printer: finite where c*x overflows
            return self._helper("symact_sin_mul", self._print(c), self._print(rest), "1" if cos else "0")
        return f"{'cos' if cos else 'sin'}({self._print(expr.args[0])})"

    def _print_sin(self, expr):
        return self._trig(expr, False)

    def _print_cos(self, expr):
        return self._trig(expr, True)

    def _print_Pow(self, expr, rational=False):
        base, e = expr.args
        if e == -3 and isinstance(base, hypot):  # as the NumPy printer: two correctly rounded parts
            a, u = (self._print(v) for v in base.args)
            return f"((1.0/(({a})*({a}) + ({u})*({u})))*(1.0/{self._print(base)}))"
        if e.is_Integer and 2 <= abs(int(e)) <= 4:  # u*u (and (1/u)*(1/u): u^2 cannot overflow first)
            b = self.parenthesize(base, 100) if e > 0 else f"(1.0/{self.parenthesize(base, 100)})"
            return "(" + "*".join([b] * abs(int(e))) + ")"
        if e == -1:
            return f"(1.0/{self.parenthesize(base, 100)})"
        return super()._print_Pow(expr, rational=rational)

    def _print_Mul(self, expr):
        sq = [f for f in expr.args if f.is_Pow and f.exp in (2, -2) and isinstance(f.base, sp.Function)]
        if len(sq) == 1 and len(expr.args) > 1:  # a*r^2 as (a*r)*r, as symact_mul_sq
            (f,) = sq
            r = self._print(f.base) if f.exp == 2 else f"(1.0/{self._print(f.base)})"
            rest = sp.Mul(*[a for a in expr.args if a is not f])
            return f"(({self._print(rest)})*{r})*{r}"
        c, rest = expr.as_coeff_Mul()
        if c.is_Float and float(c) == 1.0 and rest != 1:
            return self._print(rest)
        if c.is_Rational and not c.is_Integer and abs(c.p) & (abs(c.p) - 1) == 0 and rest != 1:
            # (x + 3)/6 and (2/3)*x as ((x)/3)*2 divide, as NumPy: the power of two is exact
            scale = f"*{abs(c.p)}.0" if abs(c.p) != 1 else ""
            return f"{'-' if c.p < 0 else ''}(({self._print(rest)})/{c.q}.0){scale}"
        return super()._print_Mul(expr)

    def _print_Piecewise(self, expr):
        *pieces, (last, cond) = expr.args
        out = self._print(last) if cond == sp.true else f"(({self._print(cond)}) ? ({self._print(last)}) : NAN)"
        for e, c in reversed(pieces):
            out = f"(({self._print(c)}) ? ({self._print(e)}) : {out})"
        return out

    def _print_Heaviside(self, expr):
        u = self._print(expr.args[0])
        h0 = self._print(expr.args[1]) if len(expr.args) > 1 else "0.0"
        return f"(({u}) > 0 ? 1.0 : (({u}) < 0 ? 0.0 : {h0}))"

    def _print_sign(self, expr):
        u = self._print(expr.args[0])
        return f"((double)(({u}) > 0) - (double)(({u}) < 0))"


def c_name(act) -> str:
    """The C function name of ``act``: its name, ``symact_``-prefixed where <math.h> has it (``tanh``)."""
    return f"symact_{act.name}" if act.name in _LIBM else act.name


def _function(printer: SymactCPrinter, name: str, expr: sp.Expr, limits, qual: str, doc: str) -> str:
    from .printing import fold_constants, horner_polynomials

    temps, (body,) = sp.cse(horner_polynomials(fold_constants(expr)), symbols=sp.numbered_symbols("t"))
    lines = [f"/* {doc} */", f"{qual}double {name}(double x) {{", "    if (isnan(x)) return x;"]
    lines += [f"    const double {printer._print(s)} = {printer._print(v)};" for s, v in temps]
    lines.append(f"    double r = {printer._print(body)};")
    if limits is not None and not all(math.isnan(v) for v in limits):
        # inf*0 or inf-inf in the printed form: the limit of the function there (as the NumPy kernels)
        hi, lo = ("NAN" if math.isnan(v) else printer._print(sp.Float(v)) for v in limits)
        lines.append(f"    if (isnan(r) && fabs(x) > {_FAR!r}) r = x > 0 ? {hi} : {lo};")
    lines += ["    return r;", "}"]
    return "\n".join(lines)


def c_source(acts, *, lang: str = "c") -> str:
    """One translation unit defining f, f' (double) and their float variants for each activation."""
    from . import __version__
    from .interop import limits

    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (have: {', '.join(LANGS)})")
    qual = "__host__ __device__ " if lang == "cuda" else ""
    printer = SymactCPrinter()
    funcs = []
    for act in acts:
        if act.definition.kind != "elementwise":
            raise TypeError(f"{act.name} is {act.definition.kind}; export handles elementwise activations")
        n = c_name(act)
        ps = ", ".join(f"{k}={v!r}" for k, v in act.params.items())
        label = f"{act.name}({ps})" if ps else act.name
        funcs.append(_function(printer, n, act.kernel.stable, limits(act.kernel), qual,
                               f"{label}: f(x) = {sp.sstr(act.expr)}"))
        funcs.append(_function(printer, f"{n}_grad", act.grad_kernel.stable, limits(act.grad_kernel), qual,
                               f"{label}: f'(x) = {sp.sstr(act.derivative)}"))
        funcs.append(f"/* float variants: computed in double, rounded once */\n"
                     f"{qual}float {n}f(float x) {{ return (float){n}((double)x); }}\n"
                     f"{qual}float {n}_gradf(float x) {{ return (float){n}_grad((double)x); }}")
    names = ", ".join(a.name for a in acts)
    head = [f"/* Generated by symact {__version__} (symact export) from the SymPy definitions of {names}; do not edit.",
            "   Stable forms as in the NumPy kernels; compile with -std=c99 (no -ffast-math: it breaks NaN/inf",
            "   handling and the exact shifts near roots), link with -lm. */",
            "#include <math.h>", ""]
    helpers = []
    for h in sorted(printer.helpers):
        src = _HELPERS[h].replace("static double", f"static {qual}double")
        guard = h.upper() + "_DEFINED"
        helpers.append(f"#ifndef {guard}\n#define {guard}\n{src}\n#endif")
    return "\n".join(head + helpers + [""] + ["\n\n".join(funcs), ""])


def export(act, lang: str = "c", **params) -> str:
    """C99 (``lang="c"``) or CUDA (``"cuda"``: ``__host__ __device__``) source for f and f' of ``act``
    (an Activation, a name with ``params``, or a list of either)."""
    from .activation import Activation, get

    items = act if isinstance(act, list | tuple) else [act]
    acts = [a if isinstance(a, Activation) else get(a, **params) for a in items]
    return c_source(acts, lang=lang)


def cli_export(args: list[str]) -> int:
    """``symact export NAME [NAME ...] --to c [-o FILE] [-p name=value ...]``."""
    from .errors import SymactError
    from .report import _parse_params

    p = argparse.ArgumentParser(prog="symact export", description="C99 (or CUDA) source for f and f'")
    p.add_argument("names", nargs="+", help="activation names or aliases")
    p.add_argument("--to", choices=LANGS, default="c", help="target language (default c)")
    p.add_argument("-o", "--output", type=Path, default=None, help="write here instead of stdout")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a parameter (applies to every name given)")
    ns = p.parse_args(args)
    try:
        from .activation import get

        params = _parse_params(ns.param)
        src = c_source([get(n, **params) for n in ns.names], lang=ns.to)
    except SymactError as exc:
        print(f"symact export: {exc}", file=sys.stderr)
        return 2
    if ns.output is None:
        sys.stdout.write(src)
    else:
        ns.output.write_text(src)
        print(f"wrote {ns.output} ({', '.join(ns.names)})", file=sys.stderr)
    return 0
