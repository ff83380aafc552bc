"""NumPy kernels lambdified from (stabilised) SymPy expressions, with symact's dtype policy.

Policy: float32 in -> float32 out, float64 -> float64, integers/bools -> float64; float16
and float32 are computed in float64 and rounded once (a correctly rounded float64 result
rounds to within 0.5 ULP + 2^-29 ULP of float32).  No floating-point warnings; NaN
propagates; +-inf give the limits of the function.
"""
from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .cache import key

if TYPE_CHECKING:
    import sympy as sp

_HERE = Path(__file__).parent
#: key of cached stable forms: a version plus the source of the module that decides what a stable
#: form is (rewriting.py), so an edited rule set never reads a form cached by an older one
STABLE_VERSION = "5-" + key((_HERE / "rewriting.py").read_bytes())

_F64, _F32 = np.dtype(np.float64), np.dtype(np.float32)
_COMPUTE = {np.dtype(np.float16): np.float16, np.dtype(np.float32): np.float32, np.dtype(np.float64): np.float64}


def to_float_array(value, what: str = "input") -> tuple[np.ndarray, type]:
    """(float64 working array, output dtype) for a real numeric array-like; TypeError otherwise."""
    a = np.asarray(value)
    kind = a.dtype.kind
    if kind == "f":
        out_type = _COMPUTE.get(a.dtype, np.float64)
        return (a if a.dtype == np.float64 else a.astype(np.float64)), out_type
    if kind in "biu":
        return a.astype(np.float64), np.float64
    raise TypeError(f"{what}: expected real numbers (bool, int or float array-like), got dtype {a.dtype}"
                    + (" (complex input is not supported)" if kind == "c" else ""))


_FAR = 1e100
_EVERYWHERE = (-math.inf, math.inf)
#: block size of large evaluations, in bytes of the working dtype: a few temporaries of it fit a
#: 512 KiB L2, and each block's ~10 us of call overhead stays small (measured: 16 KiB blocks were
#: up to 2x slower on float32, 512 KiB ones no faster)
_BLOCK_BYTES = 262144
_CHUNK = _BLOCK_BYTES // 8
_HUGE = (1e300, -1e300, 1.7976931348623157e308, -1.7976931348623157e308, 1e200, -1e200, 1e155, -1e155, 1e103, -1e103)


#: inputs a kernel must evaluate without a floating-point flag to run without np.errstate
_PROBE = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, *_HUGE, *np.linspace(-50, 50, 1001), 5e-324, -5e-324,
                   *(s * 10.0**k for k in range(-320, 309, 7) for s in (1, -1)), 3.4028234663852886e38])


def _prime_allocator(nbytes: int = 1 << 22) -> None:
    """Allocate and free one ``nbytes`` buffer, so glibc serves the kernels' block-sized temporaries
    from its heap.  glibc mmap()s every allocation of 128 KiB or more and trims freed heap beyond
    128 KiB back to the OS, so a block's temporaries (256 KiB) page-fault afresh in every block;
    freeing an mmapped 4 MiB buffer raises both limits (to 4 and 8 MiB: the dynamic threshold of
    mallopt(3)), as any program that frees a 4 MiB array does (the import's own allocations lift the
    mmap limit, not the trim one: tests/test_allocator.py).  Fresh process, 10^6 elements, out=, two
    runs each: gelu_tanh' float32 16.1 -> 11.8 ms, tanh' float64 4.7 -> 3.4, silu' float64 8.0 -> 6.1.
    Other allocators: one harmless allocation."""
    np.empty(nbytes, np.uint8)


_prime_allocator()


