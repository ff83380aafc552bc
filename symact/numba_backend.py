"""Fused single-pass kernels compiled by Numba from the same stable forms as the NumPy kernels (extra ``fast``).

Why: NumPy evaluates an expression one array operation at a time, so a kernel of k operations
streams k arrays through memory (or, blocked, through cache); a loop compiled from the
expression reads x once and writes f(x) once.  The NumPy backend stays the default and the
reference; this one is opt-in::

    fast = symact.get("silu").backend("numba")   # FusedActivation; needs numba
    fast(x, out=y); fast.grad(x, out=y)

Each kernel is ``Kernel.stable`` (the rewritten, checked expression) printed as scalar Python
(``math`` functions, selects or ternaries for Piecewise, ``_numba_runtime`` for the exp family,
sigmoid, softplus and Phi), then wrapped in a loop.  The runtime's versions use only arithmetic,
bit operations and selects, so LLVM vectorises the loops that call them (C library calls would
keep them scalar); on AVX-512 hosts the loops are compiled for 8 float64 lanes (``_wide_vectors``).

Policy as the NumPy kernels: every element is computed in float64 and
rounded once to the output dtype (float32 in -> float32 out; for a float32 result the exp family
has relative error below 2^-32 instead of 2^-53, 0.004 of its ULP), NaN in -> NaN out, and where
inf arithmetic gives NaN (|x| > 1e100) the limit of f at that infinity.  Float32 in and out may
instead run in float32 arithmetic (``scalarf``, 16 lanes where float64 has 8: sigmoid 0.90 -> 0.63
ns per element): where every function the kernel calls has a float32 version in the runtime and
``symact.float32`` certifies that loop against the float64 one on the whole line, the check the
NumPy kernels' float32 code passes (``FusedKernel._native32``).  The generated source
is written to the cache directory and imported from there, so Numba's on-disk cache makes
later processes skip compilation.
"""
from __future__ import annotations

import importlib.util
import sys
from contextlib import contextmanager
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, fma, hypot
from sympy.printing.pycode import PythonCodePrinter

from .cache import cache_dir, key, write_atomic
from .functions import Phi, sigmoid, softplus
from .printing import SwishPrime

__all__ = ["available", "FusedActivation", "FusedKernel", "fused", "source"]


def available() -> bool:
    """True when numba imports (the ``fast`` extra is installed)."""
    return importlib.util.find_spec("numba") is not None


#: functions cheap enough to evaluate on every branch of a Piecewise (see ``_print_Piecewise``): the
#: exp family and sin/cos print as ``_numba_runtime``'s branch-free versions, so a select costs one more
#: exp per element where a branch would keep the whole loop scalar
_CHEAP = (sp.Abs, sp.Max, sp.Min, sp.exp, expm1, sp.tanh, sigmoid, softplus, sp.sin, sp.cos)


class TanhSoftplus(sp.Function):
    """tanh(softplus(u)) (mish), printed as the runtime's, from exp alone: softplus needs log1p, a C
    library call per element that keeps the loop scalar (mish was 36 ns per element in float32)."""

    nargs = 1


class Sech2Softplus(sp.Function):
    """cosh(softplus(u))^-2 (mish'), likewise."""

    nargs = 1


def _fuse_softplus(expr: sp.Expr) -> sp.Expr:
    return expr.replace(
        lambda e: isinstance(e, sp.tanh) and isinstance(e.args[0], softplus),
        lambda e: TanhSoftplus(e.args[0].args[0])).replace(
        lambda e: e.is_Pow and e.exp == -2 and isinstance(e.base, sp.cosh) and isinstance(e.base.args[0], softplus),
        lambda e: Sech2Softplus(e.base.args[0].args[0]))


