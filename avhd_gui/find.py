"""Find highlights controller: runs a :class:`FindWorker` and feeds the library model.

Not a widget: the main window connects its progress and outcome signals to the status
bar and the problems panel, and the library model is updated here as results arrive.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from avhd_gui.editing import reselect
from avhd_gui.library import LibraryModel, VideoState
from avhd_gui.models import TargetModel
from avhd_gui.progress import ProgressView, RunProgress
from avhd_gui.settings import Target
from avhd_gui.workers import FindFn, FindWorker, start_worker
from core.artifacts import VideoHighlights

BUSY_TEXT = {  # what a video being processed shows in the library, by stage
    "extract": "extracting",
    "shots": "finding shot cuts",
    "categories": "finding categories",
    "pseudo": "pseudo-labelling",
    "train": "training",
    "score": "scoring",
}
@dataclass
class RunOutcome:
    """How a run ended: ``status`` is "finished", "cancelled" or "error"."""

    status: str
    scored: int = 0
    failed: int = 0
    seconds: float = 0.0
    message: str = ""
    result: object = None

    def summary(self) -> str:
        if self.status == "cancelled":
            return f"Cancelled after {self.seconds:.0f} s"
        if self.status == "error":
            return f"Find highlights stopped: {self.message}"
        text = f"Found highlights in {self.scored} video{'s' if self.scored != 1 else ''}"
        if self.failed:
            text += f", {self.failed} failed"
        return text + f" ({self.seconds:.0f} s)"


class FindController(QObject):
    """Owns the worker thread of one Find highlights run at a time.

    Signals:
        running_changed(bool)
        progress(stage_title, detail, eta_text, done, total)
        view_changed(ProgressView): the same, with the stage's one counter; also every
            second while a run goes on, so a stage that counts nothing still moves.
        file_failed(path, reason)
        stopped(RunOutcome): after the thread has finished.
    """

    running_changed = Signal(bool)
    progress = Signal(str, str, str, int, int)
    view_changed = Signal(object)
    file_failed = Signal(object, str)
    stopped = Signal(object)

    def __init__(self, library: LibraryModel, target: TargetModel,
                 parent: QObject | None = None, *, selection=None) -> None:
        super().__init__(parent)
        self.library = library
        self.target = target
        #: the :class:`~avhd_gui.editing.SegmentsModel` that merges results with hand edits
        self.selection = selection
        #: True for a run whose results replace hand edits (``merge_found(reset=True)``)
        self.reset_edits = False
        self.worker: FindWorker | None = None
        self.thread: QThread | None = None
        #: the previous run's thread and worker, kept until the next run so that they
        #: are never deleted while Qt is still delivering their last signals
        self.last_thread: QThread | None = None
        self.last_worker: FindWorker | None = None
        self._run_progress = RunProgress()
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(lambda: self._show(self._run_progress.tick()))
        self._outcome: RunOutcome | None = None
        self._started = 0.0
        self._run_target: Target | None = None
        self._scored: set[str] = set()
        self._failed: set[str] = set()

    def is_running(self) -> bool:
        return self.thread is not None

    def start(self, inputs, paths: list[str], config, *, out_dir: str | None = None,
              find_fn: FindFn | None = None, reset_edits: bool = False) -> bool:
        """Start a run over ``inputs`` (a folder or files) whose videos are ``paths``.

        Hand-edited segments are kept unless ``reset_edits``. Returns False when a run is
        already going or there is nothing to do.
        """
        if self.is_running() or not paths:
            return False
        self.reset_edits = reset_edits
        self._run_progress = RunProgress(self._durations(paths),
                                         getattr(config, "clip_seconds", None) or 2.0)
        self._outcome = None
        self._started = time.monotonic()
        self._run_target = self.target.target
        self._scored, self._failed = set(), set()
        self.library.mark_running(paths)
        self.worker = FindWorker(inputs, config, out_dir=out_dir, find_fn=find_fn)
        self.worker.progress.connect(self._on_progress)
        self.worker.clips.connect(self._on_clips)
        self.worker.footage.connect(self._on_footage)
        self.worker.video_ready.connect(self._on_video)
        self.worker.file_failed.connect(self._on_failed)
        self.worker.finished.connect(self._on_finished)
        self.worker.errored.connect(self._on_errored)
        self.worker.cancelled.connect(self._on_cancelled)
        self.thread = start_worker(self.worker)
        self.thread.finished.connect(self._on_thread_finished)
        self.running_changed.emit(True)
        self._show(ProgressView("", "Starting"))
        self._ticker.start()
        return True

    def _durations(self, paths: list[str]) -> dict[str, float]:
        """Probed seconds of footage by file name (the name the engine reports)."""
        out = {}
        for p in paths:
            item = self.library.item(p)
            if item is not None and item.duration:
                out[Path(p).name] = float(item.duration)
        return out

    def cancel(self) -> None:
        """Ask the run to stop at its next check (returns at once)."""
        if self.worker is not None:
            self.worker.token.cancel()
            self._ticker.stop()
            self._show(ProgressView("", "Cancelling"))

    def wait(self, ms: int = 10_000) -> bool:
        """Block until the worker thread has finished (used when closing the window)."""
        return self.thread.wait(ms) if self.thread is not None else True

    # --- worker signals (main thread)
    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if self.worker is not None and self.worker.token.cancelled:
            return
        view = self._run_progress.on_progress(done, total, message)
        if view.stage in BUSY_TEXT:
            self.library.set_busy_text(BUSY_TEXT[view.stage])
        self._show(view)

    def _on_clips(self, done: int, total: int, name: str) -> None:
        if self.worker is not None and not self.worker.token.cancelled:
            self._show(self._run_progress.on_clips(done, total, name))

    def _on_footage(self, done: float, total: float, name: str) -> None:
        if self.worker is not None and not self.worker.token.cancelled:
            self.library.set_busy_text(BUSY_TEXT["extract"])
            self._show(self._run_progress.on_footage(done, total, name))

    def _show(self, view: ProgressView) -> None:
        self.progress.emit(view.title, view.detail, view.eta, view.value, view.maximum)
        self.view_changed.emit(view)

    def _on_video(self, vh: VideoHighlights) -> None:
        if self.target.target != self._run_target:
            vh.segments = reselect(vh, self.target.target)
        key = vh.path
        if self.selection is not None:
            key = self.selection.key(vh.path)
            vh.segments = self.selection.found(key, vh.segments, reset=self.reset_edits)
        self.library.set_highlights(vh, key)
        self._scored.add(vh.path)

    def _on_failed(self, path: str, reason: str) -> None:
        self._failed.add(path)
        self.library.set_state(path, VideoState.FAILED, reason)
        self.file_failed.emit(path, reason)

    def _on_finished(self, result) -> None:
        for path, vh in getattr(result, "highlights", {}).items():
            if vh.path not in self._scored and path not in self._scored:
                self._on_video(vh)
        for path, reason in getattr(result, "failures", {}).items():
            if path not in self._failed:
                self._on_failed(str(path), str(reason))
        self._outcome = RunOutcome("finished", len(self._scored), len(self._failed),
                                   self._elapsed(), result=result)

    def _on_errored(self, message: str) -> None:
        self._outcome = RunOutcome("error", len(self._scored), len(self._failed),
                                   self._elapsed(), message=message)

    def _on_cancelled(self) -> None:
        self._outcome = RunOutcome("cancelled", len(self._scored), len(self._failed),
                                   self._elapsed())

    def _on_thread_finished(self) -> None:
        outcome = self._outcome or RunOutcome("error", message="the worker stopped early")
        self._ticker.stop()
        self.library.restore_running()
        self.last_thread, self.last_worker = self.thread, self.worker
        self.worker = None
        self.thread = None
        if self.selection is not None and self.target.target.mode == "library":
            # a library reel is shared out over all the videos: now that all are scored
            self.selection.reselect_all(self.target.target)
        self.running_changed.emit(False)
        self.stopped.emit(outcome)
