"""Standard normal CDF Phi(u) and the Gaussian exp(-c u^2) for float32 arrays: one branch-free formula.

Why it exists: ``_ndtr.ndtr`` is a 2-ULP double routine of ~30 NumPy passes per fdlibm interval plus the
gathers between them, and NumPy's float64 ``exp`` is a scalar loop on AVX2 machines: 30-45 ns per
element.  A float32 result needs 24 bits, which one formula over the whole line gives (~9 ns):

    Phi(-a) = exp(-a^2/2) * R(a),   a = min(|u|, 15),
    Phi(u)  = Phi(-a) for u < 0,  1 - Phi(-a) for u >= 0,

* R = P/Q, a degree 4/5 rational fit of R(a) = Phi(-a) exp(a^2/2) (R(0) = 1/2, R ~ 1/(a sqrt(2 pi)))
  on [0, 14.5], relative error 8e-9 (0.13 float32 ULP).  It is evaluated in float64 and rounded once:
  float32 Horner steps cost 3.4 ULP over cond at worst, float64 ones 1.1 (measured on [-3, 3]),
  for 2.5 ns more per element.
* The fit is exact, in value and slope, at a0 = 0.75179..., where R(a0) = a0/sqrt(2 pi): the root of
  gelu' = Phi(u) + u phi(u) at u = -a0.  ``ndtr_xpdf32`` forms the bracket R(a) - a/sqrt(2 pi), which
  vanishes there; a fit error of 6e-9 R made it 4.6 ULP wrong 0.02 from the root (and anything
  nearer), so the kernel needed a Taylor series about the root on a fifth of its inputs.  Exact
  there, the bracket keeps its relative accuracy through the root and the series goes (gelu' float32
  16.1 -> 11.6 ms at 10^6 elements).
* exp(-a^2/2) = 2^k (1 + m) by its own range reduction and polynomial, in float32, not NumPy's
  float32 exp (up to 2.4 ULP, which results in [1/4, 1/2) would see doubled); R (1 + m) is formed
  as R + R m, one rounding, and 2^k is applied through the exponent bits (with 2^64 kept back
  and removed in one last multiplication, so subnormal results round once).
* The rounding of a^2 reaches the result amplified by a^2/2, within the condition number of Phi
  (about a^2 + 1) that the accuracy goal allows.  Beyond a = 14.2 the result underflows to 0 (+-0
  for u < 0), through the subnormals.  NaN gives NaN.

Only +, -, *, /, conversions and integer shifts are used, all correctly rounded in IEEE arithmetic,
so the results are the same bits on every CPU.  ``gauss32`` is the same exp for exp(-c u^2).  The
kernels' float32 certification (``symact.float32``) still checks every kernel built on these.

``_fit()`` recomputes P and Q (mpmath references, Lawson-weighted linearised least squares); it is
not used at import, tests/test_ndtr32.py checks the shipped coefficients against mpmath.
"""
from __future__ import annotations

import threading

import numpy as np

from ._runtime import INV_SQRT_2PI, aligned_empty
from ._runtime import horner as _horner

__all__ = ["gauss32", "ndtr32", "ndtr_xpdf32"]

def _F32(c):
    return np.array(c, dtype=np.float32)   # a 0-d array: the cheapest scalar operand of a ufunc
# R(a) = P(a)/Q(a), lowest degree first (from _fit(); evaluated in float64)
P = (0.5000000037104, 0.4360237475450633, 0.18152535441535292, 0.04005036995692006, 0.004028837260320374)
Q = (1.0, 1.66993253032066, 1.1954591951125424, 0.4649549139888264, 0.10039840220286661,
     0.010098665283088887)
A_MAX = 15.0          # exp(-A_MAX^2/2) = 0 in float32: the clamp keeps a^5 finite and inf/inf out

# exp(r) = 1 + r + r^2 E(r) on |r| <= ln2/2, relative error 3e-9 (NumPy's float32 exp errs by up to
# 2.4 ULP, which the results in [1/4, 1/2) would see doubled)
E = (0.4999999344395431, 0.1666652067767502, 0.04166838920508491, 0.008368710953210075,
     0.001381451120968177)

_P64 = [np.array(c) for c in reversed(P)]
_Q64 = [np.array(c) for c in reversed(Q)]
_E = [_F32(c) for c in reversed(E)] + [_F32(1.0)]
_AMAX, _MHALF, _ZERO = _F32(A_MAX), _F32(-0.5), _F32(0.0)
_INVLN2 = _F32(1.4426950408889634)
_L1 = _F32(0.693145751953125)             # ln2 to 16 bits: k*L1 is exact for |k| < 256
_L2 = _F32(1.4286068203094172e-06)        # ln2 - L1
_SHIFT = _F32(1.5 * 2 ** 23)              # t = z/ln2 + SHIFT rounds to an integer, k = t - SHIFT
# 2^(k + 64) from t's bits: (bits(t) - bits(SHIFT) + 127 + 64) << 23; the 2^-64 is applied last, in
# one rounding, so results down to the subnormals come out right
_SBIAS = np.array(int(np.array(_SHIFT).view(np.int32)) - 191, dtype=np.int32)
_S23 = np.array(23, dtype=np.int32)
_TWO_M64 = _F32(2.0 ** -64)
_ZMIN, _ONE, _MTWO = _F32(-104.0), _F32(1.0), _F32(-2.0)
_INV_SQRT2PI = np.array(INV_SQRT_2PI)