def _horner_fma(expr: sp.Expr) -> sp.Expr:
    """Each Horner step ``c + a*b`` (c a number) as ``fma(a, b, c)``: one instruction rounding once,
    where Numba (no fast-math) keeps a multiply and an add with two roundings and twice the latency.
    silu''s 17-term root series was 1.3 ns of its 3.3 ns per element in float64."""
    def step(e):
        if not (isinstance(e, sp.Add) and len(e.args) == 2):
            return None
        c, m = e.args if e.args[0].is_Number else e.args[::-1]
        if not (c.is_Number and isinstance(m, sp.Mul) and len(m.args) == 2):
            return None
        a, b = m.args
        if not (a.is_Number or isinstance(a, sp.Add | fma) or isinstance(b, sp.Add | fma)):
            return None  # a Horner step: a coefficient times the variable, or the variable times the inner steps
        return fma(a, b, c)

    return expr.replace(lambda e: step(e) is not None, step)


#: runtime functions with a cheaper version for results rounded to float32 (``_numba_runtime``)
_SINGLE = {"exp": "exp24", "exp_neg": "exp24", "expm1": "expm1_24", "tanh": "tanh24", "sech2": "sech2_24",
           "sigmoid": "sigmoid24", "dsigmoid": "dsigmoid24", "dswish": "dswish24", "softplus": "softplus24",
           "ndtr": "ndtr24", "tanh_softplus": "tanh_softplus24", "sech2_softplus": "sech2_softplus24",
           "mul_exp": "mul_exp24"}


#: the runtime's functions in float32 arithmetic (``native``); a kernel calling any other has no float32 loop
_NATIVE = {"exp": "exp32", "exp_neg": "exp32", "tanh": "tanh32", "sech2": "sech2_32", "sigmoid": "sigmoid32",
           "dsigmoid": "dsigmoid32", "dswish": "dswish32", "ipow": "ipow32", "mul_sq": "mul_sq",
           "mul_tail": "mul_tail", "mul_exp": "mul_exp32"}


class NotNative(Exception):
    """The expression needs a function the runtime has no float32 version of."""


def _tail_product(e: sp.Mul) -> tuple[sp.Expr, sp.Expr] | None:
    """(a, d) when ``e`` is c*x**k times one factor d that decays faster than any power on one side
    (exp of a nonpositive polynomial, Phi, sigmoid or tanh(softplus) of a polynomial): gelu's x*Phi(x),
    silu's x*sigmoid(x), gelu''s x*exp(-x**2/2).  Printed as ``mul_tail``: where d underflows to 0
    the product is a zero of a's sign even where a overflowed (no inf*0 = NaN), so the loop needs no
    fix-ups (5% of gelu', 10% of silu)."""
    def decays(f):
        if isinstance(f, sp.exp):
            arg = f.args[0]
            return arg.is_nonpositive and arg.is_polynomial() and not arg.is_number
        return isinstance(f, (Phi, sigmoid, TanhSoftplus)) and f.args[0].is_polynomial() and not f.args[0].is_number

    ds = [f for f in e.args if decays(f)]
    if len(ds) != 1:
        return None
    rest = sp.Mul(*[f for f in e.args if f is not ds[0]])
    _, m = rest.as_coeff_Mul()
    power = m.is_Symbol or (m.is_Pow and m.base.is_Symbol and m.exp.is_Integer and m.exp > 0)
    return (rest, ds[0]) if power else None


