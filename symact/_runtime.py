"""NumPy implementations that generated kernels call (the printers of ``functions`` name them).

Names carry a ``symact_`` prefix: lambdify skips an import whose name its modules
(NumPy, SciPy) already define, so ``ndtr`` would silently be SciPy's.
"""
from __future__ import annotations

import math

import numpy as np

_F64 = np.dtype(np.float64)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)  # phi(u) = INV_SQRT_2PI exp(-u^2/2)


def aligned_empty(n: int, dtype=_F64) -> np.ndarray:
    """An empty 1-d array whose data starts on a 64-byte boundary, for scratch buffers kept across calls.

    NumPy's allocator gives 16-byte alignment (a 256 KiB buffer starts 16 bytes into its page), and
    its AVX-512 loops run array-with-array operations at half speed on such data: np.add of two
    float64 blocks of 32k, 0.50 against 0.22 ns per element aligned (float32: 0.25 against 0.12)."""
    dt = np.dtype(dtype)
    raw = np.empty(n * dt.itemsize + 64, dtype=np.uint8)
    start = -raw.ctypes.data % 64
    return raw[start:start + n * dt.itemsize].view(dt)


def _has_nan(u) -> bool:
    """Whether some u is NaN.  ``vdot(u, u)`` is NaN only if some u is (its terms are >= 0, so no
    inf - inf): one SIMD pass finds out, where isnan().any() took two and a mask.  (``u.dot(u)`` is
    0.3 us faster on small arrays but sets the overflow flag, a warning outside np.errstate.)  Asked
    first, before the kernel's passes: on a block fresh from memory this read-only pass brings u into
    cache for the others, where after them it cost a second trip (leaky_relu' float64 at 10^7: 2.06
    -> 1.89x the copy floor)."""
    return bool(u.dtype.kind == "f" and u.size and math.isnan(np.vdot(u, u)))


def _put_nan(u, r, has_nan: bool):
    """r = NaN where u is NaN, if ``has_nan`` (``_has_nan(u)``, asked before r was written)."""
    if has_nan:
        r[np.isnan(u)] = np.nan


def _float_type(u):
    dt = u.dtype
    return dt if dt.kind == "f" else _F64


def _exp_neg_abs(u):
    """exp(-|u|) in one temporary (abs, negation and exp in place)."""
    a = np.abs(u)
    t = _reuse(a)
    return np.exp(np.negative(a, out=t), out=t)


