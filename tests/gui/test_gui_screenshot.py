"""Screenshot mode (``avhd-gui --open F [--find] [--select N] --screenshot P``) and --version."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from avhd_gui.__main__ import ScreenshotError, build_parser, run_screenshot


def _pixels(path) -> np.ndarray:
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    assert not img.isNull()
    arr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    rows = arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    return rows.reshape(img.height(), img.width(), 3).copy()  # the buffer dies with img


def test_screenshot_subprocess_writes_a_non_blank_png(library_folder, tmp_path, gui_env):
    out = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "avhd_gui", "--open", str(library_folder), "--select", "b.mp4",
         "--screenshot", str(out)],
        capture_output=True, text=True, timeout=120, env=gui_env)
    assert proc.returncode == 0, proc.stderr
    px = _pixels(out)
    assert px.shape == (760, 1280, 3)
    assert px.std() > 20  # not a blank image
    # the red first third of b.mp4 is on screen in the player
    red = (px[..., 0] > 200) & (px[..., 1] < 60) & (px[..., 2] < 60)
    assert red.sum() > 5000


def test_screenshot_failure_exits_non_zero_with_a_message(tmp_path, gui_env):
    proc = subprocess.run(
        [sys.executable, "-m", "avhd_gui", "--open", str(tmp_path / "missing"),
         "--screenshot", str(tmp_path / "x.png")],
        capture_output=True, text=True, timeout=120, env=gui_env)
    assert proc.returncode == 1
    assert "avhd-gui: error:" in proc.stderr and "no such folder" in proc.stderr
    assert not (tmp_path / "x.png").exists()


def test_version(gui_env):
    proc = subprocess.run([sys.executable, "-m", "avhd_gui", "--version"],
                          capture_output=True, text=True, timeout=60, env=gui_env)
    assert proc.returncode == 0 and proc.stdout.startswith("avhd-gui ")


def test_screenshot_after_find_in_process(opened, fast_find, tmp_path):
    pytest.importorskip("core.pipeline")
    out = tmp_path / "found.png"
    args = build_parser().parse_args(
        ["--open", opened.library.folder, "--find", "--select", "sub/c.mp4",
         "--screenshot", str(out), "--size", "1280x720"])
    assert run_screenshot(opened, args) == out
    assert opened.current_path == opened.library.find("sub/c.mp4").path
    assert opened.timeline.n_clips == 6
    px = _pixels(out)
    assert px.shape == (720, 1280, 3) and px.std() > 20
    # --cue draws one more cue of the selected video; a name it lacks is an error
    args = build_parser().parse_args(
        ["--open", opened.library.folder, "--select", "sub/c.mp4", "--cue", "activity",
         "--screenshot", str(tmp_path / "cue.png")])
    run_screenshot(opened, args)
    assert "cue" in opened.timeline.visible_curves()
    args.cue = "sparkle"
    with pytest.raises(ScreenshotError, match="no cue called 'sparkle'"):
        run_screenshot(opened, args)


def test_screenshot_unknown_video_is_an_error(opened, tmp_path):
    args = build_parser().parse_args(
        ["--open", opened.library.folder, "--select", "nope.mp4",
         "--screenshot", str(tmp_path / "x.png")])
    with pytest.raises(ScreenshotError, match="no video called 'nope.mp4'"):
        run_screenshot(opened, args)