class ScalarPrinter(PythonCodePrinter):
    """Scalar code for one element: ``math`` functions, selects or ternaries for Piecewise, symact's
    runtime by name (with ``single``, the versions accurate enough for a float32 result; with
    ``native``, float32 arithmetic: float32 constants and the runtime's float32 functions)."""

    def __init__(self, settings=None, single: bool = False, native: bool = False, libm: bool = False):
        super().__init__(settings)
        self._single, self._native, self._libm = single or native, native, libm

    def _rt(self, fn: str, *args) -> str:
        if self._native:
            if fn not in _NATIVE:
                raise NotNative(fn)
            fn = _NATIVE[fn]
        elif self._single:
            fn = _SINGLE.get(fn, fn)
        return f"_rt.{fn}({', '.join(self._print(a) for a in args)})"

    def _number(self, text: str) -> str:
        return f"np.float32({text})" if self._native else text

    def _print_sigmoid(self, e):
        return self._rt("sigmoid", e.args[0])

    def _print_softplus(self, e):
        return self._rt("softplus", e.args[0])

    def _print_Phi(self, e):
        return self._rt("ndtr", e.args[0])

    # the exp family: the runtime's vectorisable versions, not the C library's (one call per element)
    def _print_exp(self, e):  # an argument SymPy knows is <= 0 (-x**2/2) needs no overflow clamp
        return self._rt("exp_neg" if e.args[0].is_nonpositive else "exp", e.args[0])

    def _print_expm1(self, e):
        return self._rt("expm1", e.args[0])

    def _print_tanh(self, e):
        return self._rt("tanh", e.args[0])

    def _print_shifted(self, e):
        u, hi, lo = (self._print(a) for a in e.args)
        return f"(({u} - {hi}) - {lo})"

    def _print_Float(self, e):
        return self._number(repr(float(e)))

    def _print_Rational(self, e):
        return self._number(f"{float(e.p)}" if e.q == 1 else repr(float(e)))

    def _print_Integer(self, e):
        return self._number(f"{float(e.p)}")

    def _print_Half(self, e):
        return self._number("0.5")

    def _print_Pow(self, e, rational=False):
        base, ex = e.args
        if ex == -2 and isinstance(base, sp.cosh):
            return self._rt("sech2", base.args[0])
        if ex == -3 and isinstance(base, hypot):  # as the NumPy printer: two correctly rounded parts
            a, u = base.args                      # (the cube of one reciprocal is isru' 0.16 ULP over)
            return f"((1.0/({self._print(a**2)} + {self._print(u)}*{self._print(u)}))*(1.0/{self._print(base)}))"
        if ex.is_Integer and 2 <= abs(int(ex)) <= 4:
            return f"_rt.{'ipow32' if self._native else 'ipow'}({self._print(base)}, {int(ex)})"
        if ex == -1:
            return f"({self._number('1.0')}/({self._print(base)}))"
        return super()._print_Pow(e, rational=rational)

    def _print_TanhSoftplus(self, e):
        return self._rt("tanh_softplus", e.args[0])

    def _print_Sech2Softplus(self, e):
        return self._rt("sech2_softplus", e.args[0])

    def _print_SigmoidPrime(self, e):
        return self._rt("dsigmoid", e.args[0])

    def _print_ScaledExp(self, e):
        a, u = e.args
        prod = sp.Mul(a, sp.exp(u), evaluate=False)
        if _tail_product(prod) is not None:  # a decaying exp: mul_tail, which needs no fix-ups at +-inf
            return self._print_Mul(prod)
        return self._rt("mul_exp", a, u)

    def _print_SwishPrime(self, e):
        return self._rt("dswish", e.args[0])

    def _print_Mul(self, e):
        from .printing import _sigmoid_pair

        pair = _sigmoid_pair(e)  # sigma(u)*sigma(-u): one exp, as the NumPy kernels do
        if pair is not None:
            return self._print(pair)
        for f in e.args:  # a*cosh(u)^-2 as a*sech2(u): the runtime's, no overflow and no libm call
            if f.is_Pow and f.exp == -2 and isinstance(f.base, sp.cosh):
                rest = sp.Mul(*[a for a in e.args if a is not f])
                return f"({self._print(rest)})*{self._rt('sech2', f.base.args[0])}"
        sq = [f for f in e.args if f.is_Pow and f.exp in (2, -2) and isinstance(f.base, sp.Function)]
        if len(sq) == 1 and len(e.args) > 1:  # a*r**2 as (a*r)*r, as the NumPy printer does
            (f,) = sq
            r = f.base if f.exp == 2 else 1 / f.base
            return self._rt("mul_sq", sp.Mul(*[a for a in e.args if a is not f]), r)
        tail = _tail_product(e)
        if tail is not None:
            return self._rt("mul_tail", *tail)
        c, rest = e.as_coeff_Mul()
        if c.is_Rational and not c.is_Integer and abs(c.p) & (abs(c.p) - 1) == 0 and rest != 1:
            # (2/3)*x as (x/3)*2, as the NumPy printer does: one correctly rounded division where the
            # rounded constant 0.666... adds an error that cond(x) amplifies (lecun_tanh': 12 ULP)
            sign = "-" if c.p < 0 else ""
            q, p = (self._number(repr(float(v))) for v in (c.q, abs(c.p)))
            return f"{sign}(({self._print(rest)})/{q})*{p}"
        return super()._print_Mul(e)

    def _print_sin(self, e):
        return self._trig(e, False)

    def _print_cos(self, e):
        return self._trig(e, True)

    def _trig(self, e, cos):
        """The runtime's branch-free sin/cos (NaN beyond its reduction's range, for the ``fix`` loop);
        with ``libm`` the C library's, and sin(w0 x) kept finite where w0 x overflows (``fix``'s code)."""
        if not self._libm:
            return self._rt("cos" if cos else "sin", e.args[0])
        c, rest = e.args[0].as_coeff_Mul()
        if c.is_number and c != 1 and rest.is_Symbol:
            return f"_rt.sin_mul({self._print(c)}, {self._print(rest)}, {cos})"
        return f"math.{'cos' if cos else 'sin'}({self._print(e.args[0])})"

    def _print_Piecewise(self, e):
        """Pieces without function calls as nested ``_rt.sel`` (every piece evaluated, then selected):
        the loop vectorises; pieces that call functions keep the ternaries (evaluated only where taken)."""
        *pieces, (last, cond) = e.args
        # ndtr, ndtr24, dswish: branch-free; a nested Piecewise prints as a select where it can (mish's
        # fraction below -2 inside its root series)
        cheap = (*_CHEAP, TanhSoftplus, Sech2Softplus, SwishPrime, Phi, sp.Piecewise, fma)
        if cond != sp.true or not pieces or any(
                f.func not in cheap for p in e.args for a in p for f in a.atoms(sp.Function)):
            return super()._print_Piecewise(e)
        out = self._print(last)
        for v, c in reversed(pieces):
            out = f"_rt.sel({self._print(c)}, {self._print(v)}, {out})"
        return out

    def _print_Relational(self, e):
        """In float32 arithmetic, x compared with a bound c float32 cannot hold compares with the largest
        float32 below c, as ``float32.narrow_source`` does for NumPy: x > c iff x > c_down for float32
        x (threshold's ``x > 0.1`` keeps its decision at x = float32(0.1))."""
        lhs, rhs = e.args
        exact = lhs.is_Symbol or (-lhs).is_Symbol or (isinstance(lhs, sp.Abs) and lhs.args[0].is_Symbol)
        if self._native and exact and rhs.is_number and e.rel_op in ("<", "<=", ">", ">="):
            from .float32 import narrowed

            nb = narrowed(e.rel_op, float(rhs))
            if nb:
                return f"({self._print(lhs)} {nb[0]} {self._number(repr(nb[1]))})"
        return super()._print_Relational(e)

    def _print_Or(self, e):  # both sides evaluated: no branch in the loop (the operands are comparisons)
        return "(" + " | ".join(f"({self._print(a)})" for a in e.args) + ")"

    def _print_And(self, e):
        return "(" + " & ".join(f"({self._print(a)})" for a in e.args) + ")"

    def _print_Heaviside(self, e):
        return self._rt("heaviside", e.args[0], e.args[1] if len(e.args) > 1 else sp.S.Zero)

    def _print_sign(self, e):
        return self._rt("sign", e.args[0])

    def _print_fma(self, e):
        return self._rt("fma", *e.args)

    def _print_Max(self, e):
        out = self._print(e.args[0])
        for a in e.args[1:]:
            out = f"max({out}, {self._print(a)})"
        return out

    def _print_Min(self, e):
        out = self._print(e.args[0])
        for a in e.args[1:]:
            out = f"min({out}, {self._print(a)})"
        return out


