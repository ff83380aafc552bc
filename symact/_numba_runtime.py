"""Scalar versions of ``symact._runtime`` for the Numba backend (same stable formulas, one element at a time)."""
from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

from ._ndtr import _CONST as _NC
from ._ndtr import FDLIBM_RB as _FD_RB
from ._ndtr import FDLIBM_SB as _FD_SB
from ._ndtr32 import E as _NDTR32_E
from ._runtime import _EXP_SUBNORMAL

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
_SQRT1_2 = 0.7071067811865476
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01     # fdlibm's split of ln 2: k*_LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10
_SHIFT = 6755399441055744.0              # 1.5 * 2^52: z/ln2 + _SHIFT is rounded to an integer k ...
_SHIFT_BITS = 4843621399236968448        # ... which its bits minus these hold (no float->int conversion)
_KC3 = (_NC["R3_Gs"] + _NC["R3_Gr"]) * _INV_LN2
_KC4 = (_NC["R4_Gs"] + _NC["R4_Gr"]) * _INV_LN2


# E(r) = (e^r - 1 - r)/r^2, highest degree first, as given by _derive_exp_polys() (checked by the tests):
# on |r| <= ln2/2 (exp's reduced range), one Horner step fewer than the Taylor polynomial to r^11/13!
# and 14x more accurate (0.1 ns per element per exp, ~5% of tanh' at 10^7) ...
_EXP_E = (2.0914679376583956e-09, 2.510520637395704e-08, 2.7557273661348637e-07, 2.7557255425746435e-06,
          2.4801587325533363e-05, 0.00019841269874800493, 0.0013888888888883752, 0.008333333333326141,
          0.04166666666666667, 0.1666666666666667, 0.5)
# ... and on |r| <= 0.45 (one step more), for ndtr's exponent, which arrives reduced
_EXP_E45 = (1.6105565263669664e-10, 2.094655212119516e-09, 2.50520023559671e-08, 2.7557160140591657e-07,
            2.7557319335340384e-06, 2.48015874686649e-05, 0.00019841269841216986, 0.0013888888888809582,
            0.008333333333333342, 0.0416666666666668, 0.16666666666666666, 0.5)


def _derive_exp_polys() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(_EXP_E, _EXP_E45): mpmath.chebyfit of E at 50 digits, 11 nodes on ln2/2 + 1e-13 (k's rounding
    widens the range) and 12 on 0.45, rounded to doubles.  Not used at import (mpmath); the tests
    compare the constants with it and bound |r^2 (E - P)|: 2.9e-19 and 9e-19."""
    import mpmath as mp

    def fit(h, n):
        with mp.workdps(50):
            def e(r):
                return mp.mpf(1) / 2 + r / 6 + r * r / 24 if abs(r) < mp.mpf("1e-12") else (mp.exp(r) - 1 - r) / r**2
            return tuple(float(c) for c in mp.chebyfit(e, [-h, h], n))

    with mp.workdps(50):
        h = mp.log(2) / 2 + mp.mpf("1e-13")
    return fit(h, 11), fit(mp.mpf("0.45"), 12)


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
    is r + p, p = r^2 E(r) + rl (1 + r) with E = (e^r - 1 - r)/r^2 by ``_EXP_E`` (|r^2 (E - poly)| below
    3e-19; the Taylor polynomial to r^11/13! it replaced left 4e-18 with one step more) and rl the
    rounding error of r.  Keeping r and p apart lets exp/expm1/tanh round once at the end.

    Only arithmetic, integer shifts and selects: LLVM vectorises the loops that call these, where
    math.exp/tanh/cosh are C library calls, one element at a time (tanh was 41x the copy floor)."""
    t = fma(z, _INV_LN2, _SHIFT)
    kf = t - _SHIFT
    a = fma(kf, -_LN2_HI, z)                  # exact
    c = kf * _LN2_LO
    r = a - c
    rl = (a - r) - c
    return np.float64(t).view(np.int64) - _SHIFT_BITS, r, fma(r * r, _poly(r, _EXP_E), rl * (1.0 + r))


