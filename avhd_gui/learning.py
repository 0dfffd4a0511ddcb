"""Learning from edits in the app: after every edit, re-score the videos not edited by hand.

:class:`LearningController` turns the hand edits of the library into feedback
(:func:`core.feedback.labels_from_edits`: each edited video against the segments it showed
before its first edit) and re-scores every unedited video with
:class:`core.feedback.LibraryLearner` in a worker thread (STYLE rule 9), so the timeline
never waits; a newer edit supersedes a running step. The re-scored videos are re-selected for
the target (a library reel's shares included); hand-edited videos keep their segments.

Undo: the scores shown are part of the edit history. After each learning step the scores
of every video are recorded at the undo stack's index (``states``); moving the index (undo,
redo, a click in History) shows the scores recorded at or below it, exactly as they were.
Undoing the edit that triggered a step therefore brings back the scores before it.
"Forget Learning" is an undoable command whose state is the label-free scores.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand
from PySide6.QtWidgets import QSizePolicy

from avhd_gui.editing import reselect
from avhd_gui.learning_worker import LearnJob, LearnOutcome, LearnWorker
from avhd_gui.widgets import ElidedLabel
from avhd_gui.workers import start_worker, wait_for_workers
from core.artifacts import Segment
from core.feedback_session import LearningSummary, describe_learning, feedback_hash

log = logging.getLogger(__name__)

LABEL_FREE = "Scores are label-free"
FORGOTTEN = "Learning forgotten: label-free scores (the next edit learns again)"


@dataclass
class ScoreState:
    """The scores shown at one index of the undo stack, and the segments chosen from them."""

    scores: dict[str, np.ndarray]  # every scored video
    segments: dict[str, list[Segment]]  # the videos without hand edits
    target: object
    hash: str  # fingerprint of the feedback these scores learned from ("" label-free)
    status: str
    summary: LearningSummary | None = None


class ForgetCommand(QUndoCommand):
    """Return to the label-free scores (the controller shows the state of its index)."""

    def __init__(self) -> None:
        super().__init__("Forget learning")

    def redo(self) -> None:  # the controller follows the stack's index
        pass

    def undo(self) -> None:
        pass


class LearningController(QObject):
    """Keeps the scores of the unedited videos learned from the hand edits.

    Signals:
        status_changed(str): what the scores shown learned from, in plain words.
        applied(): a learning step (or an undo of one) changed the scores shown.
        idle(): no learning step is running or waiting.
    """

    status_changed = Signal(str)
    applied = Signal()
    idle = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.library, self.selection = window.library, window.selection
        self.stack = window.undo_stack
        self.status = LABEL_FREE
        self.thread: QThread | None = None
        self.worker: LearnWorker | None = None
        self.last: tuple = (None, None)  # the previous thread and worker (see FindController)
        self._reset()
        self.library.folder_changed.connect(self._on_folder)
        self.library.highlights_changed.connect(self._on_highlights)
        self.selection.changed.connect(self._on_selection)
        self.stack.indexChanged.connect(self._on_index)
        window.finder.running_changed.connect(self._on_find_running)
        window.probe_finished.connect(self._on_probed)
        window.installEventFilter(self)
        window.project.feedback_source = self.feedback

    def _reset(self) -> None:
        #: label-free scores (as Find gave them) and the arrays this controller showed
        self.base: dict[str, np.ndarray] = {}
        self.shown: dict[str, np.ndarray] = {}
        #: each unedited video's segments as last shown: the suggestion its first edit changed
        self.suggested: dict[str, list[Segment]] = {}
        #: hand edits restored from the project, as restored (their stored feedback applies)
        self.restored: dict[str, list[Segment]] | None = None
        self.states: dict[int, ScoreState] = {}
        self.shown_hash = ""
        self.summary: LearningSummary | None = None
        self.learner = None
        self.missing: dict[str, str] = {}
        self._mirror: list = []
        self._index = self.stack.index()
        self._generation = 0
        self._pending = False
        self._dirty = False

    # --- reading
    def is_running(self) -> bool:
        return self.thread is not None

    def feedback(self) -> dict:
        """Feedback of every hand-edited video, by library path."""
        from core.feedback import labels_from_edits

        out = {}
        for path in self.selection.edited_paths():
            vh = self.selection.highlights(path)
            if vh is None or not vh.n_clips:
                continue
            segs = self.selection.segments(path)
            stored = self._stored(path, segs, vh.n_clips)
            if stored is None:
                shown = self.suggested.get(path)
                if shown is None:  # edited before this session: the label-free selection
                    base = replace(vh, score=self.base.get(path, vh.score))
                    shown = reselect(base, self.window.target.target)
                stored = labels_from_edits(vh.bounds, shown, segs)
            if stored.n_labelled:
                out[path] = stored
        return out

    def _stored(self, path: str, segs: list[Segment], n_clips: int):
        """The project's feedback of ``path`` while its restored edits are unchanged."""
        project = self.window.project.project
        if not self.restored or self.restored.get(path) != segs or project is None:
            return None
        entry = project.feedback.get(project.key(path))
        return entry if entry is not None and len(entry.labels) == n_clips else None

    # --- following the library
    def _on_folder(self, _folder: str) -> None:
        self._cancel()
        self._reset()
        self._set_status(LABEL_FREE)

    def _on_highlights(self, path: str) -> None:
        item = self.library.item(path)
        vh = item.highlights if item is not None else None
        if vh is None:
            return
        if vh.score is not self.shown.get(path):  # new label-free scores (Find, a reload)
            self.base[path] = self.shown[path] = vh.score
            self._dirty = True
            if not self._busy():
                QTimer.singleShot(0, self._rebase_if_dirty)
        self._on_selection(path)

    def _on_selection(self, path: str, _source=None) -> None:
        if not self.selection.is_edited(path) and self.selection.highlights(path) is not None:
            self.suggested[path] = self.selection.segments(path)

    def _busy(self) -> bool:
        return self.window.finder.is_running() or self.window.is_probing()

    def _on_find_running(self, running: bool) -> None:
        if running:
            self._cancel()
        else:
            self._rebase_if_dirty()

    def _on_probed(self) -> None:
        if self.restored is None:  # hand edits of the project, as it was opened
            self.restored = {p: self.selection.segments(p) for p in self.selection.edited_paths()
                             if p not in self.suggested}
        self._rebase_if_dirty()

    def _rebase_if_dirty(self) -> None:
        """New label-free scores arrived: earlier states no longer apply; learn again."""
        if not self._dirty or self._busy():
            return
        self._dirty = False
        self._cancel()
        self.learner = None  # the library's features may have changed too
        self._generation += 1
        self.states = {self._index: self._new_state(self.base, "", LABEL_FREE)}
        self._maybe_learn()

    def _new_state(self, scores: dict, hash_: str, status: str, summary=None) -> ScoreState:
        """Show ``scores`` (the unedited videos re-selected from them) and record it."""
        out = {}
        for item in self.library.scored():
            s = scores.get(item.path)
            out[item.path] = s if s is not None else item.highlights.score
        state = ScoreState(out, {}, self.window.target.target, hash_, status, summary)
        self._apply(state)
        state.segments = {p: self.selection.segments(p) for p in out
                          if not self.selection.is_edited(p)}
        return state

    def _apply(self, state: ScoreState) -> None:
        """Show ``state``'s scores; the unedited videos are re-selected for the target."""
        with self._batch() as touched:
            self._apply_scores(state, touched)
        self.shown_hash = state.hash
        self.summary = state.summary
        self._set_status(state.status)
        if touched:
            self.applied.emit()

    def _apply_scores(self, state: ScoreState, touched: list[str]) -> None:
        target = self.window.target.target
        changed = []
        for item in self.library.scored():
            p, vh = item.path, item.highlights
            s = state.scores.get(p, self.base.get(p))
            if s is None or vh.score is s:
                continue
            self.shown[p] = s
            self.library.set_highlights(replace(vh, score=s), p)
            touched.append(p)
            if not self.selection.is_edited(p):
                changed.append(p)
        if changed and target.mode == "library":  # every share of the reel moves
            changed = [it.path for it in self.library.scored()
                       if not self.selection.is_edited(it.path)]
        shares = self.selection.library_shares(target) if changed else None
        same = state.target == target
        after = {}
        for p in changed:
            segs = state.segments.get(p) if same else None
            if segs is None:
                segs = self.selection.reselected(p, target, shares)
            if segs != self.selection.segments(p):
                after[p] = (segs, False)
        self.selection.restore(after)
        touched.extend(p for p in after if p not in touched)

    @contextmanager
    def _batch(self):
        """Change many videos with the library's and the selection's signals held, then say
        it once: one repaint of the list, one refresh of the segment list (instead of two per
        video: a library of 100 videos would otherwise stall for seconds), and the video shown.
        """
        touched: list[str] = []
        lib, sel = self.library.blockSignals(True), self.selection.blockSignals(True)
        try:
            yield touched
        finally:
            self.library.blockSignals(lib)
            self.selection.blockSignals(sel)
        if not touched:
            return
        for p in touched:
            self._on_selection(p)
        n = self.library.rowCount()
        self.library.dataChanged.emit(self.library.index(0), self.library.index(n - 1))
        shown = self.window.current_path
        self.library.highlights_changed.emit(shown if shown in touched else touched[0])
        if shown in touched:  # the timeline and the player follow the selection
            self.selection.changed.emit(shown, None)
        self.window.project.schedule()  # the re-selected segments are saved too

    # --- following the undo stack
    def _on_index(self, index: int) -> None:
        try:
            now = [self.stack.command(i) for i in range(self.stack.count())]
        except RuntimeError:  # the window is being destroyed
            return
        if not now:  # the history was cleared (another folder): nothing to go back to
            self.states, self._mirror, self._index = {}, [], 0
            return
        k = 0
        while k < min(len(now), len(self._mirror)) and now[k] is self._mirror[k]:
            k += 1
        # a state at index i holds while the commands before i are the same ones
        self.states = {i: s for i, s in self.states.items() if i <= k}
        self._mirror, self._index = now, index
        self._generation += 1  # a running step is for another index: its result is dropped
        if self._busy() or self._dirty:
            return
        top = now[index - 1] if index > 0 else None
        if isinstance(top, ForgetCommand) and index not in self.states:
            fb = self.feedback()
            self.states[index] = self._new_state(self.base, feedback_hash(fb), FORGOTTEN)
            return
        below = [i for i in self.states if i <= index]
        if below:
            self._apply(self.states[max(below)])
        self._maybe_learn()

    def forget(self) -> bool:
        """Return to the label-free scores (one undo step); False when nothing was learned."""
        if self.summary is None or not self.summary.used:
            self.window.statusBar().showMessage("Nothing learned to forget", 4000)
            return False
        self.stack.push(ForgetCommand())
        return True

    # --- learning steps
    def _config(self, build: bool = True):
        """The find settings of the features (``build=False``: a function making them, so
        the worker pays the first import of the pipeline, not the main thread)."""
        from functools import partial

        from avhd_gui.settings import find_config

        w = self.window
        make = partial(find_config, w.settings.model_options(), w.target.target,
                       **dict(w.find_overrides))
        return make() if build else make

    def _maybe_learn(self) -> None:
        """Start a step when the feedback differs from what the scores shown learned from."""
        if self._busy() or self._dirty:
            return
        fb = self.feedback()
        h = feedback_hash(fb)
        if h == self.shown_hash:
            return
        if not fb:  # every edit undone: the label-free scores
            self.states[self._index] = self._new_state(self.base, "", LABEL_FREE)
            return
        if self.thread is not None:  # one step at a time: this one supersedes the running
            self._pending = True
            self.worker.token.cancel()
            return
        config = self._config(build=False)
        paths = [it.path for it in self.library.scored()]
        job = LearnJob(paths, config, {p: self.base[p] for p in paths if p in self.base}, fb, h,
                       self.learner, self._generation, self._index)
        self.worker = LearnWorker(job)
        self.worker.finished.connect(self._on_learned)
        self.worker.errored.connect(self._on_error)
        self.thread = start_worker(self.worker)
        self.thread.finished.connect(self._on_thread_finished)
        n = sum(f.edits for f in fb.values())
        self._set_status(f"Learning from {n} edit{'s' if n != 1 else ''}…")

    def _current(self, job: LearnJob) -> bool:
        return job.generation == self._generation and not self._busy() and not self._dirty

    def _on_learned(self, out: LearnOutcome) -> None:
        job = out.job
        if job.learner is None and out.learner is not None:
            self.learner, self.missing = out.learner, out.missing
        if not self._current(job):
            return
        if out.learning is None:
            why = next(iter(out.missing.values()), "fewer than two videos have features")
            status = f"Learning not possible: {why}"
            self.states[job.index] = self._new_state(self.base, job.hash, status)
            return
        summary = describe_learning(out.learning, job.feedback)
        scores = self.base
        if summary.used:
            scores = {**self.base, **out.learning.scores, **out.edited}
        self.states[job.index] = self._new_state(scores, job.hash, summary.text(), summary)
        log.info("learning step: %s (%.2f s)", summary.text(), out.seconds)

    def _on_error(self, message: str) -> None:
        self._set_status(f"Learning stopped: {message}")

    def _on_thread_finished(self) -> None:
        self.last = (self.thread, self.worker)
        self.thread = self.worker = None
        if self._pending:
            self._pending = False
            self._maybe_learn()
        if self.thread is None:
            self.idle.emit()

    def _cancel(self) -> None:
        self._pending = False
        if self.worker is not None:
            self.worker.token.cancel()

    def _set_status(self, text: str) -> None:
        if text != self.status:
            self.status = text
        self.status_changed.emit(text)

    # --- the model file, retraining
    def training_overrides(self) -> dict:
        """``{"feedback_project": path}`` when there are edits to train with (the project is
        saved first so that the file holds them)."""
        if not self.feedback():
            return {}
        written = self.window.project.save()
        if written is None:
            self.window.statusBar().showMessage(
                "The project could not be saved: Retrain does not use the hand edits", 8000)
            return {}
        return {"feedback_project": str(written)}

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self._cancel()
            if self.thread is not None:  # held until it finishes (never destroyed running)
                wait_for_workers(200, [(self.thread, self.worker)])
        return False