_TEMPLATE = '''# generated by symact.numba_backend from the stable form of {name} -- do not edit
import math

import numpy as np
from numba import njit

from symact import _numba_runtime as _rt

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@njit(inline="always", **_JIT)
def scalar({arg}):
{body}


@njit(inline="always", **_JIT)
def scalar32({arg}):  # results rounded to float32: the runtime's cheaper exp family
{body32}


{loops}{native}'''

#: float32 arithmetic for float32 in and out (used where ``FusedKernel._native32`` certifies it)
_NATIVE_TEMPLATE = '''

@njit(inline="always", **_JIT)
def scalarf({arg}):  # float32 arithmetic
{body}


@njit(**_JIT)
def plainf(xs, out):
    for i in range(xs.shape[0]):
        out[i] = scalarf(xs[i])


@njit(**_JIT)
def loopf(xs, out, lim_pos, lim_neg):  # the fix-ups as selects: the loop stays vectorised
    lp, ln = np.float32(lim_pos), np.float32(lim_neg)
    big = np.float32(1e30)
    for i in range(xs.shape[0]):
        v = xs[i]
        r = scalarf(v)
        r = _rt.sel(r == r, r, _rt.sel(v > big, lp, _rt.sel(v < -big, ln, r)))
        out[i] = _rt.sel(v == v, r, v)
'''


