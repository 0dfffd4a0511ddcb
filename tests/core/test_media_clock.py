"""One analysis clock for awkward files: negative Matroska timestamps, joined MPEG-TS,
truncated MP4 (noted, not silent). Analysis and reels see the same frames."""

from __future__ import annotations

import numpy as np
import pytest
from synth import ColorHistogram, make_truncated, make_video
from test_export_synth import decode_codes, make_coded_video

from core import media
from core.export import ReelEntry, ReelPlan
from core.export.render import render_reel
from core.extract import extract_library
from core.ffmpeg import run_ffmpeg


def _code(rgb: np.ndarray) -> int:
    """Coded frame number of an RGB picture (see test_export_synth)."""
    y = rgb.astype(np.float64).mean(axis=2) * 219 / 255 + 16
    h, w = y.shape
    left, right = np.median(y[:, : w // 2 - 2]), np.median(y[:, w // 2 + 2 :])
    return 16 * round((left - 20) / 13) + round((right - 20) / 13)


@pytest.fixture(scope="module")
def negative_mkv(tmp_path_factory):
    d = tmp_path_factory.mktemp("negative")
    src = make_coded_video(d / "src.mkv", seconds=4)
    out = d / "negative.mkv"  # everything 1 s earlier: frames 0-24 before time zero
    run_ffmpeg(["-y", "-itsoffset", "-1", "-i", src, "-c", "copy",
                "-avoid_negative_ts", "disabled", out])  # fmt: skip
    return out


def test_negative_timestamps_give_all_clips(negative_mkv):
    info = media.probe(negative_mkv)
    assert info.duration == pytest.approx(4.0, abs=0.05)
    bounds = media.clip_bounds(info.duration, 2.0)
    assert len(bounds) == 2
    frames = media.decode_clip_frames(negative_mkv, np.array([[0.58, 0.62], [2.58, 2.62]]),
                                      1, (120, 160))  # fmt: skip
    assert [_code(f[0]) for f in frames] == [15, 65]


def test_negative_timestamps_export_the_frames_analysis_saw(negative_mkv, tmp_path):
    plan = ReelPlan(
        [ReelEntry(str(negative_mkv), 0.6, 1.6), ReelEntry(str(negative_mkv), 2.6, 3.6)]
    )
    result = render_reel(plan, tmp_path / "reel.mp4")
    assert result.report.ok, result.report.summary()
    codes = decode_codes(result.path)[0]
    assert codes == list(range(15, 40)) + list(range(65, 90))


def test_joined_ts_is_one_clock_for_analysis(tmp_path):
    a = make_coded_video(tmp_path / "a.ts", seconds=2)
    b = make_coded_video(tmp_path / "b.ts", seconds=2, first_code=100)
    joined = tmp_path / "joined.ts"
    joined.write_bytes(a.read_bytes() + b.read_bytes())
    info = media.probe(joined)
    assert info.duration == pytest.approx(4.0, abs=0.1)  # not the 2 s the header implies
    frames = media.decode_clip_frames(joined, np.array([[0.98, 1.02], [2.98, 3.02]]), 1,
                                      (120, 160))  # fmt: skip
    assert [_code(f[0]) for f in frames] == [25, 125]
    result = render_reel(ReelPlan([ReelEntry(str(joined), 2.6, 3.4)]), tmp_path / "reel.mp4")
    assert decode_codes(result.path)[0] == list(range(115, 135))


def test_truncated_mp4_is_noted_with_what_was_used(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    src = make_video(tmp_path / "fs.mp4", duration=8, audio=None, gop=25, faststart=True)
    make_truncated(src, lib / "cut.mp4", keep=0.5)
    make_video(lib / "whole.mp4", duration=4, audio=None)
    rep = extract_library(lib, ColorHistogram(), None)
    got = {r.name: r for r in rep.results}
    assert got["cut.mp4"].status == "processed"
    reason = got["cut.mp4"].reason
    assert reason.startswith("truncated: the video data ends at") and "of the 8.0 s" in reason
    assert f"({got['cut.mp4'].n_clips} of 4 clips)" in reason
    assert not got["whole.mp4"].reason.startswith("truncated")
