"""Activations from the research literature, each with its paper and why it exists.

Same declarative records as :mod:`symact.catalogue`; definitions are taken from the papers
(where sources disagree, the entry's summary says so).
"""
from __future__ import annotations

import sympy as sp
from sympy import Abs, Ne, Piecewise, atan, cos, erf, exp, log, sin, sqrt, tanh

from .catalogue import ELFWING, LECUN98, NONNEG, POS, RAMACHANDRAN, act
from .definition import Param, Reference, x
from .functions import Phi, sigmoid, softplus


def ref(authors: str, title: str, year: int, where: str) -> Reference:
    """A paper; ``where`` is an arXiv id (``"1710.09967"``) or a DOI (``"10.1109/..."``)."""
    url = f"https://doi.org/{where}" if where.startswith("10.") else f"https://arxiv.org/abs/{where}"
    return Reference(authors, title, year, url)


def P(name: str, default: str, domain: sp.Set = sp.S.Reals, doc: str = "") -> Param:  # noqa: N802 - short
    return Param(name, default, domain, doc=doc)


def relu(u):
    return Piecewise((u, u > 0), (0, True))


# ---- references --------------------------------------------------------------------------
CARLILE = ref("Carlile, Delamarter, Kinney, Marti, Whitney",
              "Improving Deep Learning by Inverse Square Root Linear Units (ISRLUs)", 2017, "1710.09967")
ROY = ref("Roy, Manna, Dubey, Chaudhuri",
          "LiSHT: Non-Parametric Linearly Scaled Hyperbolic Tangent Activation Function for Neural Networks",
          2019, "1901.05894")
NAG = ref("Nag, Bhattacharyya",
          "SERF: Towards better training of deep neural networks using log-Softplus ERror activation Function",
          2021, "2108.09598")
SHAMIR = ref("Shamir, Lin, Coviello", "Smooth activations and reproducibility in deep networks", 2020,
             "2010.09931")
LIU_DI = ref("Liu, Di", "TanhExp: A Smooth Activation Function with High Convergence Speed for Lightweight "
             "Neural Networks", 2020, "2003.09855")
TELU = ref("Fernandez, Mali", "TeLU Activation Function for Fast and Stable Deep Learning", 2024, "2412.20269")
ZHU = ref("Zhu, Zeng, Liu, Zhang",
          "Logish: A new nonlinear nonmonotonic activation function for convolutional neural network", 2021,
          "10.1016/j.neucom.2021.06.067")
WANG = ref("Wang, Ren, Wang", "Smish: A Novel Activation Function for Deep Learning Methods", 2022,
           "10.3390/electronics11040540")
BASIRAT = ref("Basirat, Roth", "The Quest for the Golden Activation Function", 2018, "1808.00783")
ZIYIN = ref("Liu Ziyin, Hartwig, Ueda", "Neural Networks Fail to Learn Periodic Functions and How to Fix It",
            2020, "2006.08195")
ALCAIDE = ref("Alcaide", "E-swish: Adjusting Activations to Different Network Depths", 2018, "1801.07145")
NOEL = ref("Noel, Arunkumar, Trivedi, Dutta", "Growing Cosine Unit: A Novel Oscillatory Activation Function That "
           "Can Speedup Training and Reduce Parameters in Convolutional Neural Networks", 2021, "2108.12943")
NOEL_OSC = ref("Noel et al.", "Biologically Inspired Oscillating Activation Functions Can Bridge the Performance "
               "Gap between Biological and Artificial Neurons", 2021, "2111.04020")
EGER = ref("Eger, Youssef, Gurevych",
           "Is it Time to Swish? Comparing Deep Learning Activation Functions Across NLP tasks", 2018, "1901.02671")
SO = ref("So, Mańke, Liu, Dai, Shazeer, Le", "Primer: Searching for Efficient Transformers for Language Modeling",
         2021, "2109.08668")