def add_learning(window) -> LearningController:
    """Give ``window`` its learning: the controller, the status line and Forget Learning
    (in the Highlights menu after Retrain, so F1 lists its key)."""
    ctl = LearningController(window)
    # as wide as its line, at most the longest usual one: longer reasons are shortened with
    # "…" and shown whole in the tooltip, so the status message keeps its room at 1280 px
    label = ElidedLabel(window, Qt.TextElideMode.ElideRight)
    label.setObjectName("learningLabel")
    # fixed, not ElidedLabel's "ignored": with an ignored width the status bar's layout
    # gave it no room and pushed it past the window's right edge
    label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
    cap = label.fontMetrics().horizontalAdvance("Learned from 999 edits in 99 videos") + 8

    def show(text: str) -> None:
        label.setFixedWidth(min(cap, label.fontMetrics().horizontalAdvance(text) + 8))
        label.setText(text)

    show(LABEL_FREE)
    window.statusBar().addPermanentWidget(label)
    ctl.status_changed.connect(show)
    act = QAction("&Forget Learning", window)
    act.setShortcut(QKeySequence("Ctrl+Shift+L"))
    act.setStatusTip("Return the videos you have not edited to their label-free scores "
                     "(undoable)")
    act.triggered.connect(lambda _checked=False: ctl.forget())
    window.addAction(act)
    for top in window.menuBar().actions():
        menu = top.menu()
        if menu is not None and getattr(window, "retrain_action", None) in menu.actions():
            acts = menu.actions()
            i = acts.index(window.retrain_action)
            menu.insertAction(acts[i + 1] if i + 1 < len(acts) else None, act)
            break
    ctl.label, ctl.forget_action = label, act

    def model_learned(info) -> None:  # after the window's own model label update; the
        learned = info.learned() if info is not None else ""  # label itself stays short
        if learned:
            window.model_label.setToolTip(f"{window.model_label.toolTip()}\n"
                                          f"Trained with the hand edits: {learned}")

    window.model.changed.connect(model_learned)
    model_learned(window.model.info)
    return ctl
