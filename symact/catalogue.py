"""The built-in catalogue: each activation declared once, in a few lines.

Piecewise conditions are chosen so that the piece holding at a kink is the one
PyTorch's autograd differentiates there (relu'(0) = 0, hardswish'(3) = 1, ...).
Nothing here is restated anywhere else: derivatives, kernels, LaTeX, properties
and pages are all derived from these expressions.
"""
from __future__ import annotations

import sympy as sp
from sympy import Abs, Interval, Piecewise, erf, exp, log, oo, pi, sin, sqrt, tanh

from .definition import Definition, Param, Reference, num, x
from .functions import sigmoid, softplus
from .registry import register

POS = Interval.open(0, oo)
NONNEG = Interval(0, oo)


def F(name: str) -> str:  # noqa: N802 - short on purpose: the PyTorch functional namespace
    return f"torch.nn.functional.{name}"


def _p(*params: Param) -> dict[str, sp.Symbol]:
    return {p.name: p.symbol for p in params}


def act(name, expr, *, params=(), **kw) -> Definition:
    return register(Definition(name=name, expr=expr, params=tuple(params), **kw))


# ---- parameters (PyTorch's argument names and defaults) -------------------------------
SLOPE = Param("negative_slope", "0.01", doc="slope for x < 0")
WEIGHT = Param("weight", "0.25", doc="learnable slope for x < 0 (PyTorch's init)")
LOWER, UPPER = Param("lower", "1/8", Interval(0, 1)), Param("upper", "1/3", Interval(0, 1))
ALPHA = Param("alpha", "1.0", POS, doc="scale of the negative saturation")
SELU_ALPHA = Param("alpha", "1.6732632423543772848170429916717", POS, doc="fixed-point solution (Klambauer et al.)")
SELU_SCALE = Param("scale", "1.0507009873554804934193349852946", POS, doc="fixed-point solution (Klambauer et al.)")
BETA = Param("beta", "1.0", POS, doc="sharpness")
THRESH = Param("threshold", "20.0", POS, used=False,
               doc="PyTorch reverts to x when beta*x > threshold; symact's kernel is exact everywhere")
LAMBD = Param("lambd", "0.5", NONNEG, doc="half-width of the zeroed band")
MIN_VAL, MAX_VAL = Param("min_val", "-1.0"), Param("max_val", "1.0")
TH, VAL = Param("threshold", "0.1", doc="inputs at or below it are replaced"), Param("value", "20.0", doc="replacement")
W0 = Param("w0", "30.0", POS, doc="frequency (SIREN's omega_0)")
SWISH_BETA = Param("beta", "1.0", doc="temperature; 1 gives SiLU, learnable in Swish")

s = _p(SLOPE, WEIGHT, LOWER, UPPER, ALPHA, BETA, LAMBD, MIN_VAL, MAX_VAL, W0)
slope_r = sp.Symbol("slope", real=True)  # rrelu's random slope


def relu_like(slope):
    return Piecewise((x, x > 0), (slope * x, True))


def elu_like(alpha, inner):
    return Piecewise((x, x > 0), (alpha * (exp(inner) - 1), True))


GLOROT = Reference("Glorot, Bordes, Bengio", "Deep Sparse Rectifier Neural Networks", 2011,
                   "https://proceedings.mlr.press/v15/glorot11a.html")
NAIR = Reference("Nair, Hinton", "Rectified Linear Units Improve Restricted Boltzmann Machines", 2010,
                 "https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf")
MAAS = Reference("Maas, Hannun, Ng", "Rectifier Nonlinearities Improve Neural Network Acoustic Models", 2013,
                 "https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf")
HE = Reference("He, Zhang, Ren, Sun", "Delving Deep into Rectifiers", 2015, "https://arxiv.org/abs/1502.01852")
XU = Reference("Xu, Wang, Chen, Li", "Empirical Evaluation of Rectified Activations in Convolutional Network",
               2015, "https://arxiv.org/abs/1505.00853")
CLEVERT = Reference("Clevert, Unterthiner, Hochreiter",
                    "Fast and Accurate Deep Network Learning by Exponential Linear Units (ELUs)", 2015,
                    "https://arxiv.org/abs/1511.07289")
BARRON = Reference("Barron", "Continuously Differentiable Exponential Linear Units", 2017,
                   "https://arxiv.org/abs/1704.07483")
KLAMBAUER = Reference("Klambauer, Unterthiner, Mayr, Hochreiter", "Self-Normalizing Neural Networks", 2017,
                      "https://arxiv.org/abs/1706.02515")
