"""Reviewing the cut: kept segments only, the library in list order, looping.

There is no audio device or media backend on the test machine, so playback is simulated
the way the player reports it: positions set on the playhead with the player as source.
"""

# ruff: noqa: F811  (the fixtures of test_gui_editing are reused)
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from test_gui_editing import scored  # noqa: F401

from avhd_gui.segment_list import SCORE


def _play_to(win, seconds: float) -> None:
    win.playhead.set_position(seconds, win.player)  # as the playing player reports it


def test_play_kept_segments_skips_gaps_and_discarded(scored):
    win, b = scored
    win.selection.toggle_keep(b, 1)  # discard 4-5
    rv = win.review
    win.playhead.set_position(0.0)
    assert rv.start("video")
    assert win.playhead.position == 1.0  # the first kept segment
    _play_to(win, 2.0)
    assert win.playhead.position == 2.0
    _play_to(win, 2.5)  # its end: on to 6-8, over the gap and the discarded 4-5
    assert win.playhead.position == 6.0 and rv.current().start == 6.0
    with_finish = []
    rv.finished.connect(lambda: with_finish.append(True))
    _play_to(win, 8.0)
    assert with_finish and not rv.active


def test_loop_current_segment_and_next_while_playing(scored):
    win, b = scored
    rv = win.review
    win.playhead.set_position(4.5)
    rv.loop_action.trigger()  # loop on: reviews from the segment under the playhead
    assert rv.active and rv.current().start == 4.0
    _play_to(win, 4.99)
    assert win.playhead.position == 4.0  # back to the start
    rv.loop_action.trigger()
    rv.advance(1)  # next segment while playing
    assert win.playhead.position == 6.0
    rv.advance(-1)
    assert win.playhead.position == 4.0
    win.playhead.set_position(1.5)  # jumped back by hand (a click) during the review
    _play_to(win, 1.6)
    assert rv.current().start == 1.0
    _play_to(win, 2.5)  # goes on from the piece it was moved to
    assert win.playhead.position == 4.0


def test_library_review_follows_the_list_order(scored):
    win, b = scored
    sl, rv = win.segment_list, win.review
    sl.view.sortByColumn(SCORE, Qt.SortOrder.DescendingOrder)
    order = [sl.model.score(*sl.model.segment(sl.source_row(r))[::2])
             for r in range(sl.proxy.rowCount())]
    assert order == sorted(order, reverse=True)
    assert rv.start("library", from_here=False)
    pieces = rv.playlist
    assert len(pieces) == 5 and pieces == rv.pieces("library")
    seen = []
    for piece in pieces:
        assert win.timeline.path == piece.path
        assert win.playhead.position == pytest.approx(piece.start)
        seen.append((piece.path, piece.start))
        _play_to(win, piece.end)
    assert not rv.active and len(set(seen)) == 5
