"""Scalar versions of ``symact._runtime`` for the Numba backend (same stable formulas, one element at a time)."""
from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
_SQRT1_2 = 0.7071067811865476
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01     # fdlibm's split of ln 2: k*_LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10
_SHIFT = 6755399441055744.0              # 1.5 * 2^52: z/ln2 + _SHIFT is rounded to an integer k ...
_SHIFT_BITS = 4843621399236968448        # ... which its bits minus these hold (no float->int conversion)


@intrinsic
def fma(typingctx, a, b, c):
    """a*b + c rounded once (llvm.fma, one instruction on x86-64-v3 and later): the exp family's Horner
    steps and error-free corrections, explicitly, so results do not depend on what LLVM contracts."""
    def codegen(context, builder, signature, args):
        return builder.fma(*args)
    return types.float64(types.float64, types.float64, types.float64), codegen


@njit(inline="always", **_JIT)
def sel(c, a, b):
    """a if c else b with both already evaluated: nested, these stay selects LLVM vectorises, where a
    chain of ternaries (three-way branches) kept relu6's loop scalar at 2.9x the copy floor (0.8x now)."""
    return a if c else b


@njit(inline="always", **_JIT)
def _reduce(z):
    """(k, r, p): z = k ln2 + r + (the part of p below r), |r| <= ln2/2, and expm1 of that remainder
    is r + p, p = r^2 E(r) + rl (1 + r) with E the Taylor series to r^11/13! (truncation 4e-18) and
    rl the rounding error of r.  Keeping r and p apart lets exp/expm1/tanh round once at the end.

    Only arithmetic, integer shifts and selects: LLVM vectorises the loops that call these, where
    math.exp/tanh/cosh are C library calls, one element at a time (tanh was 41x the copy floor)."""
    t = fma(z, _INV_LN2, _SHIFT)
    kf = t - _SHIFT
    a = fma(kf, -_LN2_HI, z)                  # exact
    c = kf * _LN2_LO
    r = a - c
    rl = (a - r) - c
    e = fma(1.6059043836821613e-10, r, 2.08767569878681e-09)
    e = fma(e, r, 2.505210838544172e-08)
    e = fma(e, r, 2.755731922398589e-07)
    e = fma(e, r, 2.7557319223985893e-06)
    e = fma(e, r, 2.48015873015873e-05)
    e = fma(e, r, 0.0001984126984126984)
    e = fma(e, r, 0.001388888888888889)
    e = fma(e, r, 0.008333333333333333)
    e = fma(e, r, 0.041666666666666664)
    e = fma(e, r, 0.16666666666666666)
    e = fma(e, r, 0.5)
    return np.float64(t).view(np.int64) - _SHIFT_BITS, r, fma(r * r, e, rl * (1.0 + r))


@njit(inline="always", **_JIT)
def _pow2(k):
    """2^k for -1022 <= k <= 1023, from its bits."""
    return np.int64((k + 1023) << 52).view(np.float64)


@njit(inline="always", **_JIT)
def _exp_dd(z, n):
    """2^n e^z as hi + lo (|lo| below hi's ULP) for z clamped to [-750, 710] and a small n >= 0:
    2^(k+n) (1 + r + p) summed by Fast2Sum steps; the scale is applied as two normal factors, so
    results overflow to inf and fall through the subnormals rounding once.  NaN gives NaN."""
    z = sel(z > 710.0, 710.0, z)
    z = sel(z < -750.0, -750.0, z)            # 4 e^-750 still rounds to 0
    k, r, p = _reduce(z)
    k = k + n
    k1 = k >> 1
    p1, p2 = _pow2(k1), _pow2(k - k1)
    a = 1.0 + r
    q = ((1.0 - a) + r) + p
    hi = a + q
    lo = (a - hi) + q                         # Fast2Sum: |a| >= 0.7 > |q|
    return (hi * p1) * p2, (lo * p1) * p2


