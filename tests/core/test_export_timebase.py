"""One clock for analysis and reels: cuts land on the source frames analysis meant.

Analysis times start at the first video frame (:mod:`core.media`); sources here start their
video after the sound, restart their timestamps (joined MPEG-TS) or are stream-copied
joins, and every reel is decoded to check the exact source frames it shows.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from test_export_synth import decode_codes, make_coded_video

from core.export import ReelEntry, ReelPlan, ReelSettings, layout, write
from core.export.content import ContentCheck
from core.export.render import content_checks, render_reel
from core.export.verify import verify_output
from core.ffmpeg import run_ffmpeg
from core.media import clip_bounds, decode_clip_frames, probe


def _codes_of(path: Path) -> list[int]:
    return decode_codes(path)[0]


@pytest.mark.parametrize("ext", ["mkv", "mov", "ts"])
def test_delayed_video_start_cuts_the_frames_analysis_saw(tmp_path, ext):
    src = make_coded_video(tmp_path / f"late.{ext}", seconds=3, video_delay=0.5)
    # analysis: the clip starting at 1.0 s begins with source frame 25
    frames = decode_clip_frames(src, np.array([[0.98, 1.02]]), 1, (120, 160))  # centre 1.0
    y = frames[0, 0].astype(np.float64).mean(axis=2) * 219 / 255 + 16  # RGB back to luma
    code = 16 * round((np.median(y[:, 20:60]) - 20) / 13) + round(
        (np.median(y[:, 100:140]) - 20) / 13
    )
    assert code == 25
    result = render_reel(ReelPlan([ReelEntry(str(src), 1.0, 2.0)]), tmp_path / "reel.mp4")
    assert _codes_of(result.path) == list(range(25, 50))  # not 13-37 (the file's clock)
    assert result.report.ok and result.report.content_checked == 1, result.report.summary()


def test_verify_flags_a_reel_showing_other_frames(tmp_path):
    src = make_coded_video(tmp_path / "a.mp4", seconds=3)
    plan = ReelPlan([ReelEntry(str(src), 1.0, 2.0)])
    reel = render_reel(plan, tmp_path / "reel.mp4").path
    lay = layout(plan, 25)
    good = content_checks(lay, 0.0)
    shifted = [ContentCheck(c.source, c.source_time - 0.48, c.reel_time) for c in good]
    sizes = {str(src): (160, 120)}
    ok = verify_output(reel, lay.duration, content=good, sizes=sizes)
    bad = verify_output(reel, lay.duration, content=shifted, sizes=sizes)
    assert ok.ok and not ok.content_errors
    assert bad.duration_ok and not bad.ok  # right length, wrong pictures
    assert "wrong source frames" in bad.summary()


def test_joined_ts_with_timestamp_restart_and_another_file(tmp_path):
    a = make_coded_video(tmp_path / "a.ts", seconds=3)
    b = make_coded_video(tmp_path / "b.ts", seconds=3, first_code=100, tone_base=500)
    joined = tmp_path / "joined.ts"
    joined.write_bytes(a.read_bytes() + b.read_bytes())  # timestamps start again
    other = make_coded_video(tmp_path / "other.mp4", seconds=2, first_code=200)
    end = probe(joined).duration
    plan = ReelPlan([ReelEntry(str(other), 0.4, 1.0), ReelEntry(str(joined), end - 1.0, end)])
    result = render_reel(plan, tmp_path / "reel.mp4")
    codes = _codes_of(result.path)
    n0 = layout(plan, 25).placements[0].frames
    assert codes[:n0] == list(range(210, 210 + n0))
    assert end == pytest.approx(6.0, abs=0.05)  # both parts, on one clock
    assert codes[n0:] == list(range(150, 175))  # the last second: the second part's end
    assert result.report.ok, result.report.summary()


def test_stream_copy_join_of_pieces_exports_two_segments(tmp_path):
    # 24 fps, mono 44.1 kHz AAC, 4 s pieces joined without re-encoding: the video starts
    # after the sound and every join leaves small timestamp steps
    pieces = []
    for k in range(7):
        p = tmp_path / f"p{k}.mp4"
        pieces.append(
            make_coded_video(p, size=(96, 54), fps="24", seconds=4, first_code=k * 100 % 256)
        )
    listing = tmp_path / "list.ffconcat"
    listing.write_text("ffconcat version 1.0\n" + "".join(f"file '{p}'\n" for p in pieces))
    joined = tmp_path / "joined.mp4"
    run_ffmpeg(["-y", "-f", "concat", "-safe", "0", "-i", listing, "-c", "copy", joined])
    plan = ReelPlan([ReelEntry(str(joined), 8.0, 12.0), ReelEntry(str(joined), 24.0, 26.0)])
    result = render_reel(plan, tmp_path / "reel.mp4")
    assert result.report.ok, result.report.summary()
    codes = _codes_of(result.path)
    assert len(codes) == 144
    assert codes[1:95] == list(range(201, 295))  # piece 2 (codes 200..) after a boundary frame
    assert codes[97:144] == [(600 % 256) + i for i in range(1, 48)]


def test_batched_reel_with_relative_output_path(tmp_path, monkeypatch):
    src = make_coded_video(tmp_path / "a.mp4", seconds=3)
    out_dir = tmp_path / "it's here"
    out_dir.mkdir()
    monkeypatch.chdir(tmp_path)
    entries = [ReelEntry(str(src), 0.2 * i, 0.2 * i + 0.2) for i in range(5)]
    plan = ReelPlan(entries, ReelSettings(batch_size=2))
    result = render_reel(plan, Path("it's here") / "reel.mp4")
    assert result.report.ok, result.report.summary()
    assert _codes_of(out_dir / "reel.mp4") == list(range(0, 25))
    assert sorted(os.listdir(out_dir)) == ["reel.mp4"]


def test_analysis_grid_and_reel_agree_on_delayed_files(tmp_path):
    src = make_coded_video(tmp_path / "late.mkv", seconds=3, video_delay=0.5)
    info = probe(src)
    assert info.duration == pytest.approx(3.0, abs=0.05)
    assert len(clip_bounds(info.duration, 1.0)) == 3


def test_absurd_average_frame_rate_is_not_trusted(tmp_path):
    # one frame far away makes the average rate 50 frames / 20000 s = 0.0025 fps
    src = tmp_path / "gap.mp4"
    graph = "testsrc=size=64x36:rate=25:duration=2,setpts='if(eq(N,49),20000/TB,PTS)'"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", graph, "-fps_mode", "passthrough", "-c:v", "libx264",
                "-preset", "ultrafast", src])  # fmt: skip
    assert probe(src).fps == pytest.approx(25)
    result = render_reel(ReelPlan([ReelEntry(str(src), 0.0, 1.0)]), tmp_path / "reel.mp4")
    assert result.duration == pytest.approx(1.0)
    assert result.report.frames == 25 and result.report.ok, result.report.summary()
    edl = write(ReelPlan([ReelEntry(str(src), 0.0, 1.0)]), "edl", tmp_path / "reel.edl")
    assert "00:00:00:00 00:00:01:00" in edl.path.read_text()
