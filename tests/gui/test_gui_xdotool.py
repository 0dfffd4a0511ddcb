"""The editor session under a real X server (Xvfb) with X input events from xdotool.

Skipped where Xvfb, xdotool or Qt's xcb platform are missing (``apt-get install xvfb
xdotool libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1``); ``test_gui_e2e.py`` runs the same
session with QTest events everywhere. The session itself is ``xdo_session.py``, run in
its own process on the X display; this test checks what it saw and decodes its reel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_gui_e2e import FPS, check_reel, footage  # noqa: F401  (fixture)

from avhd_gui.timecode import frame_index

HERE = Path(__file__).resolve().parent


def _xcb_env(display: str, tmp_path: Path) -> dict:
    env = dict(os.environ)
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent.parent),
                                         env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


@pytest.fixture
def xserver(tmp_path):
    """An Xvfb display (its name), or a skip when it cannot run here."""
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        pytest.skip("Xvfb and xdotool are not installed")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    display = f":{number}"
    probe = subprocess.run([sys.executable, "-c", "from PySide6.QtGui import QGuiApplication;"
                            "QGuiApplication([])"], env=_xcb_env(display, tmp_path),
                           capture_output=True, text=True, timeout=60)
    if probe.returncode:
        proc.kill()
        pytest.skip(f"Qt's xcb platform cannot start: {probe.stderr.strip()[-200:]}")
    yield display
    proc.terminate()
    proc.wait(10)


def test_an_editor_session_with_x_input_events(xserver, footage, tmp_path):  # noqa: F811
    lib, frames = footage
    folder = tmp_path / "lib"
    shutil.copytree(lib, folder)
    reel, result = tmp_path / "reel.mp4", tmp_path / "session.json"
    run = subprocess.run([sys.executable, str(HERE / "xdo_session.py"), str(folder), str(reel),
                          str(result)], env=_xcb_env(xserver, tmp_path), capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(result.read_text(encoding="utf-8"))
    assert seen["snapping"] is False
    at, shown, edits = seen["scrub"]
    assert at == pytest.approx(2.62, abs=0.06) and shown == frame_index(at, FPS) and edits == 0
    at, shown = seen["trim_during"]
    assert shown == frame_index(at, FPS) and at == pytest.approx(4.52, abs=0.06)
    end, shown, edits = seen["trim"]
    assert end == pytest.approx(4.52, abs=0.06) and shown == frame_index(end, FPS)
    assert edits == 1 and seen["discarded"] and seen["review_finished"]
    kept = seen["kept"]
    assert kept == [[1.0, 2.0], [3.0, end]]
    played = seen["played"]
    assert played and all(any(a - 0.05 <= t <= b + 0.2 for a, b in kept) for t in played)
    assert max(played) < 5.0 and any(t < 2.0 for t in played) and any(t > 4.0 for t in played)
    order = [tuple(o) for o in seen["order"]]
    assert order == [("bars.mp4", 2.0, 3.0), ("count.mp4", 3.0, end), ("count.mp4", 1.0, 2.0)]
    assert seen["export"] == "finished" and seen["export_path"] == str(reel)
    check_reel(reel, order, frames)