HENDRYCKS = Reference("Hendrycks, Gimpel", "Gaussian Error Linear Units (GELUs)", 2016,
                      "https://arxiv.org/abs/1606.08415")
ELFWING = Reference("Elfwing, Uchibe, Doya",
                    "Sigmoid-Weighted Linear Units for Neural Network Function Approximation in RL", 2017,
                    "https://arxiv.org/abs/1702.03118")
RAMACHANDRAN = Reference("Ramachandran, Zoph, Le", "Searching for Activation Functions", 2017,
                         "https://arxiv.org/abs/1710.05941")
MISRA = Reference("Misra", "Mish: A Self Regularized Non-Monotonic Activation Function", 2019,
                  "https://arxiv.org/abs/1908.08681")
DUGAS = Reference("Dugas, Bengio, Belisle, Nadeau, Garcia",
                  "Incorporating Second-Order Functional Knowledge for Better Option Pricing", 2000,
                  "https://papers.nips.cc/paper/1920")
HOWARD = Reference("Howard et al.", "Searching for MobileNetV3", 2019, "https://arxiv.org/abs/1905.02244")
KRIZHEVSKY = Reference("Krizhevsky", "Convolutional Deep Belief Networks on CIFAR-10", 2010,
                       "https://www.cs.toronto.edu/~kriz/conv-cifar10-aug2010.pdf")
COURBARIAUX = Reference("Courbariaux, Bengio, David",
                        "BinaryConnect: Training Deep Neural Networks with binary weights", 2015,
                        "https://arxiv.org/abs/1511.00363")
SITZMANN = Reference("Sitzmann, Martel, Bergman, Lindell, Wetzstein",
                     "Implicit Neural Representations with Periodic Activation Functions", 2020,
                     "https://arxiv.org/abs/2006.09661")
LECUN98 = Reference("LeCun, Bottou, Orr, Müller", "Efficient BackProp", 1998,
                    "https://link.springer.com/chapter/10.1007/3-540-49430-8_2")
BERGSTRA = Reference("Bergstra, Desjardins, Lamblin, Bengio",
                     "Quadratic Polynomials Learn Better Image Features (softsign)", 2009,
                     "https://www.iro.umontreal.ca/~lisa/publications2/index.php/publications/show/247")
DONOHO = Reference("Donoho", "De-noising by soft-thresholding", 1995, "https://doi.org/10.1109/18.382009")
MCCULLOCH = Reference("McCulloch, Pitts", "A Logical Calculus of the Ideas Immanent in Nervous Activity",
                      1943, "https://doi.org/10.1007/BF02478259")

# ---- linear and sigmoidal --------------------------------------------------------------
act("identity", x, family="linear", aliases=("linear",),
    summary="Passes the input through unchanged; the output layer of regression models.",
    used_in="regression outputs; residual branches; a baseline",
    frameworks={"pytorch": "torch.nn.Identity", "jax": "jax.nn.identity", "keras": "keras.activations.linear"},
    torch=lambda t, v, p: v * 1)
act("sigmoid", sigmoid(x), family="sigmoidal", aliases=("logistic", "expit"),
    summary="Squashes to (0, 1): a probability; saturates on both sides, so gradients vanish in deep stacks.",
    used_in="binary-classifier outputs; LSTM/GRU gates; attention gates",
    references=(LECUN98,),
    frameworks={"pytorch": "torch.sigmoid", "jax": "jax.nn.sigmoid", "keras": "keras.activations.sigmoid"},
    torch=lambda t, v, p: t.sigmoid(v))
act("tanh", tanh(x), family="sigmoidal",
    summary="Zero-centred squashing to (-1, 1); steeper than the sigmoid (max slope 1) but still saturating.",
    used_in="RNN/LSTM hidden states; older MLPs", references=(LECUN98,),
    frameworks={"pytorch": "torch.tanh", "jax": "jax.numpy.tanh", "keras": "keras.activations.tanh"},
    torch=lambda t, v, p: t.tanh(v))
act("log_sigmoid", log(sigmoid(x)), family="sigmoidal", aliases=("logsigmoid",),
    summary="log σ(x): the log-probability form used inside losses, where σ itself would underflow.",
    used_in="losses (binary cross-entropy, contrastive and DPO objectives)",
    frameworks={"pytorch": F("logsigmoid"), "jax": "jax.nn.log_sigmoid", "keras": "keras.activations.log_sigmoid"},
    torch=lambda t, v, p: t.nn.functional.logsigmoid(v))
