"""Projects: autosave, restore on reopening, corrupt files, re-finding with hand edits."""

from __future__ import annotations

import gc
import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from test_gui_segments import highlights, spans

from avhd_gui.mainwindow import MainWindow
from core.artifacts import Segment
from core.pipeline import OUTPUT_DIRNAME, highlights_filename
from core.project import PROJECT_FILENAME, Project


@pytest.fixture
def folder(library_folder, tmp_path) -> Path:
    """A copy of the library with saved results (as a Find highlights run leaves them)."""
    root = tmp_path / "lib"
    shutil.copytree(library_folder, root)
    for rel, seconds in (("a.mp4", 6), ("b.mp4", 8), ("sub/c.mp4", 6)):
        path = str((root / rel).resolve())
        vh = highlights(path, n=seconds * 2, clip=0.5, segments=[Segment(1.0, 3.0)])
        vh.save(root / OUTPUT_DIRNAME / highlights_filename(path, root.resolve()))
    return root


def _open(qtbot, settings, folder) -> MainWindow:
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.probe_finished, timeout=20_000):
        assert win.open_folder(str(folder))
    return win


def _segs(win, name):
    return spans(win.selection.segments(win.library.find(name).path))


def test_edits_are_autosaved_and_restored_when_the_folder_is_reopened(qtbot, settings, folder):
    win = _open(qtbot, settings, folder)
    a, b = win.library.find("a.mp4").path, win.library.find("b.mp4").path
    assert _segs(win, "b.mp4") == [(6.0, 8.0, True)]  # re-selected for the target (20 %)
    win.target_control.value.setValue(25)  # 2 s of b: its last 2 s
    win.selection.toggle_keep(b, 0)
    win.selection.add(a, 0.5, 1.5)
    assert win.project.pending()  # debounced: nothing written yet
    with qtbot.waitSignal(win.project.saved, timeout=3000):
        pass
    assert win.project_label.text().startswith("Saved")
    saved = Project.load(folder / PROJECT_FILENAME)
    assert saved.target_mode == "fraction" and saved.target_value == pytest.approx(0.25)
    assert saved.videos["b.mp4"].edited and not saved.videos["sub/c.mp4"].edited
    assert saved.videos["b.mp4"].highlights == f"{OUTPUT_DIRNAME}/b.mp4.highlights.json"
    assert saved.videos["bad.mp4"].state == "failed"
    expected_a, expected_b = _segs(win, "a.mp4"), _segs(win, "b.mp4")
    assert expected_b == [(6.0, 8.0, False)] and (0.5, 1.5, True) in expected_a
    win.selection.toggle_keep(b, 0)
    win.close()  # a pending save is written on close
    assert Project.load(folder / PROJECT_FILENAME).videos["b.mp4"].segments[0].keep

    again = _open(qtbot, settings, folder)
    assert again.target.target.fraction == pytest.approx(0.25)
    assert again.target_control.value.value() == 25
    assert _segs(again, "a.mp4") == expected_a and again.selection.is_edited(a)
    assert _segs(again, "b.mp4") == [(6.0, 8.0, True)] and again.selection.is_edited(b)
    assert again.undo_stack.count() == 0
    assert not again.project.pending()  # opening alone writes nothing
    # Save Project As, then Open Project from that file
    other = folder.parent / "elsewhere.json"
    assert again.save_project_as(str(other))
    again.selection.delete(a, 0)
    again.project.flush()
    assert len(Project.load(other).videos["a.mp4"].segments) == len(expected_a) - 1
    again.close()
    third = MainWindow(settings)
    qtbot.addWidget(third)
    with qtbot.waitSignal(third.probe_finished, timeout=20_000):
        assert third.open_project(str(other))
    assert len(_segs(third, "a.mp4")) == len(expected_a) - 1
    third.close()


def test_a_corrupt_project_is_moved_aside_and_the_folder_still_opens(qtbot, settings, folder):
    bad = folder / PROJECT_FILENAME
    bad.write_text('{"schema": 1, "root": ', encoding="utf-8")  # cut off mid-write
    win = _open(qtbot, settings, folder)
    assert win.library.rowCount() == 4 and win.library.find("a.mp4").highlights is not None
    aside = folder / (PROJECT_FILENAME + ".bak")
    assert aside.read_text(encoding="utf-8") == '{"schema": 1, "root": '  # kept as it was
    assert not bad.exists()
    problem = win.problems.reasons()[""]
    assert "cannot read project" in problem and win.problems_dock.isVisible()
    assert win.warning_box is not None and "moved to avhd_project.json.bak" in (
        win.warning_box.informativeText())
    win.warning_box.close()
    # editing starts a new, valid project beside the backup
    win.selection.toggle_keep(win.library.find("a.mp4").path, 0)
    win.project.flush()
    assert Project.load(bad).videos["a.mp4"].edited
    assert aside.read_text(encoding="utf-8") == '{"schema": 1, "root": '
    win.close()
    # an unknown schema is refused the same way, and a second backup does not overwrite
    bad.write_text(json.dumps({"schema": 99, "root": str(folder)}), encoding="utf-8")
    again = _open(qtbot, settings, folder)
    assert "newer than this AVHD" in again.problems.reasons()[""]
    assert (folder / (PROJECT_FILENAME + ".bak2")).is_file() and aside.is_file()
    again.close()