BLOCK = 32768         # elements per pass (measured: 16384 is no faster, 8192 is 1.8x slower in call overhead)
_tls = threading.local()


def _scratch() -> list[np.ndarray]:
    w = getattr(_tls, "w", None)
    if w is None:                             # per thread, allocated once: fresh temporaries page-fault
        w = _tls.w = [aligned_empty(BLOCK, np.float32) for _ in range(5)] + [aligned_empty(BLOCK) for _ in range(3)]
    return w


def _exp_reduce(z, t, k, r):
    """exp(z) = 2^k (1 + m), z <= 0 and >= -120: leaves t with k in its low bits and r = z - k ln2;
    returns m = exp(r) - 1 (in z's buffer), so that a product with 1 + m can round once."""
    np.multiply(z, _INVLN2, out=t)
    np.add(t, _SHIFT, out=t)
    np.subtract(t, _SHIFT, out=k)
    np.multiply(k, _L1, out=r)
    np.subtract(z, r, out=r)
    np.multiply(k, _L2, out=k)
    np.subtract(r, k, out=r)                  # r = z - k ln2, |r| <= ln2/2
    m = _horner(r, _E, z)
    return np.multiply(m, r, out=m)


def _scale(v, t):
    """v * 2^k in place, k from ``_exp_reduce``'s t: 2^(k + 64) built in t's bits, then 2^-64 in one
    rounding, so results down to the subnormals come out right."""
    ti = t.view(np.int32)
    np.subtract(ti, _SBIAS, out=ti)
    np.left_shift(ti, _S23, out=ti)
    np.multiply(v, t, out=v)
    return np.multiply(v, _TWO_M64, out=v)


def _tail(u, p, w, bracket=None):
    """exp(-a^2/2) * g(R(a), a) into p, a = min(|u|, 15): g = R (Phi(-a)) or ``bracket(R, a)``, formed
    in float64 and rounded once, the exp's 1 + m applied as g + g m (one rounding), then 2^k."""
    n = u.shape[0]
    a, z, t, k, r = (b[:n] for b in w[:5])
    a64, p64, q64 = (b[:n] for b in w[5:])
    np.abs(u, out=a)
    np.minimum(a, _AMAX, out=a)
    np.multiply(a, _MHALF, out=z)
    np.multiply(z, a, out=z)                  # z = -a^2/2
    m = _exp_reduce(z, t, k, r)
    np.copyto(a64, a)
    _horner(a64, _P64, p64)
    _horner(a64, _Q64, q64)
    np.divide(p64, q64, out=p64)              # R = P/Q
    if bracket is not None:
        bracket(p64, a64)
    np.copyto(p, p64, casting="same_kind")
    np.multiply(m, p, out=m)
    np.add(p, m, out=p)
    _scale(p, t)
    return np.greater_equal(u, _ZERO, out=r)  # 1 for u >= 0, 0 for u < 0 and NaN (bool cast to float32)


def _ndtr_block(u, p, w, c=None):
    s = _tail(u, p, w)                        # Phi(-a)
    np.subtract(s, p, out=p)
    np.abs(p, out=p)                          # 1 - Phi(-a) for u >= 0, Phi(-a) for u < 0


def _minus_a_over_sqrt2pi(r64, a64):
    np.multiply(a64, _INV_SQRT2PI, out=a64)
    np.subtract(r64, a64, out=r64)


def _ndtr_xpdf_block(u, p, w, c=None):
    """Phi(u) + u phi(u) = q for u < 0, 1 - q for u >= 0, q = exp(-a^2/2) (R(a) - a/sqrt(2 pi)):
    the bracket in float64 and rounded once, so the two terms' cancellation (gelu' for u < -0.75)
    costs nothing."""
    s = _tail(u, p, w, _minus_a_over_sqrt2pi)
    z = w[1][:u.shape[0]]
    np.multiply(s, _MTWO, out=z)
    np.add(z, _ONE, out=z)                    # 1 - 2s = -1 or 1 (exact)
    np.multiply(p, z, out=p)
    np.add(s, p, out=p)                       # s + (1 - 2s) q


def ndtr_xpdf32(u: np.ndarray) -> np.ndarray:
    """Phi(u) + u phi(u) for a float32 array (gelu'), in float32 with the cancelling bracket in float64."""
    return _blocks(_ndtr_xpdf_block, u)


def _gauss_block(u, out, w, c):
    z, t, k, r = (b[:u.shape[0]] for b in w[1:5])
    np.multiply(u, u, out=z)
    np.multiply(z, c, out=z)
    np.maximum(z, _ZMIN, out=z)               # -c u^2, at least -104 (exp(-104) rounds to 0), NaN kept
    m = _exp_reduce(z, t, k, r)
    np.add(m, _ONE, out=out)
    _scale(out, t)


