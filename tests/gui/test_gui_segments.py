"""Segment edits: the pure operations, the undoable selection model and timeline drags."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack

from avhd_gui import segments as ops
from avhd_gui.editing import SegmentsModel
from avhd_gui.library import LibraryModel
from avhd_gui.models import Marks, Playhead, TargetModel
from avhd_gui.settings import Target
from avhd_gui.timeline import TimelineWidget
from core.artifacts import Segment, VideoHighlights

S = Segment


def highlights(path: str, n: int = 20, clip: float = 1.0, segments=None) -> VideoHighlights:
    t = np.arange(n) * clip
    score = np.linspace(0.0, 1.0, n)  # later clips score higher
    return VideoHighlights(path=path, clip_seconds=clip, duration=n * clip,
                           bounds=np.stack([t, t + clip], 1), score=score, a_ph=score,
                           v_ph=score, av_ph=score, pseudo_label=(score > 0.5).astype(int),
                           category=0, segments=list(segments or []))


def spans(segs) -> list[tuple]:
    return [(s.start, s.end, s.keep) for s in segs]


# --- pure operations
def test_add_joins_overlaps_and_clamps():
    segs = [S(2, 4), S(10, 12)]
    out, i = ops.add_segment(segs, 5, 6, duration=20)
    assert spans(out) == [(2, 4, True), (5, 6, True), (10, 12, True)] and i == 1
    out, i = ops.add_segment(segs, 3, 11, duration=20)  # swallows both neighbours
    assert spans(out) == [(2, 12, True)] and i == 0
    out, _ = ops.add_segment([], 18, 25, duration=20, score_fn=lambda a, b: b - a)
    assert spans(out) == [(18, 20, True)] and out[0].score == pytest.approx(2)
    with pytest.raises(ops.EditError, match="at least"):
        ops.add_segment([], 3, 3.01, duration=20)
    assert spans(segs) == [(2, 4, True), (10, 12, True)]  # inputs are never modified


def test_bounds_move_split_merge_keep_and_snap():
    segs = [S(2, 4, 0.5), S(6, 8, 0.7, keep=False)]
    assert spans(ops.set_bounds(segs, 0, 1, 7, duration=20)) == [(1, 6, True), (6, 8, False)]
    assert spans(ops.move_segment(segs, 1, 20, duration=20)) == [(2, 4, True), (18, 20, False)]
    assert spans(ops.move_segment(segs, 1, -5, duration=20)) == [(2, 4, True), (4, 6, False)]
    assert spans(ops.split_segment(segs, 0, 3)) == [(2, 3, True), (3, 4, True), (6, 8, False)]
    with pytest.raises(ops.EditError, match="edge"):
        ops.split_segment(segs, 0, 2.05)
    merged = ops.merge_segments(segs, 0)
    assert spans(merged) == [(2, 8, True)] and merged[0].score == pytest.approx(0.6)
    with pytest.raises(ops.EditError, match="no next"):
        ops.merge_segments(segs, 1)
    assert spans(ops.toggle_keep(segs, 1)) == [(2, 4, True), (6, 8, True)]
    assert ops.kept_duration(segs) == 2.0
    assert ops.index_at(segs, 2.0) == 0 and ops.index_at(segs, 5) == -1
    assert ops.index_at(segs, 8.0) == 1  # the very end of the last segment
    grid = np.arange(0, 21, 1.0)
    assert ops.snap(3.9, grid, 0.2) == 4.0 and ops.snap(3.5, grid, 0.2) == 3.5
    assert ops.snap_span(2.1, 4.15, grid, 0.2) == pytest.approx((2.0, 4.05))  # nearer edge
    bounds = np.array([[0, 1], [1, 2], [2, 3]], float)
    assert ops.clip_score(bounds, np.array([0.0, 1.0, 0.5]), 0.5, 2.0) == pytest.approx(2 / 3)


# --- the model and its undo commands
@pytest.fixture
def model(qtbot):
    lib = LibraryModel()
    lib.set_folder("/lib", ["/lib/a.mp4", "/lib/b.mp4"])
    lib.set_highlights(highlights("/lib/a.mp4", segments=[S(2, 4), S(10, 12)]))
    lib.set_highlights(highlights("/lib/b.mp4", segments=[S(15, 20)]))
    stack = QUndoStack()
    sel = SegmentsModel(lib, stack)
    return sel, stack


def test_each_edit_is_one_undo_step_with_a_readable_name(model):
    sel, stack = model
    a = "/lib/a.mp4"
    original = spans(sel.segments(a))
    seen = []
    sel.changed.connect(lambda path, source: seen.append((path, source)))
    edits = [
        (lambda: sel.add(a, 5, 7, source="me"), "Add segment 0:05.00–0:07.00 (a.mp4)",
         [(2, 4, True), (5, 7, True), (10, 12, True)]),
        (lambda: sel.delete(a, 0), "Delete segment 0:02.00–0:04.00 (a.mp4)",
         [(10, 12, True)]),
        (lambda: sel.set_bounds(a, 1, 9, 12), "Resize segment to 0:09.00–0:12.00 (a.mp4)",
         [(2, 4, True), (9, 12, True)]),
        (lambda: sel.set_bounds(a, 1, 13, 15), "Move segment to 0:13.00–0:15.00 (a.mp4)",
         [(2, 4, True), (13, 15, True)]),
        (lambda: sel.split(a, 1, 11), "Split segment at 0:11.00 (a.mp4)",
         [(2, 4, True), (10, 11, True), (11, 12, True)]),
        (lambda: sel.merge(a, 0), "Merge segments into 0:02.00–0:12.00 (a.mp4)",
         [(2, 12, True)]),
        (lambda: sel.toggle_keep(a, 1), "Discard segment 0:10.00–0:12.00 (a.mp4)",
         [(2, 4, True), (10, 12, False)]),
    ]
    for do, text, expected in edits:
        do()
        assert stack.count() == 1 and stack.text(0) == text
        assert spans(sel.segments(a)) == expected and sel.is_edited(a)
        stack.undo()
        assert spans(sel.segments(a)) == original and not sel.is_edited(a)
        stack.redo()
        assert spans(sel.segments(a)) == expected
        assert spans(sel.library.item(a).highlights.segments) == expected  # stored in library
        stack.undo()
        stack.clear()
    assert seen[0] == (a, "me")  # the edit's author gets its echo; undo/redo come from None
    assert {src for _, src in seen[1:]} == {None}
    # the new segment is scored from its clips (mean of the clip scores it covers)
    sel.add(a, 5, 7)
    assert sel.segments(a)[1].score == pytest.approx(np.linspace(0, 1, 20)[5:7].mean())


def test_target_change_reselects_unedited_videos_and_undoes(model, qtbot):
    sel, stack = model
    target = TargetModel(Target(fraction=0.2), undo_stack=stack, selection=sel)
    sel.toggle_keep("/lib/b.mp4", 0)  # b is hand-edited: a new target leaves it alone
    before_a = spans(sel.segments("/lib/a.mp4"))
    target.set_value(0.5)
    target.set_value(0.4)  # merged with the step before: one undo step
    assert stack.count() == 2 and stack.text(1) == "Set target to top 40 %"
    assert spans(sel.segments("/lib/a.mp4")) == [(12.0, 20.0, True)]  # best 40 % at the end
    assert spans(sel.segments("/lib/b.mp4")) == [(15, 20, False)]
    stack.undo()
    assert target.target.fraction == 0.2 and spans(sel.segments("/lib/a.mp4")) == before_a
    stack.redo()
    assert spans(sel.segments("/lib/a.mp4")) == [(12.0, 20.0, True)]
    # reset hand edits is undoable too
    assert sel.reset_edits(["/lib/b.mp4"], target.target)
    assert spans(sel.segments("/lib/b.mp4")) == [(12.0, 20.0, True)]
    assert not sel.is_edited("/lib/b.mp4")
    stack.undo()
    assert spans(sel.segments("/lib/b.mp4")) == [(15, 20, False)] and sel.is_edited("/lib/b.mp4")


def test_found_keeps_hand_edits_unless_reset(model):
    sel, _stack = model
    a = "/lib/a.mp4"
    new = [S(0, 3)]
    assert spans(sel.found(a, new)) == [(0, 3, True)]  # not edited: replaced
    sel.delete(a, 0)
    assert spans(sel.found(a, new)) == [(10, 12, True)]  # edited: kept
    assert spans(sel.found(a, new, reset=True)) == [(0, 3, True)] and not sel.is_edited(a)
    sel.preload("/lib/c.mp4", [S(1, 2)])  # from a project, before its scores arrive
    assert spans(sel.segments("/lib/c.mp4")) == [(1, 2, True)]
    assert spans(sel.found("/lib/c.mp4", new)) == [(1, 2, True)]


# --- timeline drags
@pytest.fixture
def editor(qtbot, model):
    sel, stack = model
    tl = TimelineWidget(Playhead(), selection=sel, marks=Marks())
    qtbot.addWidget(tl)
    tl.resize(1000, 260)
    tl.show()
    qtbot.waitExposed(tl)
    vh = sel.highlights("/lib/a.mp4")
    tl.playhead.duration = vh.duration
    tl.set_highlights(vh, path="/lib/a.mp4")
    qtbot.wait(30)  # the axes take their width at the first paint: map times after it
    return tl, sel, stack


def _scene_pos(tl, seconds: float) -> QPointF:
    return tl.vb.mapViewToScene(QPointF(seconds, 0.5))


def _drag(qtbot, tl, t0: float, t1: float, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A real mouse drag on the plot from time t0 to t1."""
    view = tl.plot.viewport()
    p0 = tl.plot.mapFromScene(_scene_pos(tl, t0))
    p1 = tl.plot.mapFromScene(_scene_pos(tl, t1))
    # the delay only advances the event time, so a drag is never taken for a double click
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, modifier, p0, delay=600)
    for k in range(1, 6):
        p = p0 + (p1 - p0) * (k / 5)
        qtbot.mouseMove(view, QPoint(p.x(), p.y()))
        qtbot.wait(12)  # pyqtgraph drops mouse moves closer than 10 ms apart
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, modifier, p1)