#: the loops, once per scalar function (scalar: float64 results; scalar32: float32 results)
_LOOPS = '''
@njit(**_JIT)
def plain{suffix}(xs, out):  # no fix-ups: for kernels whose probe shows none is needed (they cost 20%)
    for i in range(xs.shape[0]):
        out[i] = scalar{suffix}(np.float64(xs[i]))


@njit(**_JIT)
def loop{suffix}(xs, out, lim_pos, lim_neg):
    for i in range(xs.shape[0]):
        v = np.float64(xs[i])
        out[i] = _rt.fixed(v, scalar{suffix}(v), lim_pos, lim_neg)
'''

#: kernels with sin or cos: the runtime's give NaN from |argument| = _numba_runtime.TRIG_LIMIT on; the
#: vectorised loop counts such results (a reduction, so it still vectorises) ...
_COUNTED = '''
@njit(**_JIT)
def counted{suffix}(xs, out):  # plain{suffix}, counting the NaN from a number that fix must redo
    bad = 0
    for i in range(xs.shape[0]):
        v = np.float64(xs[i])
        r = scalar{suffix}(v)
        out[i] = r
        bad += (r != r) != (v != v)
    return bad
'''
#: ... and only when it counts any, a scalar pass computes them with the C library (and the limits)
_LIBM_FIX = '''

@njit(**_JIT)
def scalar_libm({arg}):  # the C library's sin/cos
{body}


@njit(**_JIT)
def fix(xs, out, lim_pos, lim_neg):
    for i in range(xs.shape[0]):
        v = np.float64(xs[i])
        if v != v or out[i] != out[i]:
            out[i] = _rt.fixed(v, scalar_libm(v), lim_pos, lim_neg)


fix32 = fix  # float32 out: the same loop, compiled for that signature
'''


def _without_root_series(expr: sp.Expr) -> sp.Expr:
    """``expr`` with each Taylor piece about a root x0 != 0 (``|shifted(x, x0)| < r``) replaced by its
    general formula: for a float32 result that formula, evaluated in float64, is already within the
    accuracy goal.  Near a simple root g(x) ~ g'(x0)(x - x0), so 4 ULP + cond allows a constant
    absolute error of about |x0 g'(x0)| 2^-23, where the float64 formula errs by ~1e-15 times its
    terms (ndtr24's 6e-9 included: 30x inside).  The series (17-33 terms, evaluated everywhere in a
    branch-free loop) doubled silu' and gelu'."""
    from .functions import shifted

    def general(*args):
        (_, cond), (gen, last) = args
        if (last == sp.true and isinstance(cond, sp.StrictLessThan) and isinstance(cond.lhs, sp.Abs)
                and isinstance(cond.lhs.args[0], shifted) and abs(float(cond.lhs.args[0].args[1])) > 1e-3):
            return gen
        return sp.Piecewise(*args)

    return expr.replace(lambda e: isinstance(e, sp.Piecewise) and len(e.args) == 2, lambda e: general(*e.args))