YU = ref("Yu, Si, Zhou, Li, Feng, Zhou, Wang", "MetaFormer Baselines for Vision", 2022, "2210.13452")
TROTTIER = ref("Trottier, Giguère, Chaib-draa",
               "Parametric Exponential Linear Unit for Deep Convolutional Neural Networks", 2017, "1605.09332")
LIU_NL = ref("Liu, Liu, Zhou, Wang",
             "Natural-Logarithm-Rectified Activation Function in Convolutional Neural Networks", 2019, "1908.03682")
SCHUTT = ref("Schütt, Kindermans, Sauceda, Chmiela, Tkatchenko, Müller", "SchNet: A continuous-filter "
             "convolutional neural network for modeling quantum interactions", 2017, "1706.08566")
MA_ACON = ref("Ma, Zhang, Liu, Zhang, Sun", "Activate or Not: Learning Customized Activation", 2021, "2009.04759")
CHIENG = ref("Chieng, Wahid, Pauline, Perla",
             "Flatten-T Swish: a thresholded ReLU-Swish-like activation function for deep learning", 2018,
             "1812.06247")
CHEN_MANNING = ref("Chen, Manning", "A Fast and Accurate Dependency Parser using Neural Networks", 2014,
                   "10.3115/v1/D14-1082")
ZHANG_LI = ref("Zhang, Li", "Effectiveness of Scaled Exponentially-Regularized Linear Units (SERLUs)", 2018,
               "1807.10117")
JARRETT = ref("Jarrett, Kavukcuoglu, Ranzato, LeCun", "What is the Best Multi-Stage Architecture for Object "
              "Recognition?", 2009, "10.1109/ICCV.2009.5459469")
DAS = ref("Das, Safari, Adriaensen, Hutter",
          "Gompertz Linear Units: Leveraging Asymmetry for Enhanced Learning Dynamics", 2025, "2502.03654")
PAUL = ref("Paul, Bandyopadhyay, Kundu, Singh, Kumar, Sarkar", "SinLU: Sinu-Sigmoidal Linear Unit", 2022,
           "10.3390/math10030337")
KUMAR = ref("Kumar", "APTx: better activation function than MISH, SWISH, and ReLU's variants used in deep "
            "learning", 2022, "2209.06119")
GOMES = ref("Gomes, Ludermir, Lima",
            "Comparison of new activation functions in neural network for forecasting financial time series", 2011,
            "10.1007/s00521-010-0407-3")
YING = ref("Ying, Su, Shan, Miao, Wang, Peng", "Rectified Exponential Units for Convolutional Neural Networks",
           2019, "10.1109/ACCESS.2019.2928442")
KAYTAN = ref("Kaytan, Aydilek, Yeroğlu", "Gish: a novel activation function for image classification", 2023,
             "10.1007/s00521-023-09035-5")
BISWAS_TS = ref("Biswas, Kumar, Banerjee, Pandey",
                "TanhSoft -- a family of activation functions combining Tanh and Softplus", 2020, "2009.03863")
UNKE = ref("Unke, Maennel", "E3x: E(3)-Equivariant Deep Learning Made Easy", 2024, "2401.07595")
RAMASINGHE = ref("Ramasinghe, Lucey", "Beyond Periodicity: Towards a Unifying Framework for Activations in "
                 "Coordinate-MLPs", 2022, "2111.15135")
SARATCHANDRAN = ref("Saratchandran, Ramasinghe, Shevchenko, Long, Lucey",
                    "A Sampling Theory Perspective on Activations for Implicit Neural Representations", 2024,
                    "2402.05427")
WURAOLA = ref("Wuraola, Patel", "SQNL: A New Computationally Efficient Activation Function", 2018,
              "10.1109/IJCNN.2018.8489043")
PERVAN = ref("Pervan Akman, Tümer Sivri, Berkol",
             "The Impact of Irrationals on the Range of Arctan Activation Function for Deep Learning Models", 2025,
             "10.19072/ijet.1394093")
LEE = ref("Lee, Xiao, Schoenholz, Bahri, Novak, Sohl-Dickstein, Pennington",
          "Wide Neural Networks of Any Depth Evolve as Linear Models Under Gradient Descent", 2019, "1902.06720")