def compile_source(source: str, dtype: np.dtype | None = None) -> Callable:
    """The function a kernel's printed source defines, with the names it uses bound.

    Names resolve as lambdify resolves them for ``modules=["scipy", "numpy"]``: symact's runtime
    helpers, then ``scipy.special`` (imported only by kernels that use it: 0.3 s), then NumPy.
    With ``dtype``, the code is for arrays of that dtype only: its numeric operands become 0-d
    arrays of it (``hoist_constants``), the values NumPy would convert them to on every call.
    """
    from . import _runtime

    tree = ast.parse(source)
    consts = hoist_constants(tree, dtype) if dtype is not None else {}
    code = compile(ast.fix_missing_locations(tree), "<symact kernel>", "exec")
    used = {n for c in code.co_consts if inspect.iscode(c) for n in c.co_names}  # the function's globals
    ns: dict = {"numpy": np, **consts}
    special = None
    for n in used:
        if n in ns:
            continue
        if hasattr(_runtime, n):
            ns[n] = getattr(_runtime, n)
        elif not hasattr(np, n):
            if special is None:
                import scipy.special as special
            if hasattr(special, n):
                ns[n] = getattr(special, n)
        else:
            ns[n] = getattr(np, n)
    exec(code, ns)  # noqa: S102 - symact's own generated code (printed from its stable forms)
    (fn,) = (v for k, v in ns.items() if k == "_lambdifygenerated")
    return fn


def _number(node: ast.AST) -> float | None:
    """The value of a numeric literal (``-c`` included), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _number(node.operand)
        return None if v is None else -v
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    return None


_HOIST_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def hoist_constants(tree: ast.Module, dtype: np.dtype) -> dict[str, np.ndarray]:
    """Numeric operands of arithmetic and of NumPy ufunc calls in ``tree``, replaced (in place) by
    names bound to 0-d arrays of ``dtype``: {name: array}.

    A Python number operand costs a ufunc ~0.3-0.5 us per call to convert (NEP 50's weak scalar),
    a 0-d array of the array's own dtype nothing, with the same value (the conversion's rounding)
    and so the same bits.  Only operands next to an array are replaced: ``2/3`` stays Python
    arithmetic, and arguments of symact's helpers stay the Python values they test."""
    names: dict[tuple[float, type, np.dtype], str] = {}
    consts: dict[str, np.ndarray] = {}

    def name_of(v: float, dt: np.dtype) -> ast.Name:
        k = (v, type(v), dt)
        if k not in names:
            names[k] = f"_k{len(names)}"
            with np.errstate(over="ignore"):  # a double beyond float32 becomes inf, as NumPy converts it
                consts[names[k]] = np.array(v, dtype=dt)
        return ast.Name(names[k], ast.Load())

    class Hoist(ast.NodeTransformer):
        def __init__(self, dt):
            self.dt = dt

        def visit_BinOp(self, node):
            self.generic_visit(node)
            if isinstance(node.op, _HOIST_OPS):
                left, right = _number(node.left), _number(node.right)
                if (left is None) != (right is None):
                    if left is not None:
                        node.left = name_of(left, self.dt)
                    else:
                        node.right = name_of(right, self.dt)
            return node

        def visit_Call(self, node):
            if getattr(node.func, "id", "") == "symact_round32":  # float64 inside (float32.mixed_source)
                node.args = [Hoist(_F64).visit(a) for a in node.args]
                return node
            self.generic_visit(node)
            f = getattr(np, getattr(node.func, "id", ""), None)
            if isinstance(f, np.ufunc) and not node.keywords:
                values = [_number(a) for a in node.args]
                if any(v is None for v in values):
                    node.args = [a if v is None else name_of(v, self.dt)
                                 for a, v in zip(node.args, values, strict=True)]
            return node

    Hoist(np.dtype(dtype)).visit(tree)
    return consts


def _series_calls(source: str) -> int:
    return source.count("symact_series(")


_OUT_OPS = {"Add": "add", "Sub": "subtract", "Mult": "multiply", "Div": "divide"}
#: comparisons: a bool result, written as 0.0/1.0 into a float ``out`` only where a product uses it
_COMPARISONS = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isnan", "isinf", "isfinite"}


