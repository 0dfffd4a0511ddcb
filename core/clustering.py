"""Pseudo-categories: group videos by their mean audio-visual content.

Each video is described by its mean visual and mean audio clip feature (each part
L2-normalised so neither modality dominates by dimension), concatenated. UMAP reduces the
descriptors to ``n_components`` dimensions, K-means runs for every K in the range, and the
K with the highest silhouette coefficient wins. The silhouette is measured on the descriptors
themselves (cosine; ``k_by="descriptors"``, the default) or, as the paper does, on the UMAP
embedding (``k_by="embedding"``): UMAP with ``min_dist=0`` packs points into tight clumps, so
the embedding's silhouette also rewards splits the descriptors do not support (measured
against the true kinds in ``bench/categories.py``, docs/results.md).

UMAP's numba code is compiled once per machine and cached (:mod:`core.numba_cache`). The fit
is cancellable: the token is checked between K values, and a library of at least
``SUBPROCESS_MIN_VIDEOS`` videos, or any library while that cache is still cold, runs UMAP in
a child process that is terminated on cancel (a small one takes well under a second once the
compiled code is cached).

The fit is persisted as arrays (training descriptors, their embedding, centroids), so a new
video can be assigned without refitting: its embedding is the distance-weighted mean of the
embeddings of its nearest training descriptors (UMAP's own out-of-sample initialisation),
and its category is the nearest centroid.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import warnings
from dataclasses import dataclass, field

import numpy as np

from core import numba_cache
from core.errors import AvhdError
from core.progress import CancelToken, ProgressEvent, ProgressFn, Stage, check_cancel, emit

log = logging.getLogger(__name__)

#: Fewer videos than this: one category (UMAP and silhouettes need a few points).
MIN_VIDEOS_TO_CLUSTER = 6
#: From this many videos on, UMAP runs in a child process so that cancel can stop it.
SUBPROCESS_MIN_VIDEOS = 1000
#: where the silhouette that chooses K is measured (see the module docstring)
K_BY = ("descriptors", "embedding")
#: the descriptors' silhouette reads at most this many videos (a seeded sample above it):
#: one cosine distance matrix serves every K, 4000^2 float64 = 128 MB
SILHOUETTE_SAMPLE = 4000


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


def video_descriptor(
    visual: np.ndarray, audio: np.ndarray | None, audio_fill: np.ndarray | None = None
) -> np.ndarray:
    """Mean visual and mean audio clip feature, each L2-normalised, concatenated.

    A video without audio takes ``audio_fill`` (e.g. the library's mean audio descriptor)
    for its audio part, or zeros when none is given.
    """
    v = _unit(np.asarray(visual, np.float64).mean(axis=0))
    if audio is not None and len(audio):
        a = _unit(np.asarray(audio, np.float64).mean(axis=0))
    elif audio_fill is not None:
        a = np.asarray(audio_fill, np.float64)
    else:
        raise ValueError("a video without audio needs audio_fill (the audio dimension)")
    return np.concatenate([v, a]).astype(np.float32)


def library_descriptors(
    videos: list[tuple[np.ndarray, np.ndarray | None]],
) -> tuple[np.ndarray, np.ndarray]:
    """Descriptors of every video, and the audio part given to audio-less videos.

    Audio-less videos take the normalised mean audio part of the others. One pass over
    ``videos`` (a lazily loaded library is read once).
    """
    means = [
        (np.asarray(v, np.float64).mean(axis=0),
         np.asarray(a, np.float64).mean(axis=0) if a is not None and len(a) else None)
        for v, a in videos
    ]  # fmt: skip
    audio_parts = [_unit(a) for _, a in means if a is not None]
    if audio_parts:
        fill = _unit(np.mean(audio_parts, axis=0))
    else:
        raise ValueError("no video in the library has audio features")
    rows = [np.concatenate([_unit(v), _unit(a) if a is not None else fill]) for v, a in means]
    return np.stack(rows).astype(np.float32), fill.astype(np.float32)


@dataclass
class Categories:
    """Result of :func:`fit_categories`; arrays only, so it saves to ``.npz``/checkpoints."""

    labels: np.ndarray  # (V,) category per training video
    k: int
    silhouettes: dict[int, float] = field(default_factory=dict)
    descriptors: np.ndarray | None = None  # (V, d) training descriptors
    embedding: np.ndarray | None = None  # (V, c) their reduced coordinates
    centroids: np.ndarray | None = None  # (k, c)
    note: str = ""

    def assign(self, descriptors: np.ndarray, n_neighbors: int = 5) -> np.ndarray:
        """Category of each new descriptor (rows of ``descriptors``), without refitting."""
        descriptors = np.atleast_2d(np.asarray(descriptors, np.float64))
        if self.k == 1 or self.descriptors is None:
            return np.zeros(len(descriptors), dtype=np.int64)
        train = np.asarray(self.descriptors, np.float64)
        d = np.linalg.norm(descriptors[:, None, :] - train[None, :, :], axis=-1)
        nn = min(n_neighbors, len(train))
        idx = np.argsort(d, axis=1, kind="stable")[:, :nn]
        w = 1.0 / np.maximum(np.take_along_axis(d, idx, axis=1), 1e-9)
        emb = (w[..., None] * self.embedding[idx]).sum(1) / w.sum(1, keepdims=True)
        dc = np.linalg.norm(emb[:, None, :] - self.centroids[None], axis=-1)
        return dc.argmin(axis=1)

    def to_arrays(self) -> dict[str, np.ndarray]:
        out = {
            "labels": np.asarray(self.labels, np.int64),
            "k": np.array(self.k),
            "sil_k": np.array(list(self.silhouettes.keys()), np.int64),
            "sil_v": np.array(list(self.silhouettes.values()), np.float64),
            "note": np.array(self.note),
        }
        for name in ("descriptors", "embedding", "centroids"):
            val = getattr(self, name)
            if val is not None:
                out[name] = np.asarray(val, np.float32)
        return out

    @classmethod
    def from_arrays(cls, arr: dict) -> Categories:
        sil = {int(k): float(v) for k, v in zip(arr["sil_k"], arr["sil_v"], strict=True)}
        return cls(
            labels=np.asarray(arr["labels"]),
            k=int(arr["k"]),
            silhouettes=sil,
            descriptors=arr.get("descriptors"),
            embedding=arr.get("embedding"),
            centroids=arr.get("centroids"),
            note=str(arr.get("note", "")),
        )


def _reduce(x: np.ndarray, n_components: int, seed: int) -> np.ndarray:
    numba_cache.enable()
    import umap

    n = len(x)
    n_components = max(2, min(n_components, n - 2))
    reducer = umap.UMAP(
        n_components=n_components,
        n_neighbors=max(2, min(15, n - 1)),
        min_dist=0.0,
        metric="cosine",
        random_state=seed,
        init="spectral" if n > n_components + 2 else "random",
        n_jobs=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(reducer.fit_transform(x), np.float64)


def _reduce_child(x: np.ndarray, n_components: int, seed: int, out) -> None:
    try:
        out.put(("ok", _reduce(x, n_components, seed)))
    except BaseException as exc:  # handed to the parent as text
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def reduce_cancellable(
    x: np.ndarray, n_components: int, seed: int, cancel: CancelToken | None = None
) -> np.ndarray:
    """:func:`_reduce` in a spawned child process, terminated within 0.1 s of ``cancel``."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue(maxsize=1)
    child = ctx.Process(target=_reduce_child, args=(x, n_components, seed, out), daemon=True)
    child.start()
    try:
        while True:
            check_cancel(cancel)
            try:
                status, value = out.get(timeout=0.1)
                break
            except queue.Empty:
                if not child.is_alive() and out.empty():
                    code = child.exitcode
                    raise AvhdError(f"UMAP child process died (exit code {code})") from None
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        out.close()
    if status != "ok":
        raise AvhdError(f"UMAP failed in its child process: {value}")
    return value


def _step(progress: ProgressFn | None, done: int, total: int, item: str) -> None:
    emit(progress, ProgressEvent(Stage.CATEGORIES, done, total, item))


def fit_categories(
    descriptors: np.ndarray,
    k_min: int = 2,
    k_max: int = 15,
    n_components: int = 10,
    seed: int = 0,
    reduce: bool = True,
    cancel: CancelToken | None = None,
    progress: ProgressFn | None = None,
    k_by: str = "descriptors",
) -> Categories:
    """Cluster video descriptors into pseudo-categories (deterministic for a seed).

    Args:
        descriptors: ``(V, d)`` per-video descriptors (see :func:`video_descriptor`).
        k_min, k_max: the K range tried; capped at ``V - 1`` (silhouette needs it).
        n_components: UMAP output dimension.
        seed: random seed for UMAP and K-means.
        reduce: run UMAP first (the method); ``False`` clusters the descriptors directly.
        cancel: checked before UMAP, during it for large libraries, and between K values.
        progress: ``progress(step, steps, "categories: ...")``: UMAP, then each K value.
        k_by: ``"descriptors"``: the silhouette of the descriptors (cosine) chooses K;
            ``"embedding"``: the silhouette of the UMAP embedding (the paper's method).

    Raises:
        Cancelled: ``cancel`` was set.
    """
    if k_by not in K_BY:
        raise AvhdError(f"unknown K choice {k_by!r}; valid: {', '.join(K_BY)}")
    x = np.asarray(descriptors, np.float64)
    v = len(x)
    if v < MIN_VIDEOS_TO_CLUSTER or min(k_max, v - 1) < max(2, k_min):
        note = f"{v} video(s): too few to cluster (need {MIN_VIDEOS_TO_CLUSTER}); one category"
        log.info(note)
        _step(progress, 1, 1, "one category")
        return Categories(
            labels=np.zeros(v, np.int64),
            k=1,
            descriptors=x,
            embedding=np.zeros((v, 1)),
            centroids=np.zeros((1, 1)),
            note=note,
        )
    check_cancel(cancel)
    ks = range(max(2, k_min), min(k_max, v - 1) + 1)
    steps = len(ks) + 1
    _step(progress, 0, steps, "reducing dimensions (UMAP)")
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    if not reduce:
        emb = x
    elif v >= SUBPROCESS_MIN_VIDEOS or (cancel is not None and not numba_cache.is_warm()):
        # a large library, or the first fit on this machine (numba compiles for 10-40 s)
        emb = reduce_cancellable(x, n_components, seed, cancel)
    else:
        emb = _reduce(x, n_components, seed)
    sil: dict[int, float] = {}
    fits = {}
    rows = np.arange(v)
    if k_by == "descriptors":
        if v > SILHOUETTE_SAMPLE:
            rows = np.sort(np.random.default_rng(seed).choice(v, SILHOUETTE_SAMPLE, replace=False))
        unit = _unit(x[rows])
        dist = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)  # cosine distances, once for every K
        np.fill_diagonal(dist, 0.0)
    for i, k in enumerate(ks):
        check_cancel(cancel)
        _step(progress, i + 1, steps, f"trying K={k}")
        km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(emb)
        if len(np.unique(km.labels_)) < 2:
            continue
        if k_by == "embedding":
            sil[k] = float(silhouette_score(emb, km.labels_))
        else:
            if len(np.unique(km.labels_[rows])) < 2:
                continue
            sil[k] = float(silhouette_score(dist, km.labels_[rows], metric="precomputed"))
        fits[k] = km
    if not sil:
        note = "K-means found no split; one category"
        _step(progress, steps, steps, "one category")
        return Categories(np.zeros(v, np.int64), 1, {}, x, emb, emb.mean(0, keepdims=True), note)
    best = max(sil, key=lambda k: (sil[k], -k))
    _step(progress, steps, steps, f"K={best}")
    km = fits[best]
    note = (f"K={best} (silhouette of the {k_by} {sil[best]:.3f}) chosen from "
            f"K={min(sil)}..{max(sil)}")
    return Categories(
        labels=km.labels_.astype(np.int64),
        k=best,
        silhouettes=sil,
        descriptors=x,
        embedding=emb,
        centroids=km.cluster_centers_,
        note=note,
    )