act("softsign", x / (1 + Abs(x)), family="sigmoidal", aliases=("soft_sign",),
    summary="A sigmoid-shaped squashing with polynomial, not exponential, tails: saturates slowly.",
    used_in="occasional alternative to tanh", references=(BERGSTRA,),
    frameworks={"pytorch": F("softsign"), "jax": "jax.nn.soft_sign", "keras": "keras.activations.softsign"},
    torch=lambda t, v, p: t.nn.functional.softsign(v))
act("hardsigmoid", Piecewise((0, x <= -3), (1, x >= 3), ((x + 3) / 6, True)), family="sigmoidal",
    aliases=("hard_sigmoid",),
    summary="Piecewise-linear sigmoid relu6(x+3)/6: cheap on mobile hardware.",
    used_in="MobileNetV3 squeeze-and-excitation gates", references=(HOWARD,),
    frameworks={"pytorch": F("hardsigmoid"), "jax": "jax.nn.hard_sigmoid", "keras": "keras.activations.hard_sigmoid"},
    torch=lambda t, v, p: t.nn.functional.hardsigmoid(v))
act("hardtanh", Piecewise((s["min_val"], x <= s["min_val"]), (s["max_val"], x >= s["max_val"]), (x, True)),
    params=(MIN_VAL, MAX_VAL), constraints=(s["min_val"] < s["max_val"],), family="sigmoidal", aliases=("hard_tanh",),
    summary="Clips to [min_val, max_val]: the piecewise-linear tanh.",
    used_in="quantisation-friendly networks; gradient clipping of activations",
    frameworks={"pytorch": F("hardtanh"), "jax": "jax.nn.hard_tanh", "keras": "keras.activations.hard_tanh"},
    torch=lambda t, v, p: t.nn.functional.hardtanh(v, p["min_val"], p["max_val"]))
act("heaviside", Piecewise((1, x >= 0), (0, True)), family="step", aliases=("binary_step", "step"),
    summary="The binary step of the perceptron: 1 for x ≥ 0, else 0; its gradient is zero almost everywhere.",
    used_in="perceptrons; binarised networks (with a straight-through estimator)",
    references=(MCCULLOCH, COURBARIAUX), frameworks={"pytorch": "torch.heaviside"})

# ---- the ReLU family -----------------------------------------------------------------
act("relu", relu_like(0), family="relu", aliases=("rectifier",),
    summary="max(x, 0): cheap, non-saturating on the right; units stuck at x < 0 stop learning (dying ReLU).",
    used_in="hidden layers of CNNs and MLPs; the default for a decade", references=(NAIR, GLOROT),
    frameworks={"pytorch": F("relu"), "jax": "jax.nn.relu", "keras": "keras.activations.relu"},
    torch=lambda t, v, p: t.nn.functional.relu(v))
act("leaky_relu", relu_like(s["negative_slope"]), params=(SLOPE,), family="relu", aliases=("lrelu",),
    summary="ReLU with a small slope for x < 0, so no unit dies.",
    used_in="GAN discriminators; hidden layers where dead ReLUs hurt", references=(MAAS,),
    frameworks={"pytorch": F("leaky_relu"), "jax": "jax.nn.leaky_relu", "keras": "keras.activations.leaky_relu"},
    torch=lambda t, v, p: t.nn.functional.leaky_relu(v, p["negative_slope"]))
act("prelu", relu_like(s["weight"]), params=(WEIGHT,), family="relu",
    summary="Leaky ReLU whose negative slope is learned (∂f/∂weight = x for x ≤ 0).",
    used_in="ImageNet CNNs (He et al. 2015)", references=(HE,),
    frameworks={"pytorch": "torch.nn.PReLU"},
    torch=lambda t, v, p: t.nn.functional.prelu(v, t.tensor([p["weight"]], dtype=v.dtype)))
act("rrelu", relu_like(slope_r), params=(LOWER, UPPER), sampled={"slope": ("lower", "upper")},
    constraints=(s["lower"] <= s["upper"],), family="relu",
    summary="Randomised leaky ReLU: the slope is drawn from U(lower, upper) in training, its mean at inference.",
    used_in="regularisation of small CNNs (Kaggle NDSB winner)", references=(XU,),
    frameworks={"pytorch": F("rrelu")},
    torch=lambda t, v, p: t.nn.functional.rrelu(v, p["lower"], p["upper"], training=False))
