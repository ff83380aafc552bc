"""Activations that exist as framework built-ins (PyTorch, JAX, Keras) but are not in the seed catalogue,
including framework variants whose definition differs from the canonical one (Keras's old hard_sigmoid)."""
from __future__ import annotations

import sympy as sp
from sympy import Piecewise, sqrt

from .catalogue import act
from .definition import Param, x

B4 = Param("b", "4", sp.Interval.open(0, sp.oo), doc="smoothness at the hinge; b = 0 gives relu")

act("squareplus", (x + sqrt(x**2 + B4.symbol)) / 2, params=(B4,), family="smooth-relu",
    summary="(x + sqrt(x^2 + b))/2: an algebraic smooth ReLU without exp or log.",
    used_in="JAX and Keras built-in smooth ReLU",
    frameworks={"jax": "jax.nn.squareplus", "keras": "keras.activations.squareplus"})
act("sparse_plus", Piecewise((0, x <= -1), ((x + 1)**2 / 4, x < 1), (x, True)), family="smooth-relu",
    summary="0 below -1, (x+1)^2/4 on [-1, 1], x above 1: a C1 piecewise-quadratic softplus.",
    used_in="JAX and Keras built-in sparse softplus",
    frameworks={"jax": "jax.nn.sparse_plus", "keras": "keras.activations.sparse_plus"})
