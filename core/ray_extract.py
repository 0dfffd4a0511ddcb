"""Feature extraction of a library on a Ray cluster: one task per video (``avhd[ray]``).

The driver finds the videos (``core.extract.find_videos``, with ``--glob`` and
``--no-recursive`` as locally) and submits one task per file.
Each worker process builds the extractors once (by registry name) and runs the same
per-file code as a local run (``core.extract._extract_one``): it reads and writes the
content-keyed feature cache at *its* ``AVHD_CACHE_DIR`` (on a shared file system every
worker and the driver see one cache, so a later local ``find`` is served from it) and
returns the features to the driver, which assembles the same :class:`ExtractReport` as
:func:`core.extract.extract_library`. The features always travel back to the driver: that
is what ``find`` needs next, and it keeps a cluster without shared storage correct; with
``in_memory=False`` (``find``) the driver keeps only a handle on an entry it sees itself.

A file that fails is a ``failed`` result with its reason, as locally; a task whose worker
dies is retried by Ray (``max_retries``); cancel stops waiting within 0.2 s and cancels
the tasks still running (``ray.cancel(force=True)``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from core.errors import AvhdError, Cancelled
from core.extract import (
    CACHED,
    FAILED,
    PROCESSED,
    ExtractReport,
    FileResult,
    _check_settings,
    _strip_name,
    find_videos,
)
from core.progress import CancelToken, ProgressFn, check_cancel, report

_EXTRACTORS: dict[tuple, tuple] = {}  # per worker process: spec -> (visual, audio)
MAX_RETRIES = 2


def _extractors(spec: tuple):
    if spec not in _EXTRACTORS:
        from core.features import get_audio, get_visual

        visual_name, audio_name, device, backend = spec
        visual = get_visual(visual_name, device=device, backend=backend)
        audio = None if audio_name is None else get_audio(audio_name, device=device,
                                                          backend=backend)  # fmt: skip
        _EXTRACTORS[spec] = (visual, audio)
    return _EXTRACTORS[spec]


def extract_task(path: str, spec: tuple, clip_seconds: float, frames_per_clip: int,
                 use_cache: bool) -> tuple:  # fmt: skip
    """One video on a worker: ``("ok", features, cached, seconds)`` or ``("failed", reason)``."""
    from core.cache import FeatureCache
    from core.extract import _extract_one

    t0 = time.perf_counter()
    try:
        visual, audio = _extractors(spec)
        store = FeatureCache() if use_cache else None
        feats, cached = _extract_one(
            path, visual, audio, clip_seconds, frames_per_clip, store, None, None
        )
    except AvhdError as exc:
        return ("failed", _strip_name(str(exc), Path(path).name), time.perf_counter() - t0)
    except Exception as exc:  # a bug or an unexpected library error: keep going
        return ("failed", f"unexpected error: {type(exc).__name__}: {exc}", 0.0)
    return ("ok", feats, cached, time.perf_counter() - t0)


def _prepare_models(spec: tuple) -> None:
    """Export the ONNX files once on the driver, so that workers sharing its cache only load
    them instead of each exporting its own copy."""
    for extractor in _extractors(spec):
        if extractor is not None and getattr(extractor, "backend", "") == "onnx":
            extractor._onnx  # noqa: B018 - the property exports on first access


def connect(address: str | None, num_workers: int | None = None) -> None:
    """Join the cluster at ``address``, or start a local one (``num_workers`` CPUs)."""
    try:
        import ray
    except ImportError as exc:
        raise AvhdError("--ray needs Ray: pip install 'avhd[ray]'") from exc
    if ray.is_initialized():
        return
    env = {k: v for k, v in os.environ.items() if k in ("AVHD_CACHE_DIR", "PYTHONPATH")}
    kwargs = {"runtime_env": {"env_vars": env}, "include_dashboard": False,
              "log_to_driver": False}  # fmt: skip
    if address and address != "local":
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=num_workers, **kwargs)


def extract_library_ray(
    inputs: str | os.PathLike | Sequence[str | os.PathLike],
    visual: str,
    audio: str | None,
    *,
    address: str | None = None,
    num_workers: int | None = None,
    device: str = "cpu",
    backend: str = "auto",
    clip_seconds: float = 2.0,
    frames_per_clip: int = 1,
    cache: bool = True,
    glob: str | None = None,
    recursive: bool = True,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    in_memory: bool = True,
) -> ExtractReport:
    """:func:`core.extract.extract_library` with one Ray task per video (see module doc).

    ``glob``/``recursive`` select the files of a folder as a local run does (the one footage
    scan, :func:`core.extract.find_videos`). ``in_memory=False``: a video whose entry the
    driver sees in its own cache (shared storage) is kept as a
    :class:`core.streaming.CachedFeatures` handle as each result arrives, so the driver holds
    no features; without a shared cache the features stay in memory."""
    import ray

    _check_settings(clip_seconds, frames_per_clip)
    videos, skipped = find_videos(inputs, glob=glob, recursive=recursive)
    if not videos and not skipped:
        raise AvhdError(f"no video files found in {inputs}")
    connect(address, num_workers)
    task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(extract_task)
    spec = (visual, audio, device, backend)
    _prepare_models(spec)
    refs = {task.remote(str(p), spec, clip_seconds, frames_per_clip, cache): i
            for i, p in enumerate(videos)}  # fmt: skip
    done: dict[int, tuple] = {}
    pending = list(refs)
    try:
        while pending:
            check_cancel(cancel)
            ready, pending = ray.wait(pending, num_returns=1, timeout=0.2)
            for ref in ready:
                i = refs.pop(ref)  # the driver drops the object once it has it
                done[i] = ray.get(ref)
                if not in_memory and cache and done[i][0] == "ok":
                    done[i] = ("ok", _held(done[i][1], spec, clip_seconds, frames_per_clip),
                               *done[i][2:])  # fmt: skip
                report(progress, len(done), len(videos), videos[i].name)
    except Cancelled:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    return _report(videos, skipped, done, visual, audio, clip_seconds, frames_per_clip, cache)


def _held(feats, spec: tuple, clip_seconds: float, frames_per_clip: int):
    """``feats`` as a handle on the driver's cache entry, when the driver sees one."""
    from core.cache import FeatureCache, feature_key
    from core.streaming import in_cache

    visual, audio = _extractors(spec)
    key = feature_key(feats.content_key, visual, audio, clip_seconds, frames_per_clip)
    return in_cache(feats, FeatureCache().entry_path(key))


def _report(videos, skipped, done, visual, audio, clip_seconds, frames_per_clip, cache):
    rep = ExtractReport(
        results=list(skipped),
        settings={"visual": visual, "audio": audio, "clip_seconds": float(clip_seconds),
                  "frames_per_clip": int(frames_per_clip), "cache": "workers" if cache else None,
                  "ray": True},  # fmt: skip
    )
    for i, path in enumerate(videos):
        out = done[i]
        if out[0] == "failed":
            rep.results.append(FileResult(str(path), FAILED, out[1], seconds=round(out[2], 3)))
            continue
        _, feats, cached, secs = out
        feats.path = str(path)
        rep.features.append(feats)
        note = f"visual only: {feats.audio_missing}" if not feats.has_audio else ""
        rep.results.append(FileResult(
            str(path), CACHED if cached else PROCESSED, note, n_clips=feats.n_clips,
            duration=round(float(feats.bounds[-1, 1]), 3), seconds=round(secs, 3),
            audio_missing=feats.audio_missing,
        ))  # fmt: skip
    return rep
