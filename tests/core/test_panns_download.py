"""PANNs Cnn14: loading a checkpoint offline, and the checked download into the user cache.

The real checkpoint (327 MB) is never fetched: tests write randomly initialised Cnn14
checkpoints in PANNs' ``{"model": state_dict}`` layout and serve them from a local HTTP server.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from core.errors import FeatureError
from core.features import panns
from core.features.download import models_cache_dir

SR = panns.SAMPLE_RATE
SMALL = 4  # first-block width of the light test network (real Cnn14: 64)


def write_checkpoint(path: Path, width: int = SMALL, half: bool = False, seed: int = 0) -> Path:
    """A random Cnn14 saved like PANNs' releases (with the torchlibrosa STFT kernels)."""
    import torch

    torch.manual_seed(seed)
    net = panns.build_cnn14(width=width)
    with torch.no_grad():  # PANNs' initialisation; bn0 statistics of dB log-mel values
        for m in net.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                torch.nn.init.xavier_uniform_(m.weight)
        net.bn0.running_mean.fill_(-40.0)
        net.bn0.running_var.fill_(400.0)
    state = {k: (v.half() if half and v.is_floating_point() else v)
             for k, v in net.state_dict().items()}
    state["spectrogram_extractor.stft.conv_real.weight"] = torch.zeros(513, 1, 1024)
    state["spectrogram_extractor.stft.conv_imag.weight"] = torch.zeros(513, 1, 1024)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": state}, path)
    return path


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def audio(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.size)).astype(
        np.float32)


@pytest.fixture()
def server(tmp_path):
    """A local HTTP server over a folder; yields (base URL, folder, request log)."""
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):  # keep test output quiet
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root, requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.mark.slow
def test_full_size_cnn14_offline_checkpoint(tmp_path):
    """The real architecture: a random Cnn14 checkpoint loads and embeds to 2048 dims."""
    ckpt = write_checkpoint(tmp_path / "Cnn14.pth", width=64, half=True)
    model = panns.PannsCnn14(device="cpu", checkpoint=ckpt)
    assert model.dim == 2048 and model.sample_rate == 32000
    assert sum(p.numel() for p in model.net.parameters()) > 80e6
    emb = model.embed_clips(audio(2.0), np.array([[0.0, 1.0], [1.0, 2.0]]))
    assert emb.shape == (2, 2048) and emb.dtype == np.float32 and np.all(np.isfinite(emb))
    assert np.all(emb >= 0) and np.any(emb > 0)  # ReLU embedding, not all dead


