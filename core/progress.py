"""Progress reporting and cooperative cancellation for long engine calls.

Every long call takes ``progress(done, total, message)`` and a ``cancel`` token that it
checks once per batch; a set token makes the call raise :class:`core.errors.Cancelled`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from core.errors import Cancelled

ProgressFn = Callable[[int, int, str], None]


class Stage(str, Enum):
    """The stages of a run, as the first word of a progress message (``"extract: a.mp4"``)."""

    EXTRACT = "extract"  # features of the library: seconds of footage over all files
    FOOTAGE = "footage"  # seconds of footage within the file being extracted
    SHOTS = "shots"  # shot cuts: seconds of footage over all files
    CATEGORIES = "categories"  # pseudo-categories: steps of the clustering
    PSEUDO = "pseudo"  # pseudo-highlights and cues
    TRAIN = "train"
    SCORE = "score"  # scores and selected segments, video by video
    EXPORT = "export"


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report with its stage and unit ("s": seconds of footage, "" steps)."""

    stage: Stage
    done: float
    total: float
    item: str = ""
    unit: str = ""

    @property
    def message(self) -> str:
        return f"{self.stage.value}: {self.item}"


def emit(progress: ProgressFn | None, event: ProgressEvent) -> None:
    """Report ``event``: to ``progress.event(event)`` when the callback has that method (the
    command line's display), else as ``progress(done, total, "stage: item")``."""
    if progress is None:
        return
    typed = getattr(progress, "event", None)
    if callable(typed):
        typed(event)
    else:
        progress(event.done, event.total, event.message)


class CancelToken:
    """A thread-safe flag that a worker checks and a controller sets."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the running call to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


def check_cancel(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` when ``cancel`` is set; a ``None`` token never cancels."""
    if cancel is not None:
        cancel.check()


def report(progress: ProgressFn | None, done: int, total: int, message: str = "") -> None:
    """Call ``progress`` when one was given."""
    if progress is not None:
        progress(done, total, message)


class FootageProgress:
    """Seconds of footage done over a library in one stage, as progress events.

    :meth:`start` names the file being worked on, calling the object reports seconds (or,
    with ``clip_seconds``, clips) done within that file (any ``progress``-shaped call: its
    ``total`` and message are ignored), :meth:`finish` adds the file's length to the footage
    done. Events: ``ProgressEvent(stage, done_seconds, total_seconds, NAME, "s")``.
    """

    def __init__(self, progress: ProgressFn | None, stage: Stage, total_seconds: float,
                 clip_seconds: float | None = None) -> None:
        self.progress, self.stage, self.clip_seconds = progress, stage, clip_seconds
        self.total, self.done, self.name, self._length = float(total_seconds), 0.0, "", 0.0

    def start(self, name: str, length: float) -> None:
        self.name, self._length = name, float(length)
        self(0.0)

    def __call__(self, done: float, _total: float = 0.0, _message: str = "") -> None:
        seconds = float(done) * (self.clip_seconds or 1.0)
        now = self.done + min(max(seconds, 0.0), self._length)
        emit(self.progress, ProgressEvent(self.stage, round(now, 2), round(self.total, 2),
                                          self.name, "s"))

    def finish(self) -> None:
        self.done += self._length
        self._length = 0.0
        self(0.0)


class ExtractProgress:
    """``extract_library``'s two callbacks, reported as seconds of footage.

    :meth:`on_file` (its ``progress(done_files, total_files, name)``) and :meth:`on_clip`
    (its ``clip_progress(done_clips, total_clips, name)``) give :attr:`Stage.EXTRACT` events
    over the whole library (``lengths``: each file's seconds, in the order extracted);
    ``clip_progress`` still gets the clips of the file being extracted.
    """

    def __init__(self, progress: ProgressFn | None, clip_progress: ProgressFn | None,
                 lengths: list[float], clip_seconds: float) -> None:
        self.lengths, self.clip_progress = [float(x) for x in lengths], clip_progress
        self.overall = FootageProgress(progress, Stage.EXTRACT, sum(self.lengths), clip_seconds)
        self._started = False

    def on_file(self, done: int, _total: int, name: str) -> None:
        if self._started:
            self.overall.finish()
        self._started = done < len(self.lengths)
        if self._started:
            self.overall.start(name, self.lengths[done])

    def on_clip(self, done: int, total: int, name: str) -> None:
        self.overall(done)
        report(self.clip_progress, done, total, name)


def footage_seconds(path) -> float:
    """The stated duration of a media file in seconds (0 when it cannot be read)."""
    try:
        import av

        with av.open(str(path)) as container:
            return max(0.0, float(container.duration or 0) / 1e6)
    except Exception:  # a broken file: extraction reports it; its footage counts as 0
        return 0.0