@njit(inline="always", **_JIT)
def _expm1_dd(z):
    """e^z - 1 as hi + lo for z <= 700 (clamped below at -60, where the result is -1): (2^k - 1) + 2^k r
    summed exactly (Fast2Sum: |2^k - 1| >= |2^k r| unless k = 0, where 2^k - 1 = 0), then 2^k p."""
    z = sel(z > 700.0, 700.0, z)
    z = sel(z < -60.0, -60.0, z)
    k, r, p = _reduce(z)
    s = _pow2(k)
    a = s - 1.0                               # inexact only for k < -53: its error is kept
    b = s * r
    h = a + b
    q = fma(s, p, ((a - h) + b) + ((-1.0 - a) + s))
    hi = h + q
    return hi, (h - hi) + q                   # Fast2Sum again: |q| ~ 2^k r^2/2 < |h|


@njit(inline="always", **_JIT)
def exp(z):
    """e^z, measured within 0.52 ULP; vectorisable.  NaN gives NaN."""
    hi, lo = _exp_dd(z, 0)
    return hi + lo


@njit(inline="always", **_JIT)
def expm1(z):
    """e^z - 1 without cancellation near 0, measured within 0.52 ULP; beyond z = 700 as exp (the -1
    is below its ULP there, and 2^k alone may overflow)."""
    hi, lo = _expm1_dd(z)
    return sel(z > 700.0, exp(z), math.copysign(hi + lo, z))  # the sign of z: expm1(-0) = -0


@njit(inline="always", **_JIT)
def tanh(u):
    """tanh(|u|) = -q/(2 + q), q = expm1(-2|u|) kept as hi + lo, divided once and corrected by the
    residual (one division); the sign of u put back, so tanh(-0) = -0."""
    qh, ql = _expm1_dd(-2.0 * abs(u))
    dh = 2.0 + qh
    dl = ((2.0 - dh) + qh) + ql
    inv = 1.0 / dh
    t = -qh * inv
    t = fma(-(fma(t, dh, qh) + fma(t, dl, ql)), inv, t)
    return math.copysign(t, u)


@njit(inline="always", **_JIT)
def sech2(u):
    """sech(u)^2 = 4e/(1 + e)^2, e = exp(-2|u|): 4e formed as one exp scaled by 2^2 (so its subnormal
    tail rounds once), the denominator squared as hi + lo, divided once and corrected by the
    residual.  No overflow (cosh(u)^-2 would overflow beyond |u| = 710)."""
    nh, nl = _exp_dd(-2.0 * abs(u), 2)       # 4e
    eh, el = 0.25 * nh, 0.25 * nl             # e (below 2^-1020, where it is lost next to 1 anyway)
    dh = 1.0 + eh
    dl = ((1.0 - dh) + eh) + el
    sh = dh * dh
    sl = fma(dh, dh, -sh) + 2.0 * (dh * dl)
    inv = 1.0 / sh
    y = nh * inv
    return fma(-(fma(y, sh, -nh) + fma(y, sl, -nl)), inv, y)


@njit(inline="always", **_JIT)
def sigmoid(u):
    """1/(1 + e^-u) from e = exp(-|u|): no overflow; the left tail continues into the subnormals."""
    e = exp(-abs(u))
    r = 1.0 / (1.0 + e)
    return sel(u >= 0, r, e * r)


@njit(inline="always", **_JIT)
def dsigmoid(u):
    """sigma(u) sigma(-u) = e r^2, e = exp(-|u|), r = 1/(1 + e): one exp for both factors."""
    e = exp(-abs(u))
    r = 1.0 / (1.0 + e)
    return (e * r) * r


@njit(inline="always", **_JIT)
def _tanh_softplus(u, e):
    """tanh(softplus(u)) from e = exp(-|u|), no logarithm: (1 + 2e)/(1 + 2e + 2e^2) for u >= 0,
    n/(n + 2) with n = e(e + 2) for u < 0; no cancellation on either side, one division."""
    pos = u >= 0
    p = fma(2.0, e, 1.0)
    n = e * (e + 2.0)
    return sel(pos, p, n) / sel(pos, fma(2.0 * e, e, p), n + 2.0)


@njit(inline="always", **_JIT)
def _sech2_softplus(u, e):
    """sech(softplus(u))^2 = 4w/(w + 1)^2, w = (1 + e^u)^2, from e = exp(-|u|) and a = 1 + e:
    4(ea)^2/(a^2 + e^2)^2 for u >= 0, 4a^2/(a^2 + 1)^2 for u < 0."""
    pos = u >= 0
    a = 1.0 + e
    num = sel(pos, e * a, a)
    den = fma(a, a, sel(pos, e * e, 1.0))
    q = num / den
    return 4.0 * (q * q)


