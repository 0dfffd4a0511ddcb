import numpy as np
import pytest

from core.selection import select_segments, selected_duration

B = np.array([[2 * i, 2 * i + 2] for i in range(10)], float)
S = np.array([0, 1, 5, 6, 0, 0, 9, 0, 0, 3], float)


def _spans(segs):
    return [(s.start, s.end) for s in segs]


def test_top_fraction_merges_adjacent_clips():
    segs = select_segments(B, S, top_fraction=0.3)
    assert _spans(segs) == [(4.0, 8.0), (12.0, 14.0)]
    assert segs[0].score == pytest.approx(5.5)
    assert selected_duration(segs) == 6.0


def test_target_seconds_and_min_segment_grow_towards_better_neighbour():
    segs = select_segments(B, S, target_seconds=2, min_segment=4)
    assert _spans(segs) == [(10.0, 14.0)]  # clip 6 grows left (tie 0/0 -> left)
    segs = select_segments(B, S, target_seconds=2, min_segment=6)
    assert _spans(segs) == [(8.0, 14.0)]


def test_padding_never_passes_the_ends_and_merges_overlaps():
    s = np.zeros(10)
    s[0] = s[2] = 1
    segs = select_segments(B, s, duration=20.0, target_seconds=4, padding=1.5)
    assert _spans(segs) == [(0.0, 7.5)]
    s = np.zeros(10)
    s[9] = 1
    assert _spans(select_segments(B, s, 19.0, target_seconds=1, padding=3)) == [(15.0, 19.0)]


def test_empty_and_bad_targets():
    assert select_segments(np.zeros((0, 2)), np.zeros(0)) == []
    with pytest.raises(ValueError):
        select_segments(B, S, top_fraction=1.5)
    assert select_segments(B, S, target_seconds=0) == []


def test_tiebreak_ranks_equal_scores():
    s = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], float)
    assert _spans(select_segments(B, s, target_seconds=2)) == [(0.0, 2.0)]
    tb = np.array([0.1, 0.2, 0.9, 0.3, 1, 1, 1, 1, 1, 1])
    assert _spans(select_segments(B, s, target_seconds=2, tiebreak=tb)) == [(4.0, 6.0)]