# ---- parameters (the papers' names and defaults) -------------------------------------------
ISRU_ALPHA = P("alpha", "1.0", POS, "1/sqrt(alpha) is the saturation value (the paper's experiments use 1)")
A, B = P("a", "1.0", POS, "scale (learned; initialised to 1)"), P("b", "1.0", POS, "shape (learned; initialised to 1)")
SMELU_BETA = P("beta", "2.0", POS, "half-width of the quadratic transition")
SNAKE_A = P("a", "1.0", POS, "frequency; the paper suggests 5-50 for strongly periodic data, 1 for others")
ESWISH_BETA = P("beta", "1.375", NONNEG, "scale; the paper recommends 1 <= beta <= 2 and reports 1.375 best")
PEN_A = P("a", "0.25", POS, "slope factor on the negative side")
STAR_S, STAR_B = P("s", "0.8944", doc="scale, 1/sqrt(Var relu(z)^2) for z ~ N(0, 1)"), \
    P("b", "-0.4472", doc="bias, -E[relu(z)^2] s for z ~ N(0, 1)")
NL_BETA = P("beta", "1.0", POS, "scale inside the logarithm")
P1, P2, ACON_BETA = P("p1", "1.0", doc="slope on the right (learned)"), P("p2", "0.0", doc="slope on the left"), \
    P("beta", "1.0", doc="switching factor (learned)")
FTS_T = P("T", "-0.20", doc="threshold value of the flat negative part")
SERLU_L = P("lambd", "1.07862", POS, "lambda_serlu, from the self-normalising fixed point")
SERLU_A = P("alpha", "2.90427", POS, "alpha_serlu, from the self-normalising fixed point")
SINLU_A, SINLU_B = P("a", "1.0", doc="amplitude of the sine (learned; initial value)"), \
    P("b", "1.0", doc="frequency of the sine (learned; initial value)")
APTX_A, APTX_B, APTX_G = P("alpha", "1.0"), P("beta", "1.0"), P("gamma", "0.5")
TS_ALPHA = P("alpha", "0.87", doc="TanhSoft-1 tanh(alpha x) ln(1 + e^x); 0.87 is the paper's best")
TS_BETA, TS_GAMMA = P("beta", "0.6", doc="TanhSoft-2 x tanh(beta e^(gamma x)); 0.6 is the paper's best"), \
    P("gamma", "1.0")


def S(p: Param) -> sp.Symbol:  # noqa: N802 - short
    return p.symbol


# ---- sigmoidal -------------------------------------------------------------------------------
act("isru", x / sqrt(1 + S(ISRU_ALPHA) * x**2), params=(ISRU_ALPHA,), family="sigmoidal",
    summary="x/sqrt(1 + αx²): a tanh-like squashing from a square root instead of exponentials, cheaper in "
            "hardware; saturates at ±1/sqrt(α).",
    used_in="RNN gates in the paper's proposal", references=(CARLILE,))
act("lecun_tanh", sp.Rational("1.7159") * tanh(2 * x / 3), family="sigmoidal", aliases=("scaled_tanh",),
    summary="1.7159·tanh(2x/3): scaled so f(±1) = ±1 and the variance of unit-variance inputs is kept.",
    used_in="LeNet-era MLPs/CNNs with LeCun initialisation", references=(LECUN98,))
act("penalized_tanh", Piecewise((tanh(x), x > 0), (S(PEN_A) * tanh(x), True)), params=(PEN_A,),
    family="sigmoidal",
    summary="tanh with the negative side scaled by a = 0.25 (a leaky tanh); the most stable of 21 activations "
            "across NLP tasks in the paper.", used_in="NLP MLPs, CNNs and LSTMs (Eger et al.)", references=(EGER,))
act("erf", erf(x), family="sigmoidal", aliases=("erf_activation",),
    summary="The error function as a sigmoid: its infinite-width kernel (Williams 1997) and NTK are in closed "
            "form, so it is the standard nonlinearity of wide-network theory experiments.",
    used_in="NTK/NNGP experiments", references=(LEE,))