@njit(inline="always", **_JIT)
def _pow2(k):
    """2^k for -1022 <= k <= 1023, from its bits."""
    return np.int64((k + 1023) << 52).view(np.float64)


@njit(inline="always", **_JIT)
def _exp_dd(z, n, nonpos=False):
    """2^n e^z as hi + lo (|lo| below hi's ULP) for z clamped to [-750, 710] and a small n >= 0:
    2^(k+n) (1 + r + p) summed by Fast2Sum steps; the scale is applied as two normal factors, so
    results overflow to inf and fall through the subnormals rounding once.  NaN gives NaN.
    ``nonpos`` (a constant): the caller knows z <= 0, so the upper clamp is left out (2% of sech2)."""
    if not nonpos:
        z = sel(z > 710.0, 710.0, z)
    z = sel(z < -750.0, -750.0, z)            # 4 e^-750 still rounds to 0
    k, r, p = _reduce(z)
    k = k + n
    k1 = k >> 1
    p1, p2 = _pow2(k1), _pow2(k - k1)
    hi, lo = _one_plus(r, p)
    return (hi * p1) * p2, (lo * p1) * p2


@njit(inline="always", **_JIT)
def _one_plus(r, p):
    """1 + r + p as hi + lo for |r| < 1/2, |p| < r^2: 1 + r rounded, its error and p summed, then
    Fast2Sum (|1 + r| > 1/2 > |q|)."""
    a = 1.0 + r
    q = ((1.0 - a) + r) + p
    hi = a + q
    return hi, (a - hi) + q


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
def _exp_small(z):
    """e^z for |z| <= 0.45 (NaN gives NaN), with no reduction: 1 + z + z^2 E(z) summed as ``_exp_dd``
    sums 1 + r + p.  ndtr's exponent arrives reduced (|z| < 0.42): exp's clamps, reduction and
    scaling were a quarter of its work."""
    hi, lo = _one_plus(z, (z * z) * _poly(z, _EXP_E45))
    return hi + lo


@njit(inline="always", **_JIT)
def exp_neg(z):
    """e^z for z <= 0 (and NaN), as ``exp`` without its overflow clamp: exp(-|u|), exp(-u^2/2)."""
    hi, lo = _exp_dd(z, 0, True)
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
    nh, nl = _exp_dd(-2.0 * abs(u), 2, True)  # 4e
    eh, el = 0.25 * nh, 0.25 * nl             # e (below 2^-1020, where it is lost next to 1 anyway)
    dh = 1.0 + eh
    dl = ((1.0 - dh) + eh) + el
    sh = dh * dh
    sl = fma(dh, dh, -sh) + 2.0 * (dh * dl)
    inv = 1.0 / sh
    y = nh * inv
    return fma(-(fma(y, sh, -nh) + fma(y, sl, -nl)), inv, y)


@njit(inline="always", **_JIT)
def _sigmoid(u, e):
    """1/(1 + e^-u) from e = exp(-|u|): no overflow; the left tail continues into the subnormals."""
    r = 1.0 / (1.0 + e)
    return sel(u >= 0, r, e * r)


@njit(inline="always", **_JIT)
def _dsigmoid(e):
    """sigma(u) sigma(-u) = e r^2 from e = exp(-|u|), r = 1/(1 + e): one exp for both factors."""
    r = 1.0 / (1.0 + e)
    return (e * r) * r


@njit(inline="always", **_JIT)
def sigmoid(u):
    return _sigmoid(u, exp_neg(-abs(u)))


@njit(inline="always", **_JIT)
def dsigmoid(u):
    return _dsigmoid(exp_neg(-abs(u)))