def test_refinding_keeps_hand_edits_unless_reset(opened, fast_find, qtbot):
    win = opened

    def run(reset):
        with qtbot.waitSignal(win.find_stopped, timeout=60_000) as blocker:
            assert win.find_highlights(reset_edits=reset)
        assert blocker.args[0].status == "finished", blocker.args[0].summary()

    run(False)
    a, b = win.library.find("a.mp4").path, win.library.find("b.mp4").path
    found_b = spans(win.selection.segments(b))
    win.selection.add(b, 0.0, 0.5)
    edited_b = spans(win.selection.segments(b))
    assert edited_b != found_b
    win.selection.toggle_keep(a, 0)
    win.undo_action.trigger()  # a's edit undone: a counts as not edited again
    assert not win.selection.is_edited(a)
    run(False)
    assert spans(win.selection.segments(b)) == edited_b and win.selection.is_edited(b)
    # no network scored: the label names the cue that did (auto's pick, as find prints it)
    assert win.model_label.text() in ("Model: none · cue atypicality (auto)",
                                      "Model: none · cue activity (auto)")
    assert "auto cue: " in win.model_label.toolTip()
    assert "pseudo-categories: " in win.model_label.toolTip()
    run(True)
    assert spans(win.selection.segments(b)) == found_b and not win.selection.is_edited(b)
    assert win.undo_stack.text(win.undo_stack.index() - 1) == "Reset hand edits on Find (b.mp4)"
    win.undo_action.trigger()  # the reset is one undo step: the hand edit comes back
    assert spans(win.selection.segments(b)) == edited_b and win.selection.is_edited(b)


def test_screenshot_mode_shows_the_saved_edits_and_writes_nothing(qtbot, settings, folder,
                                                                  tmp_path):
    from avhd_gui.__main__ import build_parser, run_screenshot

    win = _open(qtbot, settings, folder)
    b = win.library.find("b.mp4").path
    win.selection.toggle_keep(b, 0)
    win.selection.add(b, 1.0, 2.0)
    edits = _segs(win, "b.mp4")
    win.close()
    project = folder / PROJECT_FILENAME
    stamp = project.stat().st_mtime_ns
    shot = MainWindow(settings)
    qtbot.addWidget(shot)
    shot.project.autosave = False  # as main() does in screenshot mode
    out = tmp_path / "edited.png"
    args = build_parser().parse_args(["--open", str(folder), "--select", "b.mp4",
                                      "--playhead", "1.5", "--screenshot", str(out)])
    assert run_screenshot(shot, args) == out and out.is_file()
    assert spans(shot.timeline.all_segments) == edits
    assert shot.playhead.position == pytest.approx(1.5) and shot.timeline.current_index() == 0
    shot.close()
    assert project.stat().st_mtime_ns == stamp


# --- project files with wrong types (issue 14) ------------------------------------------

@pytest.mark.parametrize("doc", [
    {"schema": 1, "root": "/x", "videos": []},
    {"schema": 1, "root": ["not", "a", "path"], "videos": {}},
    {"schema": 1e999, "root": "/x"},
    "deep",
])
def test_a_project_of_the_wrong_shape_is_moved_aside_and_the_folder_opens(qtbot, settings,
                                                                          folder, doc):
    bad = folder / PROJECT_FILENAME
    text = ('{"schema": 1, "root": "/x", "videos": ' + "[" * 50_000 + "]" * 50_000 + "}"
            if doc == "deep" else json.dumps(doc))
    bad.write_text(text, encoding="utf-8")
    (folder / (PROJECT_FILENAME + ".bak")).write_text("an older backup", encoding="utf-8")
    win = _open(qtbot, settings, folder)
    assert win.library.rowCount() == 4 and win.library.find("a.mp4").highlights is not None
    aside = folder / (PROJECT_FILENAME + ".bak2")  # the older backup is never overwritten
    assert aside.read_text(encoding="utf-8") == text
    assert (folder / (PROJECT_FILENAME + ".bak")).read_text(encoding="utf-8") == "an older backup"
    problem = win.problems.reasons()[""]
    assert "\n" not in problem and "moved to avhd_project.json.bak2" in problem
    win.warning_box.close()
    win.close()