def _as_out_call(node: ast.AST) -> ast.Call | None:
    """``node`` as a call that can take ``out=``: an arithmetic operator or negation as its NumPy
    ufunc, a NumPy ufunc with one output, ``clip``, or a runtime helper with an ``out`` parameter."""
    from . import _runtime

    if isinstance(node, ast.BinOp) and type(node.op).__name__ in _OUT_OPS:
        return ast.Call(ast.Attribute(ast.Name("numpy", ast.Load()), _OUT_OPS[type(node.op).__name__], ast.Load()),
                        [node.left, node.right], [])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return ast.Call(ast.Attribute(ast.Name("numpy", ast.Load()), "negative", ast.Load()), [node.operand], [])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        target = getattr(_runtime, name, None) if name.startswith("symact_") else getattr(np, name, None)
        if not node.keywords and (
                (isinstance(target, np.ufunc) and len(node.args) == target.nin and target.nout == 1) or name == "clip"):
            return node
        # a helper's own keywords (symact_in's value=, outside=) stay; out= is added
        if callable(target) and name.startswith("symact_") and "out" in inspect.signature(target).parameters \
                and all(k.arg not in (None, "out") for k in node.keywords):
            return node
    return None


def _kind(node: ast.AST, var: str) -> str:
    """"f" (a float array of x's shape), "b" (a comparison's bools), "c" (a constant) or "?"."""
    if isinstance(node, ast.Name):
        return "f" if node.id == var else "?"
    if isinstance(node, ast.Constant):
        return "c"
    if isinstance(node, ast.UnaryOp):
        return _kind(node.operand, var) if isinstance(node.op, ast.USub) else "?"
    if isinstance(node, ast.BinOp):
        kinds = {_kind(node.left, var), _kind(node.right, var)}
        return "f" if "f" in kinds and "?" not in kinds else "c" if kinds == {"c"} else "?"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in _COMPARISONS:
            return "b"
        kinds = {_kind(a, var) for a in node.args}
        return "f" if "f" in kinds and kinds <= {"f", "c"} and _as_out_call(node) is not None else "?"
    return "?"


def _spine(call: ast.Call, var: str, out: ast.keyword) -> None:
    """Write intermediate results into ``out`` too, down one chain of operations (the longest).

    For x - clip(x, -0.5, 0.5): clip into out, then subtract(x, out, out=out).  At 10^7 float64
    softshrink went from 2.1 to 1.5x the copy floor: every pass after the first reads and writes a
    block already in cache, where a temporary costs a fresh block.  A runtime helper may write
    into ``out`` but ends the chain (it may read its input again after writing ``out``); only
    float results take part (a comparison only as a factor of a product); and the caller must not
    pass an ``out`` that overlaps x."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id
    if name.startswith("symact_"):
        return
    best, size = None, 0
    for i, arg in enumerate(call.args):
        kind = _kind(arg, var)
        sub = _as_out_call(arg) if not isinstance(arg, ast.Name) else None
        if sub is None:
            continue
        if kind == "f" or (kind == "b" and name == "multiply"):
            n = sum(1 for _ in ast.walk(arg))
            if n > size:
                best, size = (i, sub), n
    if best is not None:
        i, sub = best
        sub.keywords = [*sub.keywords, out]
        call.args[i] = sub
        _spine(sub, var, out)


def out_source(source: str, spine: bool = False) -> str | None:
    """The printed kernel as ``f(x, out)`` whose last operation writes into ``out``, or None when
    that operation cannot (``x`` itself, ``where``).  Saves the copy of a result into ``out=``, or
    into a block of a large result: for relu one of its two passes over memory.

    The last operation is an arithmetic operator (a NumPy ufunc then), or a call that takes ``out``
    (NumPy ufuncs, ``clip``, and the runtime helpers that accept it).  With ``spine``, operations
    before it write into ``out`` too (``_spine``): then ``out`` must not overlap x."""
    tree = ast.parse(source)
    func = tree.body[0]
    ret = func.body[-1]
    if not isinstance(ret, ast.Return) or ret.value is None:
        return None
    v = _as_out_call(ret.value)
    if v is None:
        return None
    out = ast.keyword("out", ast.Name("out", ast.Load()))
    v.keywords = [*v.keywords, out]
    if spine:
        _spine(v, func.args.args[0].arg, out)
    ret.value = v
    func.args.args.append(ast.arg("out"))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _same_bits(f: Callable, g: Callable, dt: np.dtype) -> bool:
    """Whether two ``(x, out)`` functions write the same bits for the probe inputs and a random sample
    (NaN payloads aside): the check behind every rewrite of a kernel's code."""
    rng = np.random.default_rng(7)
    with np.errstate(all="ignore"):
        x = np.concatenate([_PROBE, rng.standard_normal(4096) * 4, rng.uniform(-1, 1, 1024)]).astype(dt)
        a, b = np.empty_like(x), np.empty_like(x)
        f(x, a)
        g(x, b)
    return bool(np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b)))


