"""Small interfaces for feature extractors.

A visual extractor embeds RGB frames; an audio extractor embeds a mono waveform cut into
clips. Implementations live one per module, name themselves with ``NAME`` and ``VERSION``
(both enter the feature-cache key), and import their heavy dependencies lazily.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class VisualExtractor(ABC):
    """Embeds RGB frames (uint8, ``(N, H, W, 3)``) into ``(N, dim)`` float32 features."""

    NAME: str = ""
    VERSION: str = "1"
    dim: int = 0
    #: (height, width) the frames should be decoded at; the decoder resizes to this.
    input_size: tuple[int, int] = (224, 224)

    @abstractmethod
    def embed_frames(self, frames: np.ndarray) -> np.ndarray:
        """Return one float32 feature row per frame."""

    def params(self) -> dict:
        """Parameters that change the output (enter the cache key)."""
        return {"input_size": list(self.input_size)}


class AudioExtractor(ABC):
    """Embeds a mono float32 waveform into one float32 feature row per clip."""

    NAME: str = ""
    VERSION: str = "1"
    dim: int = 0
    sample_rate: int = 16000

    @abstractmethod
    def embed_clips(self, waveform: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        """Return ``(len(bounds), dim)`` float32 features.

        Args:
            waveform: mono float32 samples in [-1, 1] at ``sample_rate``.
            bounds: ``(n_clips, 2)`` clip start/end times in seconds.
        """

    def params(self) -> dict:
        """Parameters that change the output (enter the cache key)."""
        return {"sample_rate": self.sample_rate}