@njit(inline="always", **_JIT)
def tanh_softplus(u):
    return _tanh_softplus(u, exp(-abs(u)))


@njit(inline="always", **_JIT)
def sech2_softplus(u):
    return _sech2_softplus(u, exp(-abs(u)))


@njit(inline="always", **_JIT)
def tanh_softplus24(u):
    return _tanh_softplus(u, exp24(-abs(u)))


@njit(inline="always", **_JIT)
def sech2_softplus24(u):
    return _sech2_softplus(u, exp24(-abs(u)))


@njit(**_JIT)
def softplus(u):
    """max(u, 0) + log1p(exp(-|u|)): log1p is a C library call, so the loop stays scalar and the C
    library's exp is the cheaper one here (the runtime's costs more unvectorised: softplus 14 -> 21x
    the copy floor)."""
    return sel(u > 0, u, 0.0) + math.log1p(math.exp(-abs(u)))


# ---- the same functions for kernels whose results are rounded to float32 (``scalar32``): still
# float64 arithmetic, but relative error below 2^-32 (0.004 float32 ULP before that rounding) is
# enough (expm1's 2^k m - (1 - 2^k) may cancel 3x), so exp is a degree-9 polynomial with one rounding
# per step and no error-free corrections:
# sigmoid on a float32 array, 1.7 -> 1.0 ns per element.

@njit(inline="always", **_JIT)
def _parts24(z, lo):
    """(m, p1, p2) with e^z = (1 + m) p1 p2, z clamped to [lo, 710], relative error below 1e-11."""
    z = sel(z > 710.0, 710.0, z)
    z = sel(z < lo, lo, z)
    t = fma(z, _INV_LN2, _SHIFT)
    kf = t - _SHIFT
    r = fma(kf, -_LN2_HI, z) - kf * _LN2_LO
    e = fma(2.7557319223985893e-06, r, 2.48015873015873e-05)     # 1/9!, 1/8!: truncation 7e-12
    e = fma(e, r, 0.0001984126984126984)
    e = fma(e, r, 0.001388888888888889)
    e = fma(e, r, 0.008333333333333333)
    e = fma(e, r, 0.041666666666666664)
    e = fma(e, r, 0.16666666666666666)
    e = fma(e, r, 0.5)
    k = np.float64(t).view(np.int64) - _SHIFT_BITS
    k1 = k >> 1
    return fma(r * r, e, r), _pow2(k1), _pow2(k - k1)


@njit(inline="always", **_JIT)
def exp24(z):
    m, p1, p2 = _parts24(z, -746.0)
    return ((1.0 + m) * p1) * p2


@njit(inline="always", **_JIT)
def expm1_24(z):
    m, p1, p2 = _parts24(z, -60.0)
    s = p1 * p2
    return sel(z > 700.0, ((1.0 + m) * p1) * p2, math.copysign(fma(s, m, s - 1.0), z))


@njit(inline="always", **_JIT)
def tanh24(u):
    q = expm1_24(-2.0 * abs(u))
    return math.copysign(-q / (2.0 + q), u)


@njit(inline="always", **_JIT)
def sech2_24(u):
    e = exp24(-2.0 * abs(u))
    d = 1.0 + e
    return (4.0 * e) / (d * d)


@njit(inline="always", **_JIT)
def sigmoid24(u):
    e = exp24(-abs(u))
    r = 1.0 / (1.0 + e)
    return sel(u >= 0, r, e * r)


@njit(inline="always", **_JIT)
def dsigmoid24(u):
    e = exp24(-abs(u))
    r = 1.0 / (1.0 + e)
    return (e * r) * r


