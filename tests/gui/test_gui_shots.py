"""Shot-aware segments in the app, the target's shape controls, a library reel, focus and
panel memory."""

# ruff: noqa: F811  (the fixtures of test_gui_editing are reused)
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_gui_editing import scored  # noqa: F401
from test_gui_segments import spans

from avhd_gui.editing import reselect
from avhd_gui.mainwindow import MainWindow
from avhd_gui.settings import Target
from core.artifacts import VideoHighlights
from core.shots import edges_near_cuts


def _scores_for(path: str, duration: float = 12.0, clip: float = 0.5) -> VideoHighlights:
    """0.5 s clips; the best ones span 2.5-5.5 s, across the cut at 3 s, ending near 6 s."""
    t = np.arange(0.0, duration, clip)
    score = np.full(len(t), 0.1)
    score[(t >= 2.5) & (t < 5.5)] = 0.9
    return VideoHighlights(path=path, clip_seconds=clip, duration=duration,
                           bounds=np.stack([t, t + clip], 1), score=score, a_ph=score,
                           v_ph=score, av_ph=score, pseudo_label=(score > 0.5).astype(int),
                           category=0, segments=[])


@pytest.fixture
def cut_window(qtbot, settings, tmp_path):
    from synth import make_video

    folder = tmp_path / "cuts"
    make_video(folder / "cuts.mp4", duration=12, fps=25,
               video="colors:red,green,blue,yellow", audio=None)  # cuts at 3, 6, 9 s
    settings.set_shot_detection(True)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    with qtbot.waitSignal(win.probe_finished, timeout=20_000):
        assert win.open_folder(str(folder))
    yield win
    win.close()


def test_segments_follow_shots_and_cuts_are_drawn(cut_window, qtbot):
    win = cut_window
    path = win.library.find("cuts.mp4").path
    win.target.set_target(Target(fraction=0.25))  # 3 s of 12
    vh = _scores_for(path)
    vh.segments = reselect(vh, win.target.target)
    assert spans(vh.segments)[0][:2] == (2.5, 5.5)  # the clip grid, mid-shot
    with qtbot.waitSignal(win.shots.cuts_ready, timeout=30_000) as got:
        win.library.set_highlights(vh, path)
        win.library_panel.select(path)
    assert got.args[0] == path
    cuts = win.timeline.cuts
    assert np.allclose(cuts, [3, 6, 9], atol=0.05)
    assert len(win.timeline.cut_item.getData()[0]) == 6  # one tick per cut
    segs = win.selection.segments(path)
    assert spans(segs)[0][:2] == pytest.approx((3.0, 6.0), abs=0.05)
    assert edges_near_cuts(segs, cuts) == []
    assert min(s.duration for s in segs) >= win.target.target.min_segment - 1e-6
    assert not win.selection.is_edited(path)
    # the timeline snaps edits to the cuts too
    assert np.isin(np.round(cuts, 3), np.round(win.timeline.editor.snap_targets(), 3)).all()


def test_shape_controls_reselect_and_undo(scored, qtbot):
    win, b = scored
    a = win.library.find("a.mp4").path
    vh = _scores_for(a, duration=12.0)
    vh.score[(vh.bounds[:, 0] >= 8.0) & (vh.bounds[:, 0] < 10.0)] = 0.9  # a second run
    win.library.set_highlights(vh, a)
    control = win.target_control
    win.target.set_target(Target(fraction=5 / 12))  # both runs: 2.5-5.5 and 8-10
    before = spans(win.selection.segments(a))
    assert before == [(2.5, 5.5, True), (8.0, 10.0, True)]
    control.padding.setValue(0.5)
    assert win.target.target.padding == 0.5
    assert spans(win.selection.segments(a)) == [(2.0, 6.0, True), (7.5, 10.5, True)]
    control.merge_gap.setValue(2.0)
    assert spans(win.selection.segments(a)) == [(2.0, 10.5, True)]
    control.merge_gap.setValue(0.0)
    control.padding.setValue(0.0)
    control.min_length.setValue(4.0)
    assert min(s.duration for s in win.selection.segments(a)) >= 4.0
    # the target steps are one undo step (as spin-box steps are): undo restores the start
    assert win.undo_stack.count() == 1
    win.undo_stack.undo()
    assert spans(win.selection.segments(a)) == []
    assert control.min_length.value() == 2.0 and win.target.target.fraction == 0.2
    win.undo_stack.redo()
    assert min(s.duration for s in win.selection.segments(a)) >= 4.0


def test_library_reel_target_shares_one_length_over_the_videos(scored, qtbot):
    win, b = scored
    control = win.target_control
    control.min_length.setValue(0.5)
    control.mode.setCurrentIndex(control.mode.findData("library"))
    control.value.setValue(3)
    assert win.target.target.mode == "library" and win.target.target.library_seconds == 3
    unedited = [it for it in win.library.scored() if not win.selection.is_edited(it.path)]
    total = sum(win.selection.kept_duration(it.path) for it in unedited)
    assert total == pytest.approx(3.0)  # 0.5 s clips: exactly the reel's length
    assert "s in all" in control.value.suffix()


def test_ctrl_shortcuts_work_after_typing_a_target(scored, qtbot):
    win, _b = scored
    box = win.target_control.value
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "35")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert win.target.target.fraction == pytest.approx(0.35)
    n = win.undo_stack.index()
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert win.undo_stack.index() == n - 1  # the window's undo ran, not the box's
    assert win.target.target.fraction == pytest.approx(0.2)


def test_a_closed_problems_panel_stays_closed(window, qtbot, settings):
    window._add_problem("/x/bad.mp4", "empty file")
    assert window.problems_dock.isVisible()
    window.problems_dock.close()  # the dock's close button
    window._add_problem("/x/worse.mp4", "not a video")
    assert not window.problems_dock.isVisible()
    assert window.problems.topLevelItemCount() == 2  # still listed
    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    again._add_problem("/x/bad.mp4", "empty file")
    assert not again.problems_dock.isVisible()
    again.problems_dock.toggleViewAction().trigger()  # View ▸ Problems shows it again
    assert again.problems_dock.isVisible() and not settings.panel_closed("problems")
    again.close()


def test_closing_the_window_stops_shot_detection(cut_window, qtbot):
    import scenedetect  # noqa: F401  (imported once here: its first import takes seconds)

    from avhd_gui.workers import running_threads

    win = cut_window
    path = win.library.find("cuts.mp4").path
    win.library.set_highlights(_scores_for(path), path)
    win.shots.request(path)
    assert win.shots.is_running()
    win.close()  # waits for the detection (a chunk of footage), so no thread outlives it
    assert [t.objectName() for t in running_threads()] == []