act("probit", Phi(x), family="sigmoidal", aliases=("normal_cdf",),
    summary="The standard normal CDF Φ(x) as an activation (the probit link of GLMs), proposed for forecasting "
            "networks alongside cloglog and loglog.", used_in="time-series MLPs; binary outputs with a probit link",
    references=(GOMES,))
act("cloglog", 1 - exp(-exp(x)), family="sigmoidal", aliases=("complementary_log_log",),
    summary="1 − exp(−eˣ): an asymmetric sigmoid (the inverse complementary log-log link) that approaches 1 "
            "much faster than 0.", used_in="time-series MLPs; discrete-time survival models", references=(GOMES,))
act("loglog", exp(-exp(-x)), family="sigmoidal", aliases=("gompertz_sigmoid",),
    summary="exp(−e⁻ˣ): the Gompertz curve (inverse log-log link), the mirror image of cloglog.",
    used_in="time-series MLPs", references=(GOMES,))
act("relu_squared", Piecewise((x**2, x > 0), (0, True)), family="relu", aliases=("squared_relu", "relu2"),
    summary="max(x, 0)²: found by Primer's architecture search to cut Transformer training cost.",
    used_in="Primer; Transformer FFNs (nanoGPT speedruns)", references=(SO,))
act("star_relu", Piecewise((S(STAR_S) * x**2 + S(STAR_B), x > 0), (S(STAR_B), True)), params=(STAR_S, STAR_B),
    family="relu", aliases=("starrelu",),
    summary="s·relu(x)² + b with s, b normalising the output for standard normal inputs (learnable in the "
            "paper; the fixed values 0.8944, −0.4472 are quoted there).",
    used_in="MetaFormer baselines (CAFormer, ConvFormer)", references=(YU,))
act("nlrelu", Piecewise((log(1 + S(NL_BETA) * x), x > 0), (0, True)), params=(NL_BETA,), family="relu",
    summary="log(β·max(x, 0) + 1): compresses large activations logarithmically, reducing the spread of "
            "activation magnitudes.", used_in="CNNs in the paper", references=(LIU_NL,))
act("absolute", Abs(x), family="relu", aliases=("abs", "absolute_value_rectification"),
    summary="|x|: rectification that keeps the magnitude of both signs (invariant to the polarity of a filter).",
    used_in="early object-recognition CNNs (Jarrett et al.); scattering networks", references=(JARRETT,))

# ---- exponential linear units ----------------------------------------------------------------
act("isrlu", Piecewise((x, x >= 0), (x / sqrt(1 + S(ISRU_ALPHA) * x**2), True)), params=(ISRU_ALPHA,),
    family="elu",
    summary="ELU's shape with an inverse square root instead of an exponential on the negative side: cheaper, "
            "smooth (C² at 0), saturates at −1/sqrt(α).", used_in="CNNs in the paper", references=(CARLILE,))
act("pelu", Piecewise((S(A) / S(B) * x, x >= 0), (S(A) * (exp(x / S(B)) - 1), True)), params=(A, B),
    family="elu",
    summary="ELU with learned a, b (a/b·x for x ≥ 0, a(e^{x/b} − 1) otherwise), differentiable at 0 for every a, b.",
    used_in="CNNs (NiN, ResNet) in the paper", references=(TROTTIER,))
act("serlu", Piecewise((S(SERLU_L) * x, x >= 0), (S(SERLU_L) * S(SERLU_A) * x * exp(x), True)),
    params=(SERLU_L, SERLU_A), family="elu",
    summary="Self-normalising like SELU, but the negative side λαx·eˣ has a bump (non-monotonic) that pulls "
            "large negative inputs back to 0.", used_in="self-normalising MLPs", references=(ZHANG_LI,))
