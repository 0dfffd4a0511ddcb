"""Reading video files: probing, the clip grid, frame sampling and audio decoding.

All decoding goes through PyAV (FFmpeg's libraries in-process). Times are seconds measured
from the first video frame (the video stream's start time), so clip ``i`` of the grid, its
frames and its audio all refer to the same span of the file.

Frame sampling decodes the stream once with decoder threads and converts to RGB (and
resizes) only the frames that are kept. Two shortcuts skip decoding work that cannot change
the result: packets before a keyframe that precedes the next wanted frame are never decoded,
and non-reference frames (B-frames) far from any wanted time are discarded by the decoder.
``fast=False`` turns both off; the tests check that it returns the same frames.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core import clock
from core.errors import MediaError
from core.progress import CancelToken, check_cancel

#: File extensions recognised as video (lower case, without the dot).
VIDEO_EXTENSIONS = frozenset(
    "mp4 mov mkv webm avi mpg mpeg m4v wmv flv ts mts m2ts 3gp ogv".split()
)
#: A trailing partial clip is kept when it lasts at least this fraction of a clip.
TAIL_FRACTION = 0.5
#: Videos shorter than this many seconds are refused; longer ones give at least one clip.
MIN_VIDEO_SECONDS = 0.5
#: Share of video packets that may fail to decode before the file counts as broken.
MAX_BAD_PACKET_SHARE = 0.5
#: Frame rates outside this range (frames per second) are not believed.
FPS_RANGE = (1.0, 1000.0)


@dataclass
class MediaInfo:
    """What :func:`probe` learns about a file. Times in seconds, sizes in pixels.

    ``width``/``height`` are the stored frame size; ``rotation`` (degrees, a multiple of 90)
    is the display rotation that :func:`decode_clip_frames` applies.
    """

    path: str
    duration: float
    fps: float
    frame_count: int
    width: int
    height: int
    rotation: int
    has_audio: bool
    audio_channels: int
    audio_sample_rate: int
    video_codec: str
    container: str

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> MediaInfo:
        return cls(**d)


def is_video_file(path: str | os.PathLike) -> bool:
    """True when ``path`` has one of :data:`VIDEO_EXTENSIONS` (case-insensitive)."""
    return Path(path).suffix.lower().lstrip(".") in VIDEO_EXTENSIONS


def _reason(exc: BaseException) -> str:
    """A short human reason for a PyAV/OS error (no file name, no errno)."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).strip().rstrip(".")


def _open(path: str | os.PathLike):
    import av

    p = Path(path)
    if p.is_dir():
        raise MediaError(f"{p.name}: is a folder, not a video file")
    if not p.exists():
        raise MediaError(f"{p.name}: file not found")
    try:
        if p.stat().st_size == 0:
            raise MediaError(f"{p.name}: empty file (0 bytes)")
        return av.open(str(p), metadata_errors="ignore")
    except MediaError:
        raise
    except PermissionError as exc:
        raise MediaError(f"{p.name}: cannot read the file (permission denied)") from exc
    except av.error.InvalidDataError as exc:
        raise MediaError(
            f"{p.name}: not a readable media file (corrupt, truncated or not a video)"
        ) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{p.name}: cannot open ({_reason(exc)})") from exc


def _find_video_stream(container):
    """The first real video stream (cover art and thumbnails are not video), or None."""
    import av

    still = av.stream.Disposition.attached_pic | av.stream.Disposition.timed_thumbnails
    for stream in container.streams.video:
        if not stream.disposition & still:
            return stream
    return None


def _video_stream(container, name: str):
    fmt = container.format.name
    if fmt.endswith("_pipe") or fmt == "image2":
        raise MediaError(f"{name}: a still image, not a video")
    stream = _find_video_stream(container)
    if stream is None:
        if container.streams.audio:
            raise MediaError(f"{name}: no video stream (audio-only file)")
        raise MediaError(f"{name}: not a video file (no video or audio stream)")
    return stream


def _stream_start(stream) -> float:
    if stream.start_time is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _plausible(rate) -> float:
    """``rate`` as a float when it is a believable frame rate, else 0."""
    try:
        f = float(rate) if rate else 0.0
    except (TypeError, ZeroDivisionError, ValueError):
        return 0.0
    return f if FPS_RANGE[0] <= f <= FPS_RANGE[1] else 0.0


