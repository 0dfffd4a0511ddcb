"""An editor's session end to end, driven by real input events on the real widgets.

Mouse presses, moves, double clicks and key presses go through QTest to the window's
widgets (pytest-qt), under ``QT_QPA_PLATFORM=offscreen`` in CI; ``test_gui_xdotool.py``
runs the same session under Xvfb with X input events from xdotool. The preview is Qt's
real decoder; the reel is a real render, decoded with PyAV and compared frame by frame
with the source frames at the segment list's in and out points.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QToolButton
from test_gui_audit import _rgb, best_frame, source_frames
from test_gui_segments import highlights

from avhd_gui.timecode import frame_index
from core.artifacts import Segment

FPS = 25
K = Qt.Key
#: the segments the session starts from (count.mp4, then bars.mp4)
START = {"count.mp4": [Segment(1.0, 2.0, 0.6), Segment(3.0, 4.0, 0.9), Segment(5.0, 6.0, 0.7)],
         "bars.mp4": [Segment(2.0, 3.0, 0.8)]}


@pytest.fixture(scope="module")
def footage(tmp_path_factory):
    """Two frame-distinct videos (FFmpeg's moving test patterns) and their frames."""
    from synth import make_video

    root = tmp_path_factory.mktemp("e2e")
    lib = root / "lib"
    make_video(lib / "count.mp4", duration=8, fps=FPS, video="testsrc", audio="sine:440")
    make_video(lib / "bars.mp4", duration=5, fps=FPS, video="testsrc2", audio="sine:660")
    return lib, {name: source_frames(lib / name) for name in START}


def check_reel(reel_path, order: list[tuple[str, float, float]], frames: dict) -> None:
    """The reel holds, piece by piece in ``order`` (video name, in, out), exactly the source
    frames from the in point to the frame before the out point: checked at each piece's
    first and last frame against every frame of every source (least squared error)."""
    import av

    with av.open(str(reel_path)) as c:
        reel = [f.to_ndarray(format="rgb24").astype(np.float32) for f in c.decode(video=0)]
    t = 0
    for name, a, b in order:
        first, last = frame_index(a, FPS), frame_index(b, FPS) - 1
        n = last - first + 1
        for at_reel, want in ((t, first), (t + n - 1, last)):
            got = {v: best_frame(reel[at_reel], fs) for v, fs in frames.items()}
            errs = {v: np.mean((reel[at_reel] - frames[v][got[v]]) ** 2) for v in got}
            video = min(errs, key=errs.get)
            assert (video, got[video]) == (name, want), (at_reel, name, a, b)
        t += n
    assert len(reel) == t  # nothing else in the reel


class Session:
    """The window and the real input events an editor gives it."""

    def __init__(self, win, qtbot, frames):
        self.win, self.qtbot, self.frames = win, qtbot, frames

    # --- where things are
    def plot_point(self, seconds: float, on_ruler: bool = False) -> QPoint:
        tl = self.win.timeline
        x = tl.vb.mapViewToScene(QPointF(seconds, 0.5)).x()
        y = (tl.ruler.sceneBoundingRect().center().y() if on_ruler
             else tl.vb.mapViewToScene(QPointF(seconds, 0.5)).y())
        p = tl.plot.mapFromScene(QPointF(x, y))
        return QPoint(p.x(), p.y())

    # --- input
    def drag(self, t0: float, t1: float, on_ruler: bool = False, check=None) -> None:
        """Press at ``t0``, move in steps to ``t1``, call ``check()`` before the release."""
        view = self.win.timeline.plot.viewport()
        p0, p1 = self.plot_point(t0, on_ruler), self.plot_point(t1, on_ruler)
        self.qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=p0, delay=600)
        for k in range(1, 7):
            self.qtbot.mouseMove(view, p0 + (p1 - p0) * (k / 6))
            self.qtbot.wait(15)  # pyqtgraph drops moves closer than 10 ms apart
        if check is not None:
            check()
        self.qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=p1)

    def key(self, widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(widget, key, modifier)

    def double_click(self, widget, pos: QPoint) -> None:
        """What Qt delivers for a double click: press, release, double-click, release
        (QTest's mouseDClick sends the double-click event alone)."""
        left = Qt.MouseButton.LeftButton
        self.qtbot.mouseClick(widget, left, pos=pos, delay=700)
        self.qtbot.mouseDClick(widget, left, pos=pos)
        self.qtbot.mouseRelease(widget, left, pos=pos)

    def click(self, widget, pos: QPoint | None = None) -> None:
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton,
                              pos=pos if pos is not None else widget.rect().center())

    # --- what the editor sees
    def shown_frame(self, name: str) -> int:
        """Wait for the preview to settle; the index of the source frame it shows."""
        player = self.win.player
        seen = []
        player.sink.videoFrameChanged.connect(seen.append)
        try:
            self.qtbot.waitUntil(lambda: bool(seen), timeout=5000)
        except Exception:  # noqa: BLE001  (already showing it: no new frame comes)
            pass
        finally:
            player.sink.videoFrameChanged.disconnect(seen.append)
        self.qtbot.wait(80)
        return best_frame(_rgb(player.view.image()), self.frames[name])


