"""Reel rendering: frame-accurate cuts, tones, normalisation, fades, batches, fast mode,
cancel and output safety. Sources are tiny generated clips with coded frames and tones."""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from test_export_synth import (
    decode_audio,
    decode_codes,
    make_coded_video,
    peak_frequency,
    rms,
)

from core.errors import Cancelled, ExportError
from core.export import ReelEntry, ReelPlan, ReelSettings, layout, write
from core.export.render import render_reel
from core.ffmpeg import FFmpegError
from core.progress import CancelToken

SRC_FPS = {"a": 25.0, "b": 30.0, "c": 24.0}
TONE_BASE = {"a": 300.0, "b": 350.0, "c": None}


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("export_media")
    return {
        "a": str(make_coded_video(d / "a.mp4", fps="25", seconds=4, tone_base=300)),
        "b": str(
            make_coded_video(
                d / "b.mp4",
                size=(128, 72),
                fps="30",
                seconds=4,
                tone_base=350,
                sample_rate=48000,
                channels=2,
            )
        ),
        "c": str(make_coded_video(d / "c.mp4", size=(96, 96), fps="24", seconds=3, tone_base=None)),
    }


def _name(media: dict[str, str], source: str) -> str:
    return next(k for k, v in media.items() if v == source)


def _mixed_plan(media, **settings) -> ReelPlan:
    return ReelPlan(
        [
            ReelEntry(media["a"], 0.52, 1.8),
            ReelEntry(media["b"], 1.2, 2.9),
            ReelEntry(media["c"], 0.5, 1.5),
            ReelEntry(media["a"], 2.2, 3.6),
        ],
        ReelSettings(**settings),
    )


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_mixed_sources_frame_accurate_with_right_tones(media, tmp_path):
    plan = _mixed_plan(media)
    result = render_reel(plan, tmp_path / "reel.mp4")
    rep = result.report
    assert rep.ok, rep.summary()
    lay = layout(plan, 25)
    assert abs(rep.duration - lay.duration) <= 1 / 25 + 1e-3
    assert abs(lay.duration - plan.source_duration) <= 1 / 25
    assert (rep.width, rep.height, rep.fps) == (160, 120, 25.0)
    codes, fps, _ = decode_codes(tmp_path / "reel.mp4")
    assert len(codes) == sum(p.frames for p in lay.placements)
    audio, rate = decode_audio(tmp_path / "reel.mp4")
    assert rate == 48000
    assert abs(len(audio) / rate - lay.duration) < 0.03
    for p in lay.placements:
        name = _name(media, p.entry.source)
        sf = SRC_FPS[name]
        first = round(p.reel_start * fps)
        last = first + p.frames - 1
        want_first = round(p.entry.start * sf)
        want_last = math.floor((p.entry.start + (p.frames - 1) / fps) * sf + 1e-6)
        assert abs(codes[first] - want_first) <= 1, (name, codes[first], want_first)
        assert abs(codes[last] - want_last) <= 1, (name, codes[last], want_last)
        # a whole second of source tone inside the piece: its frequency must be there
        if TONE_BASE[name] is None:  # source without audio -> silence
            r0 = (p.reel_start + p.reel_end) / 2 - 0.2
            assert rms(audio[int(r0 * rate) : int((r0 + 0.4) * rate)]) < 1e-3
        else:
            k = math.ceil(p.entry.start - 0.3)
            assert k + 0.7 <= p.entry.end
            r0 = p.reel_start + (k + 0.3 - p.entry.start)
            window = audio[int(r0 * rate) : int((r0 + 0.4) * rate)]
            assert rms(window) > 0.1
            assert abs(peak_frequency(window, rate) - (TONE_BASE[name] + 100 * k)) < 10


def test_letterbox_and_pillarbox(media, tmp_path):
    plan = _mixed_plan(media)
    render_reel(plan, tmp_path / "reel.mp4")
    import av

    lay = layout(plan, 25)
    with av.open(str(tmp_path / "reel.mp4")) as c:
        frames = [f.to_ndarray(format="yuv420p")[:120] for f in c.decode(video=0)]
    mid_b = frames[round(lay.placements[1].reel_start * 25) + 5]  # 128x72 -> 160x90
    assert mid_b[:10].mean() < 20 and mid_b[-10:].mean() < 20  # black bars top/bottom
    assert mid_b[55:65, 20:60].mean() > 30
    mid_c = frames[round(lay.placements[2].reel_start * 25) + 5]  # 96x96 -> 120x120
    assert mid_c[:, :14].mean() < 20 and mid_c[:, -14:].mean() < 20  # bars left/right
    assert mid_c[:, 30:50].mean() > 30


