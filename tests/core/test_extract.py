"""Feature extraction of files and libraries (core.extract) and the CLI commands."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from synth import (
    BandEnergy,
    ColorHistogram,
    copy_as,
    make_audio,
    make_empty,
    make_one_frame_video,
    make_text,
    make_truncated,
    make_video,
)

from core import cli, features
from core.cache import FeatureCache
from core.errors import Cancelled, FeatureError, MediaError
from core.extract import extract_file, extract_library, find_videos
from core.progress import CancelToken


@pytest.fixture
def extractors():
    return ColorHistogram(), BandEnergy()


def _snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


# --- one file --------------------------------------------------------------------------------


def test_extract_file_values(tmp_path, extractors):
    visual, audio = extractors
    p = make_video(tmp_path / "v.mp4", duration=6, video="colors:red,lime,blue",
                   audio="tones:300,1200,2800", sample_rate=16000)  # fmt: skip
    f = extract_file(p, visual, audio, clip_seconds=2.0)
    assert f.n_clips == 3 and f.visual.shape == (3, 24) and f.audio.shape == (3, 9)
    np.testing.assert_allclose(f.bounds, [[0, 2], [2, 4], [4, 6]], atol=0.05)
    assert f.visual_extractor == "test-colorhist" and f.audio_extractor == "test-bandenergy"
    assert f.audio_missing is None and len(f.content_key) == 64
    # Colour histograms: red clip has its red mass in the top bin, blue clip in blue.
    red, green, blue = (f.visual[:, c * 8 + 7] for c in range(3))
    assert red[0] > 0.9 and green[1] > 0.9 and blue[2] > 0.9
    assert red[2] < 0.1 and blue[0] < 0.1
    # Band energies (8 bands over 0-4 kHz, 500 Hz each): each tone lands in its band.
    assert list(np.argmax(f.audio[:, :8], axis=1)) == [0, 2, 5]
    assert np.allclose(f.audio[:, 8], 0.125 / np.sqrt(2), rtol=0.15)  # RMS of the tones


def test_frames_per_clip_are_averaged(tmp_path):
    p = make_video(tmp_path / "rb.mp4", duration=4, video="colors:red,blue", audio=None)
    f = extract_file(p, ColorHistogram(), None, clip_seconds=4.0, frames_per_clip=2)
    assert f.n_clips == 1
    # One red frame (t=1) and one blue frame (t=3): half the pixels in each top bin.
    assert f.visual[0, 7] == pytest.approx(0.5, abs=0.06)
    assert f.visual[0, 23] == pytest.approx(0.5, abs=0.06)


def test_video_without_audio_is_visual_only(synth_media, extractors):
    p = synth_media("silent.mp4", duration=3, audio=None)
    f = extract_file(p, *extractors)
    assert f.audio is None and f.audio_missing == "no audio stream" and f.n_clips == 2


def test_undecodable_audio_keeps_video(synth_media, extractors, monkeypatch):
    import core.extract as ex

    def broken(path, rate, cancel=None):
        raise MediaError(f"{path.name}: audio stream cannot be decoded")

    monkeypatch.setattr(ex, "decode_audio", broken)
    f = extract_file(synth_media("a.mp4", duration=4), *extractors, cache=False)
    assert f.audio is None and f.audio_missing == "audio stream cannot be decoded"
    assert f.visual.shape == (2, 24)


def test_cache_hit_skips_work_and_follows_content(tmp_path, extractors):
    visual, audio = extractors
    p = make_video(tmp_path / "a.mp4", duration=4)
    first = extract_file(p, visual, audio)
    calls = visual.calls
    again = extract_file(p, visual, audio)
    assert visual.calls == calls  # served from the cache, stored as float16 (core.cache)
    np.testing.assert_array_equal(again.visual, first.visual.astype(np.float16).astype(np.float32))
    np.testing.assert_array_equal(again.audio, first.audio.astype(np.float16).astype(np.float32))
    moved = copy_as(p, tmp_path / "other name.mp4")
    third = extract_file(moved, visual, audio)
    assert visual.calls == calls and third.path == str(moved)
    extract_file(p, visual, audio, clip_seconds=1.0)  # other settings: computed again
    assert visual.calls > calls
    assert FeatureCache().info().entries == 2


def test_no_cache_writes_nothing(synth_media, extractors):
    extract_file(synth_media("a.mp4", duration=4), *extractors, cache=False)
    assert FeatureCache().info().entries == 0


def test_progress_and_batches(synth_media):
    class Small(ColorHistogram):
        batch_size = 4

    visual = Small()
    seen = []
    p = synth_media("long.mp4", duration=12, audio=None)
    f = extract_file(p, visual, None, clip_seconds=1.0, progress=lambda *a: seen.append(a))
    assert f.n_clips == 12 and visual.calls == 3
    assert [s[0] for s in seen] == [0, 4, 8, 12] and all(s[1] == 12 for s in seen)


def test_cancel_stops_and_joins_threads(synth_media, extractors):
    token = CancelToken()

    class Cancelling(ColorHistogram):
        batch_size = 2

        def embed_frames(self, frames):
            token.cancel()
            return super().embed_frames(frames)

    p = synth_media("long.mp4", duration=12, audio=None)
    with pytest.raises(Cancelled):
        extract_file(p, Cancelling(), extractors[1], clip_seconds=1.0, cancel=token)
    assert not [t for t in threading.enumerate() if t.name.startswith("avhd-")]
    assert FeatureCache().info().entries == 0


def test_extractor_error_propagates_and_joins_threads(synth_media, extractors):
    class Broken(ColorHistogram):
        def embed_frames(self, frames):
            raise FeatureError("model exploded")

    with pytest.raises(FeatureError, match="exploded"):
        extract_file(synth_media("a.mp4", duration=4), Broken(), extractors[1])
    assert not [t for t in threading.enumerate() if t.name.startswith("avhd-")]


def test_bad_extractor_output_shape(synth_media):
    class Wrong(ColorHistogram):
        def embed_frames(self, frames):
            return np.zeros((1, 3), np.float32)

    with pytest.raises(FeatureError, match="returned shape"):
        extract_file(synth_media("a.mp4", duration=4), Wrong(), None)


def test_invalid_settings(synth_media, extractors):
    from core.errors import AvhdError

    with pytest.raises(AvhdError, match="clip length"):
        extract_file(synth_media("a.mp4", duration=4), *extractors, clip_seconds=0)
    with pytest.raises(AvhdError, match="frames per clip"):
        extract_file(synth_media("a.mp4", duration=4), *extractors, frames_per_clip=0)


# --- a library with bad inputs ---------------------------------------------------------------


@pytest.fixture
def messy_library(tmp_path, synth_media):
    lib = tmp_path / "library"
    good = synth_media("a.mp4", duration=4)
    copy_as(good, lib / "good.mp4")
    copy_as(synth_media("b.mp4", duration=2, video="smptebars"),
            lib / "sub folder" / "ünïcödé clip 日本.mp4")  # fmt: skip
    copy_as(synth_media("silent.mp4", duration=3, audio=None), lib / "no audio.mov")
    make_video(lib / "short.mkv", duration=1.2, audio="sine:440")
    make_empty(lib / "zero.mp4")
    make_text(lib / "text.mp4")
    make_truncated(good, lib / "truncated.mp4", keep=0.4)
    make_audio(lib / "audio only.mp4", duration=2)
    make_one_frame_video(lib / "one frame.mp4")
    (lib / "folder.mp4").mkdir()  # a folder, even if named like a video: searched
    make_text(lib / "notes.txt")
    make_text(lib / ".hidden.mp4")
    return lib


EXPECTED = {
    "good.mp4": ("processed", ""),
    "ünïcödé clip 日本.mp4": ("processed", ""),
    "no audio.mov": ("processed", "visual only: no audio stream"),
    "short.mkv": ("processed", ""),
    "zero.mp4": ("failed", "empty file (0 bytes)"),
    "text.mp4": ("failed", "not a readable media file"),
    "truncated.mp4": ("failed", "not a readable media file"),
    "audio only.mp4": ("failed", "no video stream (audio-only file)"),
    "one frame.mp4": ("failed", "video too short"),
}


def test_library_with_bad_inputs(messy_library, extractors):
    before = _snapshot(messy_library)
    rep = extract_library(messy_library, *extractors)
    got = {r.name: r for r in rep.results}
    assert set(got) == set(EXPECTED)  # notes.txt and .hidden.mp4 are ignored
    for name, (status, reason) in EXPECTED.items():
        assert got[name].status == status, name
        assert got[name].reason.startswith(reason), (name, got[name].reason)
        assert "\n" not in got[name].reason and "Traceback" not in got[name].reason
    assert rep.counts() == {"processed": 4, "cached": 0, "skipped": 0, "failed": 5}
    assert rep.ok and len(rep.features) == 4
    assert got["short.mkv"].n_clips == 1 and got["good.mp4"].n_clips == 2
    assert _snapshot(messy_library) == before  # nothing written next to the sources
    # A second run serves the good files from the cache.
    rep2 = extract_library(messy_library, *extractors)
    assert rep2.counts()["cached"] == 4 and rep2.counts()["processed"] == 0


def test_unreadable_file_fails_with_reason(tmp_path, synth_media, extractors, monkeypatch):
    import os

    p = copy_as(synth_media("a.mp4", duration=4), tmp_path / "lib" / "locked.mp4")
    real_open = os.open

    def guarded(file, *args, **kwargs):
        if str(file) == str(p):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded)  # the fingerprint opens with os.open
    rep = extract_library(tmp_path / "lib", *extractors)
    (r,) = rep.results
    assert r.status == "failed" and "permission denied" in r.reason.lower() and not rep.ok


def test_folder_without_videos(tmp_path, extractors):
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(MediaError, match="no video files found"):
        extract_library(tmp_path, *extractors)
    with pytest.raises(MediaError, match="no such file or folder"):
        extract_library(tmp_path / "missing", *extractors)


def test_find_videos_glob_recursion_and_explicit_files(tmp_path):
    for name in ["a.mp4", "b.MOV", "sub/c.mkv", "sub/deep/d.webm", ".git/e.mp4", "f.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    names = lambda vids: sorted(p.name for p in vids)  # noqa: E731
    assert names(find_videos(tmp_path)[0]) == ["a.mp4", "b.MOV", "c.mkv", "d.webm"]
    assert names(find_videos(tmp_path, recursive=False)[0]) == ["a.mp4", "b.MOV"]
    assert names(find_videos(tmp_path, glob="*.mkv")[0]) == ["c.mkv"]
    assert names(find_videos(tmp_path, glob="*.mkv", recursive=False)[0]) == []
    vids, skipped = find_videos([tmp_path / "a.mp4", tmp_path / "f.txt", tmp_path / "a.mp4"])
    assert names(vids) == ["a.mp4"]
    assert [(s.name, s.status) for s in skipped] == [("f.txt", "skipped")]


# --- CLI -------------------------------------------------------------------------------------


@pytest.fixture
def test_registry(test_extractors):
    return ["--visual", "test-colorhist", "--audio", "test-bandenergy", "--device", "cpu"]


def test_cli_extract_summary_json_and_cache(messy_library, test_registry, tmp_path, capsys):
    out = tmp_path / "summary.json"
    rc = cli.main(["extract", str(messy_library), *test_registry, "--json", str(out)])
    captured = capsys.readouterr()
    assert rc == 3  # some files failed, the others were processed
    assert "4 processed, 0 cached, 0 skipped, 5 failed" in captured.out
    assert "zero.mp4" in captured.out and "empty file (0 bytes)" in captured.out
    assert "sub folder/ünïcödé clip 日本.mp4" in captured.out
    assert "Traceback" not in captured.out + captured.err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["counts"]["failed"] == 5 and data["settings"]["visual"] == "test-colorhist"
    assert {f["status"] for f in data["files"]} == {"processed", "failed"}

    rc = cli.main(["extract", str(messy_library), *test_registry, "--glob", "good*"])
    assert rc == 0 and "0 processed, 1 cached" in capsys.readouterr().out

    assert cli.main(["cache", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 4
    assert cli.main(["cache", "clear"]) == 0
    assert "removed 4 cache entries" in capsys.readouterr().out
    assert cli.main(["cache", "info"]) == 0
    assert "entries:  0" in capsys.readouterr().out


def test_cli_extract_nothing_usable(tmp_path, test_registry, capsys):
    make_empty(tmp_path / "zero.mp4")
    make_text(tmp_path / "text.mp4")
    rc = cli.main(["extract", str(tmp_path), *test_registry, "--no-cache"])
    captured = capsys.readouterr()
    assert rc == 1 and "no video could be processed (2 failed, 0 skipped)" in captured.err
    assert FeatureCache().info().entries == 0

    empty = tmp_path / "empty"
    empty.mkdir()
    rc = cli.main(["extract", str(empty), *test_registry])
    captured = capsys.readouterr()
    assert rc == 1 and "no video files found" in captured.err
    assert "Traceback" not in captured.err


def test_cli_visual_only_and_unknown_extractor(synth_media, test_registry, capsys):
    p = synth_media("a.mp4", duration=4)
    args = ["extract", str(p), "--visual", "test-colorhist", "--audio", "none"]
    assert cli.main([*args, "--device", "cpu"]) == 0
    assert "visual only: no audio extractor was asked for" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:  # a usage error, before any work
        cli.main(["extract", str(p), "--visual", "nope", "--device", "cpu"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown visual extractor 'nope'; choose from effnet-lite0, test-colorhist" in err


# --- the real default extractors -------------------------------------------------------------


@pytest.mark.slow
def test_default_extractors_end_to_end(synth_media):
    try:
        visual = features.get_visual(device="cpu")
        audio = features.get_audio(device="cpu")
    except FeatureError as exc:  # weights not installed in this environment
        pytest.skip(str(exc))
    p = synth_media("a.mp4", duration=4)
    f = extract_file(p, visual, audio)
    assert f.visual.shape == (2, visual.dim) and f.audio.shape == (2, audio.dim)
    assert np.isfinite(f.visual).all() and np.isfinite(f.audio).all()
    assert f.visual_extractor == features.DEFAULT_VISUAL
    assert f.audio_extractor == features.DEFAULT_AUDIO
    assert np.abs(f.visual[0] - f.visual[1]).max() > 0  # testsrc changes between clips
