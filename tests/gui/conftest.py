"""GUI test fixtures (pytest-qt).

* Qt runs on the ``offscreen`` platform unless ``QT_QPA_PLATFORM`` says otherwise.
* Settings never touch the user's: every QSettings path points into a temporary folder,
  each window gets its own INI file, and subprocesses get ``gui_env`` (a temporary
  ``XDG_CONFIG_HOME``; screenshot mode does not write settings anyway).
* A test fails when a worker thread started by the GUI is still running after it.
* ``library_folder``: three tiny synthetic videos (one in a sub-folder) and a text file
  named ``bad.mp4``; ``fast_find``: test feature extractors and direct scoring, so a
  Find highlights run takes about a second.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SETTINGS_ROOT = tempfile.mkdtemp(prefix="avhd-gui-settings-")

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402

for _fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
    QSettings.setPath(_fmt, QSettings.Scope.UserScope, _SETTINGS_ROOT)
    QSettings.setPath(_fmt, QSettings.Scope.SystemScope, _SETTINGS_ROOT)

VIDEOS = {  # relative path -> make_video keyword arguments
    "a.mp4": {"duration": 6, "video": "testsrc", "audio": "bursts:2:0.5"},
    "b.mp4": {"duration": 8, "video": "colors:red,green,blue", "audio": "tones:300,900"},
    "sub/c.mp4": {"duration": 6, "video": "testsrc2", "audio": "sine:500"},
}
FAST_FIND = {"visual": "test-colorhist", "audio": "test-bandenergy", "device": "cpu",
             "clip_seconds": 1.0, "direct": True}


@pytest.fixture(scope="session", autouse=True)
def _test_application_names():
    QCoreApplication.setOrganizationName("AVHD-test")
    QCoreApplication.setApplicationName("avhd-gui-test")


@pytest.fixture(autouse=True)
def _no_running_workers():
    yield
    from avhd_gui.workers import running_threads

    left = running_threads()
    for t in left:
        t.wait(5000)
    alive = [t.objectName() for t in running_threads()]
    if alive:
        pytest.fail(f"test left worker threads running: {', '.join(alive)}")


@pytest.fixture
def gui_env(tmp_path) -> dict:
    """Environment for running ``avhd-gui`` in a subprocess."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    return env


@pytest.fixture
def settings(tmp_path):
    from avhd_gui.settings import AppSettings

    s = AppSettings(QSettings(str(tmp_path / "avhd-gui.ini"), QSettings.Format.IniFormat))
    # shot detection re-places segments when it finishes: only the tests of it turn it on
    s.set_shot_detection(False)
    return s


@pytest.fixture(scope="session")
def library_folder(tmp_path_factory) -> Path:
    from synth import make_text, make_video

    root = tmp_path_factory.mktemp("library")
    for rel, kwargs in VIDEOS.items():
        make_video(root / rel, size=(160, 120), **kwargs)
    make_text(root / "bad.mp4")
    return root


@pytest.fixture
def window(qtbot, settings, tmp_path):
    from avhd_gui.mainwindow import MainWindow

    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    yield win
    win.close()


@pytest.fixture
def opened(window, qtbot, library_folder, tmp_path):
    """The window with a copy of ``library_folder`` opened and probed."""
    import shutil

    folder = tmp_path / "lib"
    shutil.copytree(library_folder, folder)
    with qtbot.waitSignal(window.probe_finished, timeout=20_000):
        assert window.open_folder(str(folder))
    return window


@pytest.fixture
def fast_find(window, test_extractors):
    window.find_overrides = dict(FAST_FIND)
    return window