@njit(inline="always", **_JIT)
def _dswish(u, e):
    """silu'(u) from e = exp(-|u|) as symact._runtime.symact_dswish forms it, F (F + (1 + u) G) / (1 + e)^2
    (F = 1, G = e from 0 up; F = e, G = 1 below), with u clamped in 1 + u: at +-inf, where e = 0,
    the result is the limit (1, -0) with no inf*0, so the loop needs no fix-ups."""
    pos = u >= 0
    t = 1.0 + min(max(u, -1e300), 1e300)
    f = sel(pos, 1.0, e)
    d = 1.0 + e
    return f * fma(t, sel(pos, e, 1.0), f) / (d * d)


@njit(inline="always", **_JIT)
def dswish(u):
    return _dswish(u, exp_neg(-abs(u)))


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
    return _tanh_softplus(u, exp_neg(-abs(u)))


@njit(inline="always", **_JIT)
def sech2_softplus(u):
    return _sech2_softplus(u, exp_neg(-abs(u)))


@njit(inline="always", **_JIT)
def tanh_softplus24(u):
    return _tanh_softplus(u, exp24(-abs(u)))


@njit(inline="always", **_JIT)
def sech2_softplus24(u):
    return _sech2_softplus(u, exp24(-abs(u)))


@njit(inline="always", **_JIT)
def _log1p01(e):
    """log(1 + e) for 0 <= e <= 1 (and NaN), branch-free: fdlibm's log1p (s_log1p.c) on that range,
    where k is 0 or 1: f = e itself below sqrt2 - 1, else (1 + e)/2 - 1 (exact) with 1 + e's
    rounding error c carried as c/(1 + e); then log(1 + f) = f - f^2/2 + s(f^2/2 + R(s^2)),
    s = f/(2 + f), R fdlibm's degree-7 fit (error below 2^-58.45).  Under 1 ULP."""
    u = 1.0 + e
    big = e >= 0.41421356237309503           # sqrt2 - 1: 1 + e >= sqrt2
    k = sel(big, 1.0, 0.0)
    c = sel(big, (e - (u - 1.0)) / u, 0.0)    # 1 + e = u - c u exactly (u - 1 and e - (u - 1) are exact)
    f = sel(big, 0.5 * u - 1.0, e)
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    r = fma(z, 1.479819860511658591e-01, 1.531383769920937332e-01)
    r = fma(r, z, 1.818357216161805012e-01)
    r = fma(r, z, 2.222219843214978396e-01)
    r = fma(r, z, 2.857142874366239149e-01)
    r = fma(r, z, 3.999999999940941908e-01)
    r = fma(r, z, 6.666666666666735130e-01)
    r = r * z
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + (k * _LN2_LO + c))) - f)


@njit(inline="always", **_JIT)
def softplus(u):
    """max(u, 0) + log1p(exp(-|u|)), both from the runtime's branch-free pieces, so the loop
    vectorises (with the C library's log1p it stayed scalar at 12 ns per element)."""
    return sel(u > 0, u, 0.0) + _log1p01(exp_neg(-abs(u)))


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
    return _sigmoid(u, exp24(-abs(u)))


@njit(inline="always", **_JIT)
def dswish24(u):
    return _dswish(u, exp24(-abs(u)))


@njit(inline="always", **_JIT)
def dsigmoid24(u):
    return _dsigmoid(exp24(-abs(u)))


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


@njit(inline="always", **_JIT)
def softplus24(u):
    return sel(u > 0, u, 0.0) + _log1p01(exp24(-abs(u)))


def _hi_first(p, s=1.0):
    return tuple(s ** k * x for k, x in reversed(list(enumerate(p))))


def _pad(p, n):
    return (0.0,) * (n - len(p)) + p