def symact_softplus(u, out=None):
    """log(1 + e^u) as max(u, 0) + log1p(exp(-|u|)): no overflow, no cancellation."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    e = _exp_neg_abs(u)
    return np.add(np.maximum(u, _k(0, _float_type(u))), np.log1p(e, out=_reuse(e)), out=out)


def _writable(out, u):
    """``out`` unless it overlaps ``u`` (the helper reads u again after writing: NaN is put back)."""
    return None if out is None or np.may_share_memory(out, u) else out


def _into(out, r):
    if out is None or r is out:
        return r
    np.copyto(out, r)
    return out


_SAME_SIZE_INT = {4: np.dtype(np.int32), 8: np.dtype(np.int64), 2: np.dtype(np.int16)}


def symact_where(cond, a, b, out=None):
    """``np.where(cond, a, b)``, the same bits, by selecting bits: b ^ ((a ^ b) * cond).

    where() branches on every element, 3.2-4.4 ns each with random conditions on this kind of CPU;
    the select is three integer passes, 1.0 ns (float32) to 2.0 ns (float64), at the kernels' block
    sizes (medians of 15 runs).  Exact for every
    value (NaN, inf, -0.0).  Small arrays (call overhead decides), other shapes and dtypes go to
    np.where."""
    if type(cond) is not np.ndarray or cond.size < 2048:
        return _into(out, np.where(cond, a, b))
    dt = np.result_type(a, b)
    if dt.kind == "f" and (out is None or out.dtype == dt):
        a, b = np.asarray(a, dt), np.asarray(b, dt)
    if dt.kind != "f" or (out is not None and out.dtype != dt) or not (
            a.shape in ((), cond.shape) and b.shape in ((), cond.shape)):
        return _into(out, np.where(cond, a, b))
    it = _SAME_SIZE_INT[dt.itemsize]
    ai, bi = a.view(it), b.view(it)
    r = np.empty(cond.shape, dt) if out is None else out
    ri = r.view(it)
    np.bitwise_xor(ai, bi, out=ri)
    if cond.dtype == np.bool_:  # (a ^ b) * cond: no mask array (2.8 -> 2.3x the copy floor for threshold)
        np.multiply(ri, cond, out=ri)
    else:
        np.bitwise_and(ri, np.subtract(0, cond, dtype=it), out=ri)  # 0 or -1: all bits set where cond
    np.bitwise_xor(ri, bi, out=ri)
    return r


def round_down(c: float, dt) -> float:
    """The largest value of float dtype dt <= c: x > c iff x > round_down(c) for x of that dtype (and
    x <= c iff x <= it), so a comparison with a bound the dtype cannot hold stays exact."""
    f = np.dtype(dt).type(c)
    if float(f) > c:
        f = np.nextafter(f, f.dtype.type(-np.inf))
    return float(f)


_STEP_BITS: dict = {}


def symact_threshold(u, t, v, out=None):
    """u where u > t, else v (PyTorch's Threshold), NaN for NaN.

    When |t| <= v: max(u, y), y = +v where t - u >= +0 (u <= t) and -v elsewhere, y taking the sign
    of t - u by two integer passes.  Four SIMD passes where the comparison and the select took five
    (30 against 42 us a 32k float64 block, 2.34 -> ~1.9x the copy floor at 10^7).  Exact: t - u is
    0 only for u = t (gradual underflow), a NaN u stays NaN in the maximum, max(u, v) = v for
    u <= t <= v and max(u, -v) = u for u > t >= -v.  t is rounded down to u's dtype (u > t exactly
    then); other t and v, and small arrays, go to the comparison and select."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    if u.dtype.kind != "f":
        u = u.astype(_F64)
    dt = u.dtype
    key = (t, v, dt)
    try:
        td, vd, sign, vbits = _STEP_BITS[key]
    except KeyError:
        td, vd = dt.type(round_down(t, dt)) + dt.type(0), dt.type(v)  # + 0: t = -0.0 would make t - 0 = -0
        it = _SAME_SIZE_INT[dt.itemsize]
        fast = 0 < vd and -vd <= td <= vd
        sign = np.array(np.iinfo(it).min, it) if fast else None
        vbits = np.array(vd, dt).view(it) if fast else None
        td, vd = np.array(td, dt), np.array(vd, dt)
        _STEP_BITS[key] = td, vd, sign, vbits
    w = _writable(out, u)  # y is built in out, and symact_where reads u after writing: neither into u
    if w is not None and w.dtype != dt:
        w = None
    if sign is None or u.size < 2048:
        return _into(out, symact_where(np.less_equal(u, td), vd, u, out=w))
    y = np.subtract(td, u, out=w)
    yi = y.view(sign.dtype)
    np.bitwise_and(yi, sign, out=yi)
    np.bitwise_or(yi, vbits, out=yi)
    return np.maximum(u, y, out=y if w is not None or out is None else out)


#: arrays up to this size take np.heaviside for steps and indicators: one scalar loop and no NaN
#: check beat comparisons, a conversion and the NaN check below ~500 elements (1 us less at 100)
SMALL = 256
_KS: dict = {}


def _k(v, dt):
    """v as a 0-d array of dtype dt (cached): a ufunc converts a Python number operand on every call,
    0.3-0.5 us; the value is the same (-0.0 has its own entry: it equals 0 as a key)."""
    key = (v, dt, v == 0 and math.copysign(1.0, v) < 0)
    try:
        return _KS[key]
    except KeyError:
        r = _KS[key] = np.array(v, dt)
        return r


