"""The content-keyed feature cache (core.cache)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from synth import BandEnergy, ColorHistogram, make_video

from core.artifacts import ClipFeatures
from core.cache import FeatureCache, cache_root, content_fingerprint, feature_key
from core.errors import MediaError
from core.extract import extract_file


def _features(n: int = 3, audio: bool = True) -> ClipFeatures:
    rng = np.random.default_rng(0)
    return ClipFeatures(
        path="/somewhere/v.mp4",
        content_key="abc",
        clip_seconds=2.0,
        bounds=np.column_stack([np.arange(n) * 2.0, np.arange(1, n + 1) * 2.0]),
        visual=rng.random((n, 5), dtype=np.float32),
        audio=rng.random((n, 4), dtype=np.float32) if audio else None,
        visual_extractor="v",
        audio_extractor="a" if audio else "",
        audio_missing=None if audio else "no audio stream",
    )


def test_cache_root_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv("AVHD_CACHE_DIR", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"
    assert FeatureCache().root == tmp_path / "c" / "features"
    monkeypatch.delenv("AVHD_CACHE_DIR")
    assert "avhd" in str(cache_root()).lower()


def test_fingerprint_is_content_not_path(tmp_path):
    a = tmp_path / "a.bin"
    b = tmp_path / "sub" / "b.bin"
    b.parent.mkdir()
    data = os.urandom(50_000)
    a.write_bytes(data)
    b.write_bytes(data)
    assert content_fingerprint(a) == content_fingerprint(b)
    b.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    assert content_fingerprint(a) != content_fingerprint(b)


def test_fingerprint_samples_large_files(tmp_path):
    a = tmp_path / "big.bin"
    data = bytearray(os.urandom(4 * 1024 * 1024))
    a.write_bytes(data)
    fp = content_fingerprint(a, sample_bytes=1 << 20)
    middle = len(data) // 2
    data[middle] ^= 0xFF  # inside the middle sample
    a.write_bytes(data)
    assert content_fingerprint(a, sample_bytes=1 << 20) != fp
    data[middle] ^= 0xFF
    data[1_500_000] ^= 0xFF  # between samples: not seen (size unchanged)
    a.write_bytes(data)
    assert content_fingerprint(a, sample_bytes=1 << 20) == fp


def test_fingerprint_of_folder_is_media_error(tmp_path):
    with pytest.raises(MediaError, match="folder"):
        content_fingerprint(tmp_path)


def test_key_depends_on_extractors_and_settings():
    v, a = ColorHistogram(), BandEnergy()
    base = feature_key("fp", v, a, 2.0, 1)
    assert base == feature_key("fp", ColorHistogram(), BandEnergy(), 2.0, 1)
    assert base != feature_key("fp2", v, a, 2.0, 1)
    assert base != feature_key("fp", v, a, 1.0, 1)
    assert base != feature_key("fp", v, a, 2.0, 3)
    assert base != feature_key("fp", ColorHistogram(bins=4), a, 2.0, 1)
    assert base != feature_key("fp", v, None, 2.0, 1)
    assert base != feature_key("fp", v, BandEnergy(sample_rate=16000), 2.0, 1)

    class V2(ColorHistogram):
        VERSION = "2"

    assert base != feature_key("fp", V2(), a, 2.0, 1)


def test_put_get_roundtrip_info_clear(tmp_path):
    cache = FeatureCache(tmp_path / "feat")
    assert cache.info().entries == 0 and cache.get("0" * 64) is None
    f = _features()
    cache.put("ab" * 32, f)
    cache.put("cd" * 32, _features(audio=False))
    got = cache.get("ab" * 32, path="/new/place.mp4")
    assert got.path == "/new/place.mp4"
    assert got.visual.dtype == np.float32  # stored as float16, read back as float32
    np.testing.assert_array_equal(got.visual, f.visual.astype(np.float16).astype(np.float32))
    np.testing.assert_array_equal(got.audio, f.audio.astype(np.float16).astype(np.float32))
    np.testing.assert_array_equal(got.bounds, f.bounds)
    none = cache.get("cd" * 32)
    assert none.audio is None and none.audio_missing == "no audio stream"
    info = cache.info()
    assert info.entries == 2 and info.bytes > 0 and info.location == str(tmp_path / "feat")
    assert not list((tmp_path / "feat").rglob("*.part"))  # atomic writes leave no temp files
    assert cache.clear() == 2
    assert cache.info().entries == 0 and cache.get("ab" * 32) is None


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty", "pickle", "bad_shapes"])
def test_corrupt_entry_is_a_miss_and_removed(tmp_path, damage):
    cache = FeatureCache(tmp_path)
    key = "ef" * 32
    entry = cache.put(key, _features())
    data = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"not an npz at all")
    elif damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "pickle":  # object arrays need pickle: must be refused, not executed
        np.savez(entry, meta=np.array([{"x": 1}], dtype=object), visual=np.zeros((1, 2)))
    else:
        bad = _features()
        bad.bounds = bad.bounds[:2]
        bad.save_npz(entry)
    assert cache.get(key) is None
    assert not entry.exists()


def test_unwritable_cache_only_warns(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = FeatureCache(blocker / "sub")  # parent is a file: mkdir fails
    assert cache.put("12" * 32, _features()) is None
    assert "could not write cache entry" in caplog.text


def _matching(n: int = 3) -> ClipFeatures:
    """Features shaped as ColorHistogram()/BandEnergy() make them (24-d and 9-d)."""
    rng = np.random.default_rng(1)
    return ClipFeatures(
        path="/somewhere/v.mp4",
        content_key="abc",
        clip_seconds=2.0,
        bounds=np.column_stack([np.arange(n) * 2.0, np.arange(1, n + 1) * 2.0]),
        visual=rng.random((n, 24), dtype=np.float32),
        audio=rng.random((n, 9), dtype=np.float32),
        visual_extractor=ColorHistogram.NAME,
        audio_extractor=BandEnergy.NAME,
    )


def _damage(f: ClipFeatures, damage: str) -> ClipFeatures:
    if damage == "visual_dim":
        f.visual = f.visual[:, :7]
    elif damage == "audio_dim":
        f.audio = np.zeros((f.n_clips, 527), np.float32)
    elif damage == "nan_audio":
        f.audio[1, 2] = np.nan
    elif damage == "inf_visual":
        f.visual[0, 0] = np.inf
    elif damage == "nan_bounds":
        f.bounds[2, 1] = np.nan
    elif damage == "reversed_bounds":
        f.bounds[1] = [4.0, 1.0]
    elif damage == "negative_bounds":
        f.bounds[0, 0] = -6.0
    elif damage == "clip_count":
        f.audio = f.audio[:-1]
    elif damage == "other_extractor":
        f.visual_extractor = "effnet-lite0"
    elif damage == "off_grid":  # bounds of another clip length: would select the wrong times
        f.bounds = f.bounds / 10
    elif damage == "silent_without_reason":
        f.audio, f.audio_missing = None, None
    return f


WRONG = ["visual_dim", "audio_dim", "nan_audio", "inf_visual", "nan_bounds", "reversed_bounds",
         "negative_bounds", "clip_count", "other_extractor", "silent_without_reason", "dtype",
         "off_grid"]


@pytest.mark.parametrize("damage", WRONG)
def test_entry_that_loads_but_is_wrong_is_a_miss(tmp_path, damage, caplog):
    cache = FeatureCache(tmp_path)
    v, a = ColorHistogram(), BandEnergy()
    key = "9a" * 32
    entry = cache.put(key, _matching())
    assert cache.get(key, visual=v, audio=a) is not None  # the intact entry is served
    if damage == "dtype":  # float64 visual features, as no AVHD version writes them
        good = _matching()
        np.savez(entry, bounds=good.bounds, visual=good.visual.astype(np.float64),
                 audio=good.audio, meta=np.load(entry)["meta"])
    else:
        _damage(_matching(), damage).save_npz(entry)
    caplog.set_level("DEBUG", logger="core.cache")
    assert cache.get(key, visual=v, audio=a) is None
    assert not entry.exists()
    assert "is a miss" in caplog.text


def test_a_wrong_entry_is_extracted_again(tmp_path):
    visual, audio = ColorHistogram(), BandEnergy()
    video = make_video(tmp_path / "a.mp4", duration=4)
    first = extract_file(video, visual, audio)
    (entry,) = FeatureCache().root.glob("*/*.npz")
    stale = ClipFeatures.load_npz(entry)
    stale.audio = np.full((stale.n_clips, 527), np.nan, np.float32)  # another extractor's width
    stale.save_npz(entry)
    calls = visual.calls
    again = extract_file(video, visual, audio)
    assert visual.calls > calls  # not served: computed again
    assert again.audio.shape == first.audio.shape == (first.n_clips, audio.dim)
    np.testing.assert_allclose(again.audio, first.audio)
    assert ClipFeatures.load_npz(entry).audio.shape[1] == audio.dim  # the entry is rewritten
