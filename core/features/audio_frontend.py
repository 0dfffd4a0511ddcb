"""YAMNet's log-mel front end, reimplemented in numpy to match the TensorFlow original.

The reference is ``features.py`` and ``params.py`` of YAMNet (tensorflow/models,
research/audioset/yamnet): 16 kHz mono, 25 ms periodic-Hann frames every 10 ms, a 512-point
FFT magnitude, 64 HTK-mel bands between 125 and 7500 Hz, ``log(mel + 0.001)``, and patches of
96 frames (0.96 s) every 48 frames (0.48 s). The waveform is zero-padded at the end the way
``pad_waveform`` does, so any input (even an empty one) yields at least one patch.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
WINDOW_SAMPLES = 400  # 25 ms
HOP_SAMPLES = 160  # 10 ms
FFT_SIZE = 512
MEL_BANDS = 64
MEL_MIN_HZ = 125.0
MEL_MAX_HZ = 7500.0
LOG_OFFSET = 0.001
PATCH_FRAMES = 96  # 0.96 s
PATCH_HOP_FRAMES = 48  # 0.48 s
#: Seconds between the starts of two patches, and the span of waveform one patch sees.
PATCH_HOP_SECONDS = PATCH_HOP_FRAMES * HOP_SAMPLES / SAMPLE_RATE
PATCH_SPAN_SECONDS = ((PATCH_FRAMES - 1) * HOP_SAMPLES + WINDOW_SAMPLES) / SAMPLE_RATE


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale, ``1127 ln(1 + f / 700)``."""
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def mel_matrix(
    num_mel_bins: int = MEL_BANDS,
    num_spectrogram_bins: int = FFT_SIZE // 2 + 1,
    sample_rate: int = SAMPLE_RATE,
    lower_edge_hz: float = MEL_MIN_HZ,
    upper_edge_hz: float = MEL_MAX_HZ,
) -> np.ndarray:
    """``(num_spectrogram_bins, num_mel_bins)`` triangular weights, as TF computes them.

    Triangles are built in the mel domain from ``num_mel_bins + 2`` equally spaced mel edges,
    are not area-normalised, and the DC bin gets zero weight (``tf.signal.
    linear_to_mel_weight_matrix`` and VGGish's ``spectrogram_to_mel_matrix`` agree on this).
    """
    nyquist = sample_rate / 2.0
    spec_mel = hz_to_mel(np.linspace(0.0, nyquist, num_spectrogram_bins))
    edges = np.linspace(hz_to_mel(lower_edge_hz), hz_to_mel(upper_edge_hz), num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    lower_slope = (spec_mel[:, None] - lower) / (center - lower)
    upper_slope = (upper - spec_mel[:, None]) / (upper - center)
    weights = np.maximum(0.0, np.minimum(lower_slope, upper_slope))
    weights[0, :] = 0.0
    return weights.astype(np.float32)


_MEL = mel_matrix()
# Periodic Hann, as tf.signal.hann_window(periodic=True) used by tf.signal.stft.
_WINDOW = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(WINDOW_SAMPLES) / WINDOW_SAMPLES)).astype(
    np.float32
)


def pad_waveform(waveform: np.ndarray) -> np.ndarray:
    """Zero-pad the end so the waveform holds a whole number of patch hops (at least one patch)."""
    min_samples = PATCH_FRAMES * HOP_SAMPLES + WINDOW_SAMPLES - HOP_SAMPLES
    hop = PATCH_HOP_FRAMES * HOP_SAMPLES
    n = waveform.shape[0]
    padded = min_samples + (patch_count(n) - 1) * hop
    if padded == n:
        return waveform
    return np.concatenate([waveform, np.zeros(padded - n, dtype=waveform.dtype)])


def log_mel_spectrogram(waveform: np.ndarray) -> np.ndarray:
    """``(n_frames, 64)`` float32 log-mel frames of a mono 16 kHz waveform (no padding)."""
    x = np.ascontiguousarray(waveform, dtype=np.float32)
    if x.shape[0] < WINDOW_SAMPLES:
        return np.zeros((0, MEL_BANDS), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, WINDOW_SAMPLES)[::HOP_SAMPLES]
    out = np.empty((frames.shape[0], MEL_BANDS), dtype=np.float32)
    step = 4096  # bounded memory on long inputs
    for i in range(0, frames.shape[0], step):
        spec = np.abs(np.fft.rfft(frames[i : i + step] * _WINDOW, n=FFT_SIZE)).astype(np.float32)
        out[i : i + step] = np.log(spec @ _MEL + LOG_OFFSET)
    return out


def log_mel_patches(waveform: np.ndarray) -> np.ndarray:
    """``(n_patches, 96, 64)`` float32 patches of the padded waveform; patch ``i`` starts at
    ``i * PATCH_HOP_SECONDS``."""
    mel = log_mel_spectrogram(pad_waveform(np.asarray(waveform, dtype=np.float32)))
    n = 1 + (mel.shape[0] - PATCH_FRAMES) // PATCH_HOP_FRAMES
    view = np.lib.stride_tricks.sliding_window_view(mel, (PATCH_FRAMES, MEL_BANDS))[:, 0]
    return np.ascontiguousarray(view[::PATCH_HOP_FRAMES][:n])


def patch_count(n_samples: int) -> int:
    """Number of patches :func:`log_mel_patches` yields for ``n_samples`` samples."""
    min_samples = PATCH_FRAMES * HOP_SAMPLES + WINDOW_SAMPLES - HOP_SAMPLES
    hop = PATCH_HOP_FRAMES * HOP_SAMPLES
    return 1 + -(-max(0, n_samples - min_samples) // hop)
