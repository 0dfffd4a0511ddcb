"""Feature extraction for one file or a whole library, with the content-keyed cache.

Per file: probe, cut the clip grid (:func:`core.media.clip_bounds`), then decode frames in a
background thread that feeds batches through a small bounded queue while the calling thread
runs the visual extractor (PyAV releases the GIL while decoding). The audio track is decoded
once, at the audio extractor's sample rate, in a second thread and embedded per clip at the
end. A video whose audio is absent or undecodable keeps its visual features and gets
``audio=None`` with the reason in ``audio_missing``.

Source files are only read; results go to the feature cache (``core.cache``) and to the
returned :class:`core.artifacts.ClipFeatures`.
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.artifacts import ClipFeatures
from core.cache import FeatureCache, content_fingerprint, feature_key
from core.errors import AvhdError, Cancelled, FeatureError, MediaError
from core.features.base import AudioExtractor, VisualExtractor
from core.fileio import write_json_atomic
from core.footage import scan, skip_reason
from core.media import (
    VIDEO_EXTENSIONS,
    clip_bounds,
    decode_audio,
    iter_clip_frames,
    probe,
    truncation_note,
)
from core.progress import CancelToken, ProgressFn, check_cancel, report
from core.signals import MotionMeter, finish_motion, loudness_db

log = logging.getLogger(__name__)

PROCESSED, CACHED, SKIPPED, FAILED = "processed", "cached", "skipped", "failed"
STATUSES = (PROCESSED, CACHED, SKIPPED, FAILED)
#: Frames per visual-extractor call when the extractor does not say (``batch_size``).
DEFAULT_BATCH_FRAMES = 32
_QUEUE_BATCHES = 2
_EMPTY = object()


@dataclass
class FileResult:
    """What happened to one input file."""

    path: str
    status: str
    reason: str = ""
    n_clips: int = 0
    duration: float = 0.0  # seconds of video covered by the clips
    seconds: float = 0.0  # wall-clock seconds spent on the file
    audio_missing: str | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass
class ExtractReport:
    """Outcome of :func:`extract_library`: one :class:`FileResult` per input, and features."""

    results: list[FileResult] = field(default_factory=list)
    features: list[ClipFeatures] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.results:
            out[r.status] += 1
        return out

    @property
    def ok(self) -> bool:
        """True when at least one file has features (processed or from the cache)."""
        c = self.counts()
        return c[PROCESSED] + c[CACHED] > 0

    def to_dict(self) -> dict:
        return {
            "settings": self.settings,
            "counts": self.counts(),
            "files": [asdict(r) for r in self.results],
        }

    def save_json(self, path: str | os.PathLike) -> Path:
        return write_json_atomic(path, self.to_dict())


def _strip_name(message: str, name: str) -> str:
    prefix = f"{name}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


class _Worker(threading.Thread):
    """A thread that runs ``fn(stop_token)`` and keeps its result or exception."""

    def __init__(self, name: str, fn) -> None:
        super().__init__(name=name, daemon=False)
        self._fn = fn
        self.stop = CancelToken()
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._fn(self.stop)
        except BaseException as exc:  # handed to the caller
            self.error = exc


def _frame_batches(path, bounds, k, size, batch_frames, out: queue.Queue, stop: CancelToken):
    """Producer: put ``(first_clip, frames (m, k, H, W, 3))`` batches, then ``None``."""

    def put(item) -> None:
        while True:
            stop.check()
            try:
                out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    it = iter_clip_frames(path, bounds, k, size, cancel=stop)
    try:
        batch: list[np.ndarray] = []
        first = 0
        for i, frames in it:
            if not batch:
                first = i
            batch.append(frames)
            if len(batch) * k >= batch_frames:
                put((first, np.stack(batch)))
                batch = []
        if batch:
            put((first, np.stack(batch)))
        put(None)
    finally:
        it.close()


def _accepts(fn, name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _embed_visual(visual: VisualExtractor, frames: np.ndarray) -> np.ndarray:
    m, k = frames.shape[:2]
    emb = np.asarray(visual.embed_frames(frames.reshape(m * k, *frames.shape[2:])), np.float32)
    if emb.ndim != 2 or emb.shape[0] != m * k:
        raise FeatureError(
            f"visual extractor {visual.NAME!r} returned shape {emb.shape} for {m * k} frames"
        )
    return emb.reshape(m, k, -1).mean(axis=1)


class _EmbedFailed(Exception):
    """The audio extractor (not the decoder) failed in the audio thread."""


def _audio_job(path: Path, audio: AudioExtractor, bounds: np.ndarray, stop: CancelToken):
    """Decode the audio track and embed every clip of the full grid, beside the video.

    Runs in its own thread while the visual extractor runs on the caller's, so the audio
    network is no longer paid after the video. Clips are embedded independently, so the
    caller keeps the first rows when the video turns out shorter than probed.
    """
    wave = decode_audio(path, int(audio.sample_rate), cancel=stop)
    need = int(math.ceil(bounds[-1, 1] * audio.sample_rate))
    if wave.size < need:
        wave = np.concatenate([wave, np.zeros(need - wave.size, np.float32)])
    signals = {"loudness": loudness_db(wave, audio.sample_rate, bounds)}
    stop.check()
    kwargs = {"cancel": stop} if _accepts(audio.embed_clips, "cancel") else {}
    try:
        if hasattr(audio, "embed_clips_and_events"):  # YAMNet: its AudioSet head too
            feats, events = audio.embed_clips_and_events(wave, bounds, **kwargs)
            signals.update(events)
        else:
            feats = audio.embed_clips(wave, bounds, **kwargs)
        feats = np.asarray(feats, np.float32)
    except Cancelled:
        raise
    except Exception as exc:
        raise _EmbedFailed() from exc
    if feats.ndim != 2 or feats.shape[0] != len(bounds):
        raise FeatureError(
            f"audio extractor {audio.NAME!r} returned shape {feats.shape} for {len(bounds)} clips"
        )
    return feats, signals


def _join_audio(
    path: Path, worker: _Worker, n_clips: int, cancel: CancelToken | None
) -> tuple[np.ndarray | None, str | None, dict[str, np.ndarray]]:
    """Wait for :func:`_audio_job`: ``(features, None, signals)`` or
    ``(None, why audio is missing, {})``."""
    while worker.is_alive():
        check_cancel(cancel)
        worker.join(timeout=0.1)
    err = worker.error
    if err is None:
        feats, signals = worker.result
        return feats[:n_clips], None, {k: v[:n_clips] for k, v in signals.items()}
    if isinstance(err, _EmbedFailed):
        raise err.__cause__
    if isinstance(err, (FeatureError, Cancelled)):
        raise err
    if not isinstance(err, AvhdError):
        log.debug("audio decoding of %s failed", path, exc_info=err)
    return None, _strip_name(str(err), path.name) or type(err).__name__, {}


def _consume_frames(
    path: Path,
    visual: VisualExtractor,
    frames_q: queue.Queue,
    video_worker: _Worker,
    n: int,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Embed the decoder's frame batches in order on the calling thread; also returns the
    per-frame motion of the same frames (:class:`core.signals.MotionMeter`)."""
    rows: list[np.ndarray] = []
    meter, motion = MotionMeter(), []  # per-clip signals, no extra decoding
    done = 0
    report(progress, 0, n, path.name)
    while True:
        check_cancel(cancel)
        try:
            item = frames_q.get(timeout=0.1)
        except queue.Empty:
            item = _EMPTY
        if item is _EMPTY:
            if not video_worker.is_alive() and frames_q.empty():
                if video_worker.error is not None:
                    raise video_worker.error
                raise MediaError(f"{path.name}: frame decoding stopped unexpectedly")
            continue
        if item is None:
            break
        first, frames = item
        if first != done:
            raise MediaError(f"{path.name}: frames arrived out of order")
        rows.append(_embed_visual(visual, frames))
        motion.append(meter.update(frames))
        done += frames.shape[0]
        report(progress, done, n, path.name)
    if done == 0:
        raise MediaError(f"{path.name}: no decodable video frame")
    return np.concatenate(rows).astype(np.float32), np.concatenate(motion)


