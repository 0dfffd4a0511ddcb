"""The editor session of ``test_gui_e2e.py`` with X input events from xdotool.

Run by ``test_gui_xdotool.py`` under Xvfb (``QT_QPA_PLATFORM=xcb``):
``python xdo_session.py LIBRARY REEL.mp4 RESULT.json``. The pointer and the keyboard are
moved by ``xdotool`` (XTest: the X server delivers them as a user's input); this process
only waits for Qt to handle them, reads what the window shows and writes what it saw to
RESULT.json for the test to check. Exit status 0 when the session ran to the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from PySide6.QtCore import QPoint, QPointF, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QToolButton  # noqa: E402


class Driver:
    """xdotool calls, with the Qt event loop kept running while they act."""

    def __init__(self, app: QApplication) -> None:
        self.app = app

    def spin(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.005)

    def until(self, ready, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.app.processEvents()
            if ready():
                return True
            time.sleep(0.005)
        return False

    def xdo(self, *args: str) -> None:
        proc = subprocess.Popen(["xdotool", *args])
        while proc.poll() is None:
            self.app.processEvents()
            time.sleep(0.005)
        if proc.returncode:
            raise RuntimeError(f"xdotool {' '.join(args)} failed ({proc.returncode})")
        self.spin(0.15)  # the X server's events reach Qt

    @staticmethod
    def at(widget, point: QPoint | None = None) -> list[str]:
        g = widget.mapToGlobal(point if point is not None else widget.rect().center())
        return ["mousemove", str(g.x()), str(g.y())]

    def click(self, widget, point: QPoint | None = None, repeat: int = 1) -> None:
        self.xdo(*self.at(widget, point), "click", "--repeat", str(repeat), "--delay", "90",
                 "1")

    def press_and_move(self, widget, p0: QPoint, p1: QPoint, steps: int = 6) -> None:
        args = [*self.at(widget, p0), "mousedown", "1", "sleep", "0.1"]
        for k in range(1, steps + 1):
            args += [*self.at(widget, p0 + (p1 - p0) * (k / steps)), "sleep", "0.04"]
        self.xdo(*args)

    def release(self) -> None:
        self.xdo("mouseup", "1")

    def key(self, combo: str) -> None:
        self.xdo("key", "--delay", "60", combo)


def plot_point(win, seconds: float, on_ruler: bool = False) -> QPoint:
    tl = win.timeline
    scene = tl.vb.mapViewToScene(QPointF(seconds, 0.5))
    y = tl.ruler.sceneBoundingRect().center().y() if on_ruler else scene.y()
    p = tl.plot.mapFromScene(QPointF(scene.x(), y))
    return QPoint(p.x(), p.y())


def shown_frame(d: Driver, win, frames) -> int:
    from test_gui_audit import _rgb, best_frame

    seen = []
    win.player.sink.videoFrameChanged.connect(seen.append)
    d.until(lambda: bool(seen), timeout=3.0)
    win.player.sink.videoFrameChanged.disconnect(seen.append)
    d.spin(0.1)
    return best_frame(_rgb(win.player.view.image()), frames)


def run(d: Driver, win, frames: dict, reel: str) -> dict:
    """The session; returns what the window showed at each step."""
    out: dict = {}
    count = win.library.find("count.mp4").path
    bars = win.library.find("bars.mp4").path
    view = win.library_panel.view
    d.click(view.viewport(), view.visualRect(win.library.index(win.library.row_of(count)))
            .center())
    d.until(lambda: win.timeline.path == count and win.player.view.image() is not None)
    d.spin(0.3)
    snap = [b for b in win.timeline.findChildren(QToolButton)
            if b.defaultAction() is win.edit.snap_action][0]
    if snap.isChecked():
        d.click(snap)
    out["snapping"] = win.timeline.snapping
    plot = win.timeline.plot.viewport()
    # 1. scrub on the ruler
    d.press_and_move(plot, plot_point(win, 0.5, True), plot_point(win, 2.62, True))
    d.release()
    out["scrub"] = [win.playhead.position, shown_frame(d, win, frames["count.mp4"]),
                    win.undo_stack.count()]
    # 2. trim the end of 3-4 s, looking at the preview before letting go
    d.press_and_move(plot, plot_point(win, 4.0), plot_point(win, 4.52))
    out["trim_during"] = [win.playhead.position, shown_frame(d, win, frames["count.mp4"])]
    d.release()
    end = win.selection.segments(count)[1].end
    out["trim"] = [end, shown_frame(d, win, frames["count.mp4"]), win.undo_stack.count()]
    # 3. double-click 5-6 s to discard it; Shift+Space plays the kept segments only
    d.click(plot, plot_point(win, 5.5), repeat=2)
    out["discarded"] = not win.selection.segments(count)[2].keep
    played = []
    win.playhead.moved.connect(lambda t, src: played.append(t) if src is win.player else None)
    done = []
    win.review.finished.connect(lambda: done.append(True))
    win.timeline.plot.setFocus()
    d.key("shift+space")
    out["review_finished"] = d.until(lambda: bool(done), timeout=20.0)
    out["played"] = played
    out["kept"] = [[g.start, g.end] for g in win.selection.segments(count) if g.keep]
    # 4. reorder in the segment list: click a row, Alt+Up
    sl = win.segment_list

    def click_row(path: str, start: float) -> None:
        i = [g.start for g in win.selection.segments(path)].index(start)
        vrow = sl.view_row(sl.model.row_of(path, i))
        d.click(sl.view.viewport(), sl.view.visualRect(sl.proxy.index(vrow, 1)).center())

    click_row(bars, 2.0)
    for _ in range(3):
        d.key("alt+Up")
    click_row(count, 3.0)
    d.key("alt+Up")
    names = {bars: "bars.mp4", count: "count.mp4"}
    out["order"] = [[names[p], g.start, g.end] for p, g in sl.model.kept_in_order()]
    # 5. Ctrl+E, the library scope by mouse, the path typed, Export clicked
    d.key("ctrl+e")
    dlg = win.export_dialog
    d.until(lambda: dlg is not None and dlg.isVisible() or win.export_dialog is not None)
    dlg = win.export_dialog
    d.spin(0.3)
    d.click(dlg.scope_library)
    dlg.set_format("mp4")
    d.click(dlg.out)
    d.key("ctrl+a")
    d.xdo("type", "--delay", "5", reel)
    stopped = []
    dlg.stopped.connect(stopped.append)
    d.click(dlg.export_button)
    d.until(lambda: bool(stopped), timeout=120.0)
    out["export"] = stopped[0] if stopped else "timeout"
    out["export_path"] = dlg.out.text()
    dlg.close()
    return out


def main(argv: list[str]) -> int:
    from test_gui_audit import source_frames
    from test_gui_e2e import START
    from test_gui_segments import highlights

    from avhd_gui.mainwindow import MainWindow
    from avhd_gui.settings import AppSettings

    lib, reel, result = argv
    app = QApplication([sys.argv[0]])
    ini = Path(tempfile.mkdtemp(prefix="avhd-xdo-")) / "avhd-gui.ini"
    settings = AppSettings(QSettings(str(ini), QSettings.Format.IniFormat))
    settings.set_shot_detection(False)
    d = Driver(app)
    win = MainWindow(settings)
    win.resize(1280, 760)
    win.move(0, 0)
    win.show()
    probed = []
    win.probe_finished.connect(lambda: probed.append(True))
    win.open_folder(lib)
    if not d.until(lambda: bool(probed), timeout=30.0):
        print("the library was not probed", file=sys.stderr)
        return 1
    for name, segs in START.items():
        item = win.library.find(name)
        n = int(round(item.duration))
        win.library.set_highlights(highlights(item.path, n=n * 2, clip=0.5, segments=segs),
                                   item.path)
    d.spin(0.5)
    frames = {name: source_frames(Path(lib) / name) for name in START}
    out = run(d, win, frames, reel)
    Path(result).write_text(json.dumps(out), encoding="utf-8")
    win.close()
    d.spin(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
