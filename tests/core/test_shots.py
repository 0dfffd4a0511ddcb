"""Shot cuts (PySceneDetect), their cache, and segment edges placed on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core import shots
from core.artifacts import Segment
from core.errors import Cancelled, MediaError
from core.progress import CancelToken
from core.selection import library_shares, select_segments
from core.shots import ShotCache, cached_cuts, detect_cuts, edges_near_cuts, snap_to_cuts


@pytest.fixture(scope="module")
def cut_video(tmp_path_factory) -> Path:
    """12 s of four flat colours: hard cuts at 3, 6 and 9 s."""
    from synth import make_video

    path = tmp_path_factory.mktemp("shots") / "cuts.mp4"
    return make_video(path, duration=12, fps=25, video="colors:red,green,blue,yellow",
                      audio=None)


def test_detects_the_hard_cuts_of_generated_media(cut_video):
    seen = []
    found = detect_cuts(cut_video, progress=lambda d, t, m: seen.append((d, t)))
    assert found.fps == pytest.approx(25) and found.duration == pytest.approx(12, abs=0.1)
    assert np.allclose(found.cuts, [3, 6, 9], atol=1 / 25 + 1e-6)
    assert seen and seen[-1][0] == pytest.approx(seen[-1][1], abs=0.1)  # seconds of footage


def test_cuts_are_cached_by_content_and_a_bad_entry_is_a_miss(cut_video, tmp_path,
                                                              monkeypatch):
    cache = ShotCache(tmp_path / "shots")
    first = cached_cuts(cut_video, cache=cache)
    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(Path(cut_video).read_bytes())

    def no_detection(*_a, **_k):
        raise AssertionError("detected again instead of reading the cache")

    monkeypatch.setattr(shots, "detect_cuts", no_detection)
    again = cached_cuts(copy, cache=cache)  # same content, other name: a hit
    assert np.array_equal(again.cuts, first.cuts) and again.path == str(copy)
    entry = next((tmp_path / "shots").rglob("*.json"))
    entry.write_text("{not json")
    monkeypatch.setattr(shots, "detect_cuts", lambda *a, **k: first)
    assert np.array_equal(cached_cuts(copy, cache=cache).cuts, first.cuts)


def test_detection_cancels_and_rejects_a_non_video(cut_video, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        detect_cuts(cut_video, cancel=token)
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    with pytest.raises(MediaError, match="bad.mp4"):
        detect_cuts(bad)


def test_snap_moves_edges_onto_near_cuts_and_grows_short_segments():
    cuts = [3.0, 6.0, 9.0, 14.0]
    segs = [Segment(2.7, 5.6, 0.9), Segment(6.2, 6.9, 0.5), Segment(11.0, 12.0, 0.4)]
    out = snap_to_cuts(segs, cuts, 20.0, min_length=2.0)
    # 2.7 -> 3 and 5.6 -> 6; 6.2-6.9 starts at 6 (touching: merged) and grows by the least
    # footage to 2 s, to 8 (away from cuts); 11-12 is away from cuts but too short: 11-13
    assert [(s.start, s.end) for s in out] == [(3.0, 8.0), (11.0, 13.0)]
    assert out[0].score == 0.9
    assert edges_near_cuts(out, cuts) == []
    assert edges_near_cuts(segs, cuts) == [2.7, 5.6, 6.2]


def test_merge_gap_and_library_target():
    bounds = np.stack([np.arange(10.0), np.arange(10.0) + 1], 1)
    scores = np.array([0.9, 0.9, 0, 0.8, 0.8, 0, 0, 0, 0, 0])
    apart = select_segments(bounds, scores, top_fraction=0.4)
    assert [(s.start, s.end) for s in apart] == [(0, 2), (3, 5)]
    joined = select_segments(bounds, scores, top_fraction=0.4, merge_gap=1.0)
    assert [(s.start, s.end) for s in joined] == [(0, 5)]
    other = np.full(10, 0.85)
    shares = library_shares({"a": (bounds, scores), "b": (bounds, other)}, 6.0)
    # the two 0.9 clips of a, then four of b's 0.85 clips: 6 s in all
    assert shares == {"a": 2.0, "b": 4.0}
    assert library_shares({"a": (bounds, scores)}, 100.0) == {"a": 10.0}