# symact._ndtr's evaluation constants (fdlibm's erf/erfc rationals rewritten in u), highest degree first;
# the two tail intervals' rationals padded to one shape, so a select picks the coefficients
_CN, _CQ = _hi_first(_NC["CN"]), _hi_first(_NC["CQ"])
_M2, _Q2 = _hi_first(_NC["R2_M"]), _hi_first(_NC["R2_Q"])
_M3, _S3 = _hi_first(_NC["R3_M"]), _hi_first(_NC["R3_S"])
_M4, _S4 = _pad(_hi_first(_FD_RB, 2.0), len(_M3)), _pad(_hi_first(_FD_SB, 2.0), len(_S3))
_KH = _NC["KH"]
_L1 = _NC["L1"]
_L2 = _NC["L2"]
_R2_Q0H = _NC["R2_q0h"]
_R2_Q0L = _NC["R2_q0l"]
_R2_Q1H = _NC["R2_q1h"]
_R2_Q1L = _NC["R2_q1l"]
_R3_GR = _NC["R3_Gr"]
_R3_GS = _NC["R3_Gs"]
_R3_G1 = _NC["R3_g1"]
_R4_GR = _NC["R4_Gr"]
_R4_GS = _NC["R4_Gs"]
_MASK26 = -(1 << 27)                      # clears the low 27 mantissa bits: 26 significant bits left


@njit(inline="always", **_JIT)
def _hi26(x):
    return np.int64(np.float64(x).view(np.int64) & _MASK26).view(np.float64)


@njit(inline="always", **_JIT)
def _poly(x, c):
    y = c[0]
    for i in range(1, len(c)):
        y = fma(y, x, c[i])
    return y


@njit(inline="always", **_JIT)
def _poly2(x, r, c3, c4):
    y = sel(r, c3[0], c4[0])
    for i in range(1, len(c3)):
        y = fma(y, x, sel(r, c3[i], c4[i]))
    return y


@njit(inline="always", **_JIT)
def ndtr(u):
    """Phi(u), float64, branch-free: ``symact._ndtr``'s scheme (fdlibm's rationals evaluated in u itself,
    u^2 split exactly, the exponent reduced by k ln2 before one exp) with every interval's formula
    computed and the right one selected, and the runtime's exp of the reduced exponent (``_exp_small``:
    no second reduction; ndtr 6.8 -> 6.0 ns per element), so the loop vectorises (the C library's
    erfc kept gelu's loop scalar, 29x the copy floor).  Subnormal results round once (2^k applied as
    two normal factors); NaN gives NaN."""
    a = abs(u)
    # |u| < 1.1932: (1/2 + uh K) + (ul K + u CN(d)/CQ(d)), d = u^2 - 5/4; uh K exact
    uh = _hi26(u)
    d = u * u - 1.25
    r1 = a < 1.193242693252299
    r2 = a < 1.7677669529663689
    # 1.1932 <= |u| < 1.7678: Phi(-a) = (q0 + q1 v) in double-double + v^2 M(v)/Q(v), v = a - 3/2
    v = a - 1.5
    vh = _hi26(v)
    p = vh * _R2_Q1H
    hi = _R2_Q0H + p
    lo = (_R2_Q0H - hi) + p
    lo = lo + (v - vh) * _R2_Q1H
    lo = lo + v * _R2_Q1L
    lo = lo + _R2_Q0L
    # |u| >= 1.7678: Phi(-a) = exp(-a^2/2 + G + g(1/a^2)) / a, two sets of constants (a < 4.04 or not)
    b = sel(a < 40.0, a, 40.0)            # Phi(-40) ~ 1e-350: beyond, 0 anyway (NaN: kept apart below)
    r3 = b < 4.040610178208843
    bh = _hi26(b)
    small = ((b + bh) * -0.5) * (b - bh)  # -(b^2 - bh^2)/2
    ib = 1.0 / b
    zz = ib * ib - sel(r3, 0.125, 0.0)
    # one division for the three intervals' rationals (each element needs one of them): divisions are
    # the loop's costliest instructions (5 of them took it to 9.7 ns per element, 2 to ...)
    w = sel(r1, _poly(d, _CN), sel(r2, _poly(v, _M2), _poly2(zz, r3, _M3, _M4))) / sel(
        r1, _poly(d, _CQ), sel(r2, _poly(v, _Q2), _poly2(zz, r3, _S3, _S4)))
    c = (0.5 + uh * _KH) + ((u - uh) * _KH + u * w)
    q2 = hi + (lo + w * (v * v))
    g = sel(r3, fma(zz * zz, w, _R3_G1 * zz), w)
    gs = sel(r3, _R3_GS, _R4_GS)
    gr = sel(r3, _R3_GR, _R4_GR)
    e0 = (bh * -0.5) * bh                 # exact
    t = (e0 * _INV_LN2 + sel(r3, _KC3, _KC4)) + _SHIFT
    kf = t - _SHIFT
    rh = (e0 - kf * _L1) + gs       # exact (38-bit L1, 20-bit Gs)
    rl = ((small - kf * _L2) + gr) + g
    k = np.float64(t).view(np.int64) - _SHIFT_BITS
    k1 = k >> 1
    qt = ((_exp_small(rh + rl) * ib) * _pow2(k1)) * _pow2(k - k1)
    res = sel(r1, c, abs(sel(u > 0.0, 1.0, 0.0) - sel(r2, q2, qt)))
    return sel(u == u, res, u)


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
def fixed(v, r, lim_pos, lim_neg):
    """r = f(v) with the kernel loops' fix-ups: NaN for NaN, and the limit at +-inf where r is NaN beyond
    |v| = 1e100 (inf*0 or inf - inf in the formula; see kernels.Kernel._patch)."""
    if v != v:
        return v
    if r != r:
        if v > 1e100:
            return lim_pos
        if v < -1e100:
            return lim_neg
    return r


