"""The printer lambdify uses for symact's kernels: NumPy/SciPy code shaped for speed and exactness.

Measured pitfalls of SymPy's default NumPy printing (NUMERICS.md) and what is printed instead:
``x**3`` -> ``x*x*x`` (``np.power`` is a scalar loop); ``Piecewise`` -> nested ``where``
(``select`` is 6-11x slower); ``Max(0, x)`` -> ``maximum(x, 0)`` (array first); irrational
constants folded to Python floats (NumPy scalars would upcast float32); ``(x + 3)/6``
divides instead of multiplying by a rounded 1/6; ``1/u**2`` -> ``(1/u)**2`` so u**2 cannot
overflow before the reciprocal underflows gracefully.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import SciPyPrinter


def fold_constants(expr: sp.Expr) -> sp.Expr:
    """Irrational numeric subexpressions (sqrt(2), 1/sqrt(pi), ...) as 25-digit Floats."""

    def query(e):
        return isinstance(e, sp.Expr) and e.is_number and not e.is_Rational and not e.is_Float and e.is_real

    return expr.replace(query, lambda e: sp.Float(e.evalf(25), 25))


class KernelPrinter(SciPyPrinter):
    printmethod = "_numpycode"

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Rational(self, expr):
        return str(expr.p) if expr.q == 1 else repr(float(expr))

    def _print_Half(self, expr):
        return "0.5"

    def _print_Pow(self, expr, rational=False):
        base, e = expr.args
        if e.is_Integer and 2 <= abs(int(e)) <= 4:
            b = self._print(base)
            if e < 0:
                b = f"{self._module_format('numpy.reciprocal')}({b})"
            sq = self._module_format("numpy.square")
            n = abs(int(e))
            if n == 2:
                return f"{sq}({b})"
            if n == 4:
                return f"{sq}({sq}({b}))"
            return f"{self._module_format('symact._runtime.symact_cube')}({b})"
        if e == -1:
            return f"(1/{self.parenthesize(base, sp.printing.precedence.PRECEDENCE['Pow'])})"
        return super()._print_Pow(expr, rational=rational)

    def _print_Mul(self, expr):
        sq = [f for f in expr.args if f.is_Pow and f.exp in (2, -2) and isinstance(f.base, sp.Function)]
        if len(sq) == 1 and len(expr.args) > 1:
            (f,) = sq
            r = f.base if f.exp == 2 else 1 / f.base
            rest = sp.Mul(*[a for a in expr.args if a is not f])
            return f"{self._module_format('symact._runtime.symact_mul_sq')}({self._print(rest)}, {self._print(r)})"
        c, rest = expr.as_coeff_Mul()
        if c.is_Rational and not c.is_Integer and abs(c.p) == 1 and rest != 1:
            sign = "-" if c.p < 0 else ""
            return f"{sign}({self._print(rest)})/{c.q}"
        return super()._print_Mul(expr)

    def _minmax(self, expr, fn):
        args = sorted(expr.args, key=lambda a: (a.is_number, sp.default_sort_key(a)))
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{self._module_format(fn)}({out}, {self._print(a)})"
        return out

    def _print_Max(self, expr):
        return self._minmax(expr, "numpy.maximum")

    def _print_Min(self, expr):
        return self._minmax(expr, "numpy.minimum")

    def _print_Piecewise(self, expr):
        where = self._module_format("numpy.where")
        *pieces, (last, cond) = expr.args
        out = self._print(last) if cond == sp.true else f"{where}({self._print(cond)}, {self._print(last)}, numpy.nan)"
        for e, c in reversed(pieces):
            out = f"{where}({self._print(c)}, {self._print(e)}, {out})"
        return out

    def _print_Relational(self, expr):
        op = {"==": "equal", "!=": "not_equal", "<": "less", "<=": "less_equal",
              ">": "greater", ">=": "greater_equal"}[expr.rel_op]
        return f"{self._module_format('numpy.' + op)}({self._print(expr.lhs)}, {self._print(expr.rhs)})"

    def _print_Heaviside(self, expr):
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Zero
        return f"{self._module_format('numpy.heaviside')}({self._print(expr.args[0])}, {self._print(h0)})"

    def _trig(self, expr, cos):
        c, rest = expr.args[0].as_coeff_Mul()
        if c.is_number and c != 1 and rest.is_Symbol:  # sin(w0*x): keep it finite where w0*x overflows
            fn = self._module_format("symact._runtime.symact_sin_mul")
            return f"{fn}({self._print(c)}, {self._print(rest)}{', True' if cos else ''})"
        return f"{self._module_format('numpy.' + ('cos' if cos else 'sin'))}({self._print(expr.args[0])})"

    def _print_sin(self, expr):
        return self._trig(expr, False)

    def _print_cos(self, expr):
        return self._trig(expr, True)

    def _print_sign(self, expr):
        return f"{self._module_format('numpy.sign')}({self._print(expr.args[0])})"


def new_printer() -> KernelPrinter:
    """A printer configured as lambdify configures its own (short names, imports collected)."""
    return KernelPrinter({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True})
