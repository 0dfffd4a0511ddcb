"""What the status bar shows of a Find highlights run: one counter per stage.

The engine reports ``progress(done, total, "stage: detail")`` per file (and per training
batch) and ``clip_progress(done_clips, total_clips, file_name)`` within a file.
:class:`RunProgress` turns both into a :class:`ProgressView`:

* extracting counts **seconds of footage** over the whole library (files done plus the
  part of the current one), so a 10-minute film moves the bar and the time left is
  estimated from the footage rate of the run, not per file;
* training counts epochs (the bar moves by batch), scoring counts videos;
* a stage that reports no steps (finding categories) shows a busy bar and the seconds it
  has run, refreshed by :meth:`RunProgress.tick`, so the display moves in every stage.

No extractor or model names: the detail is a file name or a plain phrase.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from avhd_gui.library import format_time

STAGE_TITLES = {
    "extract": "Extracting features",
    "shots": "Finding shot cuts",
    "categories": "Finding categories",
    "pseudo": "Pseudo-highlights",
    "train": "Training",
    "score": "Scoring",
}

#: engine phrases that are not file names, in the app's words
PLAIN_DETAIL = {
    "loading feature extractors": "loading the video and audio models",
    "clustering videos": "grouping similar videos",
    "pseudo-highlights and cues scored": "",
    "scoring videos": "",
}

#: the time left is shown once the stage has run this long (a first rate is noise)
MIN_RATE_SECONDS = 0.2


@dataclass(frozen=True)
class ProgressView:
    """One state of the status bar.

    ``maximum == 0`` is a busy bar; ``counter`` is the bar's one text ("0:42 / 10:12 of
    footage", "epoch 3 of 10", "video 2 of 5"); ``detail`` a file name or phrase.
    """

    stage: str
    title: str
    counter: str = ""
    value: int = 0
    maximum: int = 0
    detail: str = ""
    eta: str = ""


def format_eta(seconds: float | None) -> str:
    """``"about 12 s left"`` / ``"about 3 min left"``; "" when unknown."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"


class _Footage:
    """Seconds of footage done over the library, from file and clip events."""

    def __init__(self, durations: dict[str, float], clip_seconds: float) -> None:
        self.durations = durations  # file name -> seconds (probed)
        self.clip_seconds = clip_seconds
        self.total = float(sum(durations.values()))
        self.finished = 0.0  # seconds of the files done
        self.current, self.current_seconds, self.fraction = "", 0.0, 0.0
        self._done_files = 0
        self.absolute: float | None = None  # the engine's own seconds count, once it sends one

    def on_file(self, done_files: int, name: str) -> None:
        if done_files > self._done_files:  # the current file ended
            self.finished += self.current_seconds
            self._done_files = done_files
            self.current, self.current_seconds, self.fraction = "", 0.0, 0.0
        if name and name != self.current:
            self.current, self.fraction = name, 0.0
            self.current_seconds = self.durations.get(name, 0.0)

    def on_clips(self, done: int, total: int, name: str) -> None:
        if name != self.current:
            self.on_file(self._done_files, name)
        if not self.current_seconds and total:  # not probed: its clips tell its length
            self.current_seconds = total * self.clip_seconds
            self.total += self.current_seconds
        self.fraction = min(1.0, done / total) if total else 0.0

    def on_seconds(self, done: float, total: float, name: str) -> None:
        """The engine's own count (seconds done over the library): it wins over the
        file and clip events from then on."""
        self.absolute = float(done)
        self.total = max(float(total), self.absolute)
        self.current = name or self.current

    @property
    def done(self) -> float:
        if self.absolute is not None:
            return self.absolute
        return min(self.total, self.finished + self.fraction * self.current_seconds)


class RunProgress:
    """Engine progress events in, :class:`ProgressView` out (see the module docstring)."""

    def __init__(self, durations: dict[str, float] | None = None, clip_seconds: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.footage = _Footage(dict(durations or {}), clip_seconds)
        self.stage = ""
        self._stage_start = clock()
        self._start_value = 0.0
        self._step = (0, 0, "")  # the last done, total, detail of a counted stage

    def on_progress(self, done: int, total: int, message: str) -> ProgressView:
        stage, sep, detail = message.partition(":")
        stage, detail = (stage.strip(), detail.strip()) if sep else ("", message.strip())
        self._enter(stage)
        if stage == "extract":
            self.footage.on_file(done, "" if detail in PLAIN_DETAIL else detail)
        self._step = (done, total, detail)
        return self.view()

    def on_clips(self, done: int, total: int, name: str) -> ProgressView:
        self._enter("extract")
        self.footage.on_clips(done, total, name)
        self._step = (self._step[0], self._step[1], name)
        return self.view()

    def on_footage(self, done: float, total: float, name: str) -> ProgressView:
        """The extract stage's seconds of footage done over the library, as the engine
        counts them (``core.progress.ExtractProgress``)."""
        self._enter("extract")
        self.footage.on_seconds(done, total, name)
        self._step = (self._step[0], self._step[1], name)
        return self.view()

    def tick(self) -> ProgressView:
        """The view again, with the seconds a busy stage has run."""
        return self.view()

    def _enter(self, stage: str) -> None:
        if stage != self.stage:
            self.stage, self._stage_start = stage, self._clock()
            self._start_value = self.footage.done if stage == "extract" else 0.0

    def view(self) -> ProgressView:
        done, total, detail = self._step
        title = STAGE_TITLES.get(self.stage, self.stage.capitalize() or "Working")
        detail = PLAIN_DETAIL.get(detail, detail)
        if self.stage == "extract" and self.footage.total > 0:
            f = self.footage
            counter = f"{format_time(f.done)} / {format_time(f.total)} of footage"
            return ProgressView(self.stage, title, counter, round(f.done * 10),
                                round(f.total * 10), detail, self._eta(f.done, f.total))
        if self.stage == "shots" and total > 0:  # seconds of footage searched for cuts
            counter = f"{format_time(done)} / {format_time(total)} of footage"
            return ProgressView(self.stage, title, counter, done, total, detail,
                                self._eta(done, total))
        if self.stage == "train" and total > 0:
            epoch = detail.removeprefix("epoch").strip()
            counter = f"epoch {epoch.replace('/', ' of ')}" if epoch else f"{done} of {total}"
            return ProgressView(self.stage, title, counter, done, total, "",
                                self._eta(done, total))
        if total > 1 or (total == 1 and self.stage not in ("categories", "pseudo")):
            counter = f"video {done} of {total}" if self.stage == "score" else (
                f"{done} of {total}")
            return ProgressView(self.stage, title, counter, done, total, detail,
                                self._eta(done, total))
        elapsed = self._clock() - self._stage_start  # nothing counted: a busy bar
        return ProgressView(self.stage, title, "", 0, 0, detail,
                            f"{elapsed:.0f} s" if elapsed >= 1 else "")

    def _eta(self, done: float, total: float) -> str:
        elapsed = self._clock() - self._stage_start
        moved = done - self._start_value
        if total <= 0 or moved <= 0 or elapsed < MIN_RATE_SECONDS:
            return ""
        return format_eta(max(0.0, (total - done) * elapsed / moved))
