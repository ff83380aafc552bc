"""Activations that exist as framework built-ins (PyTorch, JAX, Keras) but are not in the seed catalogue,
including framework variants whose definition differs from the canonical one (Keras's old hard_sigmoid)."""
from __future__ import annotations