@njit(inline="always", **_JIT)
def ndtr24(u):
    """Phi(u) for a float32 result, branch-free: Phi(-a) = exp(-a^2/2) R(a), R = P/Q the degree 4/5 fit
    of ``symact._ndtr32`` on [0, 14.5] (relative error 6e-9, 0.1 float32 ULP), in float64; beyond
    a = 14.5 results are float32 subnormals, and beyond 38 exactly 0 (so that u Phi(u) is 0 too)."""
    a = sel(abs(u) > 38.0, 38.0, abs(u))
    p = fma(a, 0.0041164265998254075, 0.040634231745770445)
    p = fma(p, a, 0.18323842782564675)
    p = fma(p, a, 0.43829986386566777)
    p = fma(p, a, 0.5000000029422822)
    q = fma(a, 0.01031823163427241, 0.10186135837129395)
    q = fma(q, a, 0.469479218344277)
    q = fma(q, a, 1.2025175694752963)
    q = fma(q, a, 1.6744847077486098)
    q = fma(q, a, 1.0)
    t = exp24(-0.5 * (a * a)) * (p / q)
    t = sel(a >= 38.0, 0.0, t)
    return sel(u >= 0, 1.0 - t, t)


@njit(**_JIT)
def softplus24(u):
    return softplus(u)


@njit(**_JIT)
def ndtr(u):
    """Phi(u) = erfc(-u/sqrt 2)/2 with the C library's erfc; below u = -36 (subnormal results, where
    that erfc loses bits) erfcx(t) exp(-u^2/2) from erfcx's asymptotic series and u^2 taken exactly."""
    if u >= -1.0:
        return 0.5 * math.erfc(-u * _SQRT1_2)
    if u >= -36.0:  # erfc at t = fl(-u/sqrt 2), corrected to first order for t's rounding d (exact)
        t = -u * _SQRT1_2
        e = math.erfc(t)
        a = -u
        ca = 134217729.0 * a
        ah = ca - (ca - a)
        al = a - ah
        ch, cl = 0.7071067811865476, -4.833646656726457e-17  # 1/sqrt 2 = ch + cl
        cc = 134217729.0 * ch
        chh = cc - (cc - ch)
        chl = ch - chh
        d = (((ah * chh - t) + ah * chl + al * chh) + al * chl) + a * cl
        r = 2.0 * math.exp(-t * t) / (1.7724538509055160 * e)
        return 0.5 * e * (1.0 - r * d)
    if u < -40.0:  # the truth (< 1e-350) underflows; u*u's error term would overflow exp below
        return 0.0
    t = -u * _SQRT1_2
    it2 = 0.5 / (t * t)
    s, term = 1.0, 1.0
    for k in range(1, 12):
        term *= -(2 * k - 1) * it2
        s += term
    c = 134217729.0 * u  # Dekker: hi + lo == u*u exactly
    uh = c - (c - u)
    ul = u - uh
    hi = u * u
    lo = ((uh * uh - hi) + 2 * uh * ul) + ul * ul
    return 0.5 * (s / (t * 1.7724538509055160)) * math.exp(-0.5 * lo) * math.exp(-0.5 * hi)


@njit(inline="always", **_JIT)
def cube(u):
    return u * u * u


@njit(inline="always", **_JIT)
def ipow(b, n):
    """b**n for a small integer n; for n < 0 the reciprocal first (1/cosh(x)**2 must not overflow)."""
    if n < 0:
        b, n = 1.0 / b, -n
    r = b
    for _ in range(n - 1):
        r *= b
    return r


@njit(inline="always", **_JIT)
def mul_sq(a, r):
    return (a * r) * r


@njit(**_JIT)
def sin_mul(c, u, cos):
    """sin(c*u) (or cos), finite where c*u overflows: halve, then double back exactly (see _runtime)."""
    v = c * u
    if math.isinf(v) and not math.isinf(u):
        k = 0
        w = v
        while math.isinf(w):
            k += 1
            w = c * (u / 2.0**k)
        sn, cs = math.sin(w), math.cos(w)
        for _ in range(k):
            sn, cs = 2 * sn * cs, cs * cs - sn * sn
        return cs if cos else sn
    return math.cos(v) if cos else math.sin(v)


@njit(inline="always", **_JIT)
def heaviside(u, h0):
    return 1.0 if u > 0 else (h0 if u == 0 else 0.0)


@njit(inline="always", **_JIT)
def sign(u):
    return 1.0 if u > 0 else (-1.0 if u < 0 else u)
