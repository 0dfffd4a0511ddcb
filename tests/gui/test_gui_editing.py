"""Editing in the window: menu actions and keys drive the same undoable commands."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from test_gui_segments import highlights, spans

from avhd_gui.player import MULTIMEDIA_ERROR
from core.artifacts import Segment

K = Qt.Key
B_SEGMENTS = [Segment(1.0, 2.5, 0.6), Segment(4.0, 5.0, 0.7), Segment(6.0, 8.0, 0.9)]


@pytest.fixture
def scored(opened, qtbot):
    """The opened library with scores (no pipeline run) and b.mp4 on the timeline."""
    win = opened
    for name, seconds in (("a.mp4", 6), ("b.mp4", 8), ("sub/c.mp4", 6)):
        item = win.library.find(name)
        segs = B_SEGMENTS if name == "b.mp4" else [Segment(1.0, 3.0, 0.5)]
        win.library.set_highlights(highlights(item.path, n=seconds * 2, clip=0.5,
                                              segments=segs), item.path)
    b = win.library.find("b.mp4").path
    win.library_panel.select(b)
    win.activateWindow()
    win.timeline.plot.setFocus()
    qtbot.waitUntil(lambda: win.timeline.plot.hasFocus())
    return win, b


def _segs(win, path):
    return spans(win.selection.segments(path))


CASES = [  # (edit action name, key, playhead, expected segments of b.mp4)
    ("delete_action", K.Key_Delete, 4.5, [(1.0, 2.5, True), (6.0, 8.0, True)]),
    ("split_action", K.Key_S, 7.0, [(1.0, 2.5, True), (4.0, 5.0, True), (6.0, 7.0, True),
                                    (7.0, 8.0, True)]),
    ("merge_action", K.Key_M, 1.5, [(1.0, 5.0, True), (6.0, 8.0, True)]),
    ("keep_action", K.Key_X, 4.0, [(1.0, 2.5, True), (4.0, 5.0, False), (6.0, 8.0, True)]),
]


@pytest.mark.parametrize("action, key, at, expected", CASES, ids=[c[0] for c in CASES])
def test_menu_action_and_shortcut_make_the_same_command(scored, qtbot, action, key, at,
                                                        expected):
    win, b = scored
    original = _segs(win, b)
    stack = win.undo_stack
    results = []
    for via_key in (False, True):
        win.playhead.set_position(at)
        if via_key:
            qtbot.keyClick(win, key)
        else:
            getattr(win.edit, action).trigger()
        assert stack.count() == 1, f"no command (via key: {via_key})"
        results.append((stack.text(0), _segs(win, b)))
        assert win.selection.is_edited(b)
        assert spans(win.timeline.all_segments) == expected  # the timeline follows
        qtbot.keyClick(win, K.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo
        assert _segs(win, b) == original and not win.selection.is_edited(b)
        qtbot.keyClick(win, K.Key_Z, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.ShiftModifier)  # redo
        assert _segs(win, b) == expected
        win.undo_action.trigger()
        stack.clear()
    assert results[0] == results[1] and results[0][1] == expected


def test_in_out_marks_add_a_segment(scored, qtbot):
    win, b = scored  # 25 fps: marks land on frames (25 fps: 0.04 s steps)
    win.playhead.set_position(2.75)
    qtbot.keyClick(win, K.Key_I)
    assert win.marks.in_point == pytest.approx(2.76) and win.undo_stack.count() == 0
    assert win.timeline.mark_lines["in"].isVisible()
    win.playhead.set_position(3.52)
    qtbot.keyClick(win, K.Key_O)
    assert _segs(win, b)[1] == (2.76, 3.52, True)
    assert win.undo_stack.text(0) == "Add segment 0:02.76–0:03.52 (b.mp4)"
    assert win.marks.in_point is None and not win.timeline.mark_lines["in"].isVisible()
    # the menu actions do the same, out first
    win.playhead.set_position(5.52)
    win.edit.mark_out_action.trigger()
    win.playhead.set_position(5.24)
    win.edit.mark_in_action.trigger()
    assert (5.24, 5.52, True) in _segs(win, b) and win.undo_stack.count() == 2
    # an impossible edit is a status message, not a command
    win.playhead.set_position(3.0)
    qtbot.keyClick(win, K.Key_S)  # 3.0 is in 2.76-3.52, at 0.24 s from its edge: fine
    assert win.undo_stack.count() == 3
    win.playhead.set_position(3.02)
    qtbot.keyClick(win, K.Key_S)
    assert win.undo_stack.count() == 3 and "edge" in win.statusBar().currentMessage()


def test_navigation_zoom_and_transport_keys(scored, qtbot):
    win, b = scored
    win.playhead.set_position(0.0)
    qtbot.keyClick(win, K.Key_Down)
    assert win.playhead.position == pytest.approx(1.0)
    qtbot.keyClick(win, K.Key_Down)
    assert win.playhead.position == pytest.approx(4.0)
    qtbot.keyClick(win, K.Key_Up)
    assert win.playhead.position == pytest.approx(1.0)
    fps = win.player.fps
    qtbot.keyClick(win, K.Key_Right)
    assert win.playhead.position == pytest.approx(1.0 + 1 / fps)
    qtbot.keyClick(win, K.Key_Left)
    assert win.playhead.position == pytest.approx(1.0)
    (x0, x1), _ = win.timeline.vb.viewRange()
    qtbot.keyClick(win, K.Key_Plus)
    (y0, y1), _ = win.timeline.vb.viewRange()
    assert y1 - y0 == pytest.approx((x1 - x0) / 2, rel=0.01)
    qtbot.keyClick(win, K.Key_Minus)
    (y0, y1), _ = win.timeline.vb.viewRange()
    assert y1 - y0 == pytest.approx(x1 - x0, rel=0.01)
    if MULTIMEDIA_ERROR:
        pytest.skip(f"QtMultimedia: {MULTIMEDIA_ERROR}")
    player = win.player
    qtbot.keyClick(win, K.Key_L)
    assert player.shuttle_speed == 1.0 and player.media.playbackRate() == 1.0
    qtbot.keyClick(win, K.Key_L)
    assert player.shuttle_speed == 2.0 and player.media.playbackRate() == 2.0
    qtbot.keyClick(win, K.Key_K)
    assert player.shuttle_speed == 0.0 and not player.is_playing()
    win.playhead.set_position(5.0)
    qtbot.keyClick(win, K.Key_J)
    qtbot.keyClick(win, K.Key_J)
    assert player.shuttle_speed == -2.0
    qtbot.waitUntil(lambda: win.playhead.position < 4.7, timeout=3000)  # going backwards
    qtbot.keyClick(win, K.Key_Space)  # Space stops a shuttle too
    assert player.shuttle_speed == 0.0
    stopped_at = win.playhead.position
    qtbot.wait(200)
    assert win.playhead.position == pytest.approx(stopped_at, abs=0.05)


def test_target_reselect_undo_and_history(scored, qtbot):
    win, b = scored
    a = win.library.find("a.mp4").path
    win.playhead.set_position(4.5)
    qtbot.keyClick(win, K.Key_X)  # hand edit on b: discard 4-5
    win.target_control.value.setValue(50)  # re-selects a and c, keeps b's hand edit
    assert _segs(win, a) == [(3.0, 6.0, True)]  # the best half of a: its last 3 s
    assert _segs(win, b)[1] == (4.0, 5.0, False)
    assert "1 hand-edited video unchanged" in win.statusBar().currentMessage()
    history = win.history
    assert not win.history_dock.isVisible()
    qtbot.keyClick(win, K.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert win.history_dock.isVisible()
    names = [history.model().index(r, 0).data() for r in range(history.model().rowCount())]
    assert names == ["<selection as found>", "Discard segment 0:04.00–0:05.00 (b.mp4)",
                     "Set target to top 50 %"]
    win.undo_action.trigger()
    assert _segs(win, a) == [(1.0, 3.0, True)] and win.target_control.value.value() == 20
    # clicking a history row jumps there
    history.setCurrentIndex(history.model().index(0, 0))
    assert _segs(win, b)[1] == (4.0, 5.0, True) and win.undo_stack.index() == 0
    # reset hand edits from the Edit menu, undoable
    history.setCurrentIndex(history.model().index(1, 0))
    win.edit.reset_action.trigger()
    assert not win.selection.is_edited(b) and len(_segs(win, b)) == 1
    win.undo_action.trigger()
    assert _segs(win, b)[1] == (4.0, 5.0, False)


def test_labels_menus_and_shortcut_list(scored, qtbot):
    win, b = scored
    assert win.timeline.kept_label.text() == "Kept 0:04.50 in 3 segments"
    assert win.reel_label.text() == "Library reel 0:08.50 · 3 videos"
    win.playhead.set_position(7.0)
    win.edit.keep_action.trigger()
    assert win.timeline.kept_label.text() == "Kept 0:02.50 in 2 segments · 1 discarded"
    assert win.reel_label.text() == "Library reel 0:06.50 · 3 videos"
    assert win.edit.keep_action.text() == "&Keep Segment"
    assert "edited · 2 segments" in win.library.data(
        win.library.index(win.library.row_of(b)))
    dlg = win.show_shortcuts()
    qtbot.addWidget(dlg)
    rows = dlg.rows()
    expected = {
        "Undo": "Ctrl+Z", "Redo": "Ctrl+Shift+Z, Ctrl+Y", "Split at Playhead": "S, B, Ctrl+K",
        "Merge with Next": "M", "Keep / Discard": "X", "Mark In": "I", "Mark Out": "O",
        "Delete Segment": "Del, Backspace", "Play": "Space", "Shuttle reverse": "J",
        "Shuttle stop": "K", "Shuttle forward": "L", "Previous segment": "Up, [",
        "Next segment": "Down, ]", "Previous frame": "Left", "Next frame": "Right",
        "Zoom In": "+, =", "Zoom Out": "-", "History": "Ctrl+H", "Export…": "Ctrl+E",
    }
    for name, keys in expected.items():
        assert rows.get(name) == keys, name