def stream_rate(stream, frames: int = 0, duration: float = 0.0) -> float:
    """The frame rate of a video stream, never an absurd one.

    The average rate (frames over the stream's duration) is used when believable; a file
    with one huge timestamp gap, or broken duration metadata, can give 0.002 fps, and then
    the stream's real rate (``r_frame_rate``: the usual frame interval), the codec's base
    rate, or the count of frames over the duration is used instead. 0 when none is.
    """
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        f = _plausible(rate)
        if f:
            return f
    return _plausible(frames / duration) if frames and duration > 0 else 0.0


def video_origin(path: str | os.PathLike, rate: float = 0.0) -> float:
    """Time (seconds, on the file's clock) of the first video frame: analysis time 0.

    See :mod:`core.clock` (files whose first frames carry no timestamp).
    """
    container = _open(path)
    try:
        vs = _video_stream(container, Path(path).name)
        return video_origin_of(container, vs, rate)
    finally:
        container.close()


def video_origin_of(container, vs, rate: float = 0.0) -> float:
    """:func:`video_origin` on an open container (its demuxer position moves)."""
    return clock.video_origin(container, vs, rate or stream_rate(vs) or 25.0)


def _rotation(frame) -> int:
    rot = int(round(getattr(frame, "rotation", 0) or 0))
    return (round(rot / 90) * 90) % 360


def probe(path: str | os.PathLike) -> MediaInfo:
    """Describe a video file, decoding its first frame to prove it is readable.

    Raises:
        MediaError: the file is missing, empty, not media, has no video stream, or no frame
            of it can be decoded.
    """
    import av

    p = Path(path)
    container = _open(p)
    try:
        vs = _video_stream(container, p.name)
        cc = vs.codec_context
        fps = stream_rate(vs)
        start = video_origin(p, fps)
        jumps = clock.may_jump(container)
        if jumps:
            duration = 0.0  # the stated durations ignore restarts: scanned below
        elif vs.duration:
            duration = float(vs.duration * vs.time_base)
        elif container.duration:
            c_start = (container.start_time or 0) / av.time_base
            duration = container.duration / av.time_base - max(0.0, start - c_start)
        else:
            duration = 0.0
        first = None
        try:
            for frame in container.decode(vs):
                first = frame
                break
        except av.error.FFmpegError as exc:
            raise MediaError(f"{p.name}: cannot decode video ({_reason(exc)})") from exc
        if first is None:
            raise MediaError(f"{p.name}: no decodable video frame")
        if duration <= 0 or first.pts is None:  # no timestamps at the start: count frames
            duration = _scan_duration(p, start, fps or 25.0, jumps)
        if fps <= 0:
            fps = stream_rate(vs, int(vs.frames or 0), duration) or 25.0
        frame_count = int(vs.frames) if vs.frames else max(1, int(round(duration * fps)))
        audio = container.streams.audio[0] if container.streams.audio else None
        return MediaInfo(
            path=str(p),
            duration=float(duration),
            fps=fps,
            frame_count=frame_count,
            width=int(cc.width or first.width),
            height=int(cc.height or first.height),
            rotation=_rotation(first),
            has_audio=audio is not None,
            audio_channels=int(audio.channels) if audio is not None else 0,
            audio_sample_rate=int(audio.rate or 0) if audio is not None else 0,
            video_codec=cc.name,
            container=container.format.name,
        )
    finally:
        container.close()


def _scan_duration(path: Path, start: float, rate: float, jumps: bool) -> float:
    """Duration from packet timestamps, for files whose headers do not state it (or state
    it wrongly: restarted timestamps, frames without timestamps)."""
    container = _open(path)
    try:
        vs = _find_video_stream(container)
        return clock.scan_duration(container, vs, start, rate, jumps)
    finally:
        container.close()