def test_output_settings_size_fps_and_mkv(media, tmp_path):
    plan = _mixed_plan(media, width=192, height=108, fps=30.0)
    result = write(plan, "mkv", tmp_path / "reel.mkv")
    rep = result.report
    assert rep.ok, rep.summary()
    assert (rep.width, rep.height) == (192, 108)
    assert rep.fps == 30.0
    import av

    with av.open(str(tmp_path / "reel.mkv")) as c:
        assert "matroska" in c.format.name
        assert c.streams.audio[0].codec_context.name == "aac"
        assert c.streams.audio[0].codec_context.channels == 2


def _lumas(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="yuv420p")[: f.height] for f in c.decode(video=0)]


def test_crossfade_overlaps_and_batches_match(media, tmp_path):
    plan = ReelPlan(
        [
            ReelEntry(media["a"], 0.0, 1.0),  # fades out over frames 15..24 (left luma 33)
            ReelEntry(media["c"], 2.0, 2.9),  # starts on frames 48..: left half luma 59
            ReelEntry(media["b"], 0.5, 1.5),
            ReelEntry(media["a"], 3.0, 3.96),
        ],
        ReelSettings(crossfade=0.4, fade=0.2),
    )
    single = render_reel(plan, tmp_path / "one.mp4").report
    lay = layout(plan, 25)
    assert lay.crossfade_frames == 10
    assert abs(lay.duration - (plan.source_duration - 3 * 0.4)) <= 1 / 25
    assert single.ok, single.summary()
    plan.settings.batch_size = 2  # two runs; the crossfade between them must survive
    batched = render_reel(plan, tmp_path / "two.mp4").report
    assert batched.ok, batched.summary()
    assert batched.frames == single.frames
    one, _, _ = decode_codes(tmp_path / "one.mp4")
    two, _, _ = decode_codes(tmp_path / "two.mp4")
    assert np.mean(np.abs(np.array(one) - np.array(two)) <= 1) > 0.9
    lumas = _lumas(tmp_path / "one.mp4")
    p1 = lay.placements[1]
    assert p1.reel_start < lay.placements[0].reel_end
    mid = round(p1.reel_start * 25) + 5  # middle of the first crossfade
    left = float(np.median(lumas[mid][56:64, 36:44]))
    assert 38 < left < 54  # a blend of 33 (A) and 59 (C)
    assert float(np.median(lumas[mid - 8][56:64, 36:44])) == pytest.approx(20, abs=3)  # A 12
    assert float(np.median(lumas[mid + 8][56:64, 36:44])) == pytest.approx(59, abs=3)
    batch_lumas = _lumas(tmp_path / "two.mp4")
    p2 = lay.placements[2]  # batch boundary: crossfade C -> B
    mid2 = round(p2.reel_start * 25) + 5
    assert np.abs(batch_lumas[mid2].astype(float) - lumas[mid2]).mean() < 4
    assert lumas[0].mean() < 25  # reel fade-in starts dark
    assert not list(tmp_path.glob(".*"))  # no temporary files or folders left


def test_fade_dips_to_black_between_pieces(media, tmp_path):
    plan = ReelPlan(
        [ReelEntry(media["a"], 0.0, 1.0), ReelEntry(media["a"], 2.0, 3.0)], ReelSettings(fade=0.2)
    )
    rep = render_reel(plan, tmp_path / "fade.mp4").report
    assert rep.ok and rep.frames == 50
    import av

    with av.open(str(tmp_path / "fade.mp4")) as c:
        means = [f.to_ndarray(format="yuv420p")[:120].mean() for f in c.decode(video=0)]
    assert means[0] < 22 and means[24] < 30 and means[25] < 22
    assert means[12] > 40 and means[37] > 40
    codes, _, _ = decode_codes(tmp_path / "fade.mp4")
    assert abs(codes[12] - 12) <= 1 and abs(codes[37] - 62) <= 1
    audio, rate = decode_audio(tmp_path / "fade.mp4")
    assert rms(audio[:200]) < rms(audio[int(0.4 * rate) : int(0.6 * rate)]) / 4