def symact_step(u, h0=0, out=None):
    """Heaviside step with value h0 (0 or 1) at 0, NaN for NaN: a comparison converted to floats
    (NaN compares False, so it is put back).  ``np.heaviside`` is a scalar loop, 30x slower, except
    on small arrays."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    if h0 not in (0, 1) or (u.size <= SMALL and u.dtype.kind == "f"):
        return np.heaviside(u, h0, out=out)
    dt = _float_type(u)
    cmp = np.greater if h0 == 0 else np.greater_equal
    w = _writable(out, u)
    nan = _has_nan(u)
    r = cmp(u, _k(0, dt), out=w) if w is not None else cmp(u, _k(0, dt)).astype(dt)  # bool cast to float
    _put_nan(u, r, nan)
    return _into(out, r)


def _in_small(u, lo, hi, closed_lo, closed_hi, outside):
    """symact_in's 0/1 indicator by np.heaviside (NaN for NaN, no check needed): u > lo exactly when
    u - lo > 0, as IEEE subtraction of unequal numbers is never 0; u = lo is h0 = 1 at a closed end."""
    dt = u.dtype
    if lo is not None and hi is not None and lo == -hi and closed_lo == closed_hi:
        a = np.abs(u)
        h = _k(hi, dt)
        if outside:  # |u| > hi (closed interval) or >= hi (open)
            return np.heaviside(np.subtract(a, h, out=a), _k(1 - closed_hi, dt), out=a)
        return np.heaviside(np.subtract(h, a, out=a), _k(closed_hi, dt), out=a)
    r = None
    if lo is not None:
        r = np.subtract(u, _k(lo, dt)) if lo != 0 else u
        r = np.heaviside(r, _k(closed_lo, dt), out=None if r is u else r)
    if hi is not None:
        c = np.subtract(_k(hi, dt), u)
        c = np.heaviside(c, _k(closed_hi, dt), out=c)
        r = c if r is None else np.multiply(r, c, out=r)
    if outside:
        r = np.subtract(_k(1, dt), r, out=r)
    return r


def symact_in(u, lo, hi, closed_lo=0, closed_hi=0, outside=False, out=None, value=1.0, other=0.0):
    """``value`` (1.0) where lo < u < hi (<= at a closed end, None: unbounded), or outside that
    interval if ``outside``; ``other`` (0.0) elsewhere; NaN for NaN.  Comparisons and one conversion,
    all SIMD; other values by one multiply-add when that is exact, else by selecting bits.
    (``np.heaviside`` keeps NaN in one pass but is a scalar loop: 51 ms for 10^7 float32, where the
    comparison took 1.8 ms and the copy floor 2.8 ms.)"""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    dt = _float_type(u)
    if u.size <= SMALL and u.ndim and dt is u.dtype and _exact_values(dt, value, other):
        r = _in_small(u, lo, hi, closed_lo, closed_hi, outside)
        if value != 1.0 or other != 0.0:
            _values(r, None, value, other)
        return _into(out, r)
    nan = _has_nan(u)
    m = None
    if lo is not None and hi is not None and lo == -hi and closed_lo == closed_hi:
        # symmetric: |u| against hi, two passes where two comparisons and their "and" took three
        a = np.abs(u)
        h = _k(hi, dt)
        if outside:
            m = np.greater(a, h) if closed_hi else np.greater_equal(a, h)
        else:
            m = np.less_equal(a, h) if closed_hi else np.less(a, h)
        outside = False
    else:
        if lo is not None:
            m = np.greater_equal(u, _k(lo, dt)) if closed_lo else np.greater(u, _k(lo, dt))
        if hi is not None:
            c = np.less_equal(u, _k(hi, dt)) if closed_hi else np.less(u, _k(hi, dt))
            m = c if m is None else np.logical_and(m, c, out=_reuse(m))
    if outside:
        m = np.logical_not(m, out=_reuse(m))
    w = _writable(out, u)
    if w is not None:
        np.copyto(w, m)  # the conversion, into the result
        r = w
    else:
        r = m.astype(dt) if type(m) is np.ndarray else np.asarray(m, dtype=dt)
    if value != 1.0 or other != 0.0:
        _values(r, m, value, other)
    _put_nan(u, r, nan)
    return _into(out, r)


_VALUE_PLANS: dict = {}


def _value_plan(dt, value, other):
    """(scale, shift) for _values as 0-d arrays of dtype dt (shift None where other is 0), or None where
    m*(value - other) + other is not exact at m = 0 and 1 (then a select); cached per call site, as the
    numbers and the check cost more than the two passes on a cached block (3.4 -> 1.8 us at 4096)."""
    key = (dt, value, other, math.copysign(1.0, value), math.copysign(1.0, other))
    try:
        return _VALUE_PLANS[key]
    except KeyError:
        t = dt.type
        d = t(value) - t(other)
        if other == 0.0:                   # 0 * value = 0 (-0.0 for value < 0, as value*indicator gave)
            plan = (np.array(t(value)), None)
        elif d + t(other) == t(value):
            plan = (np.array(d), np.array(t(other)))
        else:
            plan = None
        _VALUE_PLANS[key] = plan
        return plan


def _exact_values(dt, value, other) -> bool:
    """Whether _values maps 0/1 to other/value by arithmetic (which keeps NaN), not by selection."""
    return _value_plan(dt, value, other) is not None


def _values(r, m, value, other):
    """r (m as 0/1 floats) -> value where m, other elsewhere, in place and exactly."""
    plan = _value_plan(r.dtype, value, other)
    if plan is None:
        t = r.dtype.type
        np.copyto(r, symact_where(m, t(value), t(other)))
        return
    np.multiply(r, plan[0], out=r)
    if plan[1] is not None:
        np.add(r, plan[1], out=r)


def symact_wide(u):
    """u in float64: mixed float32 code (``float32.mixed_source``) computes its arithmetic on x from it."""
    return np.asarray(u, dtype=_F64)


def symact_round32(v, out=None):
    """v (float64) rounded to float32 once, into ``out`` if given (``float32.mixed_source``)."""
    if out is None:
        return np.asarray(v, dtype=np.float32)
    np.copyto(out, v, casting="same_kind")
    return out


def symact_const(u, c, out=None):
    """c wherever u is a number, NaN where u is NaN (a constant derivative: identity', step')."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    w = _writable(out, u)
    nan = _has_nan(u)
    if w is None and c == 0 and math.copysign(1.0, c) > 0:
        r = np.zeros(u.shape, _float_type(u))  # calloc: fresh pages come zeroed, no pass to write them
    else:
        r = w if w is not None else np.empty(u.shape, _float_type(u))
        r.fill(c)
    _put_nan(u, r, nan)
    return _into(out, r)