def _compute(
    path: Path,
    visual: VisualExtractor,
    audio: AudioExtractor | None,
    clip_seconds: float,
    frames_per_clip: int,
    fingerprint: str,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
) -> ClipFeatures:
    info = probe(path)
    bounds = clip_bounds(info.duration, clip_seconds)
    n = len(bounds)
    size = tuple(int(x) for x in visual.input_size)
    batch_frames = int(getattr(visual, "batch_size", 0) or DEFAULT_BATCH_FRAMES)

    audio_worker = None
    audio_missing = None
    if audio is None:
        audio_missing = "no audio extractor was asked for"
    elif not info.has_audio:
        audio_missing = "no audio stream"
    else:
        audio_worker = _Worker("avhd-audio", lambda stop: _audio_job(path, audio, bounds, stop))

    frames_q: queue.Queue = queue.Queue(maxsize=_QUEUE_BATCHES)
    video_worker = _Worker(
        "avhd-frame-decode",
        lambda stop: _frame_batches(
            path, bounds, frames_per_clip, size, batch_frames, frames_q, stop
        ),
    )
    workers = [w for w in (video_worker, audio_worker) if w is not None]
    try:
        for w in workers:
            w.start()
        visual_feats, motion = _consume_frames(
            path, visual, frames_q, video_worker, n, progress, cancel
        )
        bounds = bounds[: len(visual_feats)]
        signals: dict[str, np.ndarray] = {"motion": finish_motion(motion, frames_per_clip)}
        audio_feats = None
        if audio_worker is not None:
            audio_feats, audio_missing, audio_signals = _join_audio(
                path, audio_worker, len(bounds), cancel
            )
            signals.update(audio_signals)
    finally:
        for w in workers:
            w.stop.cancel()
        while True:  # unblock a producer waiting on a full queue
            try:
                frames_q.get_nowait()
            except queue.Empty:
                break
        for w in workers:
            if w.ident is not None:
                w.join()

    return ClipFeatures(
        path=str(path),
        content_key=fingerprint,
        clip_seconds=float(clip_seconds),
        bounds=bounds,
        visual=visual_feats,
        audio=audio_feats,
        visual_extractor=visual.NAME,
        audio_extractor=audio.NAME if audio is not None else "",
        audio_missing=audio_missing,
        signals=signals,
    )


