"""Segment edges on shot cuts (core.shotsnap): the placement rules, the engine's select with
cuts, the highlights JSON that stores them, the API's re-selection and the CLI options."""

from __future__ import annotations

import numpy as np
import pytest

from core import api
from core.artifacts import Segment, VideoHighlights
from core.schema import SchemaError
from core.scoring import select
from core.selection import select_segments
from core.shotsnap import SNAP_WINDOW, clean_cuts, edge_ok, edges_off_shots, snap_segments


def spans(segs):
    return [(s.start, s.end) for s in segs]


def test_an_edge_moved_onto_a_cut_inward_widens_by_the_least_footage():
    # 10-12 ends 0.4 s after the cut at 11.6: the end moves onto it, leaving 1.6 s; the
    # next cut is 30 s later, so growing to it would turn a 2 s highlight into a 30 s one
    out = snap_segments([Segment(10.0, 12.0, 0.8)], [11.6, 41.6], 60.0, min_length=2.0)
    assert spans(out) == [(9.6, 11.6)]
    # with a cut 0.3 s before the widened start, the start goes onto that cut
    out = snap_segments([Segment(10.0, 12.0, 0.8)], [9.4, 11.6, 41.6], 60.0, min_length=2.0)
    assert spans(out) == [(9.4, 11.6)]


def test_edges_near_the_video_ends_and_around_one_cut():
    # a cut 0.3 s into the video and 0.2 s before its end: edges at 0 and at the end move in
    out = snap_segments([Segment(0.0, 4.0), Segment(16.0, 20.0)], [0.3, 19.8], 20.0,
                        min_length=2.0)
    assert spans(out) == [(0.3, 4.0), (16.0, 19.8)]
    # a short segment around one cut: both edges snap to it, then it widens after the cut
    out = snap_segments([Segment(4.8, 5.3)], [5.0], 20.0, min_length=2.0)
    assert spans(out) == [(5.0, 7.0)]
    assert edges_off_shots(out, [5.0]) == []


def test_merge_gap_applies_after_snapping_and_window_zero_snaps_nothing():
    segs = [Segment(2.0, 4.6, 0.5), Segment(6.0, 8.0, 0.9)]
    # 4.6 -> 5.0 leaves a 1 s gap: joined with merge_gap 1, apart without
    assert spans(snap_segments(segs, [5.0], 20.0, merge_gap=1.0)) == [(2.0, 8.0)]
    assert spans(snap_segments(segs, [5.0], 20.0)) == [(2.0, 5.0), (6.0, 8.0)]
    assert snap_segments(segs, [5.0], 20.0, merge_gap=1.0)[0].score == 0.9
    assert spans(snap_segments(segs, [5.0], 20.0, window=0.0)) == spans(segs)


def _random_cuts(rng, duration: float) -> np.ndarray:
    """Cuts at least 0.6 s apart (PySceneDetect's minimum scene length, the default)."""
    gaps = rng.choice([0.6, 0.7, 1.0, 1.9, 2.3, 4.0, 7.5], size=int(duration))
    cuts = np.cumsum(gaps)
    return cuts[cuts < duration]


@pytest.mark.parametrize("seed", range(40))
def test_placed_segments_keep_every_rule(seed):
    rng = np.random.default_rng(seed)
    duration = float(rng.choice([30.0, 61.3, 120.0]))
    cuts = _random_cuts(rng, duration)
    clip = float(rng.choice([1.0, 2.0]))
    starts = np.arange(0.0, duration, clip)
    bounds = np.stack([starts, np.minimum(starts + clip, duration)], 1)
    min_len = float(rng.choice([1.0, 2.0, 3.0]))
    gap = float(rng.choice([0.0, 1.0]))
    segs = select(bounds, rng.uniform(0, 1, len(starts)), duration,
                  top_fraction=float(rng.uniform(0.1, 0.5)), min_segment=min_len,
                  padding=float(rng.choice([0.0, 0.3, 1.0])), merge_gap=gap, cuts=cuts)
    assert segs
    assert edges_off_shots(segs, cuts) == []
    assert min(s.duration for s in segs) >= min_len - 1e-6
    assert segs[0].start >= 0 and segs[-1].end <= duration
    for a, b in zip(segs, segs[1:], strict=False):
        assert b.start > a.end + gap  # sorted, apart, and not within the merge gap


def test_select_with_cuts_is_the_grid_selection_snapped():
    bounds = np.stack([np.arange(0.0, 20, 2), np.arange(2.0, 22, 2)], 1)
    scores = np.array([0, 0, 0.9, 0.8, 0, 0, 0, 0.7, 0.2, 0])
    grid = select_segments(bounds, scores, 20.0, top_fraction=0.3)
    assert spans(grid) == [(4.0, 8.0), (14.0, 16.0)]
    cuts = [3.7, 8.4, 13.0, 15.8]
    assert edges_off_shots(grid, cuts) == [4.0, 8.0, 16.0]
    snapped = select(bounds, scores, 20.0, top_fraction=0.3, cuts=cuts)
    # 4 -> 3.7, 8 -> 8.4; 14-16 -> 14-15.8 is 1.8 s, widened at its start to 13.8
    assert spans(snapped) == [(3.7, 8.4), (13.8, 15.8)]
    assert spans(select(bounds, scores, 20.0, top_fraction=0.3, cuts=cuts, snap=0.0)) == \
        spans(grid)