act("elish", Piecewise((x * sigmoid(x), x >= 0), ((exp(x) - 1) * sigmoid(x), True)), family="elu",
    summary="SiLU on the right and (eˣ − 1)·σ(x) on the left: ELU's negative saturation times a sigmoid gate.",
    used_in="CNNs in the paper's genetic search", references=(BASIRAT,))
act("hard_elish", Piecewise((x, x >= 1), (x * (x + 1) / 2, x >= 0), ((exp(x) - 1) * (x + 1) / 2, x > -1),
                            (0, True)), family="elu",
    summary="ELiSH with the sigmoid replaced by the hard sigmoid max(0, min(1, (x + 1)/2)).",
    used_in="CNNs in the paper's genetic search", references=(BASIRAT,))
act("reu", Piecewise((x, x > 0), (x * exp(x), True)), family="elu",
    summary="x for x > 0, x·eˣ otherwise: ELU's smooth negative side with Swish's multiplicative form "
            "(non-monotonic, returns to 0).", used_in="CNNs (ResNet) in the paper", references=(YING,))

# ---- smooth ReLUs ----------------------------------------------------------------------------
act("smelu", Piecewise((0, x <= -S(SMELU_BETA)), (x, x >= S(SMELU_BETA)),
                       ((x + S(SMELU_BETA))**2 / (4 * S(SMELU_BETA)), True)), params=(SMELU_BETA,),
    family="smooth-relu",
    summary="ReLU with a quadratic joint of half-width β (C¹, cheap), for reproducible training of large "
            "recommenders. The paper sets β per experiment; the default 2 is that of the popular PyTorch "
            "implementation.", used_in="large-scale recommendation models", references=(SHAMIR,))
act("tanhexp", x * tanh(exp(x)), family="smooth-relu", aliases=("telu",),
    summary="x·tanh(eˣ): near-linear for x > 0 and a small negative bump; TeLU (Fernandez & Mali 2024) is "
            "the same function.", used_in="lightweight CNNs", references=(LIU_DI, TELU))
act("serf", x * erf(softplus(x)), family="smooth-relu",
    summary="x·erf(softplus(x)): a Mish-like self-gated activation with erf as gate.",
    used_in="CNNs and GNNs in the paper", references=(NAG,))
act("logish", x * log(1 + sigmoid(x)), family="smooth-relu",
    summary="x·ln(1 + σ(x)): a Swish-like non-monotonic activation; the logarithm narrows the gate to (0, ln 2).",
    used_in="CNNs in the paper", references=(ZHU,))
act("smish", x * tanh(log(1 + sigmoid(x))), family="smooth-relu",
    summary="x·tanh(ln(1 + σ(x))): Mish with the sigmoid in place of eˣ inside the logarithm.",
    used_in="CNNs in the paper", references=(WANG,))
act("eswish", S(ESWISH_BETA) * x * sigmoid(x), params=(ESWISH_BETA,), family="smooth-relu", aliases=("e_swish",),
    summary="β·x·σ(x): SiLU scaled by β (1 ≤ β ≤ 2), which speeds up training of deeper networks in the paper.",
    used_in="wide residual networks in the paper", references=(ALCAIDE,))
act("shifted_softplus", softplus(x) - log(2), family="smooth-relu", aliases=("ssp",),
    summary="softplus(x) − ln 2: softplus shifted through the origin (ssp(0) = 0), smooth for force fields.",
    used_in="SchNet and other molecular-property networks", references=(SCHUTT,))
act("acon_c", (S(P1) - S(P2)) * x * sigmoid(S(ACON_BETA) * (S(P1) - S(P2)) * x) + S(P2) * x,
    params=(P1, P2, ACON_BETA), family="smooth-relu",
    summary="(p1 − p2)x·σ(β(p1 − p2)x) + p2·x: a learned switch between linear (β = 0) and max(p1x, p2x) "
            "(β → ∞); SiLU at the defaults.", used_in="ShuffleNet/ResNet with (meta-)ACON", references=(MA_ACON,))
