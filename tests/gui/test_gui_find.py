"""Find highlights from the GUI: results per video, failures, cancel, target re-selection."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QThread

from avhd_gui.library import VideoState
from avhd_gui.progress import RunProgress, format_eta
from avhd_gui.settings import ModelOptions, Target, find_config
from core.selection import selected_duration

pytest.importorskip("core.pipeline")


def _run(win, qtbot, timeout=120_000):
    ready = []
    win.library.highlights_changed.connect(ready.append)
    with qtbot.waitSignal(win.find_stopped, timeout=timeout) as blocker:
        assert win.find_highlights()
        assert win.finder.is_running() and not win.find_action.isEnabled()
    return blocker.args[0], ready


def test_find_highlights_fills_library_timeline_and_problems(opened, fast_find, qtbot):
    win = opened
    progress = []
    win.finder.progress.connect(lambda *a: progress.append(a))
    outcome, ready = _run(win, qtbot)
    assert outcome.status == "finished", outcome.summary()
    assert (outcome.scored, outcome.failed) == (3, 1)
    assert len(set(ready)) == 3  # each video reported as soon as it was ready
    stages = {p[0] for p in progress}
    assert {"Extracting features", "Scoring"} <= stages
    assert any(p[4] > 0 and p[3] <= p[4] for p in progress)
    lib = win.library
    for name, clips in (("a.mp4", 6), ("b.mp4", 8), ("sub/c.mp4", 6)):
        item = lib.find(name)
        assert item.state is VideoState.SCORED and item.highlights.n_clips == clips
    bad = lib.find("bad.mp4")
    assert bad.state is VideoState.FAILED and "not a readable" in bad.reason
    assert "not a readable" in win.problems.reasons()[bad.path]
    assert not win.problems.reasons()[bad.path].startswith("bad.mp4")  # its column says it
    assert win.problems_dock.isVisible()
    # the selected video's timeline: its clips, and all curves
    win.library_panel.select(lib.find("b.mp4").path)
    tl = win.timeline
    assert tl.n_clips == 8
    assert set(tl.visible_curves()) == {"score", "a_ph", "v_ph", "pseudo", "segments"}
    assert len(tl.curve_data("a_ph")[1]) == 8 and len(tl.curve_data("v_ph")[1]) == 8
    assert tl.segments == [s for s in lib.find("b.mp4").highlights.segments if s.keep]
    assert win.player.segments and win.find_action.isEnabled()
    assert "Found highlights in 3 videos, 1 failed" in win.eta_label.text()


def test_target_control_reselects_instantly_and_undoes(opened, fast_find, qtbot):
    win = opened
    outcome, _ = _run(win, qtbot)
    assert outcome.status == "finished"
    b = win.library.find("b.mp4")
    win.library_panel.select(b.path)
    before = selected_duration(b.highlights.segments)
    scores_before = b.highlights.score.copy()
    control = win.target_control
    assert control.value.value() == 20  # default: top 20 %
    control.value.setValue(75)
    after = selected_duration(win.library.find("b.mp4").highlights.segments)
    assert after > before and after >= 0.75 * 8 - 1e-6
    assert selected_duration(win.timeline.segments) == pytest.approx(after)
    assert (win.library.find("b.mp4").highlights.score == scores_before).all()  # no re-run
    # reel length per video
    control.mode.setCurrentIndex(1)
    control.value.setValue(3)
    assert selected_duration(win.library.find("b.mp4").highlights.segments) >= 2.0
    # undo goes back step by step (mode change, then value)
    win.undo_action.trigger()
    win.undo_action.trigger()
    assert win.target.target.mode == "fraction" and control.mode.currentIndex() == 0
    win.undo_action.trigger()
    assert control.value.value() == 20
    assert selected_duration(win.library.find("b.mp4").highlights.segments) == pytest.approx(
        before)


def test_cancel_stops_quickly_and_leaves_the_app_usable(opened, fast_find, qtbot):
    win = opened
    win.find_overrides = {**win.find_overrides, "direct": False, "epochs": 200}
    with qtbot.waitSignal(win.finder.progress, timeout=20_000):
        assert win.find_highlights()
    with qtbot.waitSignal(win.find_stopped, timeout=20_000) as blocker:
        t0 = time.monotonic()
        win.cancel_action.trigger()
    elapsed = time.monotonic() - t0
    assert blocker.args[0].status == "cancelled"
    assert elapsed < 3.0
    thread = win.finder.last_thread
    assert isinstance(thread, QThread) and thread.isFinished()
    assert not win.finder.is_running()
    assert win.find_action.isEnabled() and not win.cancel_action.isEnabled()
    states = {it.name: it.state for it in win.library.items()}
    assert VideoState.EXTRACTING not in states.values()
    assert states["bad.mp4"] is VideoState.FAILED
    assert win.stage_label.text() == "Ready" and "Cancelled" in win.eta_label.text()


def test_run_level_error_is_listed_not_raised(opened, test_extractors, qtbot):
    win = opened
    win.find_overrides = {"visual": "no-such-extractor", "audio": "test-bandenergy",
                          "device": "cpu"}
    outcome, _ = _run(win, qtbot, timeout=30_000)
    assert outcome.status == "error" and "no-such-extractor" in outcome.message
    assert any("no-such-extractor" in r for r in win.problems.reasons().values())
    assert all(it.state is not VideoState.EXTRACTING for it in win.library.items())


def test_saved_results_are_loaded_when_the_folder_is_reopened(opened, fast_find, qtbot):
    win = opened
    outcome, _ = _run(win, qtbot)
    assert outcome.status == "finished"
    folder = win.library.folder
    with qtbot.waitSignal(win.probe_finished, timeout=20_000):
        win.open_folder(folder)
    a = win.library.find("a.mp4")
    assert a.state is VideoState.SCORED and a.highlights.n_clips == 6


def test_find_config_from_options_and_target():
    opts = ModelOptions(visual="effnet-lite0", audio="yamnet", device="cpu", preset="default",
                        clip_seconds=1.5)
    cfg = find_config(opts, Target(mode="seconds", seconds=40))
    assert (cfg.visual, cfg.audio, cfg.device, cfg.preset) == ("effnet-lite0", "yamnet",
                                                                "cpu", "default")
    assert cfg.clip_seconds == 1.5 and cfg.target_seconds == 40 and cfg.top_fraction is None
    cfg = find_config(opts, Target(mode="fraction", fraction=0.3), epochs=3)
    assert cfg.top_fraction == 0.3 and cfg.target_seconds is None and cfg.epochs == 3
    assert cfg.direct  # default: score by the cues, as avhd find does
    opts.scoring = "model"
    assert not find_config(opts, Target()).direct
    # shots on (the default) snaps Find's segments as the CLI does; off keeps the clip grid
    assert find_config(opts, Target()).shot_snap == 0.5
    assert find_config(opts, Target(), shots=False).shot_snap == 0.0


def test_progress_counts_seconds_of_footage_over_the_library():
    # a 10-minute film after two short clips: the time left follows the footage, so it
    # does not freeze at the per-file estimate while the film's clips go by
    now = [0.0]
    rp = RunProgress({"a.mp4": 5.0, "b.mp4": 5.0, "film.mp4": 600.0}, 2.0,
                     clock=lambda: now[0])
    v = rp.on_progress(0, 3, "extract: loading feature extractors")
    assert v.title == "Extracting features" and "models" in v.detail and v.eta == ""
    assert v.counter == "0:00 / 10:10 of footage"
    rp.on_progress(0, 3, "extract: a.mp4")
    now[0] = 1.0
    rp.on_clips(3, 3, "a.mp4")
    rp.on_progress(1, 3, "extract: b.mp4")
    now[0] = 2.0
    rp.on_progress(2, 3, "extract: film.mp4")
    lefts = []
    for k in range(1, 6):  # the film's clips: 60 s of footage per second
        now[0] = 2.0 + k
        v = rp.on_clips(30 * k, 300, "film.mp4")
        lefts.append(v.eta)
        assert v.detail == "film.mp4" and v.value == round((10 + 60 * k) * 10)
    assert v.maximum == 6100 and v.counter == "5:10 / 10:10 of footage"
    assert len(set(lefts)) == 5, lefts  # it moves with every step
    assert lefts[-1] == "about 7 s left"  # 300 s of footage left at 310 s in 7 s
    v = rp.on_progress(3, 3, "extract: ")
    assert v.value == v.maximum == 6100


def test_progress_has_one_counter_per_stage_and_busy_stages_move():
    now = [0.0]
    rp = RunProgress({"a.mp4": 4.0}, clock=lambda: now[0])
    v = rp.on_progress(0, 1, "categories: clustering videos")
    assert (v.title, v.maximum, v.counter) == ("Finding categories", 0, "")  # busy, not 0/1
    now[0] = 12.3
    assert rp.tick().eta == "12 s"  # the clustering stage shows it is alive
    v = rp.on_progress(2, 20, "train: epoch 1/10")
    assert (v.counter, v.detail, v.value, v.maximum) == ("epoch 1 of 10", "", 2, 20)
    v = rp.on_progress(1, 3, "score: a.mp4")
    assert (v.title, v.counter, v.detail) == ("Scoring", "video 1 of 3", "a.mp4")
    assert format_eta(8.0) == "about 8 s left" and format_eta(None) == ""
    assert format_eta(150) == "about 2 min left"