def test_edge_rules_and_clean_cuts():
    c = clean_cuts([5.0, 3.0, 3.0, -1.0, 0.0, 20.0, 25.0, np.nan], 20.0)
    assert list(c) == [3.0, 5.0]
    assert edge_ok(3.0, c) and edge_ok(3.6, c) and edge_ok(10.0, c)
    assert not edge_ok(3.4, c) and not edge_ok(5.0 - SNAP_WINDOW, c)


def _highlights(cuts=None, snap=0.0) -> VideoHighlights:
    t = np.arange(0.0, 20.0, 2.0)
    score = np.array([0, 0, 0.9, 0.8, 0, 0, 0, 0.7, 0.2, 0])
    return VideoHighlights(path="/v/a.mp4", clip_seconds=2.0, duration=20.0,
                           bounds=np.stack([t, t + 2], 1), score=score, a_ph=None,
                           v_ph=score, av_ph=score, pseudo_label=(score > 0.5).astype(int),
                           category=0, segments=[Segment(3.7, 8.4, 0.85)],
                           shot_cuts=None if cuts is None else np.asarray(cuts, float),
                           shot_snap=snap)


def test_highlights_json_stores_the_cuts_and_reads_files_without_them():
    vh = _highlights([3.7, 8.4, 13.0, 15.8], 0.5)
    d = vh.to_dict()
    assert d["shots"] == {"cuts": [3.7, 8.4, 13.0, 15.8], "snap_seconds": 0.5}
    back = VideoHighlights.from_dict(d)
    assert np.array_equal(back.shot_cuts, vh.shot_cuts) and back.shot_snap == 0.5
    assert spans(back.segments) == [(3.7, 8.4)]
    plain = _highlights().to_dict()
    assert "shots" not in plain
    assert VideoHighlights.from_dict(plain).shot_cuts is None
    d["shots"]["cuts"] = [8.4, 3.7]
    with pytest.raises(SchemaError, match="shots.cuts"):
        VideoHighlights.from_dict(d)
    d["shots"]["cuts"] = [3.7, "x"]
    with pytest.raises(SchemaError, match=r"shots.cuts\[1\]"):
        VideoHighlights.from_dict(d)


def test_api_reselect_follows_the_stored_cuts():
    vh = _highlights([3.7, 8.4, 13.0, 15.8], 0.5)
    again = api.reselect(vh, top=0.3)
    assert spans(again.segments) == [(3.7, 8.4), (13.8, 15.8)]
    off = api.reselect(vh, top=0.3, shot_snap=0.0)
    assert spans(off.segments) == [(4.0, 8.0), (14.0, 16.0)]
    assert spans(api.reselect(_highlights(), top=0.3).segments) == [(4.0, 8.0), (14.0, 16.0)]
    with pytest.raises(ValueError, match="merge_gap"):
        api.reselect(vh, merge_gap=-1.0)


def test_cli_selection_options_reach_the_config(capsys):
    from core import cli
    from core.commands import _common

    args = cli.build_parser().parse_args(["find", "x", "--merge-gap", "1.5", "--shot-snap",
                                          "0.25", "--min-segment", "3", "--padding", "0.5"])
    cfg = _common.config_from_args(args)
    assert (cfg.merge_gap, cfg.shot_snap, cfg.min_segment, cfg.padding) == (1.5, 0.25, 3, 0.5)
    args = cli.build_parser().parse_args(["score", "v.mp4", "--model", "m.pt",
                                          "--shot-snap", "0"])
    assert args.shot_snap == 0.0 and args.merge_gap == 0.0
    for bad in (["--shot-snap", "-1"], ["--merge-gap", "nan"]):
        with pytest.raises(SystemExit) as exc:
            cli.build_parser().parse_args(["find", "x", *bad])
        assert exc.value.code == 2
    assert bad[0] in capsys.readouterr().err


def test_a_video_whose_cuts_cannot_be_found_keeps_the_grid_with_a_note(tmp_path):
    from core.artifacts import ClipFeatures
    from core.shotsnap import attach_cuts

    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    f = ClipFeatures(path=str(bad), content_key="k", clip_seconds=2.0,
                     bounds=np.array([[0.0, 2.0], [2.0, 4.0]]),
                     visual=np.zeros((2, 3), np.float32), audio=None,
                     visual_extractor="v", audio_extractor="a")
    seen = []
    notes = attach_cuts([f], progress=lambda *a: seen.append(a))
    assert f.cuts is None and len(notes) == 1
    assert notes[0].startswith("bad.mp4: no shot cuts (cannot read the video")
    assert notes[0].count("bad.mp4") == 1 and str(tmp_path) not in notes[0]
    assert seen[0] == (0.0, 4.0, "shots: bad.mp4") and seen[-1] == (4.0, 4.0, "shots: bad.mp4")
    assert attach_cuts([f], window=0.0) == [] and f.cuts is None  # no shot pass at all
