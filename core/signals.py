"""Per-clip signals measured while extracting, from what the extractor already decodes.

* ``motion``: mean absolute difference of small grey frames (32x32, OpenCV), between the
  frames of a clip when it has several, else between this clip's frame and the previous
  clip's. No extra frame is decoded.
* ``loudness``: RMS level of the clip's audio in dB (full scale), from the waveform the
  audio extractor already decoded.
* ``crowd``: YAMNet's own AudioSet head, from the same run that gives the embeddings
  (:meth:`core.features.yamnet.YAMNet.embed_clips_and_events`).

They are stored with the features (:attr:`core.artifacts.ClipFeatures.signals`) and read by
the ``motion`` and ``loudness`` cues (:mod:`core.scorers`).
"""

from __future__ import annotations

import numpy as np

GREY_SIZE = 32
SILENCE_DB = -100.0


def _grey(frames: np.ndarray) -> np.ndarray:
    """``(N, H, W, 3)`` uint8 RGB -> ``(N, 32, 32)`` float32 grey in [0, 1]."""
    import cv2

    out = np.empty((len(frames), GREY_SIZE, GREY_SIZE), np.float32)
    for i, f in enumerate(frames):
        g = cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY)
        out[i] = cv2.resize(g, (GREY_SIZE, GREY_SIZE), interpolation=cv2.INTER_AREA)
    return out / 255.0


class MotionMeter:
    """Motion of each clip, fed batch by batch in clip order (``(m, k, H, W, 3)`` frames)."""

    def __init__(self) -> None:
        self._last: np.ndarray | None = None

    def update(self, frames: np.ndarray) -> np.ndarray:
        m, k = frames.shape[:2]
        grey = _grey(frames.reshape(m * k, *frames.shape[2:])).reshape(m, k, GREY_SIZE, -1)
        out = np.zeros(m, np.float32)
        for i in range(m):
            if k > 1:
                out[i] = np.abs(np.diff(grey[i], axis=0)).mean()
            elif self._last is not None:
                out[i] = np.abs(grey[i, 0] - self._last).mean()
            self._last = grey[i, -1]
        return out


def finish_motion(motion: np.ndarray, frames_per_clip: int) -> np.ndarray:
    """With one frame per clip the first clip has no previous frame: it takes the second's."""
    motion = np.asarray(motion, np.float32).copy()
    if frames_per_clip == 1 and len(motion) > 1:
        motion[0] = motion[1]
    return motion


def loudness_db(wave: np.ndarray, rate: int, bounds: np.ndarray) -> np.ndarray:
    """RMS level of each ``[start, end)`` clip of ``wave`` in dBFS (silence: -100)."""
    wave = np.asarray(wave, np.float32)
    out = np.full(len(bounds), SILENCE_DB, np.float32)
    for i, (s, e) in enumerate(np.asarray(bounds, np.float64)):
        seg = wave[int(round(s * rate)) : int(round(e * rate))]
        if seg.size:
            rms = float(np.sqrt(np.mean(np.square(seg, dtype=np.float64))))
            out[i] = max(SILENCE_DB, 20.0 * np.log10(max(rms, 1e-12)))
    return out
