"""Check that a rendered reel shows the right source frames, not only the right length.

For a sample of pieces, the reel frame at a piece's first clean frame (past any fade or
crossfade) is compared with the source frame at the same analysis time (seconds from the
source's first video frame, :mod:`core.media`), both reduced to small grey thumbnails of
the picture area (letterbox bars cut off). A piece fails when no source frame within one
frame of that time looks like it: a cut on the wrong clock (shifted by the stream's start
time) or a wrong source shows here even when the reel's duration is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Mean absolute grey difference (0-255) above which two thumbnails show different pictures.
MISMATCH = 12.0
#: At most this many pieces are checked (spread over the reel).
MAX_CHECKS = 8
_THUMB = 24


@dataclass(frozen=True)
class ContentCheck:
    """One reel time to compare with one source time."""

    source: str
    source_time: float  # analysis time in the source
    reel_time: float  # seconds into the reel


def _thumb(img: np.ndarray, n: int = _THUMB) -> np.ndarray:
    """Block-average an ``(H, W, 3)`` uint8 picture to an ``(n, n)`` grey thumbnail."""
    grey = img.astype(np.float64).mean(axis=2)
    h, w = grey.shape
    rows = np.linspace(0, h, min(n, h) + 1).astype(int)[:-1]
    cols = np.linspace(0, w, min(n, w) + 1).astype(int)[:-1]
    return np.add.reduceat(np.add.reduceat(grey, rows, axis=0), cols, axis=1) / (
        np.diff(np.r_[rows, h])[:, None] * np.diff(np.r_[cols, w])[None, :]
    )


def _box(src_w: int, src_h: int, out_w: int, out_h: int) -> tuple[int, int, int, int]:
    """Where the renderer's scale + pad put the source picture: ``x, y, w, h``."""
    f = min(out_w / src_w, out_h / src_h)
    w = max(2, int(src_w * f) // 2 * 2)
    h = max(2, int(src_h * f) // 2 * 2)
    return (out_w - w) // 2, (out_h - h) // 2, w, h


def _source_thumbs(path: str, t: float, size: tuple[int, int], inset: int) -> list[np.ndarray]:
    """Thumbnails of the source frames nearest ``t`` and one frame either side, scaled to
    ``size`` (the picture area in the reel) and cut by ``inset`` pixels like the reel's."""
    import av

    from core import clock
    from core.media import _find_video_stream, _to_rgb, stream_rate, video_origin

    interp = av.video.reformatter.Interpolation.AREA
    rate = 25.0
    with av.open(path, metadata_errors="ignore") as c:
        vs = _find_video_stream(c)
        rate = stream_rate(vs) or 25.0
        jumps = clock.may_jump(c)
        origin = video_origin(path, rate)
        timeline = clock.FrameClock(origin, rate, jumps=jumps)
        stated = None if vs.start_time is None else float(vs.start_time * vs.time_base)
        if not jumps and stated is not None and abs(stated - origin) < 1e-6:  # seek near t
            c.seek(max(0, int((origin + t - 0.2) / vs.time_base)), stream=vs)
        frames = []
        for frame in _decode_near(c, vs, [] if jumps else [origin + t]):
            ft = timeline.time(None if frame.pts is None else float(frame.pts * vs.time_base))
            frames.append((ft, frame))
            frames = frames[-3:]
            if ft > t + 1.5 / rate:
                break
        near = sorted(frames, key=lambda p: abs(p[0] - t))[:3]
        h, w = size
        crops = [_to_rgb(f, size, interp)[inset : h - inset, inset : w - inset] for _, f in near]
        return [_thumb(c) for c in crops]


def _decode_near(container, stream, wants: list[float], margin: float = 0.3):
    """Decode ``stream`` with threads; frames that nothing refers to are not decoded while
    the packets are more than ``margin`` seconds before the next of ``wants`` (sorted,
    seconds on the file's clock; empty: decode everything)."""
    import av

    stream.thread_type = "AUTO"
    cc = stream.codec_context
    mode, k = None, 0
    for pkt in container.demux(stream):
        t = None if pkt.pts is None else float(pkt.pts * stream.time_base)
        while t is not None and k < len(wants) and t > wants[k] + margin:
            k += 1
        far = t is not None and k < len(wants) and t < wants[k] - margin
        if ("NONREF" if far else "DEFAULT") != mode:
            mode = "NONREF" if far else "DEFAULT"
            cc.skip_frame = mode
        try:
            yield from cc.decode(pkt if pkt.size else None)
        except av.FFmpegError:
            continue


def _reel_frames(path: str, times: list[float]) -> list[np.ndarray | None]:
    """RGB pictures of the reel frames at ``times`` (nearest frame each)."""
    import av

    from core.media import stream_rate

    out: list[np.ndarray | None] = [None] * len(times)
    order = sorted(range(len(times)), key=lambda i: times[i])
    k = 0
    with av.open(path) as c:
        v = c.streams.video[0]
        half = 0.5 / (stream_rate(v) or 25.0)
        start = float(v.start_time * v.time_base) if v.start_time is not None else 0.0
        wants = sorted(start + x for x in times)
        for frame in _decode_near(c, v, wants):
            if k >= len(order):
                break
            ft = float(frame.time or 0.0)
            while k < len(order) and ft >= times[order[k]] - half:
                out[order[k]] = frame.to_ndarray(format="rgb24")
                k += 1
    return out


def check_content(path: str, checks: list[ContentCheck], sizes: dict[str, tuple[int, int]]):
    """Compare the reel at ``path`` with its sources; return one message per bad piece.

    ``sizes`` maps each source to its display size ``(width, height)``.
    """
    if len(checks) > MAX_CHECKS:
        pick = np.linspace(0, len(checks) - 1, MAX_CHECKS).round().astype(int)
        checks = [checks[i] for i in dict.fromkeys(pick.tolist())]
    reel = _reel_frames(path, [c.reel_time for c in checks])
    errors = []
    for chk, img in zip(checks, reel, strict=True):
        if img is None:
            errors.append(f"no reel frame at {chk.reel_time:.2f} s")
            continue
        sw, sh = sizes[chk.source]
        x, y, w, h = _box(sw, sh, img.shape[1], img.shape[0])
        inset = 2 if w > 8 and h > 8 else 0
        crop = img[y + inset : y + h - inset, x + inset : x + w - inset]
        got = _thumb(crop)
        thumbs = _source_thumbs(chk.source, chk.source_time, (h, w), inset)
        best = min((float(np.abs(got - t).mean()) for t in thumbs), default=np.inf)
        if best > MISMATCH:
            errors.append(
                f"reel frame at {chk.reel_time:.2f} s does not show the source frame at "
                f"{chk.source_time:.2f} s (difference {best:.0f})"
            )
    return errors
