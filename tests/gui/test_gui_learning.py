"""Learning from edits in the app (avhd_gui.learning): re-scoring the unedited videos after
every edit in a worker, the status line, undo, Forget Learning, the project and retraining.

The planted library: five videos of flat colour fields, 2 s each; one field per video is
magenta (the "highlight", at a different place in each). The label-free score does not know
magenta is wanted; an editor who keeps magenta and discards the rest in two videos tells it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.feedback import labelled_ap
from core.project import PROJECT_FILENAME, Project

OTHERS = ["green", "gray", "black", "navy", "olive", "teal", "maroon", "silver"]
N_VIDEOS, FIELDS, FIELD_S = 5, 8, 2.0


def _layout(i: int) -> tuple[list[str], int]:
    colours = OTHERS[i:] + OTHERS[:i]
    at = (3 * i + 2) % FIELDS
    colours[at] = "magenta"
    return colours[:FIELDS], at


@pytest.fixture(scope="session")
def planted_folder(tmp_path_factory) -> Path:
    from synth import make_video

    root = tmp_path_factory.mktemp("planted")
    for i in range(N_VIDEOS):
        colours, _ = _layout(i)
        make_video(root / f"v{i}.mp4", duration=FIELDS * FIELD_S, size=(64, 48),
                   video="colors:" + ",".join(colours), audio="sine:440")
    return root


def _truth(i: int, n: int) -> np.ndarray:
    _, at = _layout(i)
    centres = np.arange(n) + 0.5  # 1 s clips
    return ((centres >= at * FIELD_S) & (centres < (at + 1) * FIELD_S)).astype(float)


@pytest.fixture
def found(window, fast_find, qtbot, planted_folder, tmp_path):
    """The window with a copy of the planted library opened and scored (label-free)."""
    folder = tmp_path / "planted"
    shutil.copytree(planted_folder, folder)
    with qtbot.waitSignal(window.probe_finished, timeout=20_000):
        assert window.open_folder(str(folder))
    with qtbot.waitSignal(window.find_stopped, timeout=120_000) as blocker:
        assert window.find_highlights(reset_edits=False)
    assert blocker.args[0].status == "finished", blocker.args[0].summary()
    _settle(window, qtbot)
    return window


def _paths(win) -> list[str]:
    return [win.library.find(f"v{i}.mp4").path for i in range(N_VIDEOS)]


def _scores(win) -> dict[str, np.ndarray]:
    return {p: win.library.item(p).highlights.score for p in _paths(win)}


def _settle(win, qtbot) -> None:
    qtbot.waitUntil(lambda: not win.learning.is_running(), timeout=30_000)


def _review(win, i: int) -> None:
    """The editor of the planted library: trim the suggestion over magenta to it, discard
    every other suggestion, add the magenta field when no suggestion covers it."""
    path = _paths(win)[i]
    _, at = _layout(i)
    ms, me = at * FIELD_S, (at + 1) * FIELD_S
    hit = False
    for j, seg in enumerate(win.selection.segments(path)):
        if seg.start < me and ms < seg.end:
            hit = True
            if (seg.start, seg.end) != (ms, me):
                win.selection.set_bounds(path, j, ms, me)
        else:
            win.selection.toggle_keep(path, j)
    if not hit:
        win.selection.add(path, ms, me)
    assert win.selection.is_edited(path)


def _ap(win, i: int) -> float:
    vh = win.library.item(_paths(win)[i]).highlights
    return labelled_ap(vh.score, _truth(i, vh.n_clips))


def test_two_reviewed_videos_rescore_the_others_in_a_worker(found, qtbot):
    win = found
    paths = _paths(win)
    assert win.learning.label.text() == "Scores are label-free"
    base = _scores(win)
    base_ap = [_ap(win, i) for i in range(2, N_VIDEOS)]
    assert max(base_ap) < 0.9  # the label-free score does not know magenta is wanted

    _review(win, 0)
    assert win.learning.thread is not None  # the step runs in a worker thread
    assert win.learning.thread.objectName() == "LearnWorker"
    _settle(win, qtbot)
    text = win.learning.label.text()
    assert text.startswith("Not used: ") and "in 1 video" in text and "two videos" in text
    # shortened to the status bar, it still says what happened and to how many edits
    assert win.learning.label.shown_text().startswith("Not used: "), text
    assert all(_scores(win)[p] is base[p] for p in paths[1:])  # nothing changed

    _review(win, 1)
    reviewed = {p: win.selection.segments(p) for p in paths[:2]}
    _settle(win, qtbot)
    assert win.learning.label.text().startswith("Learned from "), win.learning.label.text()
    assert win.learning.label.text().endswith(" edits in 2 videos")
    now = _scores(win)
    for p in paths[2:]:
        assert not np.array_equal(now[p], base[p])
        # re-selected for the target from the learned scores
        assert win.selection.segments(p) == win.selection.reselected(p, win.target.target)
    learned_ap = [_ap(win, i) for i in range(2, N_VIDEOS)]
    assert min(learned_ap) >= 0.95 and all(a > b for a, b in zip(learned_ap, base_ap, strict=True))
    for p, segs in reviewed.items():  # hand-edited videos keep their edits
        assert win.selection.segments(p) == segs and win.selection.is_edited(p)


def _learned(win, qtbot) -> dict[str, np.ndarray]:
    _review(win, 0)
    _settle(win, qtbot)
    _review(win, 1)
    _settle(win, qtbot)
    assert win.learning.summary is not None and win.learning.summary.used
    return _scores(win)


def test_undo_restores_the_scores_before_the_learning_step_exactly(found, qtbot):
    win = found
    paths = _paths(win)
    base = _scores(win)
    learned = _learned(win, qtbot)
    learned_segs = {p: win.selection.segments(p) for p in paths[2:]}
    learned_text = win.learning.label.text()

    # an edit that contradicts the others: the guard drops the head, scores go back
    win.selection.toggle_keep(paths[0], 0)  # discard the magenta field of v0
    _settle(win, qtbot)
    assert win.learning.label.text().startswith("Not used: ")
    assert all(_scores(win)[p] is base[p] for p in paths[2:])

    win.undo_stack.undo()  # undo of the edit that triggered the step
    _settle(win, qtbot)
    now = _scores(win)
    for p in paths[2:]:
        assert now[p] is learned[p] and np.array_equal(now[p], learned[p])
        assert win.selection.segments(p) == learned_segs[p]
    assert win.learning.label.text() == learned_text
    assert not win.learning.is_running()  # restored, not learned again

    win.undo_stack.redo()
    _settle(win, qtbot)
    assert all(_scores(win)[p] is base[p] for p in paths[2:])

    win.undo_stack.setIndex(0)  # back past every edit: the label-free scores
    _settle(win, qtbot)
    assert all(_scores(win)[p] is base[p] for p in paths)
    assert win.learning.label.text() == "Scores are label-free"
    win.undo_stack.setIndex(win.undo_stack.count() - 1)  # and forward to the learned ones
    _settle(win, qtbot)
    assert all(_scores(win)[p] is learned[p] for p in paths[2:])


def test_a_newer_edit_supersedes_a_running_step(found, qtbot):
    win = found
    paths = _paths(win)
    _review(win, 0)
    first = win.undo_stack.index()
    _review(win, 1)  # pushed while the first step runs
    assert win.learning._pending
    _settle(win, qtbot)
    states = win.learning.states
    assert first not in states and win.undo_stack.index() in states
    assert win.learning.summary.used and win.learning.summary.videos == 2
    # the same as learning from the final edits at once
    from core.feedback import LibraryLearner

    learner = LibraryLearner({p: _features(win, p) for p in paths})
    learning = learner.learn(win.learning.base, win.learning.feedback())
    for p in paths[2:]:
        assert np.allclose(_scores(win)[p], learning.scores[p])


def _features(win, path):
    from core.feedback_session import cached_features

    found, missing = cached_features([path], win.learning._config())
    assert not missing
    return found[path]


def test_forget_learning_returns_to_the_label_free_scores_and_is_undoable(found, qtbot):
    from avhd_gui.shortcuts import ShortcutsDialog

    win = found
    paths = _paths(win)
    base = _scores(win)
    assert not win.learning.forget()  # nothing learned yet
    learned = _learned(win, qtbot)
    win.learning.forget_action.trigger()
    assert win.undo_stack.undoText() == "Forget learning"
    assert all(_scores(win)[p] is base[p] for p in paths[2:])
    assert win.learning.label.text().startswith("Learning forgotten")
    win.target_control.value.setValue(30)  # no new learning until the next edit
    _settle(win, qtbot)
    assert all(_scores(win)[p] is base[p] for p in paths[2:])
    win.undo_stack.undo()  # the target
    win.undo_stack.undo()  # the forgetting
    _settle(win, qtbot)
    assert all(_scores(win)[p] is learned[p] for p in paths[2:])
    rows = ShortcutsDialog(win.menuBar(), win).rows()
    assert rows["Forget Learning"] == win.learning.forget_action.shortcut().toString(
        win.learning.forget_action.shortcut().SequenceFormat.NativeText)


def test_learning_follows_the_library_reel_target(found, qtbot):
    from dataclasses import replace

    win = found
    paths = _paths(win)
    win.target.set_target(replace(win.target.target, mode="library", library_seconds=12.0))
    _learned(win, qtbot)
    target = win.target.target
    shares = win.selection.library_shares(target)
    assert sum(shares.values()) == pytest.approx(12.0)
    for p in paths[2:]:  # the reel now takes each unedited video's magenta field
        assert win.selection.segments(p) == win.selection.reselected(p, target, shares)
        kept = [s for s in win.selection.segments(p) if s.keep]
        _, at = _layout(paths.index(p))
        assert any(s.start < (at + 1) * FIELD_S and at * FIELD_S < s.end for s in kept)


def test_the_project_keeps_the_feedback_and_reopening_learns_again(found, qtbot, settings):
    from avhd_gui.mainwindow import MainWindow

    win = found
    paths = _paths(win)
    learned = _learned(win, qtbot)
    feedback = win.learning.feedback()
    folder = Path(win.library.folder)
    win.project.flush()
    saved = Project.load(folder / PROJECT_FILENAME)
    assert sorted(saved.feedback) == ["v0.mp4", "v1.mp4"]
    for p in paths[:2]:
        key = Path(p).name
        assert np.array_equal(saved.feedback[key].labels, feedback[p].labels, equal_nan=True)
        assert saved.feedback[key].edits == feedback[p].edits
    win.close()

    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.find_overrides = dict(win.find_overrides)
    with qtbot.waitSignal(again.probe_finished, timeout=20_000):
        assert again.open_folder(str(folder))
    _settle(again, qtbot)
    assert again.learning.label.text() == win.learning.label.text()
    assert again.learning.feedback().keys() == feedback.keys()
    for p in paths[2:]:  # the same scores, learned from the stored feedback
        assert np.allclose(again.library.item(p).highlights.score, learned[p])
    again.close()


@pytest.mark.parametrize("entry", [{"schema": 99, "labels": [1, 0]}, "not an entry",
                                   {"schema": 1, "labels": [1, 2, "x"]}])
def test_a_corrupt_or_foreign_feedback_entry_is_ignored_with_a_warning(found, qtbot, entry):
    win = found
    _learned(win, qtbot)
    folder = Path(win.library.folder)
    win.project.flush()
    path = folder / PROJECT_FILENAME
    data = json.loads(path.read_text())
    data["feedback"]["v0.mp4"] = entry
    path.write_text(json.dumps(data))
    with qtbot.waitSignal(win.probe_finished, timeout=20_000):
        assert win.open_folder(str(folder))
    _settle(win, qtbot)
    problems = " ".join(win.problems.reasons().values())
    assert "feedback['v0.mp4']" in problems and "ignored" in problems, problems
    assert list(win.project.project.feedback) == ["v1.mp4"]
    # the edits themselves are still there: v0's feedback comes from them again
    assert len(win.learning.feedback()) == 2


def test_retrain_trains_with_the_edits_and_the_model_records_them(found, qtbot):
    from core.feedback import project_feedback
    from core.feedback_session import feedback_hash
    from core.training import Checkpoint

    win = found
    _learned(win, qtbot)
    _, fb = project_feedback(win.project.save())  # what the training will read
    win.find_overrides = {**win.find_overrides, "direct": False}
    with qtbot.waitSignal(win.find_stopped, timeout=120_000) as blocker:
        assert win.retrain(epochs=2)
    assert blocker.args[0].status == "finished", blocker.args[0].summary()
    info = win.model.info
    ckpt = Checkpoint.load(info.path)
    assert ckpt.info["feedback_videos"] == info.feedback_videos == 2
    assert ckpt.info["feedback_edits"] == info.feedback_edits > 0
    assert info.feedback_hash == feedback_hash(fb) and len(info.feedback_hash) == 12
    assert (f"Trained with the hand edits: learned from {info.feedback_edits} edits in 2 videos "
            f"(hash {info.feedback_hash})") in win.model_label.toolTip()
    _settle(win, qtbot)  # the new scores are label-free again; the edits teach them anew
    assert win.learning.label.text().startswith(("Learned from", "Learning from"))


def test_without_cached_features_learning_says_why_and_keeps_the_edits(found, qtbot, tmp_path,
                                                                         monkeypatch):
    win = found
    paths = _paths(win)
    base = _scores(win)
    monkeypatch.setenv("AVHD_CACHE_DIR", str(tmp_path / "empty-cache"))  # features gone
    _review(win, 0)
    _settle(win, qtbot)
    _review(win, 1)
    _settle(win, qtbot)
    text = win.learning.label.text()
    assert text.startswith("Learning not possible: ") and "not in the cache" in text, text
    assert all(_scores(win)[p] is base[p] for p in paths[2:])
    assert win.selection.is_edited(paths[0]) and win.selection.is_edited(paths[1])
