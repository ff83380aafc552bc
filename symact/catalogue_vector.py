"""Vector-valued and gated activations: the softmax family, sparsemax, hardmax, maxout, and the GLU family.

Each entry is an indexed SymPy form (see :mod:`symact.vector`): the Jacobian, the vector-Jacobian product,
the kernels and the LaTeX are derived from it.  ``act(x, axis=-1)``; ``act.vjp(x, g, axis=-1)``.
"""
from __future__ import annotations

from sympy import Interval, oo

from .definition import Param, Reference, x
from .registry import register
from .vector import VectorDefinition, gated, hardmax_form, log_softmax_of, maxout_form, softmax_of, sparsemax_form

TEMPERATURE = Param("temperature", "1.0", Interval.open(0, oo),
                    doc="divides the logits: T → 0 tends to hardmax, T → ∞ to uniform")

BRIDLE = Reference("Bridle", "Probabilistic Interpretation of Feedforward Classification Network Outputs, "
                   "with Relationships to Statistical Pattern Recognition", 1990,
                   "https://doi.org/10.1007/978-3-642-76153-9_28")
HINTON_KD = Reference("Hinton, Vinyals, Dean", "Distilling the Knowledge in a Neural Network", 2015,
                      "https://arxiv.org/abs/1503.02531")
MARTINS = Reference("Martins, Astudillo", "From Softmax to Sparsemax: A Sparse Model of Attention and "
                    "Multi-Label Classification", 2016, "https://arxiv.org/abs/1602.02068")
GOODFELLOW = Reference("Goodfellow, Warde-Farley, Mirza, Courville, Bengio", "Maxout Networks", 2013,
                       "https://arxiv.org/abs/1302.4389")
DAUPHIN = Reference("Dauphin, Fan, Auli, Grangier", "Language Modeling with Gated Convolutional Networks", 2017,
                    "https://arxiv.org/abs/1612.08083")
SHAZEER = Reference("Shazeer", "GLU Variants Improve Transformer", 2020, "https://arxiv.org/abs/2002.05202")

T = TEMPERATURE.symbol


def vector(name, form, *, kind="vector", family="softmax", params=(), **kw) -> VectorDefinition:
    return register(VectorDefinition(name=name, form=form, kind=kind, family=family, params=tuple(params), **kw))


# ---- the softmax family ---------------------------------------------------------------------------
vector("softmax", softmax_of(x / T), params=(TEMPERATURE,), aliases=("softargmax",),
       summary="Exponentiates and normalises a vector into probabilities; the temperature T sharpens (T < 1) "
               "or flattens (T > 1) them.",
       used_in="classifier outputs with cross-entropy; attention weights; knowledge distillation (T > 1)",
       references=(BRIDLE, HINTON_KD),
       frameworks={"pytorch": "torch.nn.functional.softmax", "jax": "jax.nn.softmax",
                   "keras": "keras.activations.softmax"})
vector("log_softmax", log_softmax_of(x), aliases=("logsoftmax",),
       summary="log of the softmax, computed directly: accurate where the softmax underflows or rounds to 1.",
       used_in="negative log-likelihood / cross-entropy losses; beam search scores", references=(BRIDLE,),
       frameworks={"pytorch": "torch.nn.functional.log_softmax", "jax": "jax.nn.log_softmax",
                   "keras": "keras.activations.log_softmax"})
vector("softmin", softmax_of(-x), summary="Softmax of −x: the smallest entries get the most mass.",
       used_in="soft nearest-neighbour / soft-min pooling; distance-based attention",
       frameworks={"pytorch": "torch.nn.functional.softmin"})
vector("sparsemax", sparsemax_form(),
       summary="Euclidean projection onto the probability simplex: like softmax, but exact zeros appear.",
       used_in="sparse attention; multi-label classification (sparsemax loss)", references=(MARTINS,),
       frameworks={"keras": "keras.activations.sparsemax"})
vector("hardmax", hardmax_form(), aliases=("argmax_onehot",),
       summary="One-hot of the arg max (first index on ties): the T → 0 limit of softmax.",
       note="Its Jacobian is zero wherever it is defined (the output is piecewise constant and jumps where "
            "two entries tie), so no gradient flows through it: training uses softmax, or a straight-through "
            "or Gumbel-softmax estimator.",
       used_in="greedy decoding; evaluation (accuracy); straight-through estimators")
vector("maxout", maxout_form(2), family="maxout",
       summary="Max over groups of k = 2 consecutive inputs (affine pieces): a learned convex piecewise-linear "
               "activation.",
       used_in="maxout networks with dropout (Goodfellow et al. 2013)", references=(GOODFELLOW,))

# ---- gated linear units: x = [a | b] along the axis, output a ⊙ gate(b) ----------------------------
_GLU = dict(kind="gated", family="gated")
vector("glu", gated("sigmoid"), **_GLU, references=(DAUPHIN,),
       summary="a ⊙ σ(b): a sigmoid gate halves the width; the gradient has a linear path through a.",
       used_in="gated convolutional language models; Conformer convolution modules",
       frameworks={"pytorch": "torch.nn.functional.glu", "jax": "jax.nn.glu", "keras": "keras.activations.glu"})
vector("bilinear", gated("identity"), **_GLU, references=(SHAZEER,),
       summary="a ⊙ b: the GLU without a nonlinearity (Shazeer's 'Bilinear'): still competitive in FFNs.",
       used_in="transformer feed-forward layers (ablations)")
vector("reglu", gated("relu"), **_GLU, references=(SHAZEER,),
       summary="a ⊙ relu(b): the ReLU-gated GLU variant.", used_in="transformer feed-forward layers")
vector("geglu", gated("gelu"), **_GLU, references=(SHAZEER,),
       summary="a ⊙ gelu(b) (exact erf GELU): the GELU-gated GLU variant.",
       used_in="transformer FFNs (T5 v1.1, Gemma uses the tanh-approximate GELU)")
vector("swiglu", gated("silu"), **_GLU, references=(SHAZEER,),
       summary="a ⊙ silu(b): the Swish-gated GLU that most large language models use in their FFN.",
       used_in="transformer FFNs (PaLM, LLaMA, Mistral, Qwen)")
