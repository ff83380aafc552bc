#!/usr/bin/env python
"""Dense-grid accuracy scan of symact float64 kernels against the goal |err| <= (4 + cond) ULP.

Run:  python tests/dense_scan.py [--out DIR] [--max-check 1500] [--cap 60] [--budget 2400] [names...]
(all elementwise kernels take about 15 minutes on 2 cores; not part of the test suite).  The failures it
found that this version does not fix are in tests/data/dense_failures.json, checked by
tests/test_accuracy.py::test_known_dense_failures.

Per kernel (f = act(x), grad = act.grad(x)):
  grid   2^16 uniform on [-12, 12] + 2^14 log-spaced |x| in 1e-8..1e3 for each sign + 0
         + breakpoints(expr) and their float64 neighbours
  filter plain definition (elementary(expr)) in np.longdouble; if it cannot be evaluated in
         longdouble (erf), the same with mpmath at 30 digits over the whole grid.
         flagged: d > 3 + 0.5*cond_ld ULP (d = |kernel - filter| / ulp64, cond_ld the longdouble
         condition number estimate, 0 if unavailable), kernel non-finite where filter finite,
         plus points within 1e-6 relative of each sign change of the filter value (root refined
         by bisection, then root +-k ulp and root*(1 +- 10^-k), k=6..15).  Filter-NaN points are
         sampled (<=200) as they cannot be judged.
  check  <= max_check flagged points with symact.accuracy.measure_values(Reference(expr), ...):
         sign-change points (<= 300), then the highest filter scores (half the rest), then an
         even subsample of the remaining flagged.  Checked in chunks of 50; stops at `cap`
         seconds (reported as CAP).
Output: DIR/results.txt (one line per kernel), DIR/failures.jsonl (all failures), DIR/detail/.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
import warnings

import mpmath
import numpy as np
import sympy as sp

import symact
import symact.registry as registry
from symact.accuracy import _MPMATH, Reference, breakpoints, measure_values
from symact.functions import elementary, x

PRIORITY = ["silu", "swish_beta", "gelu", "gelu_tanh", "gelu_sigmoid", "mish", "sigmoid", "tanh", "softplus",
            "elu", "selu", "celu", "log_sigmoid", "softsign", "hardswish", "tanhshrink"]
OUT_DIR = "dense_scan"
OUT = f"{OUT_DIR}/results.txt"
FAILS = f"{OUT_DIR}/failures.jsonl"


def log(*a):
    print(*a, flush=True)


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def with_timeout(sec, fn, *args):
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(sec)
    try:
        return fn(*args)
    finally:
        signal.alarm(0)


def base_grid() -> np.ndarray:
    u = np.linspace(-12.0, 12.0, 2**16)
    g = np.geomspace(1e-8, 1e3, 2**14)
    return np.unique(np.concatenate([u, g, -g, [0.0]]))


def add_breakpoints(xs, expr):
    try:
        bps = with_timeout(10, breakpoints, expr)
    except Exception:  # noqa: BLE001 - Timeout or sympy failure: scan without them
        return xs, None
    extra = []
    for b in bps:
        if math.isfinite(b) and abs(b) < 1e300:
            extra += [b, np.nextafter(b, np.inf), np.nextafter(b, -np.inf)]
    return (np.unique(np.concatenate([xs, np.array(extra, np.float64)])) if extra else xs), bps


def ld_eval(fn, xs):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = np.asarray(fn(xs.astype(np.longdouble)))
    if v.shape != xs.shape:
        v = np.broadcast_to(v, xs.shape)
    return v.astype(np.longdouble)


def make_filter(expr):
    """Returns (kind, value(xs)->longdouble array, cond(xs)->float array or None)."""
    e = elementary(expr)
    fn = sp.lambdify(x, e, "numpy")
    probe = np.array([-1.5, 0.3, 2.0])
    try:
        ld_eval(fn, probe)
        kind = "ld"
        val = lambda xs: ld_eval(fn, xs)  # noqa: E731
    except Exception:  # noqa: BLE001 - no longdouble NumPy function (erf): mpmath at 30 digits
        kind = "mp30"
        mfn = sp.lambdify(x, e, _MPMATH)
        mdf = sp.lambdify(x, elementary(sp.diff(expr, x)), _MPMATH)
        cache = {}

        def _to_ld(v):
            hi = float(v)
            lo = float(v - hi) if math.isfinite(hi) else 0.0
            return np.longdouble(hi) + np.longdouble(lo)

        def val(xs):
            out = np.empty(xs.shape, np.longdouble)
            cnd = np.zeros(xs.shape)
            with mpmath.workdps(30):
                for i, xv in enumerate(xs.tolist()):
                    try:
                        xm = mpmath.mpf(xv)
                        v = mfn(xm)
                        out[i] = _to_ld(v)
                        try:
                            cnd[i] = float(abs(xm * mdf(xm) / v)) if v != 0 else 0.0
                        except Exception:  # noqa: BLE001
                            cnd[i] = 0.0
                    except Exception:  # noqa: BLE001
                        out[i] = np.nan
            cache["cond"] = (xs, cnd)
            return out

        def mp_cond(xs, v):
            cx, cnd = cache.get("cond", (None, None))
            if cx is not None and cx is xs:
                return np.where(np.isfinite(cnd), cnd, 0.0)
            return np.zeros(len(xs))
        return kind, val, mp_cond
    cond = None
    if kind == "ld":
        try:
            dfn = sp.lambdify(x, elementary(sp.diff(expr, x)), "numpy")
            ld_eval(dfn, probe)

            def cond(xs, v):
                d = ld_eval(dfn, xs)
                with np.errstate(all="ignore"):
                    c = np.abs(xs.astype(np.longdouble) * d / v).astype(np.float64)
                return np.where(np.isfinite(c), c, 0.0)
        except Exception:  # noqa: BLE001
            cond = None
    return kind, val, cond


_FMAX = mpmath.mpf(np.finfo(np.float64).max)


def make_stage2(expr):
    """(trusted, d_ulp, cond) per point.  Cheap ladder: mpmath at 50 vs 120 (vs 300) digits, used only
    where |x| <= 30 and |value| >= 1e-40 (so no absorbed term can matter to a double); otherwise the
    Reference's own adaptive value (40 vs 700 ... digits) and slope."""
    mfn = sp.lambdify(x, elementary(expr), _MPMATH)
    mdf = sp.lambdify(x, elementary(sp.diff(expr, x)), _MPMATH)
    ref = Reference(expr)
    tiny = mpmath.mpf(10) ** -40

    def cheap(xm):
        with mpmath.workdps(50):
            prev = mpmath.mpf(mfn(xm))
        if not mpmath.isfinite(prev) or abs(prev) < tiny:
            return None
        for dps in (120, 300):
            with mpmath.workdps(dps):
                v2 = mpmath.mpf(mfn(xm))
            if (mpmath.isfinite(prev) and mpmath.isfinite(v2) and v2 != 0
                    and abs(prev - v2) <= mpmath.mpf(10) ** -25 * abs(v2)):
                if abs(v2) < tiny:
                    return None
                return v2, dps
            prev = v2
        return None

    def spread(idx):
        """idx reordered so that any prefix is spread evenly over the whole list (bit-reversal)."""
        n = len(idx)
        if n <= 2:
            return idx
        bits = int(np.ceil(np.log2(n)))
        r = np.arange(2 ** bits)
        rev = np.zeros_like(r)
        for k in range(bits):
            rev |= ((r >> k) & 1) << (bits - 1 - k)
        rev = rev[rev < n]
        return idx[rev]

    def run(xs, got, deadline_cheap, deadline_full):
        n = len(xs)
        trusted = np.zeros(n, bool)
        done_mask = np.zeros(n, bool)
        d = np.full(n, np.nan)
        cond = np.zeros(n)
        deferred = []
        gl = got.tolist()
        xl = xs.tolist()

        def finish(i, v2, dps, full):
            xv, gv = xl[i], gl[i]
            trusted[i] = True
            if abs(v2) > _FMAX:
                d[i] = 0.0 if (math.isinf(gv) and (gv > 0) == (v2 > 0)) else math.inf
                return
            if not math.isfinite(gv):
                d[i] = math.inf
                return
            tf = float(v2)
            ulp = float(np.spacing(np.float64(abs(tf)))) if tf != 0 else 5e-324
            with mpmath.workdps(max(dps, 40)):
                d[i] = float(abs(mpmath.mpf(gv) - v2) / ulp)
                if d[i] > 3.9:
                    try:
                        sl = ref.slope(xv) if full else mdf(mpmath.mpf(xv))
                        cond[i] = float(abs(mpmath.mpf(xv) * sl / v2))
                    except Exception:  # noqa: BLE001
                        cond[i] = math.inf

        order = np.arange(n)
        k = int(np.argmax(np.diff(xs) < 0)) + 1 if np.any(np.diff(xs) < 0) else n
        order = np.concatenate([order[:k], spread(order[k:])])
        for j, i in enumerate(order.tolist()):
            if j % 100 == 0 and time.time() > deadline_cheap:
                deferred += order[j:].tolist()
                break
            res = None
            if abs(xl[i]) <= 30:
                try:
                    res = cheap(mpmath.mpf(xl[i]))
                except Exception:  # noqa: BLE001
                    res = None
            if res is None:
                deferred.append(i)
                continue
            done_mask[i] = True
            finish(i, res[0], res[1], False)
        for j, i in enumerate(spread(np.array(deferred, int)).tolist()):
            if j % 20 == 0 and time.time() > deadline_full:
                break
            done_mask[i] = True
            try:
                v2 = ref.value(xl[i])
            except Exception:  # noqa: BLE001
                continue
            if not mpmath.isfinite(v2) or v2 == 0:
                continue
            finish(i, v2, 40, True)
        return trusted, d, cond, done_mask
    return run



