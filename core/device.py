"""Torch device selection: ``auto`` picks CUDA when available, CPU otherwise."""

from __future__ import annotations

from core.errors import AvhdError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str = "auto") -> str:
    """Return ``"cuda"`` or ``"cpu"`` for ``auto|cpu|cuda``; refuse CUDA when absent."""
    import torch

    if name not in DEVICES:
        raise AvhdError(f"unknown device {name!r}; valid: {', '.join(DEVICES)}")
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise AvhdError("device 'cuda' was asked for but no CUDA GPU is available")
    return name