def source(stable: sp.Expr, var: sp.Symbol, name: str = "kernel") -> str:
    """The Python/Numba module source for one stable expression (CSE'd, scalar)."""
    from .printing import horner_polynomials, scaled_exps, swish_primes

    settings = {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}
    bodies = []
    trig = stable.has(sp.sin, sp.cos)
    for single, native, libm in ((False, False, False), (True, False, False), (True, True, False),
                                 (False, False, True)):
        if libm and not trig:
            break
        expr = _fuse_softplus(_without_root_series(swish_primes(stable)) if single else swish_primes(stable))
        expr = horner_polynomials(scaled_exps(expr))
        subs, (reduced,) = sp.cse(_horner_fma(expr), symbols=sp.numbered_symbols("_t"))
        printer = ScalarPrinter(settings, single=single, native=native, libm=libm)
        try:
            lines = [f"    {printer._print(s)} = {printer.doprint(e)}" for s, e in subs]
            ret = printer.doprint(reduced)
        except NotNative:
            bodies.append(None)
            continue
        lines.append(f"    return {ret}" if native else f"    return float({ret})")
        bodies.append("\n".join(lines))
    loops = "\n".join(_LOOPS.format(suffix=suffix) for suffix in ("", "32"))
    if trig:
        loops += "".join(_COUNTED.format(suffix=x) for x in ("", "32")) + _LIBM_FIX.format(arg=var.name, body=bodies[3])
    native = bodies[2]
    if native is not None and "math." in native:   # the C library's: not float32 arithmetic, nor vectorised
        native = None
    native = "" if native is None else _NATIVE_TEMPLATE.format(arg=var.name, body=native)
    return _TEMPLATE.format(name=name, arg=var.name, body=bodies[0], body32=bodies[1], loops=loops, native=native)


def _load(src: str, tag: str):
    d = cache_dir() / "numba"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"k_{tag}.py"
    if not path.exists() or path.read_text() != src:
        write_atomic(path, src.encode())   # processes sharing the cache (two test runs) write the same file
    name = f"symact_numba_k_{tag}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # numba's cache re-imports the module by name
    spec.loader.exec_module(mod)
    return mod


@lru_cache(maxsize=1)
def _avx512() -> bool:
    import llvmlite.binding as ll

    return bool(ll.get_host_cpu_features().get("avx512f"))


@contextmanager
def _wide_vectors(lanes: int = 8, interleave: int = 0):
    """Vectorise with 8 float64 lanes (16 for the float32-arithmetic loops) while symact's loops
    compile (on AVX-512 hosts only).

    LLVM's tuning for AVX-512 CPUs prefers 256-bit vectors (4 lanes), and Numba cannot set the
    per-function preference; LLVM's knobs are the process-wide ``-force-vector-width`` and
    ``-force-vector-interleave`` (vectors per iteration).  They are set
    under Numba's compiler lock (no other compilation sees them) and reset to LLVM's default (0, the
    cost model's choice) at once.  Measured at 10^7 float64 elements on Sapphire Rapids: silu 2.40 ->
    1.82 ns per element, Phi 9.9 -> 7.1 (the copy floor is 1.1)."""
    if not _avx512():
        yield
        return
    import llvmlite.binding as ll
    from numba.core.compiler_lock import global_compiler_lock

    with global_compiler_lock:
        ll.set_option("symact", f"-force-vector-width={lanes}")
        ll.set_option("symact", f"-force-vector-interleave={interleave}")
        try:
            yield
        finally:
            ll.set_option("symact", "-force-vector-width=0")
            ll.set_option("symact", "-force-vector-interleave=0")


@contextmanager
def _quiet_llvm():
    """Drop LLVM's "loop not vectorized" warnings (a forced width makes LLVM report loops that call
    scalar functions, such as log1p); LLVM writes them to file descriptor 2 directly, so that is
    redirected to a file for the compilation and everything else in it is passed on."""
    import os
    import tempfile

    sys.stderr.flush()
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            rest = [ln for ln in tmp.read().decode(errors="replace").splitlines(True)
                    if "loop not vectorized" not in ln]
            if rest:
                sys.stderr.write("".join(rest))


