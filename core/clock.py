"""The analysis clock of a video file: seconds from its first video frame.

Most files state when their video starts (the stream's start time). Two kinds do not:

* files whose first packets carry no timestamp (Matroska written with negative
  timestamps: the frames before zero come without one); the start is then the first
  stated timestamp minus one frame interval per frame before it;
* files whose timestamps jump back or leap forward (MPEG-TS files joined end to end, a
  restarted recorder); :class:`FrameClock` then continues the clock one frame after the
  previous frame, as ffmpeg does for these formats, so the file's whole content is on one
  clock that only moves forward.

:mod:`core.media` (analysis), :mod:`core.export` (renderer, timelines) use these functions,
so a time means the same frame everywhere.
"""

from __future__ import annotations

#: AVFMT_TS_DISCONT: formats whose timestamps may jump (MPEG-TS, MPEG-PS).
TS_DISCONT = 0x0200
#: A forward step of more than this many seconds (plus a few frames) is a jump.
MAX_STEP = 1.0


def may_jump(container) -> bool:
    """True for container formats whose timestamps may restart (MPEG-TS/PS)."""
    return bool(container.format.flags & TS_DISCONT)


def video_origin(container, stream, rate: float) -> float:
    """Time (seconds, file clock) of the first video frame; consumes packets.

    Open a fresh container for it (the demuxer position moves).
    """
    lead = 0
    for pkt in container.demux(stream):
        if pkt.size == 0:
            continue
        if pkt.pts is not None:
            t = float(pkt.pts * stream.time_base)
            return t - lead / rate if lead else _start(stream, t)
        lead += 1
        if lead > 100_000:
            break
    return _start(stream, 0.0)


def _start(stream, default: float) -> float:
    if stream.start_time is None:
        return default
    return float(stream.start_time * stream.time_base)


class FrameClock:
    """Analysis times of frames (or packets) in presentation order.

    ``time(pts_seconds)`` gives the frame's time from ``origin``; a missing timestamp is one
    frame after the previous one, and a jump back (or a leap of over :data:`MAX_STEP`)
    shifts the clock so that the frame follows its predecessor by one frame.
    """

    def __init__(self, origin: float, rate: float, *, jumps: bool = True) -> None:
        self.origin = origin
        self.dt = 1.0 / rate if rate > 0 else 0.04
        self.jumps = jumps
        self.shift = 0.0
        self.last: float | None = None

    def time(self, seconds: float | None) -> float:
        last = self.last
        if seconds is None:
            t = 0.0 if last is None else last + self.dt
        else:
            t = seconds - self.origin + self.shift
            step = MAX_STEP + 4 * self.dt
            if self.jumps and last is not None and (t < last - 1e-6 or t > last + step):
                self.shift += last + self.dt - t
                t = last + self.dt
        self.last = t
        return t


def scan_duration(container, stream, origin: float, rate: float, jumps: bool) -> float:
    """Seconds of video from the first frame to the end of the last, on the analysis clock.

    With ``jumps``, packets follow their decode times through :class:`FrameClock` (a
    presentation time is its decode time plus the packet's own offset); packets without
    timestamps (before the first stated one) each last one frame.
    """
    untimed = FrameClock(origin, rate, jumps=False)
    decode = FrameClock(origin, rate, jumps=True)
    end = 0.0
    for pkt in container.demux(stream):
        if pkt.size == 0:
            continue
        dur = float(pkt.duration * stream.time_base) if pkt.duration else untimed.dt
        if jumps and pkt.dts is not None:
            d = decode.time(float(pkt.dts * stream.time_base))
            off = 0.0 if pkt.pts is None else float((pkt.pts - pkt.dts) * stream.time_base)
            end = max(end, d + off + dur)
        elif pkt.pts is not None:
            end = max(end, float(pkt.pts * stream.time_base) - origin + dur)
        else:
            end = max(end, untimed.time(None) + dur)
    return max(0.0, end)