def test_mouse_drags_resize_move_and_add_as_one_command(editor, qtbot):
    tl, sel, stack = editor
    a = "/lib/a.mp4"
    tl.snapping = True  # clip boundaries are whole seconds
    _drag(qtbot, tl, 4.0, 5.96)  # right edge of 2-4 to ~6, snapped to 6
    assert stack.count() == 1 and stack.text(0).startswith("Resize segment to 0:02.00–0:06.00")
    assert spans(sel.segments(a)) == [(2, 6, True), (10, 12, True)]
    assert spans(tl.all_segments) == spans(sel.segments(a))
    _drag(qtbot, tl, 11.0, 14.04)  # a plain drag inside a segment scrubs, edits nothing
    assert stack.count() == 1 and tl.playhead.position == pytest.approx(14.04, abs=0.05)
    # Alt+drag moves 10-12 by ~3 s, snapped to whole seconds
    _drag(qtbot, tl, 11.0, 14.04, Qt.KeyboardModifier.AltModifier)
    assert stack.count() == 2 and stack.text(1).startswith("Move segment to 0:13.00–0:15.00")
    _drag(qtbot, tl, 16.0, 18.0, Qt.KeyboardModifier.ShiftModifier)  # Shift+drag adds
    assert spans(sel.segments(a)) == [(2, 6, True), (13, 15, True), (16, 18, True)]
    assert stack.count() == 3 and stack.text(2).startswith("Add segment 0:16.00–0:18.00")
    _drag(qtbot, tl, 7.5, 9.0)  # a plain drag on an empty stretch scrubs, edits nothing
    assert stack.count() == 3 and tl.playhead.position == pytest.approx(9.0, abs=0.05)
    assert "Kept 0:08.00 in 3 segments" in tl.kept_label.text()
    stack.undo()
    assert spans(tl.all_segments) == [(2, 6, True), (13, 15, True)]  # the timeline follows


