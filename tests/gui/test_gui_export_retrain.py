"""Export from the dialog (background worker, kept segments only) and Retrain on Library."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from test_gui_editing import scored  # noqa: F401  (fixture)
from test_gui_segments import spans

from avhd_gui.retrain import ModelInfo, RetrainDialog
from avhd_gui.workers import TaskWorker, start_worker
from core.errors import Cancelled

pytest.importorskip("core.pipeline")


def _export(qtbot, dlg) -> str:
    with qtbot.waitSignal(dlg.stopped, timeout=60_000) as blocker:
        assert dlg.start()
        assert not dlg.export_button.isEnabled() and dlg.cancel_button.isEnabled()
    return blocker.args[0]


def test_export_dialog_writes_kept_segments_and_reveals_the_file(scored, qtbot,  # noqa: F811
                                                                 monkeypatch, tmp_path):
    win, b = scored
    win.playhead.set_position(4.5)
    win.edit.keep_action.trigger()  # discard b's 4-5 s: it must not be exported
    dlg = win.open_export()
    assert dlg.scope_current.isChecked() and "b.mp4" in dlg.scope_current.text()
    buttons = [b.text() for b in dlg.buttons.buttons() if b.isVisibleTo(dlg)]
    assert "Show in Folder" in buttons and not dlg.reveal_button.isEnabled()  # never jumps
    # library CSV: every kept segment of the three videos, none of the discarded one
    dlg.scope_library.setChecked(True)
    dlg.set_format("csv")
    assert dlg.out.text() == str(Path(win.library.folder) / "library.reel.csv")
    assert not dlg.crossfade.isEnabled() and not dlg.fast.isEnabled()  # timelines: hard cuts
    out = tmp_path / "reel.csv"
    dlg.out.setText(str(out))
    assert _export(qtbot, dlg) == "finished"
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    got = sorted((Path(r["source"]).name, float(r["start"]), float(r["end"])) for r in rows)
    assert got == [("a.mp4", 1.0, 3.0), ("b.mp4", 1.0, 2.5), ("b.mp4", 6.0, 8.0),
                   ("c.mp4", 1.0, 3.0)]
    assert "Exported 4 segments (7.5 s)" in dlg.status.text() and dlg.reveal_button.isEnabled()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    dlg.reveal_button.click()
    assert opened == [QUrl.fromLocalFile(str(tmp_path))]
    # without a file manager it says where the file is instead of failing silently
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    assert not dlg.reveal()
    assert "No file manager" in dlg.status.text() and str(tmp_path) in dlg.status.text()
    # the current video as an EDL, at its default place beside the video
    dlg.scope_current.setChecked(True)
    dlg.set_format("edl")
    assert dlg.out.text() == str(Path(b).with_name("b.reel.edl"))
    assert _export(qtbot, dlg) == "finished"
    edl = Path(b).with_name("b.reel.edl").read_text(encoding="utf-8")
    assert edl.count("b.mp4") >= 2 and "TITLE: b" in edl
    assert dlg.result.pieces == 2 and dlg.result.duration == pytest.approx(3.5, abs=0.05)
    dlg.close()


def test_export_dialog_renders_a_tiny_mp4(scored, qtbot, tmp_path):  # noqa: F811
    win, b = scored
    dlg = win.open_export()
    dlg.set_format("mp4")
    assert dlg.crossfade.isEnabled() and dlg.fade.isEnabled() and dlg.fast.isEnabled()
    out = tmp_path / "b.mp4"
    dlg.out.setText(str(out))
    assert _export(qtbot, dlg) == "finished", dlg.status.text()
    report = dlg.result.report
    assert out.is_file() and report is not None and report.ok
    assert report.duration == pytest.approx(4.5, abs=0.1)  # 1.5 + 1 + 2 s kept
    dlg.close()


def test_task_worker_cancels_and_reports_errors(qtbot):
    started = threading.Event()

    def slow(progress=None, cancel=None):
        started.set()
        while True:
            cancel.check()
            threading.Event().wait(0.01)

    worker = TaskWorker(slow)
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        thread = start_worker(worker)
        assert started.wait(5)
        worker.token.cancel()
    thread.wait(5000)

    def fails(progress=None, cancel=None):
        raise Cancelled("x") if cancel is None else ValueError("broken input")

    bad = TaskWorker(fails)
    with qtbot.waitSignal(bad.errored, timeout=5000) as blocker:
        thread2 = start_worker(bad)
    thread2.wait(5000)
    assert blocker.args == ["ValueError: broken input"]


def test_retrain_fine_tune_and_model_files(opened, fast_find, qtbot, tmp_path):
    win = opened
    # the app's default scoring is direct: the next Find trains nothing
    assert win.model_label.text() == "Model: none (Find scores by the cues)"
    from dataclasses import replace

    opts = win.settings.model_options()
    win.settings.set_model_options(replace(opts, scoring="model"))
    win._on_model_changed(None)
    assert win.model_label.text() == "Model: none (Find trains one)"
    win.settings.set_model_options(opts)
    win._on_model_changed(None)

    def wait_run(start):
        with qtbot.waitSignal(win.find_stopped, timeout=120_000) as blocker:
            assert start()
        outcome = blocker.args[0]
        assert outcome.status == "finished", outcome.summary()

    wait_run(lambda: win.find_highlights(reset_edits=False))  # direct scoring (fast)
    b = win.library.find("b.mp4").path
    direct_scores = win.library.item(b).highlights.score.copy()
    win.selection.add(b, 0.0, 0.5)  # a hand edit survives retraining
    edited = spans(win.selection.segments(b))

    wait_run(lambda: win.retrain(fine_tune=False, epochs=2))
    info = win.model.info
    assert info.path.endswith("model.pt") and Path(info.path).is_file()
    assert (info.n_videos, info.n_clips) == (3, 20) and info.trained_at and not info.fine_tuned
    assert win.model_label.text() == "Model: model.pt · 3 videos"
    assert "3 videos, 20 clips · " in win.model_label.toolTip()
    vh = win.library.item(b).highlights
    assert vh.model.startswith("trained on this library")  # re-scored by the new network
    if "collapsed" not in vh.model:
        assert not (vh.score == direct_scores).all()
    assert spans(win.selection.segments(b)) == edited

    wait_run(lambda: win.retrain(fine_tune=True, epochs=1))
    assert win.model.info.fine_tuned and "(fine-tuned)" in win.model_label.text()

    # Find now scores with the current model (no training)
    win.find_overrides["direct"] = False
    wait_run(lambda: win.find_highlights(reset_edits=False))
    assert win.library.item(b).highlights.model == "model.pt"

    # save a copy, load it back; a file that is not a model is refused
    copy = tmp_path / "mine.pt"
    assert win.save_model_as(str(copy)) and copy.is_file()
    assert win.model.info.name == "mine.pt" and win.model.info.fine_tuned
    assert win.load_model(str(copy)) and win.model.info == ModelInfo.from_checkpoint(copy)
    junk = tmp_path / "junk.pt"
    junk.write_text("nope")
    assert not win.load_model(str(junk)) and win.model.info.name == "mine.pt"
    win.project.flush()
    assert win.project.project.config["model_info"]["name"] == "mine.pt"


def test_retrain_dialog_choices(qtbot):
    from core.training import PRESETS

    dlg = RetrainDialog(None, "default", PRESETS)
    qtbot.addWidget(dlg)
    assert not dlg.fine_tune.isEnabled() and dlg.new_model.isChecked()
    assert dlg.choice() == {"fine_tune": False, "preset": "default",
                            "epochs": PRESETS["default"].epochs}
    dlg.preset.setCurrentText("tvsum")
    assert dlg.epochs.value() == PRESETS["tvsum"].epochs
    current = ModelInfo(path="/m/model.pt", name="model.pt", n_videos=3, n_clips=20)
    dlg2 = RetrainDialog(current, "default", PRESETS)
    qtbot.addWidget(dlg2)
    assert dlg2.fine_tune.isChecked() and dlg2.choice()["fine_tune"]