def _compiled_wide(mod, name: str):
    """``mod.<name>`` (plain, loop, counted, fix; with 32: float32 out) compiled, wide, for contiguous
    arrays in and out of its own dtype (the calls ``FusedKernel`` makes; other dtype pairs compile on
    first use with LLVM's default width).  Compiled when first needed: each loop of gelu takes about a
    second."""
    from numba import types

    fn = getattr(mod, name)
    f32 = name.endswith(("32", "f"))
    a = types.float32[::1] if f32 else types.float64[::1]
    args = (a, a) if name.startswith(("plain", "counted")) else (a, a, types.float64, types.float64)
    # Interleaved vectors hide the latency of the exp/division chains (measured at 10^7 as multiples of the
    # copy floor): float64 loops take two (tanh' 5.04 -> 1.74, silu 3.59 -> 1.58; four was no better),
    # float32-out loops four (tanh 2.33-3.42 -> 1.59-1.97, sigmoid 2.28-3.15 -> 1.78-2.02, elu 3.30-4.32
    # -> 2.25-2.77, over four rounds; two made the float64-arithmetic ones slower: mish 4.1-4.7 -> 6.6-9.3)
    with _wide_vectors(16 if name.endswith("f") else 8, 4 if f32 else 2), _quiet_llvm():
        fn.compile(args)
    return fn


@lru_cache(maxsize=1)
def _runtime_stamp() -> str:
    """Hash of _numba_runtime's source: cached machine code embeds it, so a change must change the file name."""
    from . import _numba_runtime

    return key(Path(_numba_runtime.__file__).read_bytes())


