"""Progress on the command line: a bar, plain lines, JSON lines or nothing.

The engine reports ``progress(done, total, "stage: detail")`` (:mod:`core.progress`);
:class:`ProgressDisplay` is such a callable. ``plain`` and ``json`` print one line per step
(a stage's first, then at most one per second and stage, and its end; never a repeat), so
they work in a pipe or a CI log; ``bar`` draws tqdm bars on a terminal; ``auto`` is ``bar``
on a terminal and ``plain`` elsewhere. :meth:`ProgressDisplay.footage` reports the seconds
of footage done within the current file (from the extractor's clip counts), so a long film
moves the display; typed events (:meth:`ProgressDisplay.event`) carry their unit:
``extract`` and ``shots`` count seconds of footage over the whole library.
"""

from __future__ import annotations

import json
import sys
import time

from core.fsnames import printable

MODES = ("auto", "bar", "plain", "json", "none")
_INTERVAL = 1.0  # seconds between two lines of the same stage


class ProgressDisplay:
    """A ``progress(done, total, message)`` callback writing to ``stream`` (stderr)."""

    def __init__(self, mode: str = "auto", stream=None, clip_seconds: float | None = None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", lambda: False)
            mode = "bar" if isatty() else "plain"
        if mode not in MODES:
            raise ValueError(f"unknown progress mode {mode!r}; valid: {', '.join(MODES)}")
        self.mode = mode
        self.clip_seconds = clip_seconds
        self.stage: str | None = None
        self._last: dict[str, float] = {}  # per stage: when its last line was printed
        self._printed: dict[str, tuple] = {}  # per stage: what that line said
        self._t0 = time.monotonic()
        self._bars: dict[str, object] = {}

    # the engine's callback
    def __call__(self, done: int, total: int, message: str = "") -> None:
        stage, _, detail = message.partition(": ")
        if not detail and stage and " " in stage:
            stage, detail = stage.split(" ", 1)[0], message
        self._emit(stage or "work", done, total, "", detail)

    def event(self, ev) -> None:
        """A typed :class:`core.progress.ProgressEvent` (its stage and unit, no parsing)."""
        self._emit(ev.stage.value, ev.done, ev.total, ev.unit, ev.item)

    def footage(self, done: int, total: int, name: str = "") -> None:
        """Clips ``done`` of ``total`` in file ``name``, shown in seconds of footage."""
        if self.clip_seconds:
            self._emit("footage", done * self.clip_seconds, total * self.clip_seconds, "s", name)
        else:
            self._emit("footage", done, total, "clips", name)

    # extract_library's two callbacks
    def on_file(self, done: int, total: int, name: str) -> None:
        self._emit("extract", done, total, "files", name)

    def on_clip(self, done: int, total: int, name: str) -> None:
        self.footage(done, total, name)

    def _emit(self, stage: str, done, total, unit: str, detail: str) -> None:
        if self.mode == "none":
            return
        detail = printable(detail)  # a non-UTF-8 file name must not break a progress line
        if self.mode == "bar":
            self._bar(stage, done, total, unit, detail)
            return
        now = time.monotonic()
        key = (done, total, detail)
        if self._printed.get(stage) == key:
            return  # the same line again (the stages of one run interleave)
        first = stage not in self._printed
        finished = total and done >= total
        if not (first or finished or now - self._last.get(stage, -_INTERVAL) >= _INTERVAL):
            return
        self.stage, self._last[stage], self._printed[stage] = stage, now, key
        if self.mode == "json":
            event = {"stage": stage, "done": _num(done), "total": _num(total), "unit": unit,
                     "item": detail, "elapsed_s": round(now - self._t0, 2)}  # fmt: skip
            line = json.dumps(event, ensure_ascii=False)
        else:
            of = f"{_fmt(done)}/{_fmt(total)}" + (f" {unit}" if unit else "") if total else ""
            line = " ".join(x for x in (f"[{stage}]", of, detail) if x)
        print(line, file=self.stream, flush=True)

    def _bar(self, stage: str, done, total, unit: str, detail: str) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            from tqdm import tqdm

            position = 1 if stage == "footage" else 0
            if position == 0:
                self.close()
            bar = tqdm(total=total, desc=stage, unit=unit, leave=False, file=self.stream,
                       position=position, dynamic_ncols=True)  # fmt: skip
            self._bars[stage] = bar
        if total != bar.total:
            bar.total = total
        bar.n = done
        bar.set_postfix_str(str(detail)[:40], refresh=True)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


def _num(x):
    return round(x, 2) if isinstance(x, float) else x


def _fmt(x) -> str:
    return f"{x:.0f}" if isinstance(x, float) else str(x)