def sign_change_points(xs, v, val, max_roots=80):
    s = np.sign(v)
    fin = np.isfinite(v)
    idx = np.where(fin[:-1] & fin[1:] & (s[:-1] * s[1:] < 0))[0]
    zeros = xs[fin & (v == 0)]
    if len(idx) > max_roots:
        idx = idx[np.linspace(0, len(idx) - 1, max_roots).astype(int)]
    roots = list(zeros[:max_roots])
    for i in idx:
        lo, hi = float(xs[i]), float(xs[i + 1])
        slo = np.sign(v[i])
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            sm = np.sign(val(np.array([mid]))[0])
            if sm == 0:
                lo = hi = mid
                break
            if sm == slo:
                lo = mid
            else:
                hi = mid
        roots.append(lo)
        if hi != lo:
            roots.append(hi)
    pts = []
    for r in roots:
        p = r
        q = r
        for _ in range(4):
            p = np.nextafter(p, np.inf)
            q = np.nextafter(q, -np.inf)
            pts += [p, q]
        pts.append(r)
        if r != 0:
            for k in range(6, 16):
                pts += [r * (1 + 10.0**-k), r * (1 - 10.0**-k)]
    return np.unique(np.array(pts, np.float64)) if pts else np.array([], np.float64), len(roots)


