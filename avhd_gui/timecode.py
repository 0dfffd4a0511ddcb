"""Frame-exact times: snapping seconds to a video's frame grid and SMPTE-style timecode.

Edit points are stored in seconds (the project and highlights files keep floats), but every
edit the app makes lands on a frame: ``frame_time(t, fps)`` is ``k / fps`` for the nearest
frame ``k``, so ``frame_index`` gives that ``k`` back exactly. Timecode is
``HH:MM:SS:FF`` with ``FF`` counted at the video's (rounded) rate, non-drop-frame.
"""

from __future__ import annotations

import math

DEFAULT_FPS = 25.0


def _rate(fps: float | None) -> float:
    return float(fps) if fps and fps > 0 and math.isfinite(fps) else DEFAULT_FPS


def frame_index(seconds: float, fps: float | None) -> int:
    """The frame whose start is nearest ``seconds`` (never negative)."""
    return max(0, int(math.floor(float(seconds) * _rate(fps) + 0.5)))


def frame_time(seconds: float, fps: float | None) -> float:
    """``seconds`` moved to the nearest frame start, ``k / fps``."""
    return frame_index(seconds, fps) / _rate(fps)


def step_frames(seconds: float, frames: int, fps: float | None) -> float:
    """The time ``frames`` frames after (or before) the frame nearest ``seconds``."""
    return max(0, frame_index(seconds, fps) + int(frames)) / _rate(fps)


def format_timecode(seconds: float | None, fps: float | None) -> str:
    """``HH:MM:SS:FF`` at ``fps`` (frames counted at the rounded rate); "–" for unknown."""
    if seconds is None:
        return "–"
    base = max(1, int(round(_rate(fps))))
    # count frames at the real rate, split them at the nominal one (non-drop-frame)
    frames = frame_index(seconds, fps)
    total_s, ff = divmod(frames, base)
    h, rem = divmod(total_s, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{ff:02d}"


def parse_timecode(text: str, fps: float | None) -> float:
    """Seconds (frame-exact) from ``HH:MM:SS:FF``, ``M:SS.ss`` or plain seconds.

    Raises:
        ValueError: the text is not a time.
    """
    text = text.strip()
    parts = text.split(":")
    if not text or len(parts) > 4 or any(not p.strip() for p in parts):
        raise ValueError(f"not a time: {text!r}")
    if len(parts) == 4:
        h, m, s, ff = (int(p) for p in parts)
        base = max(1, int(round(_rate(fps))))
        if ff >= base or m >= 60 or s >= 60:
            raise ValueError(f"not a timecode at {base} fps: {text!r}")
        return ((h * 3600 + m * 60 + s) * base + ff) / _rate(fps)
    value = 0.0
    for p in parts:
        value = value * 60 + float(p)
    if value < 0 or not math.isfinite(value):
        raise ValueError(f"not a time: {text!r}")
    return frame_time(value, fps)
