"""The onnxruntime backend of both networks against the torch path, and the audio overlap."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from synth import BandEnergy, ColorHistogram

from core.errors import FeatureError
from core.extract import extract_file
from core.features import audio_frontend as fe
from core.features import get_audio, get_visual
from core.features.onnx_backend import model_dir, onnx_available, resolve_backend

pytestmark = pytest.mark.skipif(not onnx_available(), reason="onnxruntime is not installed")

SR = fe.SAMPLE_RATE


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def pairs():
    """(torch, onnx) extractors of each kind, sharing one weights load per backend."""
    return {
        "visual": (get_visual(device="cpu", backend="torch"), get_visual(device="cpu")),
        "audio": (get_audio(device="cpu", backend="torch"), get_audio(device="cpu")),
    }


def test_auto_backend_is_onnx_on_cpu_and_errors_are_clear():
    assert resolve_backend("auto", "cpu") == "onnx"
    assert resolve_backend("auto", "cuda") == "torch"
    with pytest.raises(FeatureError, match="valid: auto, torch, onnx"):
        resolve_backend("tensorrt", "cpu")
    with pytest.raises(FeatureError, match="CPU only"):
        resolve_backend("onnx", "cuda")
    with pytest.raises(FeatureError, match="no ONNX backend"):
        get_audio("panns-cnn14", device="cpu", backend="onnx")


def test_effnet_onnx_equals_torch(pairs):
    torch_x, onnx_x = pairs["visual"]
    assert (torch_x.backend, onnx_x.backend) == ("torch", "onnx")
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (7, 224, 224, 3), dtype=np.uint8)
    frames[3:] = np.linspace(0, 255, 224, dtype=np.uint8)[None, :, None, None]  # smooth ramps
    a, b = torch_x.embed_frames(frames), onnx_x.embed_frames(frames)
    assert b.shape == (7, 1280) and b.dtype == np.float32
    assert cosines(a, b).min() >= 0.9999
    assert np.abs(a - b).max() < 1e-3 * np.abs(a).max()


def test_yamnet_onnx_equals_torch_embeddings_and_class_scores(pairs):
    torch_a, onnx_a = pairs["audio"]
    t = np.arange(3 * SR) / SR
    wave = (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    wave[SR:] += (0.1 * np.random.default_rng(1).standard_normal(2 * SR)).astype(np.float32)
    patches = fe.log_mel_patches(wave)
    (e1, l1), (e2, l2) = torch_a.embed_patches(patches), onnx_a.embed_patches(patches)
    assert cosines(e1, e2).min() >= 0.9999
    assert np.abs(l1 - l2).max() < 1e-3
    s1, s2 = torch_a.classify(wave), onnx_a.classify(wave)
    assert s2.shape == (521,) and np.abs(s1 - s2).max() < 1e-4
    assert np.argsort(s1)[-5:].tolist() == np.argsort(s2)[-5:].tolist()


def test_extract_file_onnx_matches_torch_per_clip(pairs, synth_media):
    p = synth_media("av.mp4", duration=9)
    ref = extract_file(p, *[x[0] for x in pairs.values()], cache=False)
    new = extract_file(p, *[x[1] for x in pairs.values()], cache=False)
    np.testing.assert_array_equal(ref.bounds, new.bounds)
    assert cosines(ref.visual, new.visual).min() >= 0.999
    assert cosines(ref.audio, new.audio).min() >= 0.999


def test_export_is_made_once_at_first_use_and_a_damaged_file_is_made_again():
    silence = np.zeros((1, 96, 64), np.float32)
    yam = get_audio(device="cpu")
    assert not list(model_dir().glob("yamnet-*.onnx"))  # nothing until it is needed
    yam.embed_patches(silence)
    files = sorted(model_dir().glob("yamnet-*.onnx"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    get_audio(device="cpu").embed_patches(silence)
    assert files[0].stat().st_mtime_ns == stamp
    files[0].write_bytes(b"not an onnx file")
    emb, _ = get_audio(device="cpu").embed_patches(silence)
    assert np.isfinite(emb).all() and files[0].stat().st_size > 1_000_000
    assert not list(model_dir().glob("*.part"))


def test_audio_is_embedded_while_the_video_is_still_running(synth_media):
    """YAMNet's work overlaps the visual model instead of following it."""
    events: list[tuple[str, float, str]] = []

    class SlowVisual(ColorHistogram):
        batch_size = 2

        def embed_frames(self, frames):
            time.sleep(0.15)
            events.append(("visual", time.perf_counter(), threading.current_thread().name))
            return super().embed_frames(frames)

    class RecordingAudio(BandEnergy):
        def embed_clips(self, waveform, bounds):
            events.append(("audio", time.perf_counter(), threading.current_thread().name))
            return super().embed_clips(waveform, bounds)

    p = synth_media("long.mp4", duration=12)
    f = extract_file(p, SlowVisual(), RecordingAudio(), clip_seconds=1.0, cache=False)
    assert f.audio.shape[0] == f.n_clips == 12
    audio = [e for e in events if e[0] == "audio"]
    last_visual = max(e[1] for e in events if e[0] == "visual")
    assert len(audio) == 1 and audio[0][2] != threading.current_thread().name
    assert audio[0][1] < last_visual


def test_both_networks_exported_at_once_from_two_threads():
    """First use in the main thread (visual) and the audio thread (YAMNet) at the same time,
    as extraction does: torch's exporter keeps global state, so exports must not overlap
    (before the lock one of them failed with 'GLOBALS.in_onnx_export must be True')."""
    vis, yam = get_visual(device="cpu"), get_audio(device="cpu")
    frames = np.zeros((2, *vis.input_size, 3), np.uint8)
    patches = np.zeros((2, 96, 64), np.float32)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(fn):
        try:
            start.wait()
            fn()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in (
        lambda: vis.embed_frames(frames), lambda: yam.embed_patches(patches))]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(list(model_dir().glob("*.onnx"))) == 2 and not list(model_dir().glob("*.part"))