act("relu6", Piecewise((0, x <= 0), (6, x >= 6), (x, True)), family="relu",
    summary="ReLU capped at 6, for low-precision arithmetic.",
    used_in="MobileNetV1/V2", references=(KRIZHEVSKY,),
    frameworks={"pytorch": F("relu6"), "jax": "jax.nn.relu6", "keras": "keras.activations.relu6"},
    torch=lambda t, v, p: t.nn.functional.relu6(v))
act("threshold", Piecewise((x, x > TH.symbol), (VAL.symbol, True)), params=(TH, VAL), family="relu",
    summary="PyTorch's Threshold: x above the threshold, a constant value otherwise (defaults from its docs).",
    used_in="generalised ReLU with a moved threshold",
    frameworks={"pytorch": F("threshold"), "keras": "keras.activations.threshold(threshold, default_value)"},
    torch=lambda t, v, p: t.nn.functional.threshold(v, p["threshold"], p["value"]))

# ---- exponential linear units --------------------------------------------------------
act("elu", elu_like(s["alpha"], x), params=(ALPHA,), family="elu",
    summary="Smooth negative saturation at -alpha pushes mean activations towards zero.",
    used_in="hidden layers; faster convergence than ReLU in the paper", references=(CLEVERT,),
    frameworks={"pytorch": F("elu"), "jax": "jax.nn.elu", "keras": "keras.activations.elu"},
    torch=lambda t, v, p: t.nn.functional.elu(v, p["alpha"]))
act("celu", elu_like(s["alpha"], x / s["alpha"]), params=(ALPHA,), family="elu",
    summary="ELU rescaled so it is C¹ for every alpha (ELU is C¹ only at alpha = 1).",
    references=(BARRON,), used_in="ELU replacement when alpha ≠ 1",
    frameworks={"pytorch": F("celu"), "jax": "jax.nn.celu", "keras": "keras.activations.celu"},
    torch=lambda t, v, p: t.nn.functional.celu(v, p["alpha"]))
act("selu", SELU_SCALE.symbol * elu_like(SELU_ALPHA.symbol, x), params=(SELU_ALPHA, SELU_SCALE), family="elu",
    summary="Scaled ELU whose constants make mean 0 / variance 1 a stable fixed point (self-normalising).",
    used_in="self-normalising MLPs (with LeCun-normal init and alpha-dropout)", references=(KLAMBAUER,),
    frameworks={"pytorch": F("selu"), "jax": "jax.nn.selu", "keras": "keras.activations.selu"},
    torch=lambda t, v, p: t.nn.functional.selu(v))

# ---- smooth ReLUs --------------------------------------------------------------------
act("softplus", softplus(BETA.symbol * x) / BETA.symbol, params=(BETA, THRESH), family="smooth-relu",
    summary="log(1 + e^{βx})/β: a smooth ReLU whose derivative is the sigmoid. symact's kernel is exact "
            "everywhere; PyTorch switches to x when βx > threshold (relative error up to e^{-20}/20 there).",
    used_in="positive outputs (variances, rates); smooth ReLU", references=(DUGAS,),
    frameworks={"pytorch": F("softplus"), "jax": "jax.nn.softplus", "keras": "keras.activations.softplus"},
    torch=lambda t, v, p: t.nn.functional.softplus(v, p["beta"], t.finfo(v.dtype).max),
    test={"torch_note": "compared with threshold=finfo.max (PyTorch's exact branch)"})
act("gelu", x / 2 * (1 + erf(x / sqrt(2))), family="smooth-relu",
    summary="x·Φ(x): weights the input by the probability a standard normal is below it.",
    used_in="Transformers: BERT, GPT-2/3, ViT", references=(HENDRYCKS,),
    frameworks={"pytorch": F("gelu"), "jax": "jax.nn.gelu(approximate=False)", "keras": "keras.activations.gelu"},
    torch=lambda t, v, p: t.nn.functional.gelu(v))
act("gelu_tanh", x / 2 * (1 + tanh(sqrt(2 / pi) * (x + num("0.044715") * x**3))), family="smooth-relu",
    aliases=("gelu_approximate", "gelu_new"),
    summary="The tanh approximation of GELU (constant 0.044715), cheaper before fast erf kernels.",
    used_in="GPT-2, BERT (original TF code), JAX's default gelu", references=(HENDRYCKS,),
    frameworks={"pytorch": F("gelu") + "(approximate='tanh')", "jax": "jax.nn.gelu",
                "keras": "keras.activations.gelu(approximate=True)"},
    torch=lambda t, v, p: t.nn.functional.gelu(v, approximate="tanh"))