def clip_bounds(duration: float, clip_seconds: float = 2.0) -> np.ndarray:
    """Cut ``[0, duration]`` into consecutive clips of ``clip_seconds``.

    Rule for the end: a trailing partial clip is kept (ending at ``duration``) when it lasts
    at least ``TAIL_FRACTION`` (half) of a clip, otherwise dropped. A video shorter than one
    clip but at least ``MIN_VIDEO_SECONDS`` long gives one clip covering all of it.

    Returns:
        ``(n, 2)`` float64 start/end seconds, ``n >= 1``.

    Raises:
        MediaError: ``duration`` is below ``MIN_VIDEO_SECONDS``.
    """
    if clip_seconds <= 0:
        raise ValueError(f"clip_seconds must be positive, got {clip_seconds}")
    if not math.isfinite(duration) or duration < MIN_VIDEO_SECONDS:
        raise MediaError(
            f"video too short ({max(duration, 0):.2f} s; need at least {MIN_VIDEO_SECONDS} s)"
        )
    eps = 1e-6
    n_full = int(math.floor(duration / clip_seconds + eps))
    starts = [i * clip_seconds for i in range(n_full)]
    ends = [min((i + 1) * clip_seconds, duration) for i in range(n_full)]
    tail = duration - n_full * clip_seconds
    if n_full == 0 or tail >= TAIL_FRACTION * clip_seconds - eps:
        if tail > eps:
            starts.append(n_full * clip_seconds)
            ends.append(duration)
    return np.column_stack([starts, ends]).astype(np.float64)


#: First word of the note for a file whose video ends before its stated duration.
TRUNCATED = "truncated"


def truncation_note(path: str | os.PathLike, bounds: np.ndarray, clip_seconds: float) -> str:
    """A note when the clips decoded from ``path`` (``bounds``) end before its stated
    duration asks for (a truncated file keeps the clips it has); "" otherwise."""
    b = np.asarray(bounds, np.float64).reshape(-1, 2)
    try:
        stated = probe(path).duration
        want = clip_bounds(stated, clip_seconds)
    except MediaError:
        return ""
    if len(b) >= len(want):
        return ""
    return (
        f"{TRUNCATED}: the video data ends at {b[-1, 1]:.1f} s of the {stated:.1f} s the file "
        f"states; used 0-{b[-1, 1]:.1f} s ({len(b)} of {len(want)} clips)"
    )


def clip_sample_times(bounds: np.ndarray, frames_per_clip: int = 1) -> np.ndarray:
    """``(n, k)`` times of the frames taken per clip: centres of ``k`` equal sub-spans.

    With ``k = 1`` that is the clip centre.
    """
    if frames_per_clip < 1:
        raise ValueError(f"frames_per_clip must be >= 1, got {frames_per_clip}")
    b = np.asarray(bounds, np.float64).reshape(-1, 2)
    frac = (np.arange(frames_per_clip) + 0.5) / frames_per_clip
    return b[:, :1] + (b[:, 1:] - b[:, :1]) * frac[None, :]