def test_bad_entries_are_dropped_the_rest_restored_and_the_original_kept(qtbot, settings,
                                                                         folder):
    good = {"state": "scored", "edited": True, "segments": [
        {"start": 0.5, "end": 1.5, "score": 0.4, "keep": True},
        {"start": float("nan"), "end": 2.0}, {"start": -2.0, "end": 1.0},
        {"start": 2.0, "end": 3.0, "keep": "false"}]}
    doc = {"schema": 1, "root": str(folder), "target": "abc", "model": {"path": 1},
           "config": {"model_info": {"path": "", "n_videos": "many"}},
           "videos": {"a.mp4": good, "b.mp4": "scored", "sub/c.mp4": {"state": 3}}}
    project = folder / PROJECT_FILENAME
    text = json.dumps(doc)
    project.write_text(text, encoding="utf-8")
    win = _open(qtbot, settings, folder)
    assert win.library.rowCount() == 4
    assert _segs(win, "a.mp4") == [(0.5, 1.5, True)]  # the good segment of the good entry
    assert win.selection.is_edited(win.library.find("a.mp4").path)
    assert not win.selection.is_edited(win.library.find("b.mp4").path)
    assert win.target.target.mode == "fraction" and win.model.info is None
    problem = win.problems.reasons()[""]
    assert problem.startswith("7 bad parts of the project skipped:") and "\n" not in problem
    assert "kept as avhd_project.json.bak" in problem
    assert (folder / (PROJECT_FILENAME + ".bak")).read_text(encoding="utf-8") == text
    assert project.read_text(encoding="utf-8") == text  # nothing written until an edit
    win.warning_box.close()
    win.selection.toggle_keep(win.library.find("a.mp4").path, 0)
    win.close()
    saved = Project.load(project)
    assert [s.keep for s in saved.videos["a.mp4"].segments] == [False]


def test_restoring_a_project_matches_keys_without_scanning_the_library(qtbot, settings, folder,
                                                                       monkeypatch):
    from avhd_gui.library import LibraryModel

    videos = {f"gone/v{i}.mp4": {"state": "scored", "edited": True,
                                 "segments": [{"start": 0, "end": 1}]} for i in range(300)}
    videos["a.mp4"] = {"state": "scored", "edited": True, "segments": [{"start": 2, "end": 3}]}
    (folder / PROJECT_FILENAME).write_text(json.dumps(
        {"schema": 1, "root": str(folder), "videos": videos}), encoding="utf-8")
    calls = []
    original = LibraryModel._match
    monkeypatch.setattr(LibraryModel, "_match",
                        lambda self, path: calls.append(path) or original(self, path))
    win = _open(qtbot, settings, folder)
    assert _segs(win, "a.mp4") == [(2.0, 3.0, True)]
    assert len(calls) < 10  # one lookup per saved result, not a library scan per project key
    win.close()
    assert len(Project.load(folder / PROJECT_FILENAME).videos) == 301  # gone videos are kept


# --- quitting (issue 14, item 16 on the app side) ---------------------------------------

def test_closing_during_a_blocked_run_saves_returns_promptly_and_cancels(qtbot, settings,
                                                                         folder):
    from avhd_gui.workers import running_threads

    win = _open(qtbot, settings, folder)
    release, entered, tokens = threading.Event(), threading.Event(), []

    def blocked_find(inputs, config, *, cancel, **_kwargs):
        tokens.append(cancel)
        entered.set()
        release.wait(60)  # a long native call that checks nothing until it returns
        cancel.check()

    a = win.library.find("a.mp4").path
    assert win.finder.start(win.library.folder, win.library.paths(), None,
                            find_fn=blocked_find)
    assert entered.wait(10)
    win.selection.toggle_keep(a, 0)
    assert win.project.pending()  # the autosave has not run yet
    try:
        t0 = time.monotonic()
        win.close()
        elapsed = time.monotonic() - t0
        assert tokens[0].cancelled and win.finder.thread.isRunning()  # not joined
        assert elapsed < 5.0  # generous: the grace is one second; it used to wait 15 s
        saved = Project.load(folder / PROJECT_FILENAME)
        assert saved.videos["a.mp4"].edited and not saved.videos["a.mp4"].segments[0].keep
    finally:
        release.set()
    qtbot.waitUntil(lambda: not running_threads(), timeout=10_000)


