"""The library's segment list: rows, sorting, keep/discard, typed in/out, delete, sync."""

# ruff: noqa: F811  (the fixtures of test_gui_editing are reused)
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from test_gui_editing import scored  # noqa: F401
from test_gui_segments import highlights, spans

from avhd_gui.segment_list import IN, KEEP, OUT, SCORE, VIDEO
from core.artifacts import Segment


def _cells(sl, col: int) -> list[str]:
    p = sl.proxy
    return [p.index(r, col).data() for r in range(p.rowCount())]


def test_lists_every_segment_of_the_library_and_sorts(scored, qtbot):
    win, b = scored
    sl = win.segment_list
    assert win.segments_dock.isVisibleTo(win)
    assert _cells(sl, VIDEO) == ["a.mp4", "b.mp4", "b.mp4", "b.mp4", "c.mp4"]
    assert _cells(sl, IN)[1:4] == ["00:00:01:00", "00:00:04:00", "00:00:06:00"]  # 25 fps
    assert _cells(sl, OUT)[1] == "00:00:02:13"  # 2.5 s
    sl.view.sortByColumn(SCORE, Qt.SortOrder.DescendingOrder)
    scores = [float(s.rstrip("%")) for s in _cells(sl, SCORE)]
    assert scores == sorted(scores, reverse=True)


def test_keep_typed_out_point_and_delete_are_undoable(scored, qtbot):
    win, b = scored
    sl, stack = win.segment_list, win.undo_stack
    row = sl.view_row(sl.model.row_of(b, 0))
    keep = sl.proxy.index(row, KEEP)
    assert sl.proxy.setData(keep, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert [s.keep for s in win.selection.segments(b)] == [False, True, True]
    assert [s.keep for s in win.timeline.all_segments] == [False, True, True]  # synced
    stack.undo()
    assert sl.proxy.index(row, KEEP).data(Qt.ItemDataRole.CheckStateRole) == (
        Qt.CheckState.Checked)
    assert sl.proxy.setData(sl.proxy.index(row, OUT), "00:00:02:00")
    assert spans(win.selection.segments(b))[0] == (1.0, 2.0, True)
    assert stack.text(stack.count() - 1).startswith("Resize segment to 0:01.00–0:02.00")
    assert not sl.proxy.setData(sl.proxy.index(row, OUT), "soon")  # refused, nothing lost
    assert spans(win.selection.segments(b))[0] == (1.0, 2.0, True)
    sl.view.setFocus()
    sl.view.selectRow(sl.view_row(sl.model.row_of(b, 2)))
    qtbot.keyClick(sl.view, Qt.Key.Key_Delete)
    assert spans(win.selection.segments(b)) == [(1.0, 2.0, True), (4.0, 5.0, True)]
    stack.undo()
    assert len(win.selection.segments(b)) == 3


def test_list_and_timeline_follow_each_other(scored, qtbot):
    win, b = scored
    sl = win.segment_list
    a = win.library.find("a.mp4").path
    rect = sl.view.visualRect(sl.proxy.index(sl.view_row(sl.model.row_of(a, 0)), VIDEO))
    qtbot.mouseClick(sl.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.timeline.path == a and win.playhead.position == 1.0
    win.library_panel.select(b)
    win.playhead.set_position(4.5)  # inside b's second segment
    selected = sl.view.selectionModel().selectedRows()
    assert len(selected) == 1 and sl.source_row(selected[0].row()) == sl.model.row_of(b, 1)


def test_reorder_is_undoable_and_the_reel_follows_the_list(scored, qtbot, tmp_path):
    import av

    win, b = scored  # b.mp4: red, green, blue thirds; kept 1-2.5, 4-5, 6-8 s
    sl = win.segment_list
    sl.view.sortByColumn(SCORE, Qt.SortOrder.DescendingOrder)  # a drag adopts this view
    blue = sl.view_row(sl.model.row_of(b, 2))
    sl.move_row(blue, 0)  # what dropping the dragged row on the first row does
    first = sl.model.segment(sl.source_row(0))
    assert (first[0], first[2].start) == (b, 6.0)
    assert win.undo_stack.text(win.undo_stack.count() - 1) == "Reorder segments"
    win.undo_stack.undo()
    assert sl.model.keys()[1] == (b, 1.0)  # library order again
    win.undo_stack.redo()
    order = [(p, s.start) for p, s in sl.model.kept_in_order() if p == b]
    assert order[0] == (b, 6.0)
    dlg = win.open_export()
    assert dlg.order.currentData() == "list" and dlg.scope_current.isChecked()
    dlg.set_format("mp4")
    out = tmp_path / "ordered.mp4"
    dlg.out.setText(str(out))
    with qtbot.waitSignal(dlg.stopped, timeout=60_000) as blocker:
        assert dlg.start()
    assert blocker.args[0] == "finished", dlg.status.text()
    # the reel plays the pieces in the list's order: blue (2 s) first, then the rest
    pieces = [s for p, s in sl.model.kept_in_order() if p == b]
    want, t = [], 0.0
    colour = {1.0: "red", 4.0: "green", 6.0: "blue"}
    for s in pieces:
        want.append((t + s.duration / 2, colour[s.start]))
        t += s.duration
    with av.open(str(out)) as c:
        frames = [(f.time, f.to_ndarray(format="rgb24").reshape(-1, 3).mean(0))
                  for f in c.decode(video=0)]
    for when, name in want:
        rgb = min(frames, key=lambda fr: abs(fr[0] - when))[1]
        assert "rgb"[int(np.argmax(rgb))] == name[0], (when, name, rgb)
    dlg.close()


def test_a_long_list_refreshes_without_measuring_every_row(scored, qtbot, monkeypatch):
    """An edit or a learning step resets the list; sizing its columns to their contents
    read every cell of every row each time (half a second per edit on 100 videos)."""
    win, _b = scored
    a = win.library.find("a.mp4").path
    many = [Segment(2.0 * i, 2.0 * i + 1.0, 0.5) for i in range(300)]
    win.library.set_highlights(highlights(a, n=1200, clip=0.5, segments=many), a)
    sl = win.segment_list
    assert sl.proxy.rowCount() >= 300
    rows: set[int] = set()
    segment = sl.model.segment  # what data() reads for every cell it is asked for

    def counted(row):
        rows.add(row)
        return segment(row)

    monkeypatch.setattr(sl.model, "segment", counted)
    sl.model.refresh()
    qtbot.wait(50)  # the view repaints what it shows
    assert 0 < len(rows) < sl.proxy.rowCount() / 4  # the rows in sight, not all 300
