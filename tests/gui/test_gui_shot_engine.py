"""The app selects through the engine: its Find config carries the target's shape, and its
re-selection with shot cuts is the engine's select (one placement, core.shotsnap)."""

from __future__ import annotations

import numpy as np

from avhd_gui.editing import reselect
from avhd_gui.settings import ModelOptions, Target, find_config
from core.artifacts import VideoHighlights
from core.scoring import select


def test_find_config_carries_the_shape_of_segments():
    opts = ModelOptions(visual="effnet-lite0", audio="yamnet")
    cfg = find_config(opts, Target(min_segment=3.0, padding=0.5, merge_gap=1.5))
    assert (cfg.min_segment, cfg.padding, cfg.merge_gap) == (3.0, 0.5, 1.5)


def test_app_reselection_is_the_engines_select_with_cuts():
    t = np.arange(0.0, 20.0, 2.0)
    score = np.array([0, 0, 0.9, 0.8, 0, 0, 0, 0.7, 0.2, 0])
    vh = VideoHighlights(path="/v/a.mp4", clip_seconds=2.0, duration=20.0,
                         bounds=np.stack([t, t + 2], 1), score=score, a_ph=None, v_ph=score,
                         av_ph=score, pseudo_label=(score > 0.5).astype(int), category=0)
    target = Target(fraction=0.3)
    cuts = np.array([3.7, 8.4, 13.0, 15.8])
    segs = reselect(vh, target, cuts)
    assert [(s.start, s.end) for s in segs] == [(3.7, 8.4), (13.8, 15.8)]
    same = select(vh.bounds, vh.score, vh.duration, tiebreak=vh.av_ph, cuts=cuts,
                  **target.kwargs())
    assert [(s.start, s.end) for s in segs] == [(s.start, s.end) for s in same]
    assert [(s.start, s.end) for s in reselect(vh, target)] == [(4.0, 8.0), (14.0, 16.0)]