def _to_rgb(frame, size: tuple[int, int], interpolation) -> np.ndarray:
    h, w = size
    k = (_rotation(frame) // 90) % 4
    if k % 2:  # rotated a quarter turn: decode at the transposed size, then turn
        h, w = w, h
    img = frame.to_ndarray(width=w, height=h, format="rgb24", interpolation=interpolation)
    if k:
        img = np.ascontiguousarray(np.rot90(img, k))
    return img


def iter_clip_frames(
    path: str | os.PathLike,
    bounds: np.ndarray,
    frames_per_clip: int = 1,
    size: tuple[int, int] = (224, 224),
    *,
    fast: bool = True,
    cancel: CancelToken | None = None,
    stats: dict | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(clip_index, frames)`` with ``frames`` uint8 ``(k, H, W, 3)``, in clip order.

    Each wanted time gets the decoded frame nearest to it, converted to RGB at
    ``size = (height, width)`` and turned upright by the rotation metadata. When the stream
    ends early (a truncated file), clips that still contain decoded video reuse the last
    frame for their missing times and later clips are not yielded.

    ``stats``, when given, is filled with counts: ``packets`` read, ``skipped_packets``
    never decoded, ``frames`` decoded.

    Raises:
        MediaError: the file cannot be opened or too much of its video fails to decode.
        Cancelled: ``cancel`` was set (checked once per clip and every few hundred packets).
    """
    import av

    p = Path(path)
    times = clip_sample_times(bounds, frames_per_clip)
    n_clips, k = times.shape
    if n_clips == 0:
        return
    targets = times.ravel()
    n_targets = len(targets)
    container = _open(p)
    try:
        vs = _video_stream(container, p.name)
        vs.thread_type = "AUTO"
        cc = vs.codec_context
        tb = vs.time_base
        rate = stream_rate(vs)
        dt = 1.0 / rate if rate else 0.04
        origin = video_origin(p, rate)
        jumps = clock.may_jump(container)
        fast = fast and not jumps  # skipping by packet time needs times that only increase
        frame_clock = clock.FrameClock(origin, 1.0 / dt, jumps=jumps)
        margin = max(3.0 * dt, 0.15)  # decode every frame this close to a wanted time
        lookahead = max(12.0 * dt, 0.5)  # send held packets this long before a wanted time
        interp = av.video.reformatter.Interpolation.AREA

        slots: list[np.ndarray | None] = [None] * n_targets
        state = {"ti": 0, "prev": None, "prev_img": None, "frames": 0}
        next_clip = 0

        def take(frame) -> np.ndarray:
            if state["prev_img"] is not None and state["prev_img"][0] is frame:
                return state["prev_img"][1]
            img = _to_rgb(frame, size, interp)
            state["prev_img"] = (frame, img)
            return img

        def frame_time(frame) -> float:
            return frame_clock.time(None if frame.pts is None else float(frame.pts * tb))

        def handle(frame) -> None:
            ft = frame_time(frame)
            state["frames"] += 1
            prev = state["prev"]
            ti = state["ti"]
            while ti < n_targets and ft >= targets[ti]:
                t = targets[ti]
                use = frame if prev is None or (ft - t) <= (t - prev[1]) else prev[0]
                slots[ti] = take(use)
                ti += 1
            state["ti"] = ti
            state["prev"] = (frame, ft)

        def ready_clips() -> Iterator[tuple[int, np.ndarray]]:
            nonlocal next_clip
            while next_clip < n_clips and state["ti"] >= (next_clip + 1) * k:
                i = next_clip
                frames = np.stack(slots[i * k : (i + 1) * k])
                slots[i * k : (i + 1) * k] = [None] * k
                next_clip += 1
                yield i, frames

        mode = None
        bad = 0
        good = 0
        held: list = []

        def feed(pkt) -> None:
            nonlocal mode, bad, good
            if fast:
                want = "DEFAULT"
                ti = state["ti"]
                if pkt.pts is not None and ti < n_targets:
                    pt = float(pkt.pts * tb) - origin
                    if pt < targets[ti] - margin:
                        want = "NONREF"
                if want != mode:
                    cc.skip_frame = want
                    mode = want
            try:
                frames = cc.decode(pkt)
            except av.error.FFmpegError:
                bad += 1
                return
            good += 1
            for frame in frames:
                handle(frame)

        def drain() -> None:
            try:
                for frame in cc.decode(None):
                    handle(frame)
            except av.error.FFmpegError:
                pass

        n_pkt = skipped = 0
        for pkt in container.demux(vs):
            if pkt.size == 0:
                continue
            n_pkt += 1
            if n_pkt % 256 == 0:
                check_cancel(cancel)
            ti = state["ti"]
            if ti >= n_targets:
                break
            if fast and pkt.pts is not None:
                pt = float(pkt.pts * tb) - origin
                if pkt.is_keyframe and pt <= targets[ti]:
                    if held:  # nothing before this keyframe is needed: skip it undecoded
                        skipped += len(held)
                        held.clear()
                        drain()
                        cc.flush_buffers()
                        state["prev"] = None
                        mode = None
                        yield from ready_clips()
                        if state["ti"] >= n_targets:
                            break
                    held.append(pkt)
                    continue
                if pt < targets[ti] - lookahead:
                    held.append(pkt)
                    continue
            for h in held:
                feed(h)
            held.clear()
            feed(pkt)
            for item in ready_clips():
                check_cancel(cancel)
                yield item
        for h in held:
            feed(h)
        drain()
        if bad and bad > MAX_BAD_PACKET_SHARE * max(1, bad + good):
            raise MediaError(f"{p.name}: video stream is corrupt ({bad} undecodable packets)")
        yield from ready_clips()
        # End of stream: clips that still hold decoded video reuse the last frame.
        last = state["prev"]
        if last is not None and next_clip < n_clips:
            covered_until = last[1] + dt
            bnd = np.asarray(bounds, np.float64).reshape(-1, 2)
            while state["ti"] < n_targets:
                clip = state["ti"] // k
                if bnd[clip, 0] >= covered_until:
                    break
                slots[state["ti"]] = take(last[0])
                state["ti"] += 1
            yield from ready_clips()
        if stats is not None:
            stats.update(packets=n_pkt, skipped_packets=skipped, frames=state["frames"])
        if state["frames"] == 0:
            raise MediaError(f"{p.name}: no decodable video frame")
    finally:
        container.close()


def decode_clip_frames(
    path: str | os.PathLike,
    bounds: np.ndarray,
    frames_per_clip: int = 1,
    size: tuple[int, int] = (224, 224),
    *,
    fast: bool = True,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Frames of every clip as uint8 ``(n_clips, k, H, W, 3)`` (see :func:`iter_clip_frames`).

    The result has fewer rows than ``bounds`` only when the video stream ends early.
    """
    h, w = size
    it = iter_clip_frames(path, bounds, frames_per_clip, size, fast=fast, cancel=cancel)
    rows = [frames for _, frames in it]
    if not rows:
        return np.zeros((0, frames_per_clip, h, w, 3), np.uint8)
    return np.stack(rows)


def decode_audio(
    path: str | os.PathLike, sample_rate: int, *, cancel: CancelToken | None = None
) -> np.ndarray:
    """Decode the first audio stream to mono float32 at ``sample_rate``.

    Channels are down-mixed by FFmpeg's resampler. Sample 0 is the time of the first video
    frame (audio that starts later is padded with silence, earlier audio is cut), and gaps
    left by undecodable packets stay silent so the track stays in sync.

    Raises:
        MediaError: no audio stream, or the audio cannot be decoded.
    """
    import av

    p = Path(path)
    container = _open(p)
    try:
        if not container.streams.audio:
            raise MediaError(f"{p.name}: no audio stream")
        stream = container.streams.audio[0]
        vs = _find_video_stream(container)
        origin = video_origin(p) if vs is not None else 0.0
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        chunks: list[np.ndarray] = []
        lead = 0  # origin-relative index of the first sample in ``chunks`` (< 0: cut later)
        pos = 0  # origin-relative index of the next sample
        bad = good = 0
        n_pkt = 0
        first = True
        for pkt in container.demux(stream):
            n_pkt += 1
            if n_pkt % 512 == 0:
                check_cancel(cancel)
            try:
                frames = stream.decode(pkt)
            except av.error.FFmpegError:
                bad += 1
                continue
            good += 1
            for frame in frames:
                if frame.pts is not None:
                    start = int(round((float(frame.pts * stream.time_base) - origin) * sample_rate))
                    if first and start > 0:  # audio starts after the first video frame
                        chunks.append(np.zeros(start, np.float32))
                        pos = start
                    elif first:
                        lead = pos = start
                    elif start - pos > sample_rate // 10:  # a hole (lost packets): keep sync
                        chunks.append(np.zeros(start - pos, np.float32))
                        pos = start
                first = False
                try:
                    out = resampler.resample(frame)
                except ValueError:  # the channel layout or rate changed mid-stream
                    out = resampler.resample(None)
                    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
                    try:
                        out += resampler.resample(frame)
                    except (av.error.FFmpegError, ValueError) as exc:
                        raise MediaError(
                            f"{p.name}: cannot resample audio ({_reason(exc)})"
                        ) from exc
                except av.error.FFmpegError as exc:
                    raise MediaError(f"{p.name}: cannot resample audio ({_reason(exc)})") from exc
                for f in out:
                    a = f.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                    chunks.append(a)
                    pos += a.size
        if good == 0 or (bad and bad > MAX_BAD_PACKET_SHARE * (bad + good)):
            raise MediaError(f"{p.name}: audio stream cannot be decoded")
        for f in resampler.resample(None):
            chunks.append(f.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        wave = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        if lead < 0:  # drop audio from before the first video frame
            wave = wave[-lead:]
        if wave.size == 0:
            raise MediaError(f"{p.name}: audio stream holds no samples")
        return np.clip(wave, -1.0, 1.0, out=wave)
    finally:
        container.close()