def test_checkpoint_from_env_and_clip_batching(tmp_path, monkeypatch):
    ckpt = write_checkpoint(tmp_path / "c.pth")
    monkeypatch.setenv("AVHD_PANNS_CHECKPOINT", str(ckpt))
    model = panns.PannsCnn14(device="cpu", batch_size=3)
    assert model.dim == 32 * SMALL
    assert model.params()["checkpoint"] == "md5:" + hashlib.md5(ckpt.read_bytes()).hexdigest()
    wave = np.concatenate([audio(4.0), np.zeros(2 * SR, np.float32)])
    bounds = np.array([[0, 2], [2, 4], [4, 6], [0.5, 1.5], [5.8, 6.0], [1, 3], [5.5, 7.5]])
    emb = model.embed_clips(wave, bounds)
    assert emb.shape == (7, 32 * SMALL) and emb.dtype == np.float32
    np.testing.assert_array_equal(emb, model.embed_clips(wave, bounds))
    # each row equals the clip embedded on its own (grouping by length keeps the order)
    for k in (0, 3, 4, 6):
        alone = model.embed_clips(wave, bounds[k : k + 1])[0]
        np.testing.assert_allclose(emb[k], alone, rtol=1e-4, atol=1e-4)
    # a 0.2 s clip is padded to 1 s; a clip past the end is zero-padded
    assert np.all(np.isfinite(emb[4])) and np.all(np.isfinite(emb[6]))
    # a clip longer than MAX_PIECE_SECONDS (10 s; 2 s here) is the mean of equal pieces
    monkeypatch.setattr(panns, "MAX_PIECE_SECONDS", 2.0)
    long = model.embed_clips(wave, np.array([[0.0, 4.5], [0.0, 1.5]]))
    pieces = model.embed_clips(wave, np.array([[0, 1.5], [1.5, 3.0], [3.0, 4.5]]))
    np.testing.assert_allclose(long[0], pieces.mean(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(long[1], pieces[0], rtol=1e-4, atol=1e-5)
    assert cosine(emb[0], emb[1]) > cosine(emb[0], emb[2])  # tone+noise vs silence


def test_front_end_puts_a_tone_in_the_right_band():
    import torch

    net = panns.build_cnn14(width=SMALL)
    t = np.arange(SR) / SR
    wave = torch.from_numpy((0.5 * np.sin(2 * np.pi * 1000 * t))[None].astype(np.float32))
    mel = net.logmel_extractor(wave)[0].mean(0).numpy()  # dB per band
    assert mel.shape == (64,)
    peak_hz = np.linspace(0, SR / 2, 513) @ panns.slaney_mel_matrix() / panns.slaney_mel_matrix(
    ).sum(0)  # centroid of each band
    assert abs(peak_hz[mel.argmax()] - 1000) < 100


def test_mismatched_or_foreign_checkpoints_are_refused(tmp_path):
    import torch

    ckpt = write_checkpoint(tmp_path / "c.pth")
    state = torch.load(ckpt)["model"]
    del state["conv_block3.bn1.running_var"]
    broken = tmp_path / "broken.pth"
    torch.save({"model": state}, broken)
    with pytest.raises(FeatureError, match="does not match Cnn14"):
        panns.PannsCnn14(device="cpu", checkpoint=broken)
    state["conv_block3.bn1.running_var"] = torch.ones(3)  # wrong shape
    torch.save({"model": state}, broken)
    with pytest.raises(FeatureError, match="does not match Cnn14"):
        panns.PannsCnn14(device="cpu", checkpoint=broken)
    other = tmp_path / "other.pth"
    torch.save({"model": {"weight": torch.zeros(2)}}, other)
    with pytest.raises(FeatureError, match="not a PANNs Cnn14 checkpoint"):
        panns.PannsCnn14(device="cpu", checkpoint=other)
    # PANNs' releases also pickle training state (numpy objects) that weights_only refuses:
    # such a file loads only when its checksum is the expected one.
    pickled = tmp_path / "pickled.pth"
    torch.save({"model": torch.load(ckpt)["model"], "iteration": np.int64(5),
                "sampler": {"queue": np.arange(3)}}, pickled)
    with pytest.raises(FeatureError, match="more than tensors"):
        panns.PannsCnn14(device="cpu", checkpoint=pickled)
    model = panns.PannsCnn14(device="cpu", checkpoint=pickled,
                             checksum=f"sha256:{sha256(pickled)}")
    assert model.dim == 32 * SMALL
    with pytest.raises(FeatureError, match="does not exist"):
        panns.PannsCnn14(device="cpu", checkpoint=tmp_path / "missing.pth")


def test_download_checksum_cache_hit_and_mismatch(server, tmp_path, monkeypatch):
    base, root, requests = server
    ckpt = write_checkpoint(root / "Cnn14_test.pth")
    digest = sha256(ckpt)
    monkeypatch.setenv("AVHD_PANNS_URL", f"{base}/Cnn14_test.pth")
    monkeypatch.setenv("AVHD_PANNS_CHECKSUM", f"sha256:{digest}")
    seen: list[tuple[int, int]] = []

    model = panns.PannsCnn14(device="cpu",
                             progress=lambda done, total, msg: seen.append((done, total)))
    cached = model.checkpoint_path
    assert cached.parent == models_cache_dir() and cached.is_file()
    assert cached.name == f"Cnn14_test-{digest[:12]}.pth"
    assert sha256(cached) == digest and requests == ["/Cnn14_test.pth"]
    assert seen and seen[-1] == (ckpt.stat().st_size, ckpt.stat().st_size)
    assert model.params()["checkpoint"] == f"sha256:{digest}"
    emb = model.embed_clips(audio(2.0), np.array([[0.0, 2.0]]))

    again = panns.PannsCnn14(device="cpu")  # cache hit: no second request
    assert requests == ["/Cnn14_test.pth"] and again.checkpoint_path == cached
    np.testing.assert_array_equal(emb, again.embed_clips(audio(2.0), np.array([[0.0, 2.0]])))

    # md5 works too, and a different expected checksum is a different cache entry
    md5 = hashlib.md5(ckpt.read_bytes()).hexdigest()
    panns.PannsCnn14(device="cpu", checksum=f"md5:{md5}")
    assert len(requests) == 2

    # a wrong checksum: error, and nothing (not even a partial file) is left in the cache
    before = sorted(p.name for p in models_cache_dir().iterdir())
    with pytest.raises(FeatureError, match="checksum mismatch"):
        panns.PannsCnn14(device="cpu", checksum="sha256:" + "0" * 64)
    assert sorted(p.name for p in models_cache_dir().iterdir()) == before
    assert len(requests) == 3


def test_download_errors_are_clear(server, monkeypatch):
    base, _root, _requests = server
    monkeypatch.setenv("AVHD_PANNS_CHECKSUM", "sha256:" + "1" * 64)
    with pytest.raises(FeatureError, match="AVHD_PANNS_CHECKPOINT") as err:  # HTTP 404
        panns.PannsCnn14(device="cpu", url=f"{base}/missing.pth")
    assert "404" in str(err.value)
    with pytest.raises(FeatureError, match="downloads are off"):
        panns.PannsCnn14(device="cpu", url=f"{base}/missing.pth", download=False)
    monkeypatch.setenv("AVHD_OFFLINE", "1")
    with pytest.raises(FeatureError, match="downloads are off"):
        panns.PannsCnn14(device="cpu", url=f"{base}/missing.pth")
    assert not models_cache_dir().exists() or not any(models_cache_dir().iterdir())
    with pytest.raises(FeatureError, match="bad checksum"):
        panns.PannsCnn14(device="cpu", checksum="crc32:1234")


def test_default_source_is_the_zenodo_release(monkeypatch):
    """Without a checkpoint and offline, the message names the official file and md5."""
    monkeypatch.setenv("AVHD_OFFLINE", "1")
    for var in ("AVHD_PANNS_URL", "AVHD_PANNS_CHECKSUM", "AVHD_PANNS_CHECKPOINT"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(FeatureError) as err:
        panns.PannsCnn14(device="cpu")
    msg = str(err.value)
    assert "zenodo.org/records/3987831" in msg and "541141fa2ee191a88f24a3219fff024e" in msg
    assert str(models_cache_dir() / "Cnn14_mAP=0.431-541141fa2ee1.pth") in msg
