"""Shot cuts for the app: detected in the background, drawn on the timeline, snapped to.

:class:`ShotFinder` watches the timeline's video. When a scored video is shown it runs
:func:`core.shots.cached_cuts` (PySceneDetect, cached by content) on a worker thread,
then hands the cuts to the :class:`~avhd_gui.editing.SegmentsModel` (which re-places the
segments of a video without hand edits so their edges sit on shots) and to the timeline
(which draws them and snaps edits to them). One detection runs at a time; the shown video
goes first.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QObject, Signal

from avhd_gui.workers import TaskWorker, start_worker

log = logging.getLogger(__name__)

#: (thread, worker) pairs still finishing after a cancel (kept referenced until they stop)
_finishing: set = set()


class ShotFinder(QObject):
    """Detects shot cuts of the videos shown on the timeline.

    Signals:
        cuts_ready(path, cuts): ``path``'s cuts (seconds) are known.
        failed(path, reason): detection failed (the segments stay on the clip grid).
    """

    cuts_ready = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, timeline, selection, target, parent: QObject | None = None, *,
                 enabled: bool = True) -> None:
        super().__init__(parent)
        self.timeline, self.selection, self.target = timeline, selection, target
        self.enabled = enabled
        self.cuts: dict[str, np.ndarray] = {}
        self._queue: list[str] = []
        self._bounds: dict[str, object] = {}  # the scores each video's cuts were applied to
        self.thread = self.worker = None
        self._running: str | None = None
        timeline.video_changed.connect(self._on_video)
        selection.library.highlights_changed.connect(self._on_highlights)
        selection.library.folder_changed.connect(self.reset)
        if parent is not None:  # closing the window stops the detection
            parent.installEventFilter(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.parent() and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self, ms: int = 5000) -> None:
        """Cancel and wait for the detection threads (a chunk of footage: well under 1 s),
        so none outlives the window; no new one starts after."""
        self.enabled = False
        self._queue.clear()
        self.cancel()
        clock = QElapsedTimer()
        clock.start()
        for thread, _worker in list(_finishing):
            try:
                # short waits with events in between: the worker's last signals are
                # delivered to this thread, so a single long wait could stall it
                while not thread.wait(20) and clock.elapsed() < ms:
                    QCoreApplication.processEvents()
            except RuntimeError:  # already deleted
                pass

    def is_running(self) -> bool:
        return self.thread is not None

    def request(self, path: str) -> None:
        """Detect ``path``'s cuts next (or apply them at once when known)."""
        if not self.enabled or not path:
            return
        if path in self.cuts:
            self._apply(path)
            return
        if path in self._queue:
            self._queue.remove(path)
        if path != self._running:
            self._queue.insert(0, path)
        self._next()

    def reset(self, *_args) -> None:
        """A new folder: forget the queue and stop the running detection."""
        self._queue.clear()
        self.cuts.clear()
        self._bounds.clear()
        self.cancel()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.token.cancel()
            # the worker too must live until its thread ends: dropped before its run
            # starts, it would never say done and the thread would never quit
            pair = (self.thread, self.worker)
            _finishing.add(pair)
            self.thread.finished.connect(lambda p=pair: _finishing.discard(p))
            self.thread = self.worker = None
            self._running = None

    def _next(self) -> None:
        if self.thread is not None or not self._queue:
            return
        from core.shots import cached_cuts

        path = self._queue.pop(0)
        self._running = path
        self.worker = TaskWorker(cached_cuts, path)
        self.worker.finished.connect(lambda shots, p=path: self._on_done(p, shots))
        self.worker.errored.connect(lambda msg, p=path: self._on_failed(p, msg))
        self.thread = start_worker(self.worker)
        self.thread.finished.connect(self._on_thread_finished)

    def _on_thread_finished(self) -> None:
        if self.sender() is self.thread:
            self.thread = self.worker = None
            self._running = None
        self._next()

    def _on_done(self, path: str, shots) -> None:
        if path != self._running:
            return  # cancelled meanwhile
        self.cuts[path] = np.asarray(shots.cuts, np.float64)
        self._apply(path)
        self.cuts_ready.emit(path, self.cuts[path])

    def _on_failed(self, path: str, message: str) -> None:
        log.info("no shot cuts for %s: %s", path, message)
        self.failed.emit(path, message)

    def _apply(self, path: str) -> None:
        vh = self.selection.highlights(path)
        if vh is not None and self._bounds.get(path) is not vh.bounds:
            self._bounds[path] = vh.bounds
            self.selection.set_cuts(path, self.cuts[path], self.target.target)
        if self.timeline.path == path:
            self.timeline.set_cuts(self.cuts[path])

    def _on_video(self, path: str) -> None:
        if path and self.timeline.highlights is not None:
            self.request(path)

    def _on_highlights(self, path: str) -> None:
        vh = self.selection.highlights(path)
        if path in self.cuts and vh is not None and self._bounds.get(path) is not vh.bounds:
            self._apply(path)  # new scores for a video whose cuts are known
        elif path == self.timeline.path and vh is not None and path not in self.cuts:
            self.request(path)
