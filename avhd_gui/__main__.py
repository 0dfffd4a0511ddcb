"""``avhd-gui``: start the editor, or render a screenshot headless.

Screenshot mode (``--screenshot PATH``) opens ``--open FOLDER`` (with its saved project, so
hand edits show), optionally runs Find highlights to completion (``--find``), selects a
video (``--select NAME``), moves the playhead (``--playhead SECONDS``), saves a PNG of the
main window and exits: 0 on success, 1 on failure (with a message on stderr). It never
writes the project.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

PROG = "avhd-gui"


def _versions() -> str:
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    from core._version import __version__

    return (f"{PROG} {__version__} (PySide6 {PySide6.__version__}, Qt {qVersion()}, "
            f"pyqtgraph {pyqtgraph.__version__})")


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(_versions())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="AVHD highlight editor.")
    p.add_argument("--version", action=_VersionAction)
    p.add_argument("--open", metavar="FOLDER", help="open this folder of videos")
    p.add_argument("--find", action="store_true", help="run Find highlights after opening")
    p.add_argument("--select", metavar="NAME", help="select this video (file or relative name)")
    p.add_argument("--playhead", type=float, metavar="SECONDS",
                   help="screenshot mode: put the playhead here in the selected video")
    p.add_argument("--cue", metavar="NAME",
                   help="screenshot mode: also draw this cue of the selected video (e.g. motion)")
    p.add_argument("--screenshot", metavar="PATH",
                   help="save a PNG of the window and exit (headless; settings are not saved)")
    p.add_argument("--size", default="1280x760", metavar="WxH",
                   help="window size in screenshot mode (default: 1280x760)")
    p.add_argument("--color-scheme", choices=("system", "light", "dark"), default="system",
                   help="force a light or dark palette (default: follow the system)")
    p.add_argument("--timeout", type=float, default=1800.0, metavar="S",
                   help="screenshot mode: give up after this many seconds (default: 1800)")
    return p


class ScreenshotError(Exception):
    """Screenshot mode cannot finish; the message goes to stderr."""


def _make_app(args):
    from PySide6.QtWidgets import QApplication

    import avhd_gui  # noqa: F401  (applies binding work-arounds first)
    from avhd_gui.resources import icon, style_sheet
    from avhd_gui.settings import APPLICATION, ORGANIZATION
    from avhd_gui.theme import apply_color_scheme
    from core._version import __version__

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    apply_color_scheme(app, args.color_scheme)
    app.setStyleSheet(style_sheet("app"))
    app.setWindowIcon(icon("video"))
    return app


def _wait(signal, timeout_s: float) -> tuple | None:
    """Run the event loop until ``signal`` fires (its arguments) or the time is up (None)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    got: list[tuple] = []

    def on_signal(*a):
        got.append(a)
        loop.quit()

    signal.connect(on_signal)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(on_signal)
    return got[0] if got else None


def _settle(ms: int = 300) -> None:
    """Let pending layout and paint events run for ``ms`` milliseconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def run_screenshot(win, args) -> Path:
    """Drive ``win`` as asked by ``args`` and save the PNG; raises ScreenshotError."""
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError as exc:
        raise ScreenshotError(f"--size must look like 1280x760, not {args.size!r}") from exc
    win.resize(w, h)
    win.show()
    if args.open:
        if not Path(args.open).is_dir():
            raise ScreenshotError(f"{args.open}: no such folder")
        if not win.open_folder(args.open):
            raise ScreenshotError(f"cannot open {args.open}")
        if win.is_probing() and _wait(win.probe_finished, args.timeout) is None:
            raise ScreenshotError("timed out while reading the videos")
    elif args.find or args.select:
        raise ScreenshotError("--find and --select need --open FOLDER")
    if args.find:
        if not win.find_highlights(reset_edits=False):  # never asks: hand edits stay
            raise ScreenshotError("Find highlights could not start (no readable video?)")
        got = _wait(win.find_stopped, args.timeout)
        if got is None:
            win.cancel_find()
            _wait(win.find_stopped, 30)
            raise ScreenshotError(f"Find highlights did not finish within {args.timeout:g} s")
        outcome = got[0]
        if outcome.status != "finished":
            raise ScreenshotError(outcome.summary())
    if args.select:
        item = win.library.find(args.select)
        if item is None:
            raise ScreenshotError(f"no video called {args.select!r} in the library")
        win.library_panel.select(item.path)
    if win.current_path and win.player.media is not None and not win.player._first_frame:
        _wait(win.player.frame_shown, 5)
    shots = getattr(win, "shots", None)
    while (shots is not None and shots.is_running() and win.current_path
           and win.current_path not in shots.cuts):  # let the shown video's cuts be drawn
        if _wait(shots.cuts_ready, min(args.timeout, 180)) is None:
            break
    learning = getattr(win, "learning", None)
    if learning is not None and learning.is_running():  # the status line says what it learned
        _wait(learning.idle, min(args.timeout, 120))
    if args.cue is not None:
        if not win.current_path:
            raise ScreenshotError("--cue needs a selected video")
        if not win.timeline.show_cue(args.cue):
            raise ScreenshotError(f"the selected video has no cue called {args.cue!r}")
    if args.playhead is not None:
        if not win.current_path:
            raise ScreenshotError("--playhead needs a selected video")
        win.playhead.set_position(args.playhead)
        _settle(700)  # the player seeks and shows the frame there
    _settle()
    out = Path(args.screenshot)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not win.grab().save(str(out), "PNG"):
        raise ScreenshotError(f"cannot write {out}")
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    headless = args.screenshot is not None
    if headless and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = _make_app(args)

    from avhd_gui.mainwindow import MainWindow
    from avhd_gui.settings import AppSettings

    win = MainWindow(AppSettings(persist=not headless))
    if headless:
        win.project.autosave = False  # a screenshot reads the project, never writes it
        try:
            out = run_screenshot(win, args)
        except ScreenshotError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 1
        finally:
            win.close()
        print(f"{PROG}: wrote {out}")
        return 0
    from PySide6.QtCore import Qt

    win.show()
    once = Qt.ConnectionType.SingleShotConnection
    if args.select:
        win.probe_finished.connect(lambda: _select(win, args.select), once)
    if args.find:
        win.probe_finished.connect(win.find_highlights, once)
    if args.open:
        win.open_folder(args.open)
    rc = app.exec()
    return _finish_background_work(rc)


def _finish_background_work(rc: int, timeout_s: float = 30.0) -> int:
    """After the window closed: let cancelled workers reach their next check, then exit.

    The window is already gone and the project saved; a worker still inside a long native
    call past ``timeout_s`` is abandoned (``os._exit``), since Qt aborts on a running thread.
    """
    from avhd_gui.workers import wait_for_workers

    left = wait_for_workers(int(timeout_s * 1000))
    if left:
        names = ", ".join(t.objectName() for t in left)
        print(f"{PROG}: stopped waiting for {names} after {timeout_s:g} s", file=sys.stderr)
        sys.stderr.flush()
        os._exit(rc)
    return rc


def _select(win, name: str) -> None:
    item = win.library.find(name)
    if item is not None:
        win.library_panel.select(item.path)


if __name__ == "__main__":
    sys.exit(main())
