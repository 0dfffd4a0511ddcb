"""Progress reporting and cooperative cancellation for long engine calls.

Every long call takes ``progress(done, total, message)`` and a ``cancel`` token that it
checks once per batch; a set token makes the call raise :class:`core.errors.Cancelled`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from core.errors import Cancelled

ProgressFn = Callable[[int, int, str], None]


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
    """Seconds of footage done over a library in one stage, as ``progress`` events.

    ``progress(done_seconds, total_seconds, "STAGE: NAME")``: :meth:`start` names the file
    being worked on, calling the object reports seconds done within that file (any
    ``progress``-shaped call: its ``total`` and message are ignored), :meth:`finish` adds
    the file's length to the footage done.
    """

    def __init__(self, progress: ProgressFn | None, stage: str, total_seconds: float) -> None:
        self.progress, self.stage = progress, stage
        self.total, self.done, self.name, self._length = float(total_seconds), 0.0, "", 0.0

    def start(self, name: str, length: float) -> None:
        self.name, self._length = name, float(length)
        self(0.0)

    def __call__(self, done: float, _total: float = 0.0, _message: str = "") -> None:
        now = self.done + min(max(float(done), 0.0), self._length)
        report(self.progress, round(now, 2), round(self.total, 2), f"{self.stage}: {self.name}")

    def finish(self) -> None:
        self.done += self._length
        self._length = 0.0
        self(0.0)