def symact_series(u, r, coeffs, general, power=None, out=None, rational=None):
    """``general``, with the polynomial (Horner, highest coefficient first) where |u| < r.

    A Taylor series near a root replaces a formula that cancels there; it is needed on a
    small part of the input, so it is evaluated only there (in place, same operation order).
    With ``power`` k the series is odd or even: u**k times the polynomial in u*u.  ``rational``
    (numerator, denominator): the same polynomial as a rational of fewer steps (symact.economise).
    """
    u = np.asarray(u)
    g = np.asarray(general)
    idx = np.flatnonzero(np.less(np.abs(u), r))  # flat indices: take is 2x faster than a mask
    p = None
    if idx.size:  # the series first: ``out`` may be u itself
        v = u.take(idx)
        w = v if power is None else np.multiply(v, v)
        if rational is None:
            p = horner(w, coeffs)
        else:
            p = horner(w, rational[0])
            p /= horner(w, rational[1])
        for _ in range(power or 0):
            p *= v
    if out is None:
        out = np.array(np.broadcast_to(g, u.shape), dtype=g.dtype if g.dtype.kind == "f" else np.float64)
    else:
        np.copyto(out, g)
    if p is not None:
        if out.flags.c_contiguous:
            out.reshape(-1)[idx] = p  # 3x faster than out.put(idx, p)
        else:
            out.put(idx, p)
    return out


def horner(x, c, out=None):
    """The polynomial c (highest coefficient first) at x, the first step a multiply-add, into ``out``
    when given.  Coefficients as they come: Python floats (weak) or 0-d arrays of x's dtype keep it."""
    out = np.multiply(x, c[0], out=out)
    np.add(out, c[1], out=out)
    for k in c[2:]:
        np.multiply(out, x, out=out)
        np.add(out, k, out=out)
    return out


def symact_cube(u):
    """u*u*u: np.power is a scalar loop, ~40x slower."""
    return u * u * u


def _reuse(t):
    """A temporary as the output of the next operation, when it is an array (not a 0-d result)."""
    return t if type(t) is np.ndarray else None


def _sigmoid_parts(u):
    """(e, r) = (exp(-|u|), 1/(1 + e)): sigma(|u|) = r and sigma(-|u|) = e*r, with no overflow."""
    e = _exp_neg_abs(u)
    one = _k(1, _float_type(u))
    r = np.add(e, one)
    return e, np.divide(one, r, out=_reuse(r))


