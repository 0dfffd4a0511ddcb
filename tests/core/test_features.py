"""Feature extractors: EfficientNet-Lite0 (visual) and YAMNet (audio) with their real weights.

Semantic checks use real photos that ship with scikit-learn (a dependency) and synthetic
audio; the YAMNet network is checked against onnxruntime outputs of the original ONNX export
recorded in ``tests/core/data/yamnet_onnx_ref.npz`` by ``tools/convert_yamnet.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.errors import FeatureError
from core.features import audio_frontend as fe
from core.features import get_audio, get_visual

DATA = Path(__file__).resolve().parent / "data"
SR = fe.SAMPLE_RATE
# ImageNet-1k indices used below.
DAISY = 985
BUILDINGS = {442, 449, 483, 497, 538, 663, 698, 832}  # bell cote, boathouse, castle, church,
# dome, monastery, palace, stupa


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def sklearn_photo(name: str, dx: int = 0) -> np.ndarray:
    """A scikit-learn sample photo, short side scaled to 256, 224x224 crop shifted by ``dx``."""
    import sklearn

    from core.ffmpeg import run_ffmpeg

    path = Path(sklearn.__file__).parent / "datasets" / "images" / name
    vf = (f"scale=256:256:force_original_aspect_ratio=increase,"
          f"crop=224:224:x=(in_w-224)/2+{dx}:y=(in_h-224)/2")
    proc = run_ffmpeg(["-v", "error", "-i", str(path), "-vf", vf, "-f", "rawvideo",
                       "-pix_fmt", "rgb24", "-"])
    return np.frombuffer(proc.stdout, np.uint8).reshape(224, 224, 3)


def tone(freq: float, seconds: float = 3.0, amp: float = 0.4) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float = 3.0, amp: float = 0.05, seed: int = 0) -> np.ndarray:
    return (amp * np.random.default_rng(seed).standard_normal(int(seconds * SR))).astype(
        np.float32)


@pytest.fixture(scope="module")
def effnet():
    return get_visual("effnet-lite0", device="cpu", batch_size=4)


@pytest.fixture(scope="module")
def yam():
    return get_audio("yamnet", device="cpu")


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return {"china": sklearn_photo("china.jpg"), "china_shift": sklearn_photo("china.jpg", 12),
            "flower": sklearn_photo("flower.jpg"), "flower_shift": sklearn_photo("flower.jpg", 12)}


# --------------------------------------------------------------------------- EfficientNet


def test_effnet_shape_dtype_and_determinism(effnet):
    frames = np.random.default_rng(0).integers(0, 256, (5, 224, 224, 3), dtype=np.uint8)
    a = effnet.embed_frames(frames)
    assert effnet.NAME == "effnet-lite0" and effnet.dim == 1280
    assert a.shape == (5, 1280) and a.dtype == np.float32 and np.all(np.isfinite(a))
    assert np.all(a >= 0) and a.max() <= 6.0  # pooled ReLU6 activations
    np.testing.assert_array_equal(a, effnet.embed_frames(frames))
    # batching (batch_size=4 -> 4 + 1) does not change a frame's embedding
    np.testing.assert_allclose(a[4:], effnet.embed_frames(frames[4:]), atol=1e-4)
    assert effnet.embed_frames(np.zeros((0, 224, 224, 3), np.uint8)).shape == (0, 1280)


def test_effnet_resizes_other_sizes_and_rejects_bad_input(effnet):
    small = np.random.default_rng(1).integers(0, 256, (2, 120, 160, 3), dtype=np.uint8)
    assert effnet.embed_frames(small).shape == (2, 1280)
    with pytest.raises(FeatureError, match="uint8"):
        effnet.embed_frames(small.astype(np.float32))
    with pytest.raises(FeatureError, match="shape"):
        effnet.embed_frames(small[..., 0])


def test_effnet_classifies_real_photos(effnet, photos):
    """The checkpoint and its (x - 127) / 128 normalisation give sensible ImageNet classes."""
    probs = effnet.classify(np.stack([photos["china"], photos["flower"]]))
    assert probs.shape == (2, 1000)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-4)
    assert int(probs[0].argmax()) in BUILDINGS  # a Chinese temple
    assert int(probs[1].argmax()) == DAISY
    assert probs[1, DAISY] > 0.2


def test_effnet_same_scene_is_closer_than_other_scene(effnet, photos):
    e = dict(zip(photos, effnet.embed_frames(np.stack(list(photos.values()))), strict=True))
    for scene, other in (("china", "flower"), ("flower", "china")):
        same = cosine(e[scene], e[scene + "_shift"])
        assert same > 0.9
        assert same > cosine(e[scene], e[other]) + 0.4


@pytest.mark.shared_media
def test_effnet_real_video_frames(effnet, shared_media):
    """Big Buck Bunny: frames 0.5 s apart within a shot beat frames from other shots."""
    from core.ffmpeg import run_ffmpeg

    def frame(t: float) -> np.ndarray:
        proc = run_ffmpeg(["-v", "error", "-ss", str(t), "-i",
                           str(shared_media / "bbb_full_360p.mp4"), "-frames:v", "1", "-vf",
                           "scale=224:224", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        return np.frombuffer(proc.stdout, np.uint8).reshape(224, 224, 3)

    times = [120.0, 120.5, 60.0, 300.0]  # bunny & rodents, same shot; meadow; forest chase
    e = effnet.embed_frames(np.stack([frame(t) for t in times]))
    same = cosine(e[0], e[1])
    assert same > max(cosine(e[0], e[2]), cosine(e[0], e[3])) + 0.1


# --------------------------------------------------------------------------- front end


def test_mel_matrix_matches_tf_definition():
    m = fe.mel_matrix()
    assert m.shape == (257, 64) and m.dtype == np.float32
    assert np.all(m[0] == 0) and np.all(m >= 0) and m.max() <= 1.0
    freqs = np.linspace(0, SR / 2, 257)
    peaks = freqs[m.argmax(0)]
    assert np.all(np.diff(peaks) >= 0) and 125 <= peaks[0] < 200 and 7000 < peaks[-1] < 7500
    assert np.all(m[(freqs < 125) | (freqs > 7500)] == 0)


def test_log_mel_patches_padding_and_values():
    assert fe.log_mel_patches(np.zeros(0, np.float32)).shape == (1, 96, 64)
    assert [fe.patch_count(n) for n in (0, 15600, 15601, 15600 + 7680, 15601 + 7680)] == [
        1, 1, 2, 2, 3]
    p = fe.log_mel_patches(np.zeros(SR * 3, np.float32))
    assert p.shape == (fe.patch_count(SR * 3), 96, 64)
    np.testing.assert_allclose(p, np.log(0.001), rtol=1e-6)
    # a 1 kHz tone puts its energy in the band centred near 1 kHz
    mel = fe.log_mel_spectrogram(tone(1000.0, 1.0))
    assert mel.shape == (1 + (SR - 400) // 160, 64)
    centres = fe.hz_to_mel(np.array([125.0, 7500.0]))
    band_hz = 700 * np.expm1(np.linspace(*centres, 66)[1:-1] / 1127)
    assert abs(band_hz[mel.mean(0).argmax()] - 1000) < 60


# --------------------------------------------------------------------------- YAMNet


def _ort_reference():
    ref = np.load(DATA / "yamnet_onnx_ref.npz")
    x = (ref["patches_q"].astype(np.float32) - ref["input_zero_point"]) * ref["input_scale"]
    x = x.astype(np.float32)
    acts = dict(zip(ref["act_names"].tolist(), ref["act_scales"].tolist(), strict=True))
    return ref, x, acts


def test_yamnet_matches_onnxruntime_export(yam):
    """With the export's 8-bit activations emulated, torch reproduces onnxruntime closely;
    in float32 (what AVHD runs) it agrees on the top classes of the synthetic signals."""
    import torch

    from core.features.yamnet import forward_w8a8

    ref, x, acts = _ort_reference()
    ort_emb, ort_logits = ref["ort_embedding"], ref["ort_logits"]
    ort_best = ort_logits >= ort_logits.max(1, keepdims=True) - 1e-6  # uint8 output ties
    rows = np.arange(len(x))
    with torch.inference_mode():
        emb_q, logits_q = (t.numpy() for t in forward_w8a8(yam.net, torch.from_numpy(x), acts))
    cos_q = np.sum(emb_q * ort_emb, 1) / np.linalg.norm(emb_q, axis=1) / np.linalg.norm(
        ort_emb, axis=1)
    assert cos_q.min() > 0.98 and np.abs(emb_q - ort_emb).mean() < 0.005
    assert ort_best[rows, logits_q.argmax(1)].mean() >= 0.9

    emb_f, logits_f = yam.embed_patches(x)
    silent = ref["names"] == "silence"
    assert ort_best[rows, logits_f.argmax(1)].mean() >= 0.8
    assert np.all(ort_best[rows, logits_f.argmax(1)][silent])


def test_yamnet_top_classes_are_plausible(yam):
    names = yam.class_names
    assert len(names) == 521 and names[0] == "Speech"

    def top(wave: np.ndarray, k: int = 1) -> list[str]:
        scores = yam.classify(wave)
        assert scores.shape == (521,) and np.all((scores >= 0) & (scores <= 1))
        return [names[i] for i in np.argsort(-scores)[:k]]

    assert top(tone(2000.0))[0] in {"Sine wave", "Beep, bleep", "Tone"}
    assert top(tone(600.0))[0] in {"Sine wave", "Beep, bleep", "Tone"}
    assert top(noise())[0] in {"White noise", "Static", "Noise", "Pink noise"}
    assert top(np.zeros(3 * SR, np.float32)) == ["Silence"]


def test_yamnet_embed_clips_shapes_and_semantics(yam):
    wave = np.concatenate([tone(1000.0), tone(1300.0), noise(), np.zeros(3 * SR, np.float32)])
    bounds = np.array([[0, 3], [3, 6], [6, 9], [9, 12], [0.5, 2.5], [10, 10.1], [11.9, 13.0]])
    emb = yam.embed_clips(wave, bounds)
    assert yam.dim == 1024 and yam.sample_rate == 16000
    params = yam.params()  # enters the feature-cache key: weights digest, not file bytes
    assert params["sample_rate"] == 16000 and len(params["weights"]) == 16
    assert emb.shape == (7, 1024) and emb.dtype == np.float32 and np.all(np.isfinite(emb))
    np.testing.assert_array_equal(emb, yam.embed_clips(wave, bounds))
    tone_tone = cosine(emb[0], emb[1])
    assert tone_tone > cosine(emb[0], emb[2]) + 0.1 and tone_tone > cosine(emb[1], emb[2]) + 0.1
    assert cosine(emb[0], emb[4]) > 0.99  # a sub-clip of the same tone
    assert cosine(emb[3], emb[5]) > 0.99  # a 0.1 s clip of silence still gets a patch
    assert emb.shape == yam.embed_clips(wave, bounds[::-1]).shape
    assert yam.embed_clips(wave, np.zeros((0, 2))).shape == (0, 1024)
    short = yam.embed_clips(tone(1000.0, 0.3), np.array([[0.0, 0.3]]))
    assert cosine(short[0], emb[0]) > 0.5  # a clip shorter than a patch is padded


def test_yamnet_rejects_bad_input(yam):
    with pytest.raises(FeatureError, match="mono"):
        yam.embed_clips(np.zeros((2, SR), np.float32), np.array([[0, 1]]))
    with pytest.raises(FeatureError, match="bounds"):
        yam.embed_clips(np.zeros(SR, np.float32), np.array([[1.0, 0.5]]))
    with pytest.raises(FeatureError, match="NaN"):
        yam.embed_clips(np.full(SR, np.nan, np.float32), np.array([[0, 1]]))


def test_patches_for_clips_uses_centres():
    from core.features.yamnet import patch_centres, patches_for_clips

    centres = patch_centres(10)
    np.testing.assert_allclose(centres[:2], [0.4875, 0.9675])
    idx = patches_for_clips(np.array([[0.0, 1.0], [1.0, 1.1], [50.0, 60.0]]), 10)
    assert idx[0].tolist() == [0, 1]
    assert idx[1].tolist() == [1]  # nearest centre
    assert idx[2].tolist() == [9]  # past the end: the last patch


def test_yamnet_missing_weights_is_a_clear_error(tmp_path):
    from core.features.yamnet import YAMNet

    with pytest.raises(FeatureError, match="not found"):
        YAMNet(device="cpu", weights=tmp_path / "nope.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(FeatureError, match="cannot read"):
        YAMNet(device="cpu", weights=bad)


def test_unknown_extractor_lists_valid_names():
    with pytest.raises(FeatureError, match="effnet-lite0"):
        get_visual("resnet")
    with pytest.raises(FeatureError, match="panns-cnn14, yamnet"):
        get_audio("vggish")
