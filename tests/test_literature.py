"""Literature activations: references, summaries, paper defaults, and values against formulas typed here
independently from the papers (mpmath, 50 digits) — not symact's expressions."""
from __future__ import annotations

import re
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

import symact
from symact.registry import definitions

NAMES = re.findall(r'^act\("(\w+)"', (Path(symact.__file__).parent / "catalogue_literature.py").read_text(), re.M)


def sig(t):
    return 1 / (1 + mp.exp(-t))


def sp_(t):
    return mp.log(1 + mp.exp(t))


# name -> (formula in the paper's notation, defaults as printed in the paper)
PAPER = {
    "isru": lambda t: t / mp.sqrt(1 + t * t),
    "isrlu": lambda t: t if t >= 0 else t / mp.sqrt(1 + t * t),
    "lecun_tanh": lambda t: mp.mpf("1.7159") * mp.tanh(mp.mpf(2) / 3 * t),
    "penalized_tanh": lambda t: mp.tanh(t) if t > 0 else mp.mpf("0.25") * mp.tanh(t),
    "erf": mp.erf,
    "probit": lambda t: mp.ncdf(t),
    "cloglog": lambda t: 1 - mp.exp(-mp.exp(t)),
    "loglog": lambda t: mp.exp(-mp.exp(-t)),
    "relu_squared": lambda t: max(t, 0) ** 2,
    "star_relu": lambda t: mp.mpf("0.8944") * max(t, 0) ** 2 + mp.mpf("-0.4472"),
    "nlrelu": lambda t: mp.log(max(t, 0) + 1),
    "absolute": abs,
    "pelu": lambda t: t if t >= 0 else mp.exp(t) - 1,
    "serlu": lambda t: mp.mpf("1.07862") * (t if t >= 0 else mp.mpf("2.90427") * t * mp.exp(t)),
    "elish": lambda t: t / (1 + mp.exp(-t)) if t >= 0 else (mp.exp(t) - 1) / (1 + mp.exp(-t)),
    "hard_elish": lambda t: (t if t >= 0 else mp.exp(t) - 1) * max(0, min(1, (t + 1) / 2)),
    "reu": lambda t: t if t > 0 else t * mp.exp(t),
    "smelu": lambda t: 0 if t <= -2 else (t if t >= 2 else (t + 2) ** 2 / 8),
    "tanhexp": lambda t: t * mp.tanh(mp.exp(t)),
    "serf": lambda t: t * mp.erf(mp.log(1 + mp.exp(t))),
    "logish": lambda t: t * mp.log(1 + sig(t)),
    "smish": lambda t: t * mp.tanh(mp.log(1 + sig(t))),
    "eswish": lambda t: mp.mpf("1.375") * t * sig(t),
    "shifted_softplus": lambda t: sp_(t) - mp.log(2),
    "acon_c": lambda t: t * sig(t),  # p1 = 1, p2 = 0, beta = 1
    "flatten_t_swish": lambda t: t * sig(t) + mp.mpf("-0.20") if t >= 0 else mp.mpf("-0.20"),
    "golu": lambda t: t * mp.exp(-mp.exp(-t)),
    "sinlu": lambda t: (t + mp.sin(t)) * sig(t),
    "aptx": lambda t: (1 + mp.tanh(t)) * t / 2,
    "gish": lambda t: t * mp.log(2 - mp.exp(-mp.exp(t))),
    "tanhsoft_1": lambda t: mp.tanh(mp.mpf("0.87") * t) * mp.log(1 + mp.exp(t)),
    "tanhsoft_2": lambda t: t * mp.tanh(mp.mpf("0.6") * mp.exp(t)),
    "dsilu": lambda t: sig(t) * (1 + t * (1 - sig(t))),
    "maxtanh": lambda t: max(t, mp.tanh(t)),
    "minsin": lambda t: min(t, mp.sin(t)),
    "cosid": lambda t: mp.cos(t) - t,
    "snake": lambda t: t + mp.sin(t) ** 2,
    "gcu": lambda t: t * mp.cos(t),
    "lisht": lambda t: t * mp.tanh(t),
    "cube": lambda t: t**3,
    "squ": lambda t: t**2 + t,
    "ncu": lambda t: t - t**3,
    "bent_identity": lambda t: (mp.sqrt(t * t + 1) - 1) / 2 + t,
    "gaussian": lambda t: mp.exp(-t * t),
    "sinc": lambda t: mp.sin(t) / t if t != 0 else mp.mpf(1),
    "sqnl": lambda t: 1 if t > 2 else (t - t * t / 4 if t >= 0 else (t + t * t / 4 if t >= -2 else -1)),
    "arctan": mp.atan,
}

DEFAULTS = {
    "isru": {"alpha": 1.0}, "isrlu": {"alpha": 1.0}, "penalized_tanh": {"a": 0.25},
    "star_relu": {"s": 0.8944, "b": -0.4472}, "nlrelu": {"beta": 1.0}, "pelu": {"a": 1.0, "b": 1.0},
    "serlu": {"lambd": 1.07862, "alpha": 2.90427}, "smelu": {"beta": 2.0}, "eswish": {"beta": 1.375},
    "acon_c": {"p1": 1.0, "p2": 0.0, "beta": 1.0},
    "flatten_t_swish": {"T": -0.2}, "sinlu": {"a": 1.0, "b": 1.0}, "aptx": {"alpha": 1.0, "beta": 1.0, "gamma": 0.5},
    "tanhsoft_1": {"alpha": 0.87}, "tanhsoft_2": {"beta": 0.6, "gamma": 1.0}, "snake": {"a": 1.0},
}

POINTS = [-30.0, -7.5, -2.5, -1.0, -0.3, -1e-6, 1e-6, 0.25, 0.7, 1.5, 3.0, 12.0, 60.0]
URL = r"https://(arxiv\.org/abs/\d{4}\.\d{4,5}|(doi\.org|link\.springer\.com/chapter)/10\.\d{4,5}/\S+)$"
ULP = 8  # the kernel's own goal is 4 ULP + cond; 8 leaves room for cond <= 4 at these points


def _defn(name):
    return next(d for d in definitions() if d.name == name)


def test_at_least_40_literature_entries_all_checked_here():
    assert len(NAMES) >= 40
    assert set(NAMES) == set(PAPER)


@pytest.mark.parametrize("name", NAMES)
def test_reference_and_summary(name):
    d = _defn(name)
    assert d.summary and len(d.summary) > 20
    assert d.references
    for r in d.references:
        assert 1940 < r.year <= 2026 and r.authors and r.title
        assert re.match(URL, r.url), r.url


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_parameter_defaults_as_in_the_paper(name):
    got = {k: float(v) for k, v in symact.get(name).params.items()}
    assert got == pytest.approx(DEFAULTS[name], rel=0, abs=0)


@pytest.mark.parametrize("name", NAMES)
def test_values_match_the_paper_formula(name):
    act = symact.get(name)
    f = PAPER[name]
    got = act(np.array(POINTS))
    with mp.workdps(50):
        for p, g in zip(POINTS, got, strict=True):
            want = f(mp.mpf(p))
            cond = 1
            if want != 0:  # condition number |x f'/f| from a central difference
                h = mp.mpf(10) ** -20
                cond = abs(mp.mpf(p) * (f(mp.mpf(p) + h) - f(mp.mpf(p) - h)) / (2 * h) / want)
            tol = (ULP + float(cond)) * np.spacing(abs(float(want))) if want != 0 else 1e-300
            assert abs(mp.mpf(float(g)) - want) <= tol, (name, p, g, want, cond)