@pytest.fixture
def session(qtbot, settings, footage, tmp_path):
    import shutil

    from avhd_gui.mainwindow import MainWindow

    lib, frames = footage
    folder = str(tmp_path / "lib")
    shutil.copytree(lib, folder)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.probe_finished, timeout=20_000):
        assert win.open_folder(folder)
    if win.player.media is None:
        pytest.skip("no Qt multimedia backend for the preview")
    for name, segs in START.items():
        item = win.library.find(name)
        n = int(round(item.duration))
        win.library.set_highlights(highlights(item.path, n=n * 2, clip=0.5, segments=segs),
                                   item.path)
    yield Session(win, qtbot, frames)
    win.close()


def test_an_editor_scrubs_trims_reviews_reorders_and_exports_by_real_input(session,
                                                                           tmp_path):
    s, win, qtbot = session, session.win, session.qtbot
    count = win.library.find("count.mp4").path
    bars = win.library.find("bars.mp4").path
    # pick count.mp4 in the library with the mouse
    view = win.library_panel.view
    row = win.library.row_of(count)
    with qtbot.waitSignal(win.player.frame_shown, timeout=10_000):
        s.click(view.viewport(), view.visualRect(win.library.index(row)).center())
    assert win.timeline.path == count
    qtbot.wait(60)  # the axes take their width at the first paint
    # the snap toggle on the timeline's tool row, clicked off: free, frame-exact trims
    snap = [b for b in win.timeline.findChildren(QToolButton)
            if b.defaultAction() is win.edit.snap_action][0]
    if snap.isChecked():
        s.click(snap)
    assert not win.timeline.snapping

    # 1. scrub from the ruler: the playhead follows, the preview shows that frame
    s.drag(0.5, 2.62, on_ruler=True)
    at = win.playhead.position
    assert at == pytest.approx(2.62, abs=0.06) and at * FPS == frame_index(at, FPS)
    assert s.shown_frame("count.mp4") == frame_index(at, FPS)
    assert win.undo_stack.count() == 0  # scrubbing edits nothing

    # 2. trim the end of 3-4 s out to about 4.5 s, seeing the edge's frame while dragging
    during = []
    s.drag(4.0, 4.52, check=lambda: during.append(
        (win.playhead.position, s.shown_frame("count.mp4"))))
    end = win.selection.segments(count)[1].end
    assert end == pytest.approx(4.52, abs=0.06) and end * FPS == pytest.approx(
        frame_index(end, FPS), abs=1e-6)
    edge_at, edge_frame = during[0]
    assert edge_frame == frame_index(edge_at, FPS)  # the frame at the edge, while dragging
    assert s.shown_frame("count.mp4") == frame_index(end, FPS)
    assert win.undo_stack.count() == 1

    # 3. discard 5-6 s with a double click, then play the kept segments only (Shift+Space)
    s.double_click(win.timeline.plot.viewport(), s.plot_point(5.5))
    assert not win.selection.segments(count)[2].keep
    played = []
    win.playhead.moved.connect(lambda t, src: played.append(t) if src is win.player else None)
    win.timeline.plot.setFocus()
    with qtbot.waitSignal(win.review.finished, timeout=20_000):
        s.key(win.timeline.plot, K.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    kept = [(g.start, g.end) for g in win.selection.segments(count) if g.keep]
    assert kept == [(1.0, 2.0), (3.0, end)]
    slack = 0.2  # the backend reports a position or two past an end before the jump
    assert played and all(any(a - 0.05 <= t <= b + slack for a, b in kept) for t in played)
    assert max(played) < 5.0  # the discarded 5-6 s never played
    assert any(t < 2.0 for t in played) and any(t > 4.0 for t in played)  # both segments

    # 4. reorder in the segment list with the keyboard: bars.mp4's segment first, then 3-4.5
    sl = win.segment_list
    table = sl.view

    def click_row(path: str, start: float) -> None:
        vrow = sl.view_row(sl.model.row_of(path, [g.start for g in
                                                  win.selection.segments(path)].index(start)))
        s.click(table.viewport(), table.visualRect(sl.proxy.index(vrow, 1)).center())

    click_row(bars, 2.0)
    for _ in range(3):
        s.key(table, K.Key_Up, Qt.KeyboardModifier.AltModifier)
    click_row(count, 3.0)
    chosen = [sl.model.segment(sl.source_row(r.row()))[2].start
              for r in table.selectionModel().selectedRows()]
    assert chosen == [3.0]  # clicking a row of another video leaves it selected
    s.key(table, K.Key_Up, Qt.KeyboardModifier.AltModifier)
    order = [(p, g.start, g.end) for p, g in sl.model.kept_in_order()]
    assert order == [(bars, 2.0, 3.0), (count, 3.0, end), (count, 1.0, 2.0)]

    # 5. export the library reel in the list's order: Ctrl+E, the mouse, typed path
    s.key(table, K.Key_E, Qt.KeyboardModifier.ControlModifier)
    dlg = win.export_dialog
    assert dlg is not None and dlg.isVisible()
    s.click(dlg.scope_library)
    dlg.set_format("mp4")
    assert dlg.order.currentData() == "list"
    out = tmp_path / "reel.mp4"
    dlg.out.selectAll()
    qtbot.keyClicks(dlg.out, str(out))
    with qtbot.waitSignal(dlg.stopped, timeout=120_000) as blocker:
        s.click(dlg.export_button)
    assert blocker.args[0] == "finished", dlg.status.text()

    # 6. the reel's frames are the list's: each piece's first and last frame, in order
    names = {bars: "bars.mp4", count: "count.mp4"}
    check_reel(out, [(names[p], a, b) for p, a, b in order], s.frames)
    dlg.close()