def probe_flags(fn: Callable) -> tuple[bool, bool]:
    """(guard, quiet) of printed code: guard when it gets NaN/inf wrong somewhere (then one extra
    pass checks and patches), quiet when it raises no floating-point flag on the whole range (then
    no ``np.errstate``, ~1 us a call)."""
    with np.errstate(all="ignore"):
        probe = np.broadcast_to(fn(np.array([np.nan, np.inf, -np.inf, *_HUGE])), (3 + len(_HUGE),))
    guard = not np.isnan(probe[0]) or bool(np.isnan(probe[1:]).any())
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            fn(_PROBE)
        quiet = True
    except (FloatingPointError, ZeroDivisionError, OverflowError):
        quiet = False
    return guard, quiet


def _const_zero(call: ast.Call) -> bool:
    c = call.args[1] if len(call.args) > 1 else None
    return isinstance(c, ast.Constant) and c.value == 0 and math.copysign(1.0, c.value) > 0  # +0: calloc


def count_passes(source: str) -> int:
    """How many NumPy calls the printed code makes over the array (roughly: it decides whether a
    large array is evaluated whole, at most two passes with no temporaries to keep in cache)."""
    tree = ast.parse(source)
    n = 0
    for node in ast.walk(tree.body[0]):
        if isinstance(node, ast.BinOp | ast.UnaryOp) and not any(isinstance(c, ast.Name) for c in ast.walk(node)):
            continue  # -1, 2/3: constants, not passes
        if isinstance(node, ast.BinOp) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)):
            n += 1
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", "")
            # a step or an indicator is comparisons, a conversion and a NaN check; other helpers make many passes
            if name == "symact_const" and _const_zero(node):
                n += 1  # a calloc'ed zero array and the NaN check: whole, blocks would write the zeros
                continue
            n += {"symact_const": 2, "symact_step": 3, "symact_in": 4, "symact_where": 4,
                  "symact_threshold": 4}.get(name, 10 if name.startswith("symact_") else 1)
    return n


def stable_form(expr: sp.Expr) -> sp.Expr:
    """The stable rewrite of ``expr`` the kernels print (memoised on disk)."""
    import sympy as sp

    from .cache import cached
    from .rewriting import fold_constants, stabilise

    # unpickled as stored: evaluation would re-order the sums that rules build unevaluated
    # (exact_linear's (x + 3)/6, mish_derivative's fraction)
    return cached("stable", key(STABLE_VERSION, sp.srepr(expr)),
                  lambda: fold_constants(stabilise(sp.piecewise_fold(expr))), sympy_as_stored=True)


def print_source(stable: sp.Expr, var: sp.Symbol) -> str:
    """The NumPy source of a kernel for ``stable``; a constant c prints as ``symact_const(x, c)``
    (NaN in, NaN out, with no guard pass)."""
    import sympy as sp

    from .cache import cached
    from .economise import rationals
    from .printing import kernel_nodes, new_printer

    if stable.is_number:
        return f"def _lambdifygenerated({var}):\n    return symact_const({var}, {float(stable)!r})\n"
    # keyed by the modules that decide them (economise.py; float32.py's radius), read when printing
    version = key("1", *((_HERE / m).read_bytes() for m in ("economise.py", "float32.py")))
    rats = cached("rational", key(version, sp.srepr(stable)), lambda: rationals(stable, var)) \
        if stable.has(sp.Piecewise) else {}
    fn = sp.lambdify(var, kernel_nodes(stable), modules=["scipy", "numpy"], printer=new_printer(rats), cse=True,
                     docstring_limit=0)
    return inspect.getsource(fn)