def _resolve_cache(cache: FeatureCache | bool | None) -> FeatureCache | None:
    if cache is True:
        return FeatureCache()
    if cache is False or cache is None:
        return None
    return cache


def _check_settings(clip_seconds: float, frames_per_clip: int) -> None:
    if not (clip_seconds > 0 and math.isfinite(clip_seconds)):
        raise AvhdError(f"clip length must be a positive number of seconds, got {clip_seconds}")
    if int(frames_per_clip) != frames_per_clip or frames_per_clip < 1:
        raise AvhdError(f"frames per clip must be a whole number >= 1, got {frames_per_clip}")


def _extract_one(
    path, visual, audio, clip_seconds, frames_per_clip, store, progress, cancel
) -> tuple[ClipFeatures, bool]:
    p = Path(path)
    reason = skip_reason(p)  # before any open(): a FIFO would block, /dev/zero never ends
    if reason is not None:
        raise MediaError(f"{p.name}: {'file not found' if reason == 'no such file' else reason}")
    fingerprint = content_fingerprint(p)
    key = None
    if store is not None:
        key = feature_key(fingerprint, visual, audio, clip_seconds, frames_per_clip)
        hit = store.get(key, path=p, visual=visual, audio=audio)
        if hit is not None:
            report(progress, hit.n_clips, hit.n_clips, p.name)
            return hit, True
    feats = _compute(p, visual, audio, clip_seconds, frames_per_clip, fingerprint, progress, cancel)
    if store is not None:
        store.put(key, feats)
    return feats, False