@njit(inline="always", **_JIT)
def mul_tail(a, d):
    """a*d for d a factor decaying faster than any power (numba_backend._tail_product): where d is 0,
    a zero of a's sign, also for a = +-inf (the limit, where inf*0 would be NaN).  Any float type."""
    return sel(d == 0.0, sel(a < 0.0, -d, d), a * d)


_SUBNORMAL_64 = _EXP_SUBNORMAL[np.dtype(np.float64)]   # e^u is subnormal below: the NumPy helper's bound


@njit(inline="always", **_JIT)
def mul_exp(a, u):
    """a*e^u (a polynomial, the kernel's value: serlu, reu, golu).  Where e^u is subnormal it is
    formed as (a e^(u/2)) e^(u/2), rounding once into the subnormals, where a times the subnormal
    e^u multiplied its rounding (serlu: 1160 ULP at x = -742); both are computed, as a select."""
    h = exp(0.5 * u)
    return sel(u < _SUBNORMAL_64, (a * h) * h, a * exp(u))


@njit(inline="always", **_JIT)
def mul_exp24(a, u):
    """mul_exp for a float32 result: below u = -708 any a*e^u rounds to 0 in float32."""
    return a * exp24(u)


@njit(inline="always", **_JIT)
def mul_sq(a, r):
    return (a * r) * r


# ---- sin and cos: fdlibm's (k_sin.c, k_cos.c and e_rem_pio2.c's medium range, as in musl), which carry
# this notice:
#   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
#   Developed at SunPro, a Sun Microsystems, Inc. business.  Permission to use, copy, modify, and
#   distribute this software is freely granted, provided that this notice is preserved.
# Coefficients verbatim.  k_sin: sin(x) ~ x + S1 x^3 + ... + S6 x^13 on |x| <= pi/4; k_cos likewise.
_SIN1, _SIN2, _SIN3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_SIN4, _SIN5, _SIN6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_COS1, _COS2, _COS3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_COS4, _COS5, _COS6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11
# e_rem_pio2: pi/2 in three 33-bit pieces and the tails after each
_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1, _PIO2_1T = 1.57079632673412561417e+00, 6.07710050650619224932e-11
_PIO2_2, _PIO2_2T = 6.07710050630396597660e-11, 2.02226624879595063154e-21
_PIO2_3, _PIO2_3T = 2.02226624871116645580e-21, 8.47842766036889956997e-32
#: |x| below this (2^20 pi/2, fdlibm's medium range: n*_PIO2_1 exact) is reduced here; beyond it sin and
#: cos give NaN, and the kernel's ``fix`` loop computes those elements with the C library
TRIG_LIMIT = 1647099.3291652855