class Kernel:
    """One elementwise kernel: ``expr`` (the mathematics) printed from ``stable`` (its stable form).

    Built from SymPy (``Kernel(expr, name=...)``) or from the prebuilt table of the catalogue's
    kernels (``Kernel.prebuilt``: no SymPy import until ``expr`` or ``stable`` is asked for).
    """

    def __init__(self, expr: sp.Expr, *, name: str, var: sp.Symbol | None = None):
        from .functions import x as X

        self.name, self.var = name, var if var is not None else X
        self.__dict__["expr"] = expr
        self.source = print_source(self.stable, self.var)
        self._fn = compile_source(self.source)
        self._guard, self._quiet = probe_flags(self._fn)
        from .float32 import native_float32

        self._native32 = native_float32(self.source, self._fn)
        self._passes = count_passes(self.source)
        self._limits: dict[float, float] = {}

    @classmethod
    def prebuilt(cls, name: str, source: str, guard: bool, quiet: bool, native32: bool,
                 limits: tuple[float, float] | None, expr_of: Callable[[], sp.Expr]) -> Kernel:
        """A kernel from its recorded source and probe flags; ``expr_of()`` gives the expression on demand."""
        k = cls.__new__(cls)
        k.name, k.source, k._guard, k._quiet, k._native32 = name, source, guard, quiet, native32
        k._expr_of = expr_of
        k._passes = count_passes(source)
        k._limits = {} if limits is None else {1.0: limits[0], -1.0: limits[1]}
        return k

    @cached_property
    def _fn(self) -> Callable:
        """The printed code, for any dtype (probes, the float32 tests, other backends)."""
        return compile_source(self.source)

    @cached_property
    def _plain(self) -> bool:
        """No np.errstate and no guard pass needed: the small-call fast path applies."""
        return self._quiet and not self._guard

    @cached_property
    def expr(self) -> sp.Expr:
        return self._expr_of()

    @cached_property
    def var(self) -> sp.Symbol:
        from .functions import x as X

        return X

    @cached_property
    def stable(self) -> sp.Expr:
        return stable_form(self.expr)

    def __repr__(self) -> str:
        return f"<symact kernel {self.name}: {self.source}>"

    def limit(self, sign: float) -> float:
        """The limit of ``expr`` at sign*inf (NaN when it has none), computed once."""
        if sign not in self._limits:
            self._limits[sign] = limit_at_infinity(self.expr, self.var, int(sign))
        return self._limits[sign]

    @cached_property
    def _float32(self) -> tuple[str, Callable, tuple[float, float] | None]:
        """(source for float32 arithmetic, its code, where it is certified; None: nowhere, the float64
        round trip).

        The source has bounds and root splits re-rounded (``float32.narrow_source``); where that code
        fails certification, its arithmetic on x computed in float64 and rounded once
        (``float32.mixed_source``) gets its own chance before the round trip (certified under its
        own text: the plain code's certificate is the kernel source's), then the same with the
        arithmetic on float32 function values too (``leaves``)."""
        from .float32 import certified_range, mixed_source, narrow_source, roundtrip_source

        plain = narrow_source(self.source)
        fn = compile_source(plain, _F32)
        if self._native32:
            return plain, fn, _EVERYWHERE

        def wide(v):  # float64 input
            return self._eval(v, False)

        interval = certified_range(self.source, lambda v: self._eval(v, False, fn32=fn), wide)
        tried = {plain}
        for leaves in (False, True):
            if interval is not None:
                break
            mixed = mixed_source(plain, leaves=leaves)
            if mixed is None or mixed in tried or \
                    (leaves and _series_calls(mixed) > _series_calls(roundtrip_source(self.source))):
                continue   # mostly float64 arithmetic and a root series the round trip drops: slower (mish')
            tried.add(mixed)
            fn_mixed = compile_source(mixed, _F32)
            interval = certified_range(mixed, lambda v, f=fn_mixed: self._eval(v, False, fn32=f), wide)
            if interval is not None:
                return mixed, fn_mixed, interval
        return plain, fn, interval

    @cached_property
    def _f32(self) -> tuple[float, float] | None:
        """Where float32 input is computed in float32 (None: nowhere, the float64 round trip)."""
        return self._float32[2]

    @cached_property
    def _source32(self) -> str:
        return self._float32[0]

    @cached_property
    def _fn64(self) -> Callable:
        """The code for float64 arrays (its constants as float64 0-d arrays; ``_fn`` takes any dtype)."""
        return compile_source(self.source, _F64)

    @cached_property
    def _fn_rt(self) -> Callable:
        """The float64 code for results rounded to float32 or float16 (``float32.roundtrip_source``:
        no series about roots x0 != 0, shorter ones about 0); ``SYMACT_FLOAT32=roundtrip`` keeps
        the float64 kernel (0.5 ULP + 2^-29 from the truth everywhere)."""
        from .float32 import one_sided_source, roundtrip_only, roundtrip_source

        if roundtrip_only():
            return self._fn64
        src = roundtrip_source(self.source)
        fn = self._fn64 if src == self.source else compile_source(src, _F64)
        one = one_sided_source(src)
        if one is not None:
            fn_one = compile_source(one, _F64)
            if _agrees_on_float32(fn_one, fn):
                return fn_one
        return fn

    @cached_property
    def _fn32(self) -> Callable:
        return self._float32[1]

    @cached_property
    def _small(self) -> dict:
        """dtype -> the code small calls of that dtype run as is, or False (filled on first use)."""
        return {}

    @cached_property
    def _outs(self) -> dict:
        """dtype -> the code that writes its result into ``out`` (``out_source``), or False."""
        return {}

    def _direct(self, dt) -> Callable | bool:
        """``run(a, out)``: f of a (dtype dt, not overlapping out) into out, intermediate results in
        ``out`` too where that gives the same bits on the probe inputs (``out_source(spine=True)``)."""
        f = self._outs.get(dt)
        if f is None:
            f = False
            if dt == _F64 or (dt == _F32 and self._f32 is not None):
                source = self.source if dt == _F64 else self._source32
                src, spine = out_source(source), out_source(source, spine=True)
                if src:
                    f = compile_source(src, dt)
                    if spine != src and _same_bits(f, g := compile_source(spine, dt), dt):
                        f = g
                    f = self._wrap_direct(f, outside=dt == _F32 and self._f32 != _EVERYWHERE)
            self._outs[dt] = f
        return f

    def _wrap_direct(self, fn: Callable, outside: bool = False) -> Callable:
        """``fn`` with _eval's fix-ups: NaN and the limits where the code gets them wrong, and with
        ``outside`` (float32 certified on an interval only) the float64 round trip beyond it."""
        if self._plain and not outside:
            return fn
        quiet, guard = self._quiet, self._guard

        def run(a, out):
            if quiet:
                fn(a, out)
            else:
                with np.errstate(all="ignore"):
                    fn(a, out)
            # as _eval: one dot product tells whether anything is non-finite, then the patch
            if guard and a.size and not math.isfinite(np.vdot(a, out)):
                with np.errstate(all="ignore"):
                    np.copyto(out, self._patch(a, np.array(out, dtype=np.float64)), casting="same_kind")
            if outside:
                self._round_trip_outside(a, out)
        return run

    def _small_fn(self, dt) -> Callable | bool:
        fn = self._plain and (self._fn64 if dt == _F64 else self._fn32 if dt == _F32 and self._f32 == _EVERYWHERE
                              else False)
        if fn:  # the result's type, dtype and shape follow x's dtype and shape: checked once, not per call
            probes = (np.zeros(3, dt), np.ones((2, 2), dt))
            if not all(type(r) is np.ndarray and r.dtype == dt and r.shape == p.shape
                       for p, r in ((p, fn(p)) for p in probes)):
                fn = False
        self._small[dt] = fn
        return fn

    def __call__(self, value, out: np.ndarray | None = None):
        if out is None and type(value) is np.ndarray:
            # the common small call: code that needs no errstate and no guard, input in its own dtype
            fn = self._small.get(value.dtype)
            if fn is None:
                fn = self._small_fn(value.dtype)
            if fn and 0 < value.size <= _CHUNK and value.ndim:
                res = fn(value)
                return res if res is not value else res.copy()  # identity: never the caller's array
        a = value if type(value) is np.ndarray else np.asarray(value)
        if a.dtype not in _COMPUTE:
            a, _ = to_float_array(a, self.name)
        out_type = _COMPUTE[a.dtype]
        # float64 is computed as is; float32 in float32 where certified (_f32), else in float64
        wide = a.dtype != _F64 and not (a.dtype == _F32 and self._f32 is not None)
        ev = self._eval32 if a.dtype == _F32 and not wide else self._eval
        if a.size <= _CHUNK or (not wide and (self._passes <= 1 or (self._passes == 2 and not self._direct(a.dtype)))):
            # small, one pass, or two with no conversion and no code that writes into a block: one
            # evaluation (blocks would add a copy)
            if out is not None and not wide and out.dtype == a.dtype and out.shape == a.shape and \
                    not np.may_share_memory(a, out):
                direct = self._direct(a.dtype)
                if direct:
                    direct(a, out)
                    return out
            res = ev(a, wide)
            if out is not None or res.dtype != out_type:
                with np.errstate(over="ignore"):  # a float64 beyond float32's range rounds to inf, as it should
                    if out is not None:
                        np.copyto(out, res, casting="same_kind")
                        return out
                    res = res.astype(out_type)
            elif res is a:  # identity-like code returns its argument: never hand back the caller's array
                res = res.copy()
            return res[()] if a.ndim == 0 else res
        # large: L2-sized blocks, so temporaries and the float64 round trip stay in cache and
        # memory sees one read of x and one write of the result
        dest = out if out is not None else np.empty(a.shape, out_type)
        flat_out = dest.reshape(-1) if dest.flags.c_contiguous and dest.shape == a.shape else None
        target = flat_out if flat_out is not None else np.empty(a.size, out_type)
        flat = a.reshape(-1)
        step = _BLOCK_BYTES // (8 if wide else a.dtype.itemsize)
        direct = not wide and target.dtype == a.dtype and not np.may_share_memory(a, target) \
            and self._direct(a.dtype)
        with np.errstate(all="ignore"):
            for s in range(0, flat.size, step):
                if direct:  # the last operation writes into the result: no copy
                    direct(flat[s:s + step], target[s:s + step])
                else:
                    np.copyto(target[s:s + step], ev(flat[s:s + step], wide), casting="same_kind")
        if flat_out is None:
            np.copyto(dest, target.reshape(a.shape), casting="same_kind")
        return dest

    def _eval(self, a: np.ndarray, wide: bool, fn32: Callable | None = None) -> np.ndarray:
        """f on one block, in float64 if ``wide`` (else in a's dtype), NaN/inf fixed where the code is wrong
        (``fn32``: float32 code to run instead of the kernel's, as certification tries it)."""
        work = a.astype(_F64) if wide else a
        fn = self._fn_rt if wide else (fn32 or self._fn32) if work.dtype == _F32 else self._fn64
        if self._quiet:
            res = fn(work)
        else:
            with np.errstate(all="ignore"):
                res = fn(work)
        if type(res) is not np.ndarray or res.shape != work.shape or res.dtype != work.dtype:
            res = np.broadcast_to(np.asarray(res, dtype=work.dtype), work.shape).copy()
        # one dot product tells whether any input or output is non-finite (inf*0, NaN, overflow)
        if self._guard and work.size and not math.isfinite(np.vdot(work, res)):
            with np.errstate(all="ignore"):
                res = self._patch(work, np.array(res, dtype=np.float64, copy=True))
        return res

    def _eval32(self, a: np.ndarray, wide: bool = False) -> np.ndarray:
        """float32 ``a`` in float32 inside the certified interval, by the float64 round trip outside it."""
        res = self._eval(a, False)
        if self._f32 != _EVERYWHERE:
            if res is a or res.dtype != a.dtype or not res.flags.writeable:
                res = res.astype(a.dtype)
            self._round_trip_outside(a, res)
        return res

    def _round_trip_outside(self, a: np.ndarray, res: np.ndarray) -> None:
        """res (float32, a's shape) recomputed by the float64 round trip where a is outside the certified
        interval.  a's minimum and maximum (two reductions, no temporary) usually show it all inside;
        else, or with NaN (which makes them NaN), one comparison pass finds the inputs outside (NaN
        itself is computed natively)."""
        lo, hi = self._f32
        if a.size and (lo == -math.inf or a.min() >= lo) and (hi == math.inf or a.max() <= hi):
            return
        with np.errstate(invalid="ignore"):
            m = np.less(a, lo) if hi == math.inf else np.greater(a, hi) if lo == -math.inf else \
                np.greater(np.abs(a), hi) if lo == -hi else np.less(a, lo) | np.greater(a, hi)
        if m.any():
            far = np.flatnonzero(m)
            with np.errstate(over="ignore"):  # beyond float32's range rounds to inf, as it should
                v = self._eval(a.reshape(-1).take(far), True)
                if res.flags.c_contiguous:
                    res.reshape(-1)[far] = v  # 3x faster than put
                else:
                    res.put(far, v)

    def _patch(self, work: np.ndarray, res: np.ndarray) -> np.ndarray:
        """NaN in -> NaN out; a NaN from inf*0 or inf-inf gets the limit of f at that infinity.

        Intermediate overflow happens only for |x| > 1e100 or so, where every built-in with a
        limit has reached it to far below an ULP (the accuracy tests check this on the grid).
        """
        res[np.isnan(work)] = np.nan
        for sign in (1.0, -1.0):
            hit = np.isnan(res) & ~np.isnan(work) & ((work == sign * np.inf) | (sign * work > _FAR))
            if hit.any():
                res[hit] = self.limit(sign)
        return res