act("flatten_t_swish", Piecewise((x * sigmoid(x) + S(FTS_T), x >= 0), (S(FTS_T), True)), params=(FTS_T,),
    family="smooth-relu", aliases=("fts",),
    summary="x·σ(x) + T for x ≥ 0, else T (T = −0.20): Swish on the right, a flat learned threshold on the left.",
    used_in="MLPs/CNNs in the paper", references=(CHIENG,))
act("golu", x * exp(-exp(-x)), family="smooth-relu", aliases=("gompertz_linear_unit",),
    summary="x·exp(−e⁻ˣ): self-gated with the asymmetric Gompertz function, which reduces variance in the "
            "latent space.", used_in="CNNs, ViTs and language models in the paper", references=(DAS,))
act("sinlu", (x + S(SINLU_A) * sin(S(SINLU_B) * x)) * sigmoid(x), params=(SINLU_A, SINLU_B),
    family="smooth-relu",
    summary="(x + a·sin(bx))·σ(x): SiLU with a learned sine ripple added to the gated input.",
    used_in="CNNs in the paper", references=(PAUL,))
act("aptx", (S(APTX_A) + tanh(S(APTX_B) * x)) * S(APTX_G) * x, params=(APTX_A, APTX_B, APTX_G),
    family="smooth-relu",
    summary="(α + tanh(βx))·γx: Mish-like shape with fewer operations; at the defaults (1, 1, 1/2) it equals "
            "x·σ(2x), Swish with β = 2.", used_in="CNNs in the paper", references=(KUMAR,))
act("gish", x * log(2 - exp(-exp(x))), family="smooth-relu",
    summary="x·ln(2 − exp(−eˣ)): a Swish/Mish-like self-gated activation built on the Gompertz function.",
    used_in="EfficientNet variants in the paper", references=(KAYTAN,))
act("tanhsoft_1", tanh(S(TS_ALPHA) * x) * softplus(x), params=(TS_ALPHA,), family="smooth-relu",
    summary="tanh(αx)·ln(1 + eˣ): the member of the TanhSoft family tanh(αx + βe^{γx})·ln(δ + eˣ) with "
            "β = 0, δ = 1; α = 0.87 is the paper's best.", used_in="CNNs in the paper", references=(BISWAS_TS,))
act("tanhsoft_2", x * tanh(S(TS_BETA) * exp(S(TS_GAMMA) * x)), params=(TS_BETA, TS_GAMMA), family="smooth-relu",
    summary="x·tanh(βe^{γx}): the TanhSoft member with α = 0, δ → 0 (x·tanh(0.6eˣ) is the paper's best); "
            "TanhExp is β = γ = 1.", used_in="CNNs in the paper", references=(BISWAS_TS,))
act("dsilu", sigmoid(x) * (1 + x * (1 - sigmoid(x))), family="sigmoidal",
    summary="The derivative of SiLU used as an activation: a sigmoid-like function that overshoots to 1.1.",
    used_in="reinforcement learning (Tetris, Atari) in the paper", references=(ELFWING,))

# ---- found by search; periodic and polynomial -------------------------------------------------
act("maxtanh", Piecewise((x, x >= 0), (tanh(x), True)), family="relu",
    summary="max(x, tanh(x)), i.e. x for x ≥ 0 and tanh(x) below: found by the Swish paper's search, "
            "evaluated by Eger et al.", used_in="NLP comparison (Eger et al.)", references=(RAMACHANDRAN, EGER))
act("minsin", Piecewise((sin(x), x >= 0), (x, True)), family="periodic",
    summary="min(x, sin(x)), i.e. sin(x) for x ≥ 0 and x below: found by the Swish paper's search.",
    used_in="NLP comparison (Eger et al.)", references=(RAMACHANDRAN, EGER))
act("cosid", cos(x) - x, family="periodic",
    summary="cos(x) − x: found by the Swish paper's search; evaluated across NLP tasks by Eger et al.",
    used_in="NLP comparison (Eger et al.)", references=(RAMACHANDRAN, EGER))
