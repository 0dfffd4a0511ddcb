"""Background work: probing videos, running Find highlights, exporting.

One worker pattern (STYLE rule 9): a parentless :class:`QObject` moved to a
:class:`QThread`; its ``run`` slot does the work and reports through signals, which Qt
delivers to the main thread. ``done`` is always the last signal and stops the thread.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage

from core.errors import AvhdError, Cancelled
from core.progress import CancelToken

log = logging.getLogger(__name__)

THUMB_WIDTH = 128


@dataclass
class Probe:
    """What the library shows of a video before it is scored."""

    duration: float | None
    fps: float | None
    thumbnail: QImage | None


def probe_video(path: str, thumb_width: int = THUMB_WIDTH) -> Probe:
    """Duration and frame rate (``core.media.probe``) and a thumbnail decoded with PyAV.

    Raises:
        AvhdError: the file cannot be read as video.
    """
    from core.media import probe

    info = probe(path)
    return Probe(duration=info.duration, fps=info.fps or None,
                 thumbnail=thumbnail(path, info.duration, thumb_width))


#: a frame this dark (mean of 0-255) or this flat is not a telling thumbnail
DARK_MEAN, FLAT_STD = 20.0, 6.0


def _frame_at(container, stream, seconds: float, width: int):
    """The first frame at or after ``seconds``, ``width`` pixels wide, as RGB (or None)."""
    if seconds > 0:
        container.seek(int(seconds * 1_000_000))
    for frame in container.decode(stream):
        if frame.time is not None and frame.time < seconds - 0.05:
            continue  # decoded from the keyframe before: move on to the time asked
        h = max(2, round(width * frame.height / max(1, frame.width)))
        return frame.reformat(width=width, height=h, format="rgb24").to_ndarray()
    return None


def thumbnail(path: str, duration: float, width: int = THUMB_WIDTH) -> QImage | None:
    """A telling frame, ``width`` pixels wide (None if none decodes).

    Tries a little into the video, then a quarter and half way, and takes the first frame
    that is neither dark nor flat (films often open on black); else the brightest one.
    """
    import av

    times = [min(duration * 0.1, 5.0), duration * 0.25, duration * 0.5] if duration > 2 else [0]
    best, best_mean = None, -1.0
    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            for t in times:
                rgb = _frame_at(container, stream, t, width)
                if rgb is None:
                    continue
                mean, std = float(rgb.mean()), float(rgb.std())
                if mean > best_mean:
                    best, best_mean = rgb, mean
                if mean > DARK_MEAN and std > FLAT_STD:
                    best = rgb
                    break
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        log.info("no thumbnail for %s: %s", path, exc)
    if best is None:
        return None
    return QImage(best.data, best.shape[1], best.shape[0], best.strides[0],
                  QImage.Format.Format_RGB888).copy()


def saved_highlights(folder: str) -> list:
    """The ``VideoHighlights`` a previous Find highlights run wrote for ``folder``."""
    from pathlib import Path

    from core.artifacts import VideoHighlights
    from core.pipeline import OUTPUT_DIRNAME
    from core.resultfiles import current_results
    from core.validate import fit_to_media

    out = []
    results = Path(folder) / OUTPUT_DIRNAME
    current = current_results(results)  # stale results of removed videos left out
    for f in current if current is not None else sorted(results.glob("*.highlights.json")):
        try:
            out.append(fit_to_media(VideoHighlights.load(f)).highlights)
        except (AvhdError, OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable %s: %s", f.name, exc)
    return out


def saved_model(folder: str):
    """The ``ModelInfo`` of ``FOLDER/avhd_highlights/model.pt`` (None when absent or bad)."""
    from pathlib import Path

    from avhd_gui.retrain import ModelInfo
    from core.pipeline import MODEL_FILENAME, OUTPUT_DIRNAME

    path = Path(folder) / OUTPUT_DIRNAME / MODEL_FILENAME
    if not path.is_file():
        return None
    try:
        return ModelInfo.from_checkpoint(path)
    except AvhdError as exc:
        log.info("ignoring unreadable %s: %s", path, exc)
        return None


class ProbeWorker(QObject):
    """Probes a list of videos one by one; a failed file never stops the others.

    First, when ``results_folder`` is given, loads the results a previous run saved there
    (and the facts of its model, read here so the main thread never waits for torch).
    """

    # a path travels as ``object``: a ``str`` signal turns it into a QString, which drops
    # the lone surrogate a name that is not UTF-8 carries ("caf\udce9.mp4" -> "caf.mp4")
    probed = Signal(object, object)  # path, Probe
    failed = Signal(object, str)  # path, reason
    saved = Signal(object)  # VideoHighlights of an earlier run
    saved_model = Signal(object)  # ModelInfo of the model an earlier run trained
    done = Signal()

    def __init__(self, paths: list[str], results_folder: str | None = None) -> None:
        super().__init__()
        self.paths = list(paths)
        self.results_folder = results_folder
        self.token = CancelToken()

    @Slot()
    def run(self) -> None:
        try:
            for vh in saved_highlights(self.results_folder) if self.results_folder else []:
                self.saved.emit(vh)
            info = saved_model(self.results_folder) if self.results_folder else None
            if info is not None:
                self.saved_model.emit(info)
            for path in self.paths:
                if self.token.cancelled:
                    break
                try:
                    self.probed.emit(path, probe_video(path))
                except AvhdError as exc:
                    self.failed.emit(path, str(exc))
                except Exception as exc:  # a broken file must not stop the rest
                    log.warning("probing %s failed: %r", path, exc)
                    self.failed.emit(path, f"{type(exc).__name__}: {exc}")
        finally:
            self.done.emit()


FindFn = Callable[..., object]


class _TypedProgress:
    """A ``progress`` callback with an ``event`` method, so that ``core.progress.emit``
    hands the engine's typed events (seconds of footage) over whole instead of as
    ``progress(done, total, message)`` with the seconds cut to integers."""

    def __init__(self, plain, typed) -> None:
        self._plain, self.event = plain, typed

    def __call__(self, done, total, message: str = "") -> None:
        self._plain(done, total, message)


class FindWorker(QObject):
    """Runs ``core.pipeline.find_highlights`` over the library's videos.

    Signals:
        progress(done, total, message): as reported by the pipeline.
        clips(done, total, file_name): the clips of the file being extracted.
        video_ready(VideoHighlights): one video's result, as soon as it is ready.
        file_failed(path, reason): one file could not be processed.
        finished(FindResult): the run completed.
        errored(str): the run stopped on an error.
        cancelled(): the run stopped because the token was set.
        done(): always last.
    """

    progress = Signal(int, int, str)
    clips = Signal(int, int, str)
    footage = Signal(float, float, str)  # extract: seconds done, seconds in all, file name
    video_ready = Signal(object)
    file_failed = Signal(object, str)
    finished = Signal(object)
    errored = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, inputs, config, *, out_dir: str | None = None,
                 find_fn: FindFn | None = None) -> None:
        super().__init__()
        self.inputs = inputs
        self.config = config
        self.out_dir = out_dir
        self.token = CancelToken()
        self._find_fn = find_fn

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.emit(int(done), int(total), str(message))

    def _event(self, event) -> None:
        """A typed ``core.progress.ProgressEvent``: the extract stage's seconds of footage
        go out as :attr:`footage`, whole; every other event as :attr:`progress`."""
        if event.unit == "s" and event.stage.value == "extract":
            self.footage.emit(float(event.done), float(event.total), str(event.item))
        else:
            self._progress(event.done, event.total, event.message)

    def _clips(self, done: int, total: int, name: str) -> None:
        self.clips.emit(int(done), int(total), str(name))

    @Slot()
    def run(self) -> None:
        try:
            find = self._find_fn
            if find is None:
                from core.pipeline import find_highlights as find
            result = find(
                self.inputs,
                self.config,
                out_dir=self.out_dir,
                progress=_TypedProgress(self._progress, self._event),
                clip_progress=self._clips,
                cancel=self.token,
                on_video=self.video_ready.emit,
                on_error=lambda path, reason: self.file_failed.emit(str(path), str(reason)),
            )
        except Cancelled:
            self.cancelled.emit()
        except AvhdError as exc:
            self.errored.emit(str(exc))
        except Exception as exc:
            log.warning("find highlights stopped on an unexpected error", exc_info=True)
            self.errored.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.finished.emit(result)
        finally:
            self.done.emit()


class TaskWorker(QObject):
    """Runs one long core call ``fn(*args, progress=..., cancel=..., **kwargs)``.

    Used for exports. Signals as :class:`FindWorker`: ``progress(done, total, message)``,
    ``finished(result)``, ``errored(message)``, ``cancelled()`` and always ``done()`` last.
    """

    progress = Signal(int, int, str)
    finished = Signal(object)
    errored = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn: Callable[..., object], *args, **kwargs) -> None:
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.token = CancelToken()

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.progress.emit(int(done), int(total), str(message))

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn(*self.args, progress=self._progress, cancel=self.token,
                             **self.kwargs)
        except Cancelled:
            self.cancelled.emit()
        except AvhdError as exc:
            self.errored.emit(str(exc))
        except Exception as exc:
            log.warning("%s stopped on an unexpected error", getattr(self.fn, "__name__", "task"),
                        exc_info=True)
            self.errored.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.finished.emit(result)
        finally:
            self.done.emit()


_threads: weakref.WeakSet[QThread] = weakref.WeakSet()
#: threads (and their workers) left running when their owner went away (the window was
#: closed): held here until they finish, so Qt never destroys a running thread
_leftover: list[tuple[QThread, QObject | None]] = []


def running_threads() -> list[QThread]:
    """Worker threads started by :func:`start_worker` that have not finished."""
    out = []
    for t in list(_threads):
        try:
            if not t.isFinished():
                out.append(t)
        except RuntimeError:  # its C++ object is gone: finished and deleted
            continue
    return out


def wait_for_workers(timeout_ms: int, keep: list[tuple[QThread, QObject | None]] = ()
                     ) -> list[QThread]:
    """Wait at most ``timeout_ms`` in all for the running worker threads; return those left.

    Used when quitting, after every worker was asked to cancel: the window does not block
    on a worker that is inside a long native call. ``keep`` pairs (thread, worker) whose
    owners are going away; those still running are held until they finish.
    """
    deadline = time.monotonic() + max(0, timeout_ms) / 1000
    for t in running_threads():
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0:
            break
        t.wait(left)
    _leftover[:] = [(t, w) for t, w in [*_leftover, *keep] if t is not None and _running(t)]
    return running_threads()


def _running(thread: QThread) -> bool:
    try:
        return not thread.isFinished()
    except RuntimeError:  # its C++ object is gone
        return False


def start_worker(worker: QObject) -> QThread:
    """Move ``worker`` (parentless, with ``run`` and ``done``) to a new thread and start it.

    The caller keeps references to both until ``thread.finished``.
    """
    thread = QThread()
    _threads.add(thread)
    thread.setObjectName(type(worker).__name__)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # QThread.quit is thread-safe: called directly, so waiting on the thread from the main
    # thread (closing the window, cancelling an export) never needs the main event loop
    worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.start()
    return thread
