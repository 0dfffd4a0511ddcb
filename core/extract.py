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
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.artifacts import ClipFeatures
from core.cache import FeatureCache, content_fingerprint, feature_key
from core.errors import AvhdError, Cancelled, FeatureError, MediaError
from core.features.base import AudioExtractor, VisualExtractor
from core.fileio import write_json_atomic
from core.media import (
    VIDEO_EXTENSIONS,
    clip_bounds,
    decode_audio,
    is_video_file,
    iter_clip_frames,
    probe,
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
        rate = int(audio.sample_rate)
        audio_worker = _Worker(
            "avhd-audio-decode", lambda stop: decode_audio(path, rate, cancel=stop)
        )

    frames_q: queue.Queue = queue.Queue(maxsize=_QUEUE_BATCHES)
    video_worker = _Worker(
        "avhd-frame-decode",
        lambda stop: _frame_batches(
            path, bounds, frames_per_clip, size, batch_frames, frames_q, stop
        ),
    )
    workers = [w for w in (video_worker, audio_worker) if w is not None]
    rows: list[np.ndarray] = []
    meter, motion = MotionMeter(), []  # per-clip signals (core.signals), no extra decoding
    signals: dict[str, np.ndarray] = {}
    done = 0
    try:
        for w in workers:
            w.start()
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
        bounds = bounds[:done]
        visual_feats = np.concatenate(rows).astype(np.float32)
        signals["motion"] = finish_motion(np.concatenate(motion), frames_per_clip)

        audio_feats = None
        if audio_worker is not None:
            while audio_worker.is_alive():
                check_cancel(cancel)
                audio_worker.join(timeout=0.1)
            if audio_worker.error is not None:
                err = audio_worker.error
                if not isinstance(err, AvhdError):
                    log.debug("audio decoding of %s failed", path, exc_info=err)
                audio_missing = _strip_name(str(err), path.name) or type(err).__name__
            else:
                wave = audio_worker.result
                need = int(math.ceil(bounds[-1, 1] * audio.sample_rate))
                if wave.size < need:
                    wave = np.concatenate([wave, np.zeros(need - wave.size, np.float32)])
                signals["loudness"] = loudness_db(wave, audio.sample_rate, bounds)
                check_cancel(cancel)
                kwargs = {"cancel": cancel} if _accepts(audio.embed_clips, "cancel") else {}
                if hasattr(audio, "embed_clips_and_events"):  # YAMNet: its AudioSet head too
                    audio_feats, events = audio.embed_clips_and_events(wave, bounds, **kwargs)
                    signals.update(events)
                else:
                    audio_feats = audio.embed_clips(wave, bounds, **kwargs)
                audio_feats = np.asarray(audio_feats, np.float32)
                if audio_feats.ndim != 2 or audio_feats.shape[0] != len(bounds):
                    raise FeatureError(
                        f"audio extractor {audio.NAME!r} returned shape {audio_feats.shape} "
                        f"for {len(bounds)} clips"
                    )
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
    if p.is_dir():
        raise MediaError(f"{p.name}: is a folder, not a video file")
    if not p.exists():
        raise MediaError(f"{p.name}: file not found")
    fingerprint = content_fingerprint(p)
    key = None
    if store is not None:
        key = feature_key(fingerprint, visual, audio, clip_seconds, frames_per_clip)
        hit = store.get(key, path=p)
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


def _walk(folder: Path, glob: str | None, recursive: bool) -> Iterable[Path]:
    if glob:
        found = folder.rglob(glob) if recursive else folder.glob(glob)
        for p in found:
            rel = p.relative_to(folder).parts
            if not any(part.startswith(".") for part in rel) and p.is_file():
                yield p
        return
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        for name in files:
            if not name.startswith("."):
                yield Path(root) / name


def find_videos(
    inputs: str | os.PathLike | Sequence[str | os.PathLike],
    glob: str | None = None,
    recursive: bool = True,
) -> tuple[list[Path], list[FileResult]]:
    """Video files among ``inputs`` (folders are searched; hidden files are ignored).

    Files found in a folder without a video extension are ignored silently; files named
    explicitly are returned as ``skipped`` results instead.

    Raises:
        MediaError: an input does not exist.
    """
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    videos: list[Path] = []
    skipped: list[FileResult] = []
    seen: set[Path] = set()
    for item in items:
        base = Path(item)
        if not base.exists():
            raise MediaError(f"{base}: no such file or folder")
        if base.is_dir():
            found = sorted(p for p in _walk(base, glob, recursive) if is_video_file(p))
        else:
            if not is_video_file(base):
                skipped.append(FileResult(str(base), SKIPPED, "not a video file extension"))
                continue
            found = [base]
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                videos.append(p)
    return videos, skipped


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
) -> ExtractReport:
    """Extract features of every video in a folder (or list of files), file by file.

    A file that fails is recorded with its reason and the batch goes on.

    Args:
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
        rep.features.append(feats)
        note = f"visual only: {feats.audio_missing}" if feats.audio is None else ""
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
