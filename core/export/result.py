"""What an export returns: the written file, and for rendered reels a verification report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RenderReport:
    """The rendered file as probed after writing, against what the plan asked for."""

    path: str
    expected_duration: float  # sum of piece durations minus crossfade overlaps
    duration: float  # video stream duration of the output
    frames: int
    fps: float
    width: int
    height: int
    has_audio: bool
    audio_duration: float
    tolerance: float  # allowed |duration - expected| (one frame; more in fast mode)
    approximate: bool = False  # fast mode: cuts snapped to keyframes
    max_shift: float = 0.0  # fast mode: largest move of a cut point, seconds
    pieces: list[tuple[str, float, float]] = field(default_factory=list)  # as rendered
    audio_expected: bool = True  # False only in fast mode when no source has sound
    content_checked: int = 0  # pieces whose picture was compared with the source
    content_errors: list[str] = field(default_factory=list)  # pieces showing other frames

    @property
    def duration_ok(self) -> bool:
        return abs(self.duration - self.expected_duration) <= self.tolerance

    @property
    def ok(self) -> bool:
        if self.content_errors:
            return False
        if not self.audio_expected:
            return self.duration_ok
        return self.duration_ok and self.has_audio and self.audio_duration > 0

    @property
    def _audio_word(self) -> str:
        if self.has_audio:
            return "yes"
        return "MISSING" if self.audio_expected else "none (sources are silent)"

    def summary(self) -> str:
        """One human-readable line."""
        parts = [
            f"{Path(self.path).name}: {len(self.pieces)} pieces, {self.duration:.3f} s "
            f"(expected {self.expected_duration:.3f} s), {self.width}x{self.height} "
            f"@ {self.fps:g} fps, audio {self._audio_word}",
        ]
        if self.approximate:
            parts.append(
                f"fast mode: cuts snapped to keyframes, times approximate "
                f"(moved by up to {self.max_shift:.2f} s)"
            )
        if not self.duration_ok:
            parts.append("WARNING: duration differs from the plan by more than one frame")
        if self.content_errors:
            parts.append(
                f"WARNING: {len(self.content_errors)} of {self.content_checked} checked pieces "
                f"show the wrong source frames ({self.content_errors[0]})"
            )
        elif self.content_checked:
            parts.append(f"content checked on {self.content_checked} pieces")
        return "; ".join(parts)


@dataclass
class ExportResult:
    """The outcome of one export."""

    path: Path
    format: str
    duration: float  # reel duration, seconds
    pieces: int
    report: RenderReport | None = None
    warnings: list[str] = field(default_factory=list)
