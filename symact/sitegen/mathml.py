"""Math rendered at build time: LaTeX (printed by SymPy from the expressions) -> MathML Core.

Chromium, Firefox and Safari render MathML natively, so the site needs no math script,
no CDN and no font download.  SymPy's own presentation-MathML printer cannot print
``Piecewise`` (it emits ``piecewise(...)``), so expressions go through SymPy's LaTeX
printer (which honours symact's ``_latex`` hooks: σ, softplus) and then ``latex2mathml``.
Hand-written pages use ``$...$`` / ``$$...$$`` (pymdownx.arithmatex, generic mode); the
site hook converts those spans with :func:`convert_arithmatex`.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

import sympy as sp
from latex2mathml.converter import convert

#: Parameter names printed as Greek letters (SymPy does alpha, beta, ... itself; not "lambd").
GREEK = {"lambd": r"\lambda"}


def symbol_names(symbols) -> dict[sp.Symbol, str]:
    """LaTeX names for parameter symbols: Greek where PyTorch's name is one, else upright words."""
    out = {}
    for s in symbols:
        name = s.name
        if name in GREEK:
            out[s] = GREEK[name]
        elif "_" in name or (len(name) > 2 and not _sympy_greek(name)):
            out[s] = r"\mathrm{" + name.replace("_", r"\_") + "}"
    return out


def _sympy_greek(name: str) -> bool:
    return sp.latex(sp.Symbol(name)).startswith("\\")


def to_latex(expr: sp.Basic, symbols=()) -> str:
    """SymPy's LaTeX of ``expr`` with parameter symbols named by :func:`symbol_names`."""
    if not symbols:
        symbols = sorted((s for s in expr.free_symbols if s.name != "x"), key=lambda s: s.name)
    return sp.latex(expr, symbol_names=symbol_names(symbols))


_UPRIGHT = re.compile(r'<mi mathvariant="normal">([^<]{1,10})</mi>')
_UPRIGHT_RUN = re.compile(r'(?:<mi mathvariant="normal">[^<]{1,10}</mi>){2,}')
_PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)(?:<mi>&#x02032;</mi>|<mrow><mi>&#x02032;</mi></mrow>)</msup>")


@lru_cache(maxsize=4096)
def latex_to_mathml(tex: str, display: bool = False) -> str:
    """One ``<math>`` element; ``display=True`` for a block formula."""
    out = convert(tex, display="block" if display else "inline")
    # latex2mathml marks \operatorname{erf} as an operator (<mo>); MathML wants an identifier.
    out = re.sub(r"<mo>([A-Za-z]{2,})</mo>", r'<mi mathvariant="normal">\1</mi>', out)
    # \mathrm{min\_val} comes out one <mi> per letter: one identifier reads (and is searched) better
    out = _UPRIGHT_RUN.sub(lambda m: '<mi mathvariant="normal">' + "".join(_UPRIGHT.findall(m.group(0))) + "</mi>",
                           out)
    # f' is f followed by a prime; as a superscript the prime glyph is raised twice
    out = _PRIME.sub(r'\1<mo lspace="0" rspace="0">&#x02032;</mo>', out)
    return out.replace("<math ", f'<math alttext="{html.escape(tex, quote=True)}" ', 1)


def expr_to_mathml(expr: sp.Basic, display: bool = False, symbols=()) -> str:
    return latex_to_mathml(to_latex(expr, symbols), display)


_ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])\s*</(?P=tag)>',
    re.S,
)


def convert_arithmatex(page_html: str) -> str:
    """Replace pymdownx.arithmatex's generic-mode spans (``\\(..\\)``, ``\\[..\\]``) by MathML."""

    def repl(m: re.Match) -> str:
        if m.group("block") is not None:
            tex = html.unescape(m.group("block"))
            return f'<div class="math-block">{latex_to_mathml(tex.strip(), True)}</div>'
        tex = html.unescape(m.group("inline"))
        return latex_to_mathml(tex.strip(), False)

    return _ARITHMATEX.sub(repl, page_html)