def symact_sigmoid(u, out=None):
    """1/(1 + e^-u) from e = exp(-|u|): no overflow, and the left tail keeps going into the
    subnormals (scipy.special.expit returns 0 below u = -709 where the truth is e^u)."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    e, r = _sigmoid_parts(u)
    # r where u >= 0, e*r below: max(e, 1) = 1 and max(e, 0) = e pick the factor exactly, NaN kept
    # (a where() on random signs is branchy, 4x slower)
    f = np.maximum(e, np.greater_equal(u, _k(0, _float_type(u))), out=_reuse(e))
    return np.multiply(r, f, out=_reuse(r) if out is None else out)


#: Veltkamp's splitting constant 2^27 + 1: a = hi + lo, each half with at most 26 significant bits
_SPLIT = 134217729.0


def _split(a, h, lo):
    """a = h + lo (Veltkamp), into h and lo: products of halves are exact."""
    np.multiply(a, _SPLIT, out=h)
    np.subtract(h, a, out=lo)
    np.subtract(h, lo, out=h)
    np.subtract(a, h, out=lo)


def _prod_err(ah, al, bh, bl, p, e, t):
    """e = a*b - p exactly for p = fl(a*b), from the split factors (Dekker; NumPy has no fma)."""
    np.multiply(ah, bh, out=e)
    np.subtract(e, p, out=e)
    for x_, y_ in ((ah, bl), (al, bh), (al, bl)):
        np.multiply(x_, y_, out=t)
        np.add(e, t, out=e)


def _sum_err(a, b, s, e, t):
    """e = a + b - s exactly for s = fl(a + b) (Knuth's two-sum)."""
    np.subtract(s, a, out=t)        # b's part of s
    np.subtract(s, t, out=e)
    np.subtract(a, e, out=e)        # a's part lost
    np.subtract(b, t, out=t)        # b's part lost
    np.add(e, t, out=e)


def _split_scalar(c: float) -> tuple[float, float]:
    t = c * _SPLIT
    h = t - (t - c)
    return h, c - h


def _poly_rest(a, hi, lo, odd):
    """P(a) - z for z the plain evaluation (``horner`` of hi at a, or at a^2 times a if odd): the
    roundings' errors from error-free products and sums, and lo's part, to first order (the
    compensated Horner scheme of Graillat, Langlois and Louvet: as if evaluated with twice the
    precision).  Float64 a, 1-d; about 20 NumPy passes per coefficient, on 64-byte aligned rows
    (half the time of NumPy's 16-byte aligned arrays)."""
    n = a.shape[0]
    m = -(-n // 8) * 8
    ah, al, v, ve, vh, vl, s, sh, sl, p, e, t, d = aligned_empty(13 * m).reshape(13, m)[:, :n]
    _split(a, ah, al)
    if odd:                                           # v + ve = a^2 exactly
        np.multiply(a, a, out=v)
        _prod_err(ah, al, ah, al, v, ve, t)
        _split(v, vh, vl)
    else:
        v, ve, vh, vl = a, None, ah, al
    for k, (h, l_) in enumerate(zip(hi[1:], lo[1:], strict=True)):
        if k == 0:                                    # s = hi[0]: split as a number
            c = hi[0]
            (ch, cl), sv = _split_scalar(c), c
            np.multiply(v, lo[0], out=d)
        else:
            _split(s, sh, sl)
            ch, cl, sv = sh, sl, s
            np.multiply(d, v, out=d)
        np.multiply(v, sv, out=p)
        _prod_err(ch, cl, vh, vl, p, e, t)            # s v = p + e
        np.add(d, e, out=d)
        if ve is not None:                            # s (v + ve): the part of a^2 that v lost
            np.multiply(ve, sv, out=t)
            np.add(d, t, out=d)
        np.add(p, h, out=s)
        _sum_err(p, h, s, e, t)                       # p + h = s + e
        np.add(d, e, out=d)
        np.add(d, l_, out=d)
    if odd:                                           # z = fl(a s): a s + a d = z + e + a d
        _split(s, sh, sl)
        np.multiply(a, s, out=p)
        _prod_err(ah, al, sh, sl, p, e, t)
        np.multiply(d, a, out=d)
        np.add(d, e, out=d)
    return d


#: below this P(u), sigma(P)'s relative error carries P's rounding error times |P| sigma(-P) > 1.76
_POLY_LEFT = -2.0
#: and below this, sigma(P) is 0 in float64 (e^-746): nothing to correct
_POLY_ZERO = -746.0


def symact_sigmoid_poly(u, hi, lo, odd=False, out=None):
    """sigma(P(u)), P's coefficients (highest first) the exact numbers hi + lo, P(u) = u Q(u^2) with
    these for Q if ``odd``.

    sigma(z)'s relative error is z's times |z| sigma(-z): gelu_tanh's z = x (c x^2 + k), with four
    roundings and c's and k's, erred by 207 ULP at x = -9.5 where the goal (4 ULP + cond) allows 202,
    and by 1.07 of the goal at x = -4.9.  Where z < -2 the rest d of P (``_poly_rest``) corrects
    sigma to first order: sigma(z + d) = sigma(z) + sigma(z) sigma(-z) d (d^2 is 2^-100 of it).
    A float32 u takes z in float64, rounded once: its error, |z| sigma(-z) times half a float32 ULP,
    is within the goal (certified with the kernel, ``symact.float32``)."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    shape, u = u.shape, u.reshape(-1)
    dt = _float_type(u)
    v, _, z = _poly_z(u, hi, odd)
    if dt != _F64:
        return _into(out, symact_sigmoid(z.astype(dt)).reshape(shape))
    r = symact_sigmoid(z)
    idx, _, s = _corrected_sigmoid(z, r, v, hi, lo, odd)
    if idx.size:
        r.put(idx, s)
    return _into(out, r.reshape(shape))


def _poly_z(u, hi, odd):
    """(v, w, z): 1-d ``u`` in float64, P's Horner variable (a fresh u^2 if ``odd``, else v) and P(u)."""
    v = u if u.dtype == _F64 else u.astype(_F64)
    w = v * v if odd else v
    z = horner(w, hi)
    if odd:
        z = np.multiply(z, v, out=_reuse(z))
    return v, w, z


def _corrected_sigmoid(z, s, v, hi, lo, odd):
    """(idx, a, sc): the indices where P < -2 and sigma(P) > 0, the inputs there, and sigma(P) there
    corrected to first order for P's rounding, sigma + sigma (1 - sigma) d with d = ``_poly_rest``.
    All of P's roundings are needed, not only its coefficients' lo parts (4 passes where the
    compensated scheme takes ~40): with the lo parts alone gelu_tanh' reached 1.22 of the goal at
    x = -3.37 and gelu_tanh 0.93 (no correction: 1.19 and 1.11); with all of them, 0.84 and 0.46."""
    idx = np.flatnonzero((z < _POLY_LEFT) & (z > _POLY_ZERO))
    if not idx.size:
        return idx, None, None
    sc, a = s.take(idx), v.take(idx)
    d = _poly_rest(a, hi, lo, odd)
    d *= sc
    d *= np.subtract(1.0, sc)
    sc += d
    return idx, a, sc


def symact_dswish_poly(u, hi, lo, dhi, odd=False, out=None):
    """d/du [u sigma(P(u))] = s + u P'(u) s sigma(-P) with s = sigma(P): gelu_tanh' as one call.

    Written as the sum, the two terms carry P's rounding error with opposite signs where P < 0 (the
    sum of 0.07 and -0.2 at x = -1.5) and errors of 20-60 ULP reached 3-260 ULP over the goal between
    x = -21 and -1.3.  Where P < -2 (as ``symact_sigmoid_poly``) s is corrected for P's error and the
    sum is formed as s (1 + u P' (1 - s)): 1 - s > 0.88 is exact to an ULP, and the factor's own
    roundings are not amplified.  Elsewhere the sum, with one exp for sigma(P) and sigma'(P).
    ``hi``, ``lo``: P's coefficients (highest first, the odd ones only if ``odd``), as
    ``symact_sigmoid_poly``; ``dhi``: P''s, as a polynomial in u^2 if ``odd``.  A float32 u is
    computed in float64 (P's error is far below a float32 ULP) and rounded once."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    shape, u = u.shape, u.reshape(-1)
    dt = _float_type(u)
    v, w, z = _poly_z(u, hi, odd)
    dp = horner(w, dhi, out=w if odd else None)         # P'(u), into u^2's array
    e, r = _sigmoid_parts(z)
    s = np.maximum(e, np.greater_equal(z, 0.0))
    s *= r                                               # sigma(P)
    e *= r
    e *= r                                               # sigma(P) sigma(-P)
    dp *= e
    dp *= v
    f = np.add(s, dp, out=dp)
    if dt == _F64:
        idx, a, sc = _corrected_sigmoid(z, s, v, hi, lo, odd)
        if idx.size:
            t = np.subtract(1.0, sc)
            g = a * a if odd else a.copy()
            g = horner(g, dhi, out=g)
            g *= a
            g *= t
            g += 1.0
            g *= sc
            f.put(idx, g)
    return _into(out, f.reshape(shape).astype(dt, copy=False))


def symact_dsigmoid(u, out=None):
    """sigma'(u) = sigma(u)*sigma(-u) = (e*r)*r with e = exp(-|u|), r = 1/(1+e): one exp where the
    two sigmoids took two, and the same operations, so the same bits."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    e, r = _sigmoid_parts(u)
    e *= r
    return np.multiply(e, r, out=_reuse(e) if out is None else out)


def symact_dswish(u, out=None):
    """silu'(u) = sigma(u)(1 + u sigma(-u)) as F (F + (1 + u) G) / (1 + e)^2 with e = exp(-|u|),
    F = max(e, u >= 0) and G = max(e, u < 0): F = 1, G = e from 0 up, F = e, G = 1 below (NaN kept).

    Below 0 that is e (e + (1 + u)) / (1 + e)^2.  At the root u0 = -1.278 the sum cancels between
    e and 1 + u, which is exact there (Sterbenz), so only e's own error reaches the result:
    e^2 |de| = 0.08 ULP of 1 against the |u0 f'(u0)| = 0.28 that the goal allows (4 ULP + cond).
    The sum 1 + u sigma(-u) cancels between terms of size 1 and needed a 17-term Taylor series
    about u0; this is one exp, one division and SIMD passes, with no series.  In float32 (NumPy's
    float32 exp errs by up to 2.4 ULP) the code is certified with (1 + e)^2 formed as 1 + e (2 + e)."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    dt = _float_type(u)
    zero, one = _k(0, dt), _k(1, dt)
    e = _exp_neg_abs(u)
    g = np.maximum(e, np.less(u, zero))
    t = np.add(u, one)
    t = np.multiply(t, g, out=_reuse(t))                         # (1 + u) G
    f = np.maximum(e, np.greater_equal(u, zero), out=_reuse(g))
    t = np.add(t, f, out=_reuse(t))
    t = np.multiply(t, f, out=_reuse(t))
    if dt == np.float32:  # (1 + e)^2 as 1 + e (2 + e), one rounding: float32 code then passes certification
        d = np.add(e, _k(2, dt))
        d = np.multiply(d, e, out=_reuse(d))
        d = np.add(d, one, out=_reuse(d))
    else:                 # float64 is far inside the goal either way: one pass fewer
        d = np.add(e, one, out=_reuse(e))
        d = np.multiply(d, d, out=_reuse(d))
    return np.divide(t, d, out=_reuse(t) if out is None else out)


def symact_sech2(u, out=None):
    """sech(u)^2 = 4 sigma'(2u) = (e r) r with e = exp(-2|u|) and r = 2/(1 + e) (2|u| is exact and
    overflows only where sech^2 is 0; r is 2/(1 + e) exactly twice sigma's 1/(1 + e)): seven SIMD
    passes where 4 sigma'(2u) took nine.  NumPy's float32 exp is SIMD, its cosh a scalar loop."""
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    dt = _float_type(u)
    e = np.abs(u)
    t = _reuse(e)
    e = np.exp(np.multiply(e, _k(-2, dt), out=t), out=t)
    r = np.add(e, _k(1, dt))
    r = np.divide(_k(2, dt), r, out=_reuse(r))
    e = np.multiply(e, r, out=_reuse(e))
    return np.multiply(e, r, out=_reuse(e) if out is None else out)


def symact_ndtr(u):
    """Standard normal CDF Phi(u) to 2 ULP over all doubles, subnormal tail included (symact._ndtr:
    NumPy only; scipy.special.ndtr is 10 ULP off near u = -1.2, 2000 near -37, and costs 0.3 s to import).
    A float32 array gets symact._ndtr32, in float32 arithmetic (float32 kernels use it only where their
    certification passes, see symact.float32)."""
    if getattr(u, "dtype", None) == np.float32:     # float32 kernels: one branch-free float32 formula
        from ._ndtr32 import ndtr32

        return ndtr32(u)
    from ._ndtr import ndtr

    return ndtr(u)


def symact_ndtr_xpdf(u, out=None):
    """Phi(u) + u phi(u) (gelu'): float64 as the sum always printed, 0.3989*u*exp(-u^2/2) + Phi(u);
    float32 by symact._ndtr32.ndtr_xpdf32, without the cancellation of the two terms."""
    if getattr(u, "dtype", None) == np.float32:
        from ._ndtr32 import ndtr_xpdf32

        return _into(out, ndtr_xpdf32(u))
    return np.add(INV_SQRT_2PI * u * symact_gauss(u, 0.5), symact_ndtr(u), out=out)


#: exp(u) is subnormal below these u: log of the smallest normal float64 and float32
_EXP_SUBNORMAL = {np.dtype(np.float64): math.log(2.0**-1022), np.dtype(np.float32): math.log(2.0**-126)}


def symact_mulexp(a, u, out=None):
    """a exp(u) for a factor a that is not a constant (serlu's 3.13 x e^x).  Where exp(u) is
    subnormal it keeps few significant bits and a multiplies its rounding error: serlu was 1160 ULP
    off at x = -742 where the goal (4 + cond) allows 745.  There the product is formed as
    (a e^(u/2)) e^(u/2), both factors normal and u/2 exact, so it rounds once into the subnormals;
    elsewhere, and at NaN and +-inf, it is the plain product."""
    r = np.asarray(np.multiply(a, np.exp(u)))
    thr = _EXP_SUBNORMAL.get(r.dtype)
    if thr is not None and r.size:
        uf = np.broadcast_to(u, r.shape).reshape(-1)
        idx = np.flatnonzero(np.less(uf, thr))
        if idx.size:
            h = np.exp(uf.take(idx) * 0.5)
            v = np.broadcast_to(a, r.shape).reshape(-1).take(idx) * h
            v *= h
            r.reshape(-1)[idx] = v   # r is the product's fresh, contiguous array: reshape is a view
    return _into(out, r)


def symact_gauss(u, c, out=None):
    """exp(-c u^2): float64 as exp(-c*u*u) always printed; float32 by symact._ndtr32.gauss32, within
    0.6 ULP + cond where NumPy's float32 exp errs by up to 2.4 ULP."""
    if getattr(u, "dtype", None) == np.float32:
        from ._ndtr32 import gauss32

        return _into(out, gauss32(u, c))
    return np.exp(np.square(u) * -c, out=out)


def symact_sin_mul(c, u, cos=False, out=None):
    """sin(c*u) (or cos) that stays finite when c*u overflows.

    There the condition number exceeds 1e300, so any value in [-1, 1] is as good as the
    truth allows, but NaN is not: halve the argument until it is finite and double back
    with sin 2a = 2 sin a cos a, cos 2a = cos^2 a - sin^2 a (exact identities).  c*u and its
    sine are formed in ``out`` when given (not overlapping u).
    """
    if type(u) is not np.ndarray:
        u = np.asarray(u)
    w = _writable(out, u) if u.ndim else None
    v = np.multiply(c, u, out=w if w is not None and w.shape == u.shape else None)
    # one dot product rules out an inf in c*u: one SIMD pass, where the check below takes four
    finite = not np.ndim(v) or math.isfinite(np.vdot(v, v))
    res = (np.cos if cos else np.sin)(v, out=v if np.ndim(v) else None)
    if finite:
        return _into(out, res)
    bad = np.isinf(c * u) & np.isfinite(u)
    if np.any(bad):
        k = 0
        w = c * (u[bad] if np.ndim(u) else u)
        while not np.all(np.isfinite(w)):
            k += 1
            w = c * ((u[bad] if np.ndim(u) else u) / 2.0**k)
        sn, cs = np.sin(w), np.cos(w)
        for _ in range(k):
            sn, cs = 2 * sn * cs, cs * cs - sn * sn
        val = cs if cos else sn
        if np.ndim(u):
            res[bad] = val
        else:
            res = val
    return _into(out, res)


def symact_mul_sq(a, r):
    """a * r**2 as (a*r)*r: when r**2 would underflow into the subnormals before a large a
    scales it back up (gelu_tanh' at x < -20), one step keeps it normal."""
    return (a * r) * r