act("snake", x + sin(S(SNAKE_A) * x)**2 / S(SNAKE_A), params=(SNAKE_A,), family="periodic",
    summary="x + sin²(ax)/a: monotone trend plus a periodic part, so networks extrapolate periodic signals.",
    used_in="BigVGAN and other neural vocoders; time-series extrapolation", references=(ZIYIN,))
act("gcu", x * cos(x), family="periodic", aliases=("growing_cosine_unit",),
    summary="x·cos(x): oscillatory with many zeros, so a single neuron can learn XOR.",
    used_in="CNNs in the paper", references=(NOEL,))
act("lisht", x * tanh(x), family="other",
    summary="x·tanh(x): symmetric and unbounded, keeps negative inputs' magnitude (no dying units).",
    used_in="MLPs, CNNs, LSTMs in the paper", references=(ROY,))
act("cube", x**3, family="polynomial",
    summary="x³: captures products of three input features directly; the hidden layer of Chen & Manning's "
            "neural dependency parser.", used_in="transition-based dependency parsing", references=(CHEN_MANNING,))
act("squ", x**2 + x, family="polynomial", aliases=("shifted_quadratic_unit",),
    summary="x² + x: a non-monotonic quadratic with two zeros (−1, 0), so a single neuron can learn XOR.",
    used_in="CNNs in the paper", references=(NOEL_OSC,))
act("ncu", x - x**3, family="polynomial", aliases=("non_monotonic_cubic_unit",),
    summary="x − x³: a non-monotonic cubic with three zeros, so a single neuron can learn XOR.",
    used_in="CNNs in the paper", references=(NOEL_OSC,))

# ---- further entries readers look up ----------------------------------------------------------
act("bent_identity", (sqrt(x**2 + 1) - 1) / 2 + x, family="other",
    summary="(sqrt(x² + 1) − 1)/2 + x: a smooth, monotone, unbounded bend of the identity (slope 1/2 far left, "
            "3/2 far right). No original paper is known; it is a staple of activation tables (Wikipedia's "
            "among them) and ships with libraries such as E3x.", used_in="E3x's activation set",
    references=(UNKE,))
act("gaussian", exp(-x**2), family="other", aliases=("gaussian_activation",),
    summary="exp(−x²): the bell curve of RBF networks as an elementwise activation; not monotonic, so one unit "
            "responds to a band of inputs. Widths differ between sources: Ramasinghe & Lucey's Gaussian has a "
            "width hyperparameter σ and exp(−x²/2) also circulates; this entry is the exp(−x²) of activation "
            "tables.", used_in="coordinate MLPs / implicit neural representations", references=(RAMASINGHE,))
act("sinc", Piecewise((sin(x) / x, Ne(x, 0)), (1, True)), family="periodic",
    summary="sin(x)/x with value 1 at 0: the unnormalised sinc (signal processing often means the normalised "
            "sin(πx)/(πx), i.e. this function at πx); sampling theory singles it out as the activation for "
            "implicit neural representations.", used_in="implicit neural representations, NeRF",
    references=(SARATCHANDRAN,))
act("sqnl", Piecewise((1, x > 2), (x - x**2 / 4, x >= 0), (x + x**2 / 4, x >= -2), (-1, True)),
    family="sigmoidal", aliases=("square_nonlinearity",),
    summary="Square nonlinearity: x − x²/4 on [0, 2], x + x²/4 on [−2, 0), ±1 outside: a tanh-like C¹ sigmoid "
            "from one square instead of an exponential, for cheap hardware implementations.",
    used_in="hardware-efficient MLPs",
    references=(WURAOLA,))
act("arctan", atan(x), family="sigmoidal", aliases=("atan",),
    summary="atan(x): a sigmoid with range (−π/2, π/2) whose tails approach their limits only like 1/x "
            "(tanh's like e^{−2|x|}), so it saturates far more slowly; the cited paper compares it with "
            "variants rescaled by irrational constants (π, φ, e).",
    used_in="newswire classification and time-series forecasting in the paper", references=(PERVAN,))