def even(a, n):
    if len(a) <= n:
        return a
    return a[np.linspace(0, len(a) - 1, n).astype(int)]


def scan_kernel(name, which, args, t_start_global):
    t0 = time.time()
    act = symact.get(name)
    expr = act.expr if which == "f" else act.derivative
    kernel = act if which == "f" else act.grad
    xs, bps = add_breakpoints(base_grid(), act.expr)
    n_grid = len(xs)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = np.asarray(kernel(xs))
    if got.dtype != np.float64:
        log(f"  {name} {which}: kernel dtype {got.dtype}")
    got = np.broadcast_to(got, xs.shape).astype(np.float64)

    kind, val, condf = make_filter(expr)
    tf = time.time()
    v = val(xs)
    t_filter = time.time() - tf
    ulp = np.abs(np.spacing(np.where(np.isfinite(got), got, 0.0))).astype(np.longdouble)
    with np.errstate(all="ignore"):
        d = (np.abs(got.astype(np.longdouble) - v) / ulp).astype(np.float64)
        c = condf(xs, v) if condf is not None else np.zeros(len(xs))
    vfin = np.isfinite(v)
    gfin = np.isfinite(got)
    bad_nonfinite = vfin & ~gfin & (np.abs(v) < np.longdouble(np.finfo(np.float64).max))
    exact_inf_match = ~vfin & ~gfin & (got == v)
    score = np.where(vfin & gfin, d - 3 - 0.5 * c, np.where(bad_nonfinite, np.inf, -np.inf))
    flag_ulp = np.where(score > 0)[0]
    n_plain3 = int(np.sum(vfin & gfin & (d > 3)))
    nan_pts = xs[~vfin & ~exact_inf_match]
    sc_pts, n_roots = sign_change_points(xs, np.where(vfin, v, np.nan), val) if kind == "ld" else \
        sign_change_points(xs, np.where(vfin, v, np.nan), val, max_roots=20)

    # stage 2: mpmath 40/100 digits on the stage-1 flags (highest scores first, then an even spread)
    t2 = time.time()
    if len(flag_ulp) > args.max_stage2:
        order = flag_ulp[np.argsort(-score[flag_ulp], kind="stable")]
        top = order[: args.max_stage2 // 2]
        rest = np.sort(order[args.max_stage2 // 2:])
        s2_idx = np.concatenate([top, even(rest, args.max_stage2 - len(top))])
    else:
        s2_idx = flag_ulp[np.argsort(-score[flag_ulp], kind="stable")]
    # plausible kernel errors (< 1000 ULP) first; huge disagreements are mostly a cancelling
    # longdouble filter, taken after them in an even spread
    sane = score[s2_idx] < 1000
    s2_idx = np.concatenate([s2_idx[sane], s2_idx[~sane][np.argsort(xs[s2_idx[~sane]])]])
    run2 = make_stage2(expr)
    tr, d2, c2, dm = run2(xs[s2_idx], got[s2_idx], t2 + args.cap2, t2 + args.cap2 + args.cap2full)
    done2 = int(dm.sum())
    cap2 = done2 < len(s2_idx)
    s2x = xs[s2_idx]
    cand_mask = tr & ~(d2 <= 3.9 + c2)
    cand = s2x[cand_mask]
    cand = cand[np.argsort(-(d2[cand_mask] - c2[cand_mask]), kind="stable")]
    untrusted = np.sort(s2x[~tr])
    t_s2 = time.time() - t2
    import os
    os.makedirs(f"{OUT_DIR}/detail", exist_ok=True)
    np.savez(f"{OUT_DIR}/detail/{name}_{which}.npz", s2x=s2x, tr=tr, d2=d2, c2=c2, sc=sc_pts, nan=nan_pts)

    # choose points to check with the full Reference: stage-2 candidates (most suspicious first),
    # sign-change points, filter-non-finite points, and an even sample of untrusted ones
    parts = [cand[: args.max_check], even(sc_pts, 300), even(nan_pts, 200), even(untrusted, args.max_untrusted)]
    cx = np.concatenate(parts).astype(np.float64)
    _, first = np.unique(cx, return_index=True)
    cx = cx[np.sort(first)]
    n_flagged = len(flag_ulp) + len(sc_pts) + len(nan_pts)

    ref = Reference(expr)
    fails, checked, capped = [], 0, False
    max_excess, excess_x = -math.inf, math.nan
    tm = time.time()
    for k in range(0, len(cx), 50):
        if time.time() - tm > args.cap or time.time() - t_start_global > args.budget:
            capped = True
            break
        part = cx[k:k + 50]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gp = np.broadcast_to(np.asarray(kernel(part)), part.shape).astype(np.float64)
        try:
            m = measure_values(ref, part, gp, name=name, which=which)
        except ArithmeticError:  # a non-converging reference: measure point by point
            m = None
            for xv, gv in zip(part, gp, strict=True):
                try:
                    mm = measure_values(ref, np.array([xv]), np.array([gv]), name=name, which=which)
                except ArithmeticError as ex:
                    log(f"    ref failed at {xv!r}: {ex}")
                    continue
                if mm.max_excess > max_excess:
                    max_excess, excess_x = mm.max_excess, mm.excess_x
                fails += mm.failures
        if m is not None:
            if m.max_excess > max_excess:
                max_excess, excess_x = m.max_excess, m.excess_x
            fails += m.failures
        checked += len(part)
    t_mp = time.time() - tm
    with open(FAILS, "a") as fh:
        for f in fails:
            fh.write(json.dumps({"name": name, "which": which, "x": f[0], "got": f[1], "truth": f[2],
                                 "err_ulp": f[3]}) + "\n")
    fx = sorted(f[0] for f in fails)
    rng = f"[{fx[0]!r}, {fx[-1]!r}]" if fx else "-"
    line = (f"{name:20s} {which:4s} grid={n_grid} filter={kind} flagged={n_flagged} "
            f"(ulp={len(flag_ulp)} plain>3ulp={n_plain3} signchg={len(sc_pts)}/{n_roots}roots nan={len(nan_pts)}) "
            f"stage2={done2}/{len(s2_idx)}{' CAP2' if cap2 else ''} cand={len(cand)} "
            f"untrusted={len(untrusted)} t_s2={t_s2:.1f}s "
            f"checked={checked}/{len(cx)} fails={len(fails)} max_excess={max_excess:.3g} at x={excess_x!r} "
            f"fail_range={rng}{' CAP' if capped else ''} t_filter={t_filter:.1f}s t_mp={t_mp:.1f}s "
            f"t={time.time() - t0:.1f}s")
    with open(OUT, "a") as fh:
        fh.write(line + "\n")
    log(line)
    return fails


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--out", default="dense_scan", help="output directory (results.txt, failures.jsonl, detail/)")
    ap.add_argument("--max-check", type=int, default=1500)
    ap.add_argument("--cap", type=float, default=60.0, help="seconds of Reference checking per kernel")
    ap.add_argument("--cap2", type=float, default=30.0, help="seconds of cheap stage-2 mpmath per kernel")
    ap.add_argument("--cap2full", type=float, default=20.0, help="seconds of stage-2 full references per kernel")
    ap.add_argument("--max-stage2", type=int, default=40000)
    ap.add_argument("--max-untrusted", type=int, default=600)
    ap.add_argument("--budget", type=float, default=2400.0, help="total seconds")
    ap.add_argument("--which", default="f,grad")
    args = ap.parse_args()
    global OUT, FAILS, OUT_DIR
    OUT_DIR, OUT, FAILS = args.out, f"{args.out}/results.txt", f"{args.out}/failures.jsonl"
    os.makedirs(OUT_DIR, exist_ok=True)
    all_names = registry.names(kind="elementwise")
    names = args.names or (PRIORITY + [n for n in all_names if n not in PRIORITY])
    t_start = time.time()
    skipped = []
    for i, name in enumerate(names):
        for which in args.which.split(","):
            if time.time() - t_start > args.budget:
                skipped.append(f"{name}:{which}")
                continue
            log(f"[{i + 1}/{len(names)}] {name} {which}  elapsed {time.time() - t_start:.0f}s")
            try:
                scan_kernel(name, which, args, t_start)
            except Exception as ex:  # noqa: BLE001 - record and go on
                msg = f"{name:20s} {which:4s} ERROR {type(ex).__name__}: {str(ex)[:200]}"
                with open(OUT, "a") as fh:
                    fh.write(msg + "\n")
                log(msg)
    if skipped:
        with open(OUT, "a") as fh:
            fh.write("SKIPPED (budget): " + " ".join(skipped) + "\n")
        log("SKIPPED", skipped)
    log(f"done in {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
