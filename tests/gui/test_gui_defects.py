"""Defects an editor met: the first file, its message, thumbnails, the Problems list."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from avhd_gui.library import VideoState
from avhd_gui.workers import thumbnail


def test_a_broken_first_file_is_not_selected(window, qtbot, tmp_path):
    from synth import make_text, make_video

    folder = tmp_path / "lib"
    folder.mkdir()
    make_text(folder / "0-broken.mp4")  # sorts first
    make_video(folder / "good.mp4", duration=2)
    with qtbot.waitSignal(window.probe_finished, timeout=20_000):
        assert window.open_folder(str(folder))
    first = window.library.items()[0]
    assert first.name == "0-broken.mp4" and first.state is VideoState.FAILED
    assert window.current_path == window.library.find("good.mp4").path


def test_a_broken_file_says_why_once(opened, qtbot):
    win = opened
    bad = win.library.find("bad.mp4")
    win.library_panel.select(bad.path)
    text = win.player.view.message
    assert text.count("bad.mp4") == 1, text
    # no earlier video's times stay on the axis
    assert win.timeline.vb.viewRange()[0] == [0, 1]
    assert not win.timeline.ruler.style["showValues"]


def test_thumbnail_is_not_black_for_a_film_opening_on_black(tmp_path):
    from synth import make_video

    path = make_video(tmp_path / "dark.mp4", duration=9, video="colors:black,red,red",
                      audio=None)
    img = thumbnail(str(path), 9.0)
    c = QColor(img.pixel(img.width() // 2, img.height() // 2))
    assert c.red() > 180 and c.green() < 60  # the red half, not the black opening


def test_problems_stay_listed_through_find_and_cancel(opened, fast_find, qtbot):
    win = opened
    assert "bad.mp4" in {p.rsplit("/", 1)[-1] for p in win.problems.reasons()}
    win.find_overrides = {**win.find_overrides, "direct": False, "epochs": 200}
    with qtbot.waitSignal(win.finder.progress, timeout=20_000):
        assert win.find_highlights()
    assert any(p.endswith("bad.mp4") for p in win.problems.reasons())  # not cleared
    with qtbot.waitSignal(win.find_stopped, timeout=20_000):
        win.cancel_action.trigger()
    reasons = win.problems.reasons()
    assert any(p.endswith("bad.mp4") for p in reasons)
    assert win.library.find("bad.mp4").state is VideoState.FAILED
    assert np.all([bool(r) for r in reasons.values()])