@njit(inline="always", **_JIT)
def _rem_pio2(x):
    """(n, y0, y1): x = n pi/2 + y0 + y1, |y0 + y1| <= pi/4, y1 below y0's ULP, for |x| < TRIG_LIMIT.
    fdlibm's medium case with all three of its rounds taken, not chosen by exponent (branch-free): each
    subtracts the next 33 bits of n pi/2 (the products are exact for n < 2^20) and keeps its rounding
    error d, which fdlibm may drop in its third round only because it takes it where the second was exact."""
    t = fma(x, _INVPIO2, _SHIFT)
    fn = t - _SHIFT
    r = x - fn * _PIO2_1                      # exact (Sterbenz)
    a, w = r, fn * _PIO2_2
    r = a - w
    d2 = (a - r) - w
    a, w = r, fn * _PIO2_3
    r = a - w
    w = fn * _PIO2_3T - ((a - r) - w) - d2
    y0 = r - w
    return np.float64(t).view(np.int64) - _SHIFT_BITS, y0, (r - y0) - w


@njit(inline="always", **_JIT)
def _ksin(x, y):
    """fdlibm __kernel_sin(x, y, 1): sin(x + y) on |x| <= pi/4, y the tail of x."""
    z = x * x
    w = z * z
    r = _SIN2 + z * (_SIN3 + z * _SIN4) + z * w * (_SIN5 + z * _SIN6)
    v = z * x
    return x - ((z * (0.5 * y - v * r) - y) - v * _SIN1)


@njit(inline="always", **_JIT)
def _kcos(x, y):
    """fdlibm __kernel_cos(x, y): cos(x + y) on |x| <= pi/4."""
    z = x * x
    w = z * z
    r = z * (_COS1 + z * (_COS2 + z * _COS3)) + w * w * (_COS4 + z * (_COS5 + z * _COS6))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + (z * r - x * y))


@njit(inline="always", **_JIT)
def _sincos(x, cos):
    """sin(x), or cos(x) with ``cos``, branch-free so the loop vectorises (the C library's kept it scalar:
    sine's float32 loop was 42x the copy floor).  Both kernels are evaluated and the quadrant selects
    one and its sign; NaN for |x| >= TRIG_LIMIT (the caller's ``fix`` loop), for +-inf and for NaN."""
    n, y0, y1 = _rem_pio2(x)
    q = n + 1 if cos else n
    s, c = _ksin(y0, y1), _kcos(y0, y1)
    v = sel((q & 1) == 1, c, s)
    v = sel((q & 2) == 2, -v, v)
    return sel(abs(x) < TRIG_LIMIT, v, np.nan)


@njit(inline="always", **_JIT)
def sin(x):
    return _sincos(x, False)


@njit(inline="always", **_JIT)
def cos(x):
    return _sincos(x, True)


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


# ---- float32 arithmetic (``scalarf``: float32 in, float32 out, 16 lanes on AVX-512), for the kernels
# whose float32 code stays in float32 and passes symact.float32's certification against the float64
# loop on the whole line (``FusedKernel._native32``); the others keep scalar32.  exp is Cody-Waite in
# float32 with symact._ndtr32's degree-4 correction polynomial (relative error 3e-9 before rounding),
# 2^k applied as two factors so that subnormal results round once.

_F32 = np.float32
_E32 = tuple(_F32(c) for c in _NDTR32_E)
_INV_LN2_32, _L1_32, _L2_32 = _F32(1.4426950408889634), _F32(0.693145751953125), _F32(1.4286068203094172e-06)
_SHIFT32 = _F32(12582912.0)                   # 1.5 * 2^23: z/ln2 + this rounds to an integer in the low bits
_SHIFT32_BITS = np.int32(0x4B400000)
_ONE32, _TWO32, _ZERO32 = _F32(1.0), _F32(2.0), _F32(0.0)