def test_leftover_workers_are_held_until_they_finish(qtbot):
    from avhd_gui.workers import TaskWorker, running_threads, start_worker, wait_for_workers

    release = threading.Event()
    worker = TaskWorker(lambda progress, cancel: release.wait(30))
    thread = start_worker(worker)
    left = wait_for_workers(100, [(thread, worker)])
    assert [t.objectName() for t in left] == ["TaskWorker"]
    del worker, thread
    gc.collect()  # the owner dropped them: the registry keeps the running thread alive
    release.set()
    qtbot.waitUntil(lambda: not running_threads(), timeout=10_000)
    assert wait_for_workers(0) == []


def test_a_bad_results_file_is_skipped_and_the_others_load(qtbot, settings, folder, caplog):
    b = str((folder / "b.mp4").resolve())
    results = folder / OUTPUT_DIRNAME / highlights_filename(b, folder.resolve())
    text = results.read_text(encoding="utf-8")
    results.write_text(text.replace('"duration": 8', '"duration": NaN', 1), encoding="utf-8")
    assert "NaN" in results.read_text(encoding="utf-8")
    win = _open(qtbot, settings, folder)
    assert win.library.find("a.mp4").highlights is not None
    assert win.library.find("b.mp4").highlights is None
    assert f"ignoring unreadable {results.name}" in caplog.text and "NaN" in caplog.text
    win.close()


def test_open_project_with_a_bad_entry_opens_the_rest_and_backs_the_file_up(qtbot, settings,
                                                                            folder):
    other = folder.parent / "elsewhere.json"
    text = json.dumps({"schema": 1, "root": str(folder), "videos": {
        "a.mp4": {"state": "scored", "edited": True, "segments": [{"start": 2, "end": 3}]},
        "b.mp4": ["not", "an", "entry"]}})
    other.write_text(text, encoding="utf-8")
    win = MainWindow(settings)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.probe_finished, timeout=20_000):
        assert win.open_project(str(other))
    assert _segs(win, "a.mp4") == [(2.0, 3.0, True)]
    problem = win.problems.reasons()[""]
    assert problem.startswith("1 bad part of the project skipped: dropped a video entry")
    assert (folder.parent / "elsewhere.json.bak").read_text(encoding="utf-8") == text
    win.warning_box.close()
    win.close()


def test_direct_model_name_says_which_cue_scored():
    from avhd_gui.window_files import direct_model_name

    notes = ["pseudo-categories: K=2 (silhouette of the descriptors 0.330) chosen from K=2..5",
             "auto cue: activity (agreement of atypical and recurring clips -0.20; "
             "atypicality above 0)"]
    assert direct_model_name(notes) == "none · cue activity (auto)"
    assert direct_model_name(notes[:1]) == "none · scored by the cues"  # a cue set by hand


def test_an_older_projects_direct_model_reads_in_todays_words():
    from avhd_gui.retrain import ModelInfo

    assert ModelInfo.from_dict({"name": "pseudo-highlights (direct)"}).name == (
        "none · scored by the cues")
    assert ModelInfo.from_dict({"name": "mine.pt", "path": "/m/mine.pt"}).name == "mine.pt"


def test_a_video_whose_name_is_not_utf8_is_probed_selected_and_found(qtbot, settings,
                                                                     library_folder, tmp_path,
                                                                     test_extractors):
    """A name with a byte that is not UTF-8 (Python carries it as a lone surrogate) once
    lost that character in every path a Qt ``Signal(str)`` carried: its thumbnail and
    duration never reached its row and selecting it could not load it."""
    import os

    root = tmp_path / "lib"
    root.mkdir()
    odd = os.fsdecode(b"caf\xe9.mp4")
    shutil.copy(library_folder / "a.mp4", root / odd)
    shutil.copy(library_folder / "b.mp4", root / "b.mp4")
    win = _open(qtbot, settings, root)
    item = win.library.find(odd)
    assert item is not None and item.path.endswith(odd)
    assert item.thumbnail is not None and item.duration and item.duration > 1
    win.library_panel.select(item.path)
    qtbot.waitUntil(lambda: win.current_path == item.path, timeout=5000)
    assert win.player.path == item.path
    if win.player.media is not None:  # the preview opens this very file, under a clean name
        source = win.player.media.source().toLocalFile()
        assert os.path.exists(source) and os.path.samefile(source, item.path), source
    win.find_overrides = {"visual": "test-colorhist", "audio": "test-bandenergy",
                          "device": "cpu", "clip_seconds": 1.0, "direct": True}
    with qtbot.waitSignal(win.find_stopped, timeout=60_000) as blocker:
        assert win.find_highlights()
    assert blocker.args[0].status == "finished", blocker.args[0].summary()
    assert win.library.find(odd).highlights is not None and win.selection.segments(item.path)
    win.close()