def extract_file(
    path: str | os.PathLike,
    visual: VisualExtractor,
    audio: AudioExtractor | None,
    clip_seconds: float = 2.0,
    frames_per_clip: int = 1,
    cache: FeatureCache | bool | None = True,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ClipFeatures:
    """Per-clip visual and audio features of one video, from the cache when possible.

    Each clip's visual feature is the mean over its ``frames_per_clip`` frames (taken at
    the centres of equal sub-spans of the clip).

    Args:
        path: the video file (only read, never written).
        visual: visual extractor; frames are decoded at its ``input_size``.
        audio: audio extractor, or ``None`` for visual-only features.
        clip_seconds: clip length; see :func:`core.media.clip_bounds` for the last clip.
        frames_per_clip: frames sampled per clip.
        cache: ``True`` for the default :class:`FeatureCache`, a cache object, or
            ``False``/``None`` to neither read nor write one.
        progress: ``progress(done_clips, total_clips, file_name)``.
        cancel: checked once per batch; when set, :class:`core.errors.Cancelled` is raised.

    Raises:
        MediaError: the file is not a usable video.
        FeatureError: an extractor failed.
        Cancelled: ``cancel`` was set.
    """
    _check_settings(clip_seconds, frames_per_clip)
    store = _resolve_cache(cache)
    return _extract_one(
        path, visual, audio, clip_seconds, frames_per_clip, store, progress, cancel
    )[0]


def find_videos(
    inputs: str | os.PathLike | Sequence[str | os.PathLike],
    glob: str | None = None,
    recursive: bool = True,
) -> tuple[list[Path], list[FileResult]]:
    """Video files among ``inputs`` (folders are searched; hidden files are ignored).

    What counts as footage is decided by :func:`core.footage.scan`: non-regular files
    (pipes, devices, link loops, dangling links), empty files and AVHD's own outputs come
    back as ``skipped`` results with their reason. Files found in a folder without a video
    extension are ignored silently; files named explicitly are reported as ``skipped``.

    Raises:
        MediaError: an input does not exist.
    """
    videos, skipped = scan(inputs, glob=glob, recursive=recursive)
    return videos, [FileResult(path, SKIPPED, reason) for path, reason in skipped]


def extract_library(
    folder_or_files: str | os.PathLike | Sequence[str | os.PathLike],
    visual: VisualExtractor,
    audio: AudioExtractor | None,
    clip_seconds: float = 2.0,
    frames_per_clip: int = 1,
    cache: FeatureCache | bool | None = True,
    glob: str | None = None,
    recursive: bool = True,
    progress: ProgressFn | None = None,
    clip_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    in_memory: bool = True,
) -> ExtractReport:
    """Extract features of every video in a folder (or list of files), file by file.

    A file that fails is recorded with its reason and the batch goes on.

    Args:
        in_memory: ``False``: the features of a file in the cache come back as a
            :class:`core.streaming.CachedFeatures` handle that reads its entry when used,
            so the library's features are never all held at once (``find``).
        progress: ``progress(done_files, total_files, file_name)``.
        clip_progress: ``clip_progress(done_clips, total_clips, file_name)`` within a file.
        Other arguments as in :func:`extract_file` and :func:`find_videos`.

    Raises:
        MediaError: an input does not exist, or no video file was found at all.
        Cancelled: ``cancel`` was set.
    """
    _check_settings(clip_seconds, frames_per_clip)
    store = _resolve_cache(cache)
    videos, skipped = find_videos(folder_or_files, glob=glob, recursive=recursive)
    if not videos and not skipped:
        where = folder_or_files if isinstance(folder_or_files, (str, os.PathLike)) else "inputs"
        exts = ", ".join(f".{e}" for e in sorted(VIDEO_EXTENSIONS))
        pattern = f" matching {glob!r}" if glob else ""
        raise MediaError(f"no video files{pattern} found in {where} (looked for {exts})")
    rep = ExtractReport(
        results=list(skipped),
        settings={
            "visual": visual.NAME,
            "audio": audio.NAME if audio is not None else None,
            "clip_seconds": float(clip_seconds),
            "frames_per_clip": int(frames_per_clip),
            "cache": str(store.root) if store is not None else None,
        },
    )
    total = len(videos)
    for i, path in enumerate(videos):
        check_cancel(cancel)
        report(progress, i, total, path.name)
        t0 = time.perf_counter()
        try:
            feats, cached = _extract_one(
                path, visual, audio, clip_seconds, frames_per_clip, store, clip_progress, cancel
            )
        except Cancelled:
            raise
        except AvhdError as exc:
            reason = _strip_name(str(exc), path.name)
            rep.results.append(FileResult(str(path), FAILED, reason, seconds=_since(t0)))
            log.debug("extraction of %s failed", path, exc_info=True)
            continue
        except Exception as exc:  # a bug or an unexpected library error: keep going
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
            rep.results.append(FileResult(str(path), FAILED, reason, seconds=_since(t0)))
            log.debug("extraction of %s failed", path, exc_info=True)
            continue
        if not in_memory and store is not None:
            from core.streaming import in_cache

            key = feature_key(feats.content_key, visual, audio, clip_seconds, frames_per_clip)
            feats = in_cache(feats, store.entry_path(key))
        rep.features.append(feats)
        note = f"visual only: {feats.audio_missing}" if not feats.has_audio else ""
        note = "; ".join(n for n in (truncation_note(path, feats.bounds, clip_seconds), note) if n)
        rep.results.append(
            FileResult(
                str(path),
                CACHED if cached else PROCESSED,
                note,
                n_clips=feats.n_clips,
                duration=round(float(feats.bounds[-1, 1]), 3),
                seconds=_since(t0),
                audio_missing=feats.audio_missing,
            )
        )
    report(progress, total, total, "")
    return rep


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)
