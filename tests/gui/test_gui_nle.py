# ruff: noqa: F811  (the fixtures of test_gui_editing and test_gui_segments are reused)
"""The timeline works like an editing program's: timecode ruler, scrubbing, frame-exact edits."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QToolTip
from test_gui_editing import scored  # noqa: F401
from test_gui_segments import _drag, editor, model  # noqa: F401

from avhd_gui.library import format_time
from avhd_gui.models import Playhead
from avhd_gui.player import PlayerWidget
from avhd_gui.timecode import (
    format_timecode,
    frame_index,
    frame_time,
    parse_timecode,
    step_frames,
)


def test_format_time_rounds_once_to_what_it_shows():
    # both read one unit too low before: the hundredths were rounded, the seconds cut
    assert format_time(4.999, fraction=True) == "0:05.00"
    assert format_time(59.996, fraction=True) == "1:00.00"
    assert format_time(3599.999, fraction=True) == "1:00:00.00"
    assert format_time(65.25, fraction=True) == "1:05.25"


def test_timecode_and_frame_grid():
    assert format_timecode(0, 25) == "00:00:00:00"
    assert format_timecode(3661.52, 25) == "01:01:01:13"
    assert format_timecode(4.999, 24) == "00:00:05:00"
    assert frame_index(256.016, 24) == 6144 and frame_time(256.016, 24) == 256.0
    # fifty frame steps from 4:14.00 at 24 fps land on 4:16 + 2 frames, exactly
    assert step_frames(254.0, 50, 24) == pytest.approx(6146 / 24, abs=1e-12)
    assert parse_timecode("00:04:14:12", 24) == 254.5
    assert parse_timecode("4:14.52", 24) == frame_time(254.52, 24)
    for bad in ("", "1:2:3:4:5", "00:00:01:30", "x"):
        with pytest.raises(ValueError):
            parse_timecode(bad, 25 if bad != "00:00:01:30" else 30)


def _ruler_point(tl, seconds: float) -> QPoint:
    y = tl.ruler.sceneBoundingRect().center().y()
    x = tl.vb.mapViewToScene(QPointF(seconds, 0.5)).x()
    p = tl.plot.mapFromScene(QPointF(x, y))
    return QPoint(p.x(), p.y())


def test_ruler_in_timecode_click_and_drag_scrub(editor, qtbot):
    tl, _sel, stack = editor
    tl.playhead.fps = 25.0
    labels = tl.ruler.tickStrings([0.0, 2.5, 61.0], 1.0, 0.5)
    assert labels == ["00:00:00:00", "00:00:02:13", "00:01:01:00"]
    tl.set_time_format("seconds")
    assert tl.ruler.tickStrings([61.0], 1.0, 1.0) == ["1:01"]
    tl.set_time_format("timecode")
    view = tl.plot.viewport()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_ruler_point(tl, 7.0), delay=600)
    assert tl.playhead.position == pytest.approx(7.0, abs=0.05)
    assert frame_index(tl.playhead.position, 25) == tl.playhead.position * 25  # on a frame
    p0, p1 = _ruler_point(tl, 3.0), _ruler_point(tl, 15.0)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=p0, delay=600)
    seen = []
    for k in range(1, 6):
        qtbot.mouseMove(view, p0 + (p1 - p0) * (k / 5))
        qtbot.wait(12)
        seen.append(tl.playhead.position)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=p1)
    assert seen == sorted(seen) and seen[0] < 6 and tl.playhead.position == pytest.approx(
        15.0, abs=0.05)
    assert stack.count() == 0  # scrubbing over segments edits nothing


def test_trimming_an_edge_shows_that_frame_and_lands_on_a_frame(editor, qtbot):
    tl, sel, stack = editor
    tl.playhead.fps = 24.0
    tl.snapping = False
    positions = []
    tl.playhead.moved.connect(lambda t, _src: positions.append(t))
    _drag(qtbot, tl, 12.0, 13.37)  # the end of 10-12
    seg = sel.segments("/lib/a.mp4")[1]
    assert stack.count() == 1 and seg.end == pytest.approx(13.37, abs=0.05)
    assert abs(seg.end * 24 - round(seg.end * 24)) < 1e-3  # frame-exact
    # the playhead followed the edge during the drag: the preview showed those frames
    assert len(positions) >= 4 and positions[-1] == pytest.approx(seg.end, abs=1e-6)
    assert positions == sorted(positions) and positions[0] < 13.0


def test_split_lands_on_a_frame(scored):
    win, path = scored
    segs = win.selection.segments(path)
    s = segs[0]
    win.playhead.fps = 24.0
    t = (s.start + s.end) / 2 + 0.013
    win.playhead.set_position(t)
    win.edit.split_action.trigger()
    cut = win.selection.segments(path)[0].end
    assert cut == pytest.approx(frame_time(t, 24), abs=1e-4) and cut != pytest.approx(t)
    keys = {k.toString() for k in win.edit.split_action.shortcuts()}
    assert {"S", "B", "Ctrl+K"} <= keys


def test_player_steps_on_the_frame_grid(qtbot):
    ph = Playhead()
    player = PlayerWidget(ph)
    qtbot.addWidget(player)
    player.path, player.fps, ph.duration = "/x.mp4", 24.0, 600.0
    ph.fps = 24.0
    ph.set_position(254.0)
    for _ in range(50):
        player.step(1)
    assert ph.position == pytest.approx(6146 / 24, abs=1e-9)
    ph.set_position(10.013)  # off the grid: one step back lands on the frame before
    player.step(-1)
    assert ph.position == pytest.approx(239 / 24, abs=1e-9)


def test_hover_readout_sits_in_one_place(editor, qtbot):
    tl, _sel, _stack = editor
    p = tl.plot.mapFromScene(tl.vb.mapViewToScene(QPointF(3.2, 0.5)))
    qtbot.mouseMove(tl.plot.viewport(), QPoint(p.x(), p.y()))
    qtbot.waitUntil(lambda: bool(tl.readout.text()), timeout=2000)
    assert "clip 4 of 20" in tl.readout.text()
    assert not QToolTip.isVisible()


def test_f1_lists_every_key_including_the_timeline_and_review(scored, qtbot):
    from PySide6.QtGui import QAction, QKeySequence

    win, _b = scored
    dlg = win.show_shortcuts()
    qtbot.addWidget(dlg)
    rows = dlg.rows()
    assert rows["Show the whole video"] == "0, Home"
    assert rows["Scroll the timeline"] == "Shift+Left, Shift+Right"
    assert rows["Play Kept Segments"] == "Shift+Space" and rows["Loop Segment"] == "Ctrl+L"
    assert rows["Alt+drag or Ctrl+drag a segment"] == "move it"
    assert "B or Ctrl+K" in dlg.habits.text()
    listed = ", ".join(rows.values())
    for act in win.findChildren(QAction):
        for key in act.shortcuts():
            text = key.toString(QKeySequence.SequenceFormat.NativeText)
            assert text in listed, f"{act.text()}: {text} is not in F1"
