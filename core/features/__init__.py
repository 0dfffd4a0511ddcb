"""Feature-extractor registry.

``get_visual("effnet-lite0")`` / ``get_audio("yamnet")`` build an extractor by name; an
unknown name raises an error that lists the valid ones. Implementations are imported only
when asked for, so listing names stays cheap.
"""

from __future__ import annotations

import importlib
import inspect

from core.errors import FeatureError
from core.features.base import AudioExtractor, VisualExtractor

DEFAULT_VISUAL = "effnet-lite0"
DEFAULT_AUDIO = "yamnet"

# name -> "module:ClassName"
_VISUAL = {
    "effnet-lite0": "core.features.effnet:EfficientNetLite0",
}
_AUDIO = {
    "yamnet": "core.features.yamnet:YAMNet",
    "panns-cnn14": "core.features.panns:PannsCnn14",
}


def visual_names() -> list[str]:
    return sorted(_VISUAL)


def audio_names() -> list[str]:
    return sorted(_AUDIO)


def _load(table: dict[str, str], kind: str, name: str, backend: str = "auto", **kwargs):
    if name not in table:
        raise FeatureError(
            f"unknown {kind} extractor {name!r}; valid names: {', '.join(sorted(table))}"
        )
    module, cls = table[name].split(":")
    factory = getattr(importlib.import_module(module), cls)
    if "backend" in inspect.signature(factory).parameters:
        kwargs["backend"] = backend
    elif backend == "onnx":
        raise FeatureError(f"{kind} extractor {name!r} has no ONNX backend; use --backend torch")
    return factory(**kwargs)


def get_visual(name: str = DEFAULT_VISUAL, **kwargs) -> VisualExtractor:
    """Build the visual extractor called ``name`` (kwargs: ``device``, ``backend`` and its own).

    ``backend`` (``auto|torch|onnx``, see :mod:`core.features.onnx_backend`) is passed to
    extractors that have one; ``auto`` means torch for those that do not.
    """
    return _load(_VISUAL, "visual", name, **kwargs)


def get_audio(name: str = DEFAULT_AUDIO, **kwargs) -> AudioExtractor:
    """Build the audio extractor called ``name`` (kwargs: ``device`` and its own options)."""
    return _load(_AUDIO, "audio", name, **kwargs)


__all__ = [
    "AudioExtractor",
    "VisualExtractor",
    "DEFAULT_AUDIO",
    "DEFAULT_VISUAL",
    "audio_names",
    "get_audio",
    "get_visual",
    "visual_names",
]