class FusedKernel:
    """One elementwise kernel as a compiled single-pass loop (see the module docstring)."""

    def __init__(self, kernel):
        self.kernel, self.name = kernel, kernel.name
        self.source = source(kernel.stable, kernel.var, kernel.name)
        self._mod = _load(self.source, key("numba-2", "w8i2f16i4" if _avx512() else "", _runtime_stamp(), self.source))
        self._fns: dict[str, Any] = {}
        with np.errstate(all="ignore"):
            far = kernel._fn(np.array([np.inf, -np.inf, 1e300, -1e300]))
        bad = np.isnan(np.broadcast_to(far, (4,)))
        self._lims = (kernel.limit(1.0) if bad[0] or bad[2] else np.nan,
                      kernel.limit(-1.0) if bad[1] or bad[3] else np.nan)
        # The loop's fix-ups (NaN in -> NaN out; the limit where inf arithmetic gives NaN) cost 20% of
        # a sigmoid.  A NaN takes one path through the scalar code (every comparison is false), so one
        # probe tells whether NaN comes out by itself; the far probe whether any limit is needed.
        self._plain = not hasattr(self._mod, "fix") and self._fixups_unneeded("plain", [1e300, 1e200, 1e100])

    def _fixups_unneeded(self, loop: str, far: list[float]) -> bool:
        """Whether ``loop`` (the loop without fix-ups) gives NaN for NaN and no NaN at +-inf and +-far."""
        dt = np.float32 if loop.endswith("f") else np.float64
        probe = np.array([np.nan, np.inf, -np.inf, *(s * v for v in far for s in (1, -1))], dt)
        got = np.empty_like(probe)
        with np.errstate(all="ignore"):
            self._fn(loop)(probe, got)
        return bool(np.isnan(got[0]) and not np.isnan(got[1:]).any())

    def _run(self, xs, target):
        """The float64-arithmetic loop for ``target``'s dtype: without fix-ups where the probe allows; with
        sin or cos, the vectorised loop and then the ``fix`` pass (elements beyond the runtime's trig range)."""
        single = target.dtype == np.float32
        if hasattr(self._mod, "fix"):
            if self._fn("counted32" if single else "counted")(xs, target):
                self._fn("fix32" if single else "fix")(xs, target, *self._lims)
        elif self._plain:
            self._fn("plain32" if single else "plain")(xs, target)
        else:
            self._fn("loop32" if single else "loop")(xs, target, *self._lims)

    def __repr__(self) -> str:
        return f"<symact numba kernel {self.name}>"

    @cached_property
    def _native32(self) -> bool:
        """Whether float32 in and out runs the float32-arithmetic loop (16 lanes where float64 takes 8):
        its code exists (every function it calls has a float32 version), stays float32 (the compiled
        scalar returns float32: no float64 constant or call crept in), and symact.float32's
        certification holds it to 4 ULP + cond less a quarter against the float64 loop on the whole
        line (the same check as the NumPy kernels' float32 code; cached on disk per source, runtime
        and platform).  ``SYMACT_FLOAT32=roundtrip`` turns it off."""
        from numba import types

        from .float32 import EVERYWHERE, certified_range

        if not hasattr(self._mod, "plainf"):
            return False
        with _quiet_llvm():
            self._mod.scalarf.compile((types.float32,))
        if self._mod.scalarf.nopython_signatures[-1].return_type != types.float32:
            return False
        self._plainf = self._fixups_unneeded("plainf", [3e38, 1e30, 1e20])

        def native(v):
            out = np.empty(v.shape, np.float32)
            self._run_native(np.ascontiguousarray(v, np.float32), out)
            return out

        def wide(v):
            x = np.ascontiguousarray(v, np.float64)
            out = np.empty_like(x)
            self._run(x, out)
            return out

        tag = f"\n# numba float32 loop {_runtime_stamp()} {key(self.source)}\n"  # a comment: no new sample points
        return certified_range(self.kernel.source + tag, native, wide) == EVERYWHERE

    def _run_native(self, xs, target):
        if self._plainf:
            self._fn("plainf")(xs, target)
        else:
            self._fn("loopf")(xs, target, *self._lims)

    def _fn(self, name: str):
        fn = self._fns.get(name)
        if fn is None:
            fn = self._fns[name] = _compiled_wide(self._mod, name)
        return fn

    def __call__(self, value: Any, out: np.ndarray | None = None):
        from .kernels import _COMPUTE, to_float_array

        a = value if type(value) is np.ndarray else np.asarray(value)
        if a.dtype not in (np.float32, np.float64):
            a, out_type = to_float_array(a, self.name)
            out_type = np.dtype(out_type)
        else:
            out_type = np.dtype(_COMPUTE[a.dtype])
        dest = out if out is not None else np.empty(a.shape, out_type)
        direct = dest.dtype in (np.float32, np.float64) and dest.shape == a.shape and dest.flags.c_contiguous
        target = dest.reshape(-1) if direct else np.empty(a.size, np.float64)
        xs = np.ascontiguousarray(a).reshape(-1)
        if target.dtype == np.float32 and xs.dtype == np.float32 and self._native32:
            self._run_native(xs, target)
        else:
            self._run(xs, target)
        if not direct:
            np.copyto(dest, target.reshape(a.shape), casting="same_kind")
        return dest[()] if out is None and a.ndim == 0 else dest


class FusedActivation:
    """``act`` with Numba kernels: ``fa(x, out=None)`` and ``fa.grad(x, out=None)``; built on first use."""

    def __init__(self, act):
        self.activation, self.name = act, act.name
        self._f: FusedKernel | None = None
        self._g: FusedKernel | None = None

    def __repr__(self) -> str:
        return f"{self.activation!r}.backend('numba')"

    def __call__(self, x: Any, *, out: np.ndarray | None = None):
        if self._f is None:
            self._f = FusedKernel(self.activation.kernel)
        return self._f(x, out=out)

    def grad(self, x: Any, *, out: np.ndarray | None = None):
        if self._g is None:
            self._g = FusedKernel(self.activation.grad_kernel)
        return self._g(x, out=out)


@lru_cache(maxsize=256)
def fused(act) -> FusedActivation:
    """The (cached) Numba view of an activation; ImportError naming the extra when numba is missing."""
    if not available():
        raise ImportError("the numba backend needs numba: pip install 'symact[fast]'")
    return FusedActivation(act)