def test_fast_mode_snaps_to_keyframes(media, tmp_path):
    plan = ReelPlan(
        [ReelEntry(media["a"], 0.52, 1.8), ReelEntry(media["a"], 2.2, 3.6)], ReelSettings(fast=True)
    )
    result = render_reel(plan, tmp_path / "fast.mp4")
    rep = result.report
    assert rep.approximate and rep.ok, rep.summary()
    assert rep.pieces == [(media["a"], 1.0, 2.0), (media["a"], 2.0, 4.0)]
    assert rep.max_shift == pytest.approx(0.48, abs=1e-6)
    assert any("APPROXIMATE" in w for w in result.warnings)
    assert "approximate" in rep.summary()
    codes, _, _ = decode_codes(tmp_path / "fast.mp4")
    assert codes[0] == 25 and codes[24] == 49 and codes[25] == 50 and codes[-1] == 99
    assert len(codes) == 75


def test_fast_mode_refuses_mixed_sources(media, tmp_path):
    with pytest.raises(ExportError, match="fast mode needs"):
        render_reel(_mixed_plan(media, fast=True), tmp_path / "fast.mp4")
    assert _files(tmp_path) == set()


def test_cancel_from_progress_kills_ffmpeg_and_leaves_nothing(media, tmp_path):
    token = CancelToken()
    seen = []

    def progress(done, total, msg):
        seen.append(done)
        if done > 0:
            token.cancel()

    plan = _mixed_plan(media)
    plan.entries = plan.entries * 6
    with pytest.raises(Cancelled):
        render_reel(plan, tmp_path / "reel.mp4", progress=progress, cancel=token)
    assert any(d > 0 for d in seen)
    assert _files(tmp_path) == set()


def test_cancel_before_start(media, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        render_reel(_mixed_plan(media), tmp_path / "reel.mp4", cancel=token)
    assert _files(tmp_path) == set()


def test_refuses_to_overwrite_a_source(media, tmp_path):
    before = os.stat(media["a"])
    for fmt in ("mp4", "csv"):
        with pytest.raises(ExportError, match="source"):
            write(_mixed_plan(media), fmt, media["a"])
    after = os.stat(media["a"])
    assert (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)


def test_unwritable_folder_is_a_clear_error(media, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="folder"):
        render_reel(_mixed_plan(media), blocker / "reel.mp4")
    assert _files(tmp_path) == {"not_a_folder"}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_folder_is_a_clear_error(media, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(ExportError, match="cannot write to folder"):
            render_reel(_mixed_plan(media), ro / "reel.mp4")
        assert _files(ro) == set()
    finally:
        ro.chmod(0o755)


def test_full_disk_is_reported_and_partial_file_removed(media, tmp_path, monkeypatch):
    def fake_ffmpeg(args, *, on_time=None, cancel=None, **limits):
        Path(args[-1]).write_bytes(b"\0" * 4096)  # ffmpeg got partway
        raise FFmpegError("ffmpeg failed: av_interleaved_write_frame(): No space left on device")

    monkeypatch.setattr("core.export.render.run_ffmpeg_progress", fake_ffmpeg)
    with pytest.raises(ExportError, match="disk full"):
        render_reel(_mixed_plan(media), tmp_path / "reel.mp4")
    assert _files(tmp_path) == set()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("container", ["mp4", "mkv"])
def test_real_full_disk_says_disk_full(media, tmp_path, monkeypatch, container):
    # ffmpeg itself writes into a device that answers ENOSPC; for Matroska the words
    # "No space left on device" are not among the last lines of its stderr
    @contextmanager
    def full_device(out, suffix=None):
        yield Path("/dev/full")

    monkeypatch.setattr("core.export.render.output_file", full_device)
    with pytest.raises(ExportError, match="^disk full while writing"):
        render_reel(_mixed_plan(media), tmp_path / f"reel.{container}", container=container)


def test_fast_mode_with_silent_sources(media, tmp_path):
    plan = ReelPlan([ReelEntry(media["c"], 0.9, 2.1)], ReelSettings(fast=True))
    result = render_reel(plan, tmp_path / "silent.mp4")
    rep = result.report
    assert rep.ok and not rep.has_audio, rep.summary()
    ((src, a, b),) = rep.pieces  # keyframes every 25 frames at 24 fps
    assert src == media["c"] and a == pytest.approx(25 / 24) and b == pytest.approx(50 / 24)
    assert any("no audio" in w for w in result.warnings)