def _blocks(kernel, u, c=None) -> np.ndarray:
    u = np.asarray(u, dtype=np.float32)
    shape = u.shape
    x = u.ravel()
    out = np.empty(x.shape[0], dtype=np.float32)
    w = _scratch()
    with np.errstate(over="ignore"):          # u*u beyond float32 is inf: the result is 0, as it should
        for s in range(0, x.shape[0], BLOCK):
            kernel(x[s:s + BLOCK], out[s:s + BLOCK], w, c)
    out = out.reshape(shape)
    return out[()] if out.ndim == 0 else out


def ndtr32(u: np.ndarray) -> np.ndarray:
    """Phi(u) elementwise for a float32 array, computed in float32 (see the module docstring)."""
    return _blocks(_ndtr_block, u)


def gauss32(u: np.ndarray, c: float) -> np.ndarray:
    """exp(-c u^2) for a float32 array and c > 0, within 0.6 ULP + cond (NumPy's float32 exp errs by
    up to 2.4 ULP, which formulas that cancel, like gelu' = Phi(x) + x phi(x), amplify)."""
    return _blocks(_gauss_block, u, _F32(-c))


#: a0: R(a0) = a0/sqrt(2 pi), the root of gelu' at u = -a0, where the fit is exact (module docstring)
ROOT = 0.7517915246935645
#: weight of the two conditions at the root in the least squares: 3000 makes them hold to 2e-14 (value)
#: and 1e-14 (slope) of R with the fit elsewhere within 8e-9; from about 1e4 the system loses the rest
_ROOT_WEIGHT = 3000.0


def _fit(m: int = 4, n: int = 5, a_max: float = 14.5, points: int = 3000, iters: int = 30,
         root: float | None = ROOT):
    """(P, Q, max relative error) of the degree m/n fit of R(a) = Phi(-a) exp(a^2/2) on [0, a_max]; with
    ``root``, exact in value and slope at the a0 nearest it (the value to the coefficients' rounding:
    P's constant term is set last, from the rounded rest)."""
    import mpmath as mp

    with mp.workdps(40):
        def ref(v):
            return mp.ncdf(-v) * mp.exp(v * v / 2)

        k = np.arange(points)
        a = (a_max / 2) * (1 - np.cos(np.pi * (k + 0.5) / points))      # Chebyshev points
        r = np.array([float(ref(mp.mpf(x))) for x in a])
        sc = a_max / 2
        x = a / sc
        rows, rhs = np.zeros((0, m + n + 1)), np.zeros(0)
        if root is not None:   # P - R Q = 0 and its derivative at x0, Q's leading 1 on the right
            a0 = mp.findroot(lambda v: ref(v) - v / mp.sqrt(2 * mp.pi), root)
            r0 = ref(a0)
            x0, d0 = float(a0) / sc, float((a0 * r0 - 1 / mp.sqrt(2 * mp.pi)) * sc)   # R' = a R - 1/sqrt(2 pi)
            jp, jq = np.arange(m + 1), np.arange(1, n + 1)
            rows = _ROOT_WEIGHT * np.array([
                np.concatenate([x0 ** jp, -float(r0) * x0 ** jq]),
                np.concatenate([jp * x0 ** np.maximum(jp - 1, 0), -d0 * x0 ** jq - float(r0) * jq * x0 ** (jq - 1)])])
            rhs = _ROOT_WEIGHT * np.array([float(r0), d0])
        w, qv = np.ones(points), np.ones(points)
        for _ in range(iters):         # minimise |P - R Q| / (R Q_prev): the relative error, linearised
            vp = np.vander(x, m + 1, increasing=True)
            vq = np.vander(x, n + 1, increasing=True)[:, 1:]
            mat = np.hstack([vp, -r[:, None] * vq]) / (r * qv)[:, None]
            c, *_ = np.linalg.lstsq(np.vstack([mat * w[:, None], rows]), np.concatenate([w / qv, rhs]), rcond=None)
            p, q = c[:m + 1], np.concatenate([[1.0], c[m + 1:]])
            qv = np.polyval(q[::-1], x)
            err = np.abs(np.polyval(p[::-1], x) / qv / r - 1)
            w = w * np.sqrt(err / err.max()) + 1e-3 * w        # Lawson: weight where the error peaks
            w /= w.max()
        p, q = [float(v) for v in p / sc ** np.arange(m + 1)], [float(v) for v in q / sc ** np.arange(n + 1)]
        if root is not None:
            pv = mp.polyval([mp.mpf(v) for v in p[:0:-1]] + [0], a0) + p[0]
            qa = mp.polyval([mp.mpf(v) for v in q[::-1]], a0)
            p[0] = float(p[0] - (pv / qa - r0) * qa)
    err = np.abs(np.polyval(p[::-1], a) / np.polyval(q[::-1], a) / r - 1)
    return tuple(p), tuple(q), float(err.max())