@njit(inline="always", **_JIT)
def _parts32(z):
    """(m, p1, p2) with e^z = (1 + m) p1 p2 in float32, z clamped to [-104, 89] (NaN kept)."""
    z = sel(z > _F32(89.0), _F32(89.0), z)
    z = sel(z < _F32(-104.0), _F32(-104.0), z)
    t = z * _INV_LN2_32 + _SHIFT32
    kf = t - _SHIFT32
    r = (z - kf * _L1_32) - kf * _L2_32          # kf * L1 exact (16-bit L1, |k| < 256)
    p = (((_E32[4] * r + _E32[3]) * r + _E32[2]) * r + _E32[1]) * r + _E32[0]
    k = np.float32(t).view(np.int32) - _SHIFT32_BITS  # (Numba widens int32 arithmetic to int64: narrowed back)
    k1 = k >> 1
    p1 = np.int32((k1 + 127) << 23).view(np.float32)
    p2 = np.int32((k - k1 + 127) << 23).view(np.float32)
    return r + (r * r) * p, p1, p2


@njit(inline="always", **_JIT)
def exp32(z):
    m, p1, p2 = _parts32(z)
    return ((_ONE32 + m) * p1) * p2


_SUBNORMAL_32 = _F32(_EXP_SUBNORMAL[np.dtype(np.float32)])


@njit(inline="always", **_JIT)
def mul_exp32(a, u):
    """mul_exp in float32 arithmetic: e^u is subnormal below u = -87.34."""
    h = exp32(_F32(0.5) * u)
    return sel(u < _SUBNORMAL_32, (a * h) * h, a * exp32(u))


@njit(inline="always", **_JIT)
def _expm1_32(z):
    """e^z - 1 for z <= 0: 2^k m + (2^k - 1), both exact but the last rounding for k > -25."""
    m, p1, p2 = _parts32(z)
    s = p1 * p2
    return s * m + (s - _ONE32)


@njit(inline="always", **_JIT)
def sigmoid32(u):
    e = exp32(-abs(u))
    r = _ONE32 / (_ONE32 + e)
    return sel(u >= _ZERO32, r, e * r)


@njit(inline="always", **_JIT)
def _sq1p32(e):
    """(1 + e)^2 as 1 + e (2 + e): one rounding near 1 where (1 + e)(1 + e) compounds three."""
    return _ONE32 + e * (_TWO32 + e)


@njit(inline="always", **_JIT)
def dsigmoid32(u):
    e = exp32(-abs(u))
    return e / _sq1p32(e)


@njit(inline="always", **_JIT)
def tanh32(u):
    q = _expm1_32(-_TWO32 * abs(u))
    return math.copysign(-q / (_TWO32 + q), u)


@njit(inline="always", **_JIT)
def sech2_32(u):
    e = exp32(-_TWO32 * abs(u))
    return (_F32(4.0) * e) / _sq1p32(e)


@njit(inline="always", **_JIT)
def dswish32(u):
    """``_dswish`` in float32 (u clamped to +-1e30 in 1 + u)."""
    e = exp32(-abs(u))
    pos = u >= _ZERO32
    t = _ONE32 + sel(u > _F32(1e30), _F32(1e30), sel(u < _F32(-1e30), _F32(-1e30), u))
    f = sel(pos, _ONE32, e)
    return f * (t * sel(pos, e, _ONE32) + f) / _sq1p32(e)


@njit(inline="always", **_JIT)
def ipow32(b, n):
    """ipow in float32 (the reciprocal of a float32 stays float32)."""
    if n < 0:
        b, n = _ONE32 / b, -n
    r = b
    for _ in range(n - 1):
        r *= b
    return r
