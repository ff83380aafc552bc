"""Activations that exist as framework built-ins (PyTorch, JAX, Keras) but are not in the seed catalogue,
including framework variants whose definition differs from the canonical one (Keras 2's hard_sigmoid).

Each formula is the framework's documented one, checked against the installed source; whether the
framework still computes it is measured by :mod:`symact.frameworks`, never asserted here.
"""
from __future__ import annotations

import sympy as sp
from sympy import Piecewise, Rational, exp, sqrt

from .catalogue import act
from .definition import Param, Reference, x

B4 = Param("b", "4", sp.Interval.open(0, sp.oo), doc="smoothness at the hinge; b = 0 gives relu")
BLONDEL = Reference("Blondel, Martins, Niculae", "Learning with Fenchel-Young Losses", 2019,
                    "https://arxiv.org/abs/1901.02324")

act("squareplus", (x + sqrt(x**2 + B4.symbol)) / 2, params=(B4,), family="smooth-relu",
    summary="(x + sqrt(x^2 + b))/2: an algebraic smooth ReLU without exp or log.",
    used_in="JAX and Keras built-in smooth ReLU",
    frameworks={"jax": "jax.nn.squareplus", "keras": "keras.activations.squareplus"})
act("sparse_plus", Piecewise((0, x <= -1), ((x + 1)**2 / 4, x < 1), (x, True)), family="smooth-relu",
    summary="0 below -1, (x+1)^2/4 on [-1, 1], x above 1: a C1 piecewise-quadratic softplus.",
    used_in="JAX and Keras built-in sparse softplus", references=(BLONDEL,),
    frameworks={"jax": "jax.nn.sparse_plus", "keras": "keras.activations.sparse_plus"})
act("sparse_sigmoid", Piecewise((0, x <= -1), (1, x >= 1), ((x + 1) / 2, True)), family="sigmoidal",
    summary="0 below -1, (x+1)/2 on [-1, 1], 1 above: the derivative of sparse_plus, a sigmoid with exact 0 and 1.",
    used_in="JAX and Keras built-in; sparse (Fenchel-Young) probability outputs", references=(BLONDEL,),
    frameworks={"jax": "jax.nn.sparse_sigmoid", "keras": "keras.activations.sparse_sigmoid"})
# Keras 2 / tf.keras (and Theano before it) defined hard_sigmoid as clip(0.2x + 0.5, 0, 1); Keras 3 switched
# to PyTorch's relu6(x+3)/6 (entry "hardsigmoid").  Kept so old models' outputs can be reproduced.
act("hard_sigmoid_keras2", Piecewise((0, x <= Rational(-5, 2)), (1, x >= Rational(5, 2)),
                                     (Rational(1, 5) * x + Rational(1, 2), True)),
    family="sigmoidal", aliases=("hard_sigmoid_linear",),
    summary="clip(0.2x + 0.5, 0, 1): Keras 2 / TensorFlow's old hard sigmoid, steeper (slope 1/5 on [-2.5, 2.5]) "
            "than PyTorch's relu6(x+3)/6 (slope 1/6 on [-3, 3]).",
    used_in="models trained with Keras 2 / tf.keras (LSTM recurrent_activation='hard_sigmoid'); Theano",
    frameworks={"keras2": "tf.keras.activations.hard_sigmoid (Keras 2; Keras 3 uses relu6(x+3)/6)"})
act("exponential", exp(x), family="other",
    summary="e^x: positive and unbounded; an output activation for rates or scales, rarely a hidden one.",
    used_in="Keras built-in; positive outputs (Poisson rates, scale parameters)",
    frameworks={"keras": "keras.activations.exponential", "pytorch": "torch.exp", "jax": "jax.numpy.exp"})
