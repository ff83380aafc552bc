"""Activations from the research literature, each with its paper and why it exists.

Same declarative records as :mod:`symact.catalogue`; definitions are taken from the papers
(where sources disagree, the entry's summary says so).
"""
from __future__ import annotations
