"""CUDA features agree with CPU features (runs only where a CUDA GPU is present)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.extract import extract_file
from core.features import get_audio, get_visual

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")


def _cos(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_cuda_features_agree_with_cpu(synth_media):
    p = synth_media("av.mp4", duration=9)
    cpu = extract_file(p, get_visual(device="cpu", backend="torch"),
                       get_audio(device="cpu", backend="torch"), cache=False)  # fmt: skip
    gpu_v, gpu_a = get_visual(device="cuda"), get_audio(device="cuda")
    assert (gpu_v.backend, gpu_a.backend) == ("torch", "torch")  # auto: batched torch on CUDA
    gpu = extract_file(p, gpu_v, gpu_a, cache=False)
    assert _cos(cpu.visual, gpu.visual).min() >= 0.999
    assert _cos(cpu.audio, gpu.audio).min() >= 0.999