def _agrees_on_float32(new: Callable, old: Callable) -> bool:
    """Whether ``new`` gives what ``old`` gives (within 2^-40, far inside the round trip's 2^-29; NaN
    where it gives NaN) on float32 probes: a dense grid over [-64, 64], where the two-sided code
    changes branch and a clamp takes over, and both tails out to float32's largest.  At +-inf, where
    ``old`` gives NaN (inf*0, which the guard replaces by the limit), ``new`` must give ``old`` at
    +-3.4e38 instead: a finite result there is not patched."""
    f32 = np.finfo(np.float32)
    tail = np.geomspace(64.0, float(f32.max), 2001)
    x = np.unique(np.concatenate([np.linspace(-64.0, 64.0, 64001), tail, -tail, [0.0, -0.0]]))
    x = x.astype(np.float32).astype(_F64)
    inf = np.array([np.inf, -np.inf])

    def same(a, b):
        return np.where(np.isnan(b), np.isnan(a), np.abs(a - b) <= np.abs(b) * 2.0 ** -40)

    with np.errstate(all="ignore"):
        a_inf, b_inf = new(inf), old(inf)
        ok_inf = same(a_inf, b_inf) | (np.isnan(b_inf) & same(a_inf, old(np.array([f32.max, -f32.max], _F64))))
        return bool(same(new(x), old(x)).all() and ok_inf.all())


def limit_at_infinity(expr: sp.Expr, var: sp.Symbol, sign: int) -> float:
    """lim f(var) as var -> sign*oo as a float; NaN when there is none (sin) or SymPy cannot tell."""
    import sympy as sp

    from .functions import elementary

    expr = sp.piecewise_fold(expr)
    if isinstance(expr, sp.Piecewise):
        far = sp.Integer(sign) * sp.Integer(10) ** 400
        for e, c in expr.args:
            if c.subs(var, far) == sp.true:
                return limit_at_infinity(e, var, sign)
        return float("nan")
    try:
        L = sp.limit(elementary(expr), var, sp.oo * sign)
        return float(L) if L.is_extended_real else float("nan")
    except Exception:  # noqa: BLE001 - SymPy's limit raises many kinds; no limit -> NaN
        return float("nan")