act("gelu_sigmoid", x * sigmoid(num("1.702") * x), family="smooth-relu", aliases=("quick_gelu",),
    summary="The sigmoid approximation x·σ(1.702x) of GELU.",
    used_in="CLIP (QuickGELU)", references=(HENDRYCKS,))
act("silu", x * sigmoid(x), family="smooth-relu", aliases=("swish",),
    summary="x·σ(x): smooth, non-monotonic, self-gated; the gate of SwiGLU.",
    used_in="EfficientNet, YOLOv5+, LLaMA's SwiGLU FFN", references=(ELFWING, RAMACHANDRAN),
    frameworks={"pytorch": F("silu"), "jax": "jax.nn.silu", "keras": "keras.activations.silu"},
    torch=lambda t, v, p: t.nn.functional.silu(v))
act("swish_beta", x * sigmoid(SWISH_BETA.symbol * x), params=(SWISH_BETA,), family="smooth-relu",
    summary="x·σ(βx): Swish with a (learnable) temperature; β→∞ gives ReLU, β=0 gives x/2.",
    used_in="the Swish paper's searched activation", references=(RAMACHANDRAN,))
act("mish", x * tanh(softplus(x)), family="smooth-relu",
    summary="x·tanh(softplus(x)): smooth, non-monotonic, unbounded above, bounded below.",
    used_in="YOLOv4, some CNN backbones", references=(MISRA,),
    frameworks={"pytorch": F("mish"), "jax": "jax.nn.mish", "keras": "keras.activations.mish"},
    torch=lambda t, v, p: t.nn.functional.mish(v))

# ---- shrinkage -----------------------------------------------------------------------
act("tanhshrink", x - tanh(x), family="shrinkage", aliases=("tanh_shrink",),
    summary="x − tanh(x): near-zero for small inputs (≈ x³/3), linear for large ones.",
    used_in="sparse coding; rarely in deep nets",
    frameworks={"pytorch": F("tanhshrink"), "keras": "keras.activations.tanh_shrink"},
    torch=lambda t, v, p: t.nn.functional.tanhshrink(v))
act("softshrink", Piecewise((x - s["lambd"], x > s["lambd"]), (x + s["lambd"], x < -s["lambd"]), (0, True)),
    params=(LAMBD,), family="shrinkage", aliases=("soft_shrink",),
    summary="Soft thresholding: zeroes |x| ≤ λ and shrinks the rest towards 0 by λ (the proximal map of λ|x|).",
    used_in="sparse coding (ISTA/LISTA); wavelet denoising", references=(DONOHO,),
    frameworks={"pytorch": F("softshrink"), "keras": "keras.activations.soft_shrink(threshold=0.5)"},
    torch=lambda t, v, p: t.nn.functional.softshrink(v, p["lambd"]))
act("hardshrink", Piecewise((x, Abs(x) > s["lambd"]), (0, True)), params=(LAMBD,), family="shrinkage",
    aliases=("hard_shrink",),
    summary="Hard thresholding: zeroes |x| ≤ λ and keeps the rest unchanged (discontinuous at ±λ).",
    used_in="sparse coding; wavelet denoising", references=(DONOHO,),
    frameworks={"pytorch": F("hardshrink"), "keras": "keras.activations.hard_shrink(threshold=0.5)"},
    torch=lambda t, v, p: t.nn.functional.hardshrink(v, p["lambd"]))

# ---- gated and periodic ---------------------------------------------------------------
act("hardswish", Piecewise((0, x <= -3), (x, x >= 3), (x * (x + 3) / 6, True)), family="smooth-relu",
    aliases=("hard_swish", "hard_silu"),
    summary="x·relu6(x+3)/6: a piecewise-quadratic SiLU for mobile hardware.",
    used_in="MobileNetV3", references=(HOWARD,),
    frameworks={"pytorch": F("hardswish"), "jax": "jax.nn.hard_swish", "keras": "keras.activations.hard_swish"},
    torch=lambda t, v, p: t.nn.functional.hardswish(v))
act("sine", sin(W0.symbol * x), params=(W0,), family="periodic", aliases=("siren",),
    summary="sin(w0·x): periodic activation of implicit neural representations (needs SIREN's init).",
    used_in="SIREN: neural fields, signed distance functions", references=(SITZMANN,))

# ---- further catalogue modules: same records, grouped by where they come from ----------
from . import catalogue_frameworks, catalogue_literature, catalogue_vector  # noqa: E402, F401 - they register