def test_a_drag_says_what_it_would_do_in_full(editor, qtbot):
    """While dragging, the span and its length are shown whole in the readout line under
    the plot (in the crowded edit row they were cut to "00:00:…" at 1280 px)."""
    tl, _sel, _stack = editor
    tl.resize(560, 260)  # about the timeline's width in a 1280 px window
    qtbot.wait(30)
    view = tl.plot.viewport()
    shift = Qt.KeyboardModifier.ShiftModifier
    p0 = tl.plot.mapFromScene(_scene_pos(tl, 14.0))
    p1 = tl.plot.mapFromScene(_scene_pos(tl, 17.0))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, shift, p0, delay=600)
    for k in range(1, 6):
        p = p0 + (p1 - p0) * (k / 5)
        qtbot.mouseMove(view, QPoint(p.x(), p.y()))
        qtbot.wait(12)
    text = tl.readout.text()
    assert text.startswith("Add ") and text.endswith(" s"), text
    assert tl.time_text(14.0) in text
    width = tl.readout.fontMetrics().horizontalAdvance(text)
    assert width <= tl.readout.contentsRect().width(), (width, tl.readout.width())
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, shift, p1)
    assert not tl.readout.text().startswith("Add ")  # the line is the hover readout again


def test_timeline_shows_discarded_and_current_segment(editor, qtbot):
    tl, sel, _stack = editor
    sel.toggle_keep("/lib/a.mp4", 1)
    assert [s.keep for s in tl.all_segments] == [True, False]
    assert len(tl.segments) == 1 and "1 discarded" in tl.kept_label.text()
    assert tl.items["discarded"].opts["x0"].tolist() == [10.0]
    assert tl.items["discarded"].opts["brush"].style() == Qt.BrushStyle.BDiagPattern
    tl.playhead.set_position(11.0)
    assert tl.current_index() == 1 and tl.current_item.isVisible()
    tl.playhead.set_position(8.0)
    assert tl.current_index() == -1 and not tl.current_item.isVisible()
    tl.marks.set(3.0, None)
    assert tl.mark_lines["in"].isVisible() and tl.mark_lines["in"].value() == 3.0
    assert not tl.mark_lines["out"].isVisible()


def test_reselect_uses_the_engines_selection_and_tie_break():
    """The app re-selects through core.scoring.select with the pseudo-highlight tie-break,
    the call find and score make, so all three give the same segments."""
    from avhd_gui.editing import reselect
    from core.scoring import select

    vh = highlights("/x.mp4", n=10)
    vh.score = np.full(10, 0.5)  # every clip tied: only the tie-break decides
    vh.av_ph = np.arange(10.0)[::-1]  # earlier clips recur more
    want = select(vh.bounds, vh.score, vh.duration, tiebreak=vh.av_ph, top_fraction=0.3)
    got = reselect(vh, Target(mode="fraction", fraction=0.3))
    assert spans(got) == spans(want) == [(0.0, 3.0, True)]
    vh.av_ph = np.arange(10.0)
    assert spans(reselect(vh, Target(mode="fraction", fraction=0.3))) == [(7.0, 10.0, True)]
