"""The scoring engine: one public API for the app, ``find``/``train``/``score`` and ``bench``.

A library user scores a library of precomputed clip features in two calls::

    from core.scoring import ScoringConfig, score_library, select
    lib = score_library(videos, ScoringConfig())   # videos: [(visual (n, dv), audio or None)]
    segs = select(bounds, lib.videos[0].pseudo.av_ph, tiebreak=lib.videos[0].pseudo.av_ph)

:func:`score_library` clusters the videos into pseudo-categories, fits every cue
(:mod:`core.scorers`) on the library and scores each video against its own category;
the fitted :class:`Reference` scores new videos the same way (:meth:`Reference.score`),
and a model file keeps it (:meth:`Reference.to_arrays`). :func:`model_scores` turns a
network's raw outputs into the scores a model gives (its blend with the pseudo-highlight
ranks, or the pseudo-highlights alone when it collapsed); :func:`select` is the one
segment selection with the one tie-break rule (equal scores: higher pseudo-highlight
first, then clip order).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.artifacts import Segment
from core.clustering import Categories, fit_categories, library_descriptors, video_descriptor
from core.errors import AvhdError, ModelError
from core.pseudo import PseudoScores, blend_ranks, rank01, top_fraction_labels
from core.scorers import Cue, get_scorer, scorer_names
from core.selection import select_segments

VideoFeatures = tuple[np.ndarray, np.ndarray | None]
#: cues whose curves every result carries (the highlights JSON stores them by name)
CURVES = tuple(scorer_names())
#: The default cue, chosen on the validation suite alone (bench/validate.py,
#: docs/results.md; rule: every planted library >= 0.9 AP, then the best benchmark
#: validation mean): ``auto`` reads the library and scores by atypicality (how far a
#: clip's picture is from its video's average clip) when the atypical clips recur across
#: the videos, else by activity (core/scorers/auto.py).
DEFAULT_CUE = "auto"
DEFAULT_MODALITY = "visual"
#: fitted float32 arrays larger than this are kept as float16 in a model file
LARGE_ARRAY = 1_000_000


@dataclass
class ScoringConfig:
    """How clips are scored without a network; defaults are the app's.

    ``cue`` names the cue whose combined curve is the pseudo-highlight score (``av_ph``);
    cues joined by ``+`` are fused by averaging their within-video ranks. ``similarity``
    (recurrence, contrast) and ``ph_modality`` parameterise the cues (``recurrence`` with
    ``cosine`` + ``av`` is the paper's AV-PH; with ``dot`` + ``visual`` the old default).
    """

    cue: str = DEFAULT_CUE
    similarity: str = "dot"
    ph_modality: str = DEFAULT_MODALITY
    ph_top: float = 0.5
    k_min: int = 2
    k_max: int = 15
    seed: int = 0
    #: where the silhouette that chooses K is read (core.clustering.K_BY; "embedding" = the
    #: paper's)
    k_by: str = "descriptors"

    @classmethod
    def of(cls, config, seed: int | None = None) -> ScoringConfig:
        """The scoring part of a larger config (``FindConfig``, the bench's ``BenchConfig``):
        its fields of the same names, with ``seed`` (default: the config's own)."""
        return cls(
            cue=config.cue,
            similarity=config.similarity,
            ph_modality=config.ph_modality,
            ph_top=config.ph_top,
            k_min=config.k_min,
            k_max=config.k_max,
            seed=config.seed if seed is None else seed,
            k_by=config.k_by,
        )

    @property
    def cues(self) -> list[str]:
        names = [c.strip() for c in self.cue.split("+") if c.strip()]
        if not names:
            raise AvhdError("no cue named; valid: " + ", ".join(CURVES))
        return names


@dataclass
class VideoScores:
    """One video's category, its pseudo-highlight scores and every cue's curve."""

    category: int
    pseudo: PseudoScores
    curves: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Reference:
    """What a library fitted: its categories and every cue's state; scores new videos."""

    categories: Categories | None  # None: categories given by the caller (real categories)
    audio_fill: np.ndarray | None
    fitted: dict[str, dict[str, np.ndarray]]
    config: ScoringConfig

    def assign(self, videos: list[VideoFeatures]) -> np.ndarray:
        """Category of each new video."""
        if self.categories is None or self.audio_fill is None:
            raise AvhdError("these categories were given, not learned; pass each video's")
        desc = np.stack([video_descriptor(v, a, self.audio_fill) for v, a in videos])
        return self.categories.assign(desc)

    def score(
        self,
        videos: list[VideoFeatures],
        categories: np.ndarray | None = None,
        signals: list[dict] | None = None,
        members: list[int] | None = None,
        curves: bool = True,
    ) -> list[VideoScores]:
        """Score videos against their category (assigned when not given); ``signals`` are
        each video's extraction signals (:attr:`core.artifacts.ClipFeatures.signals`);
        ``members`` each video's index in the fitted library (the library's own videos);
        ``curves=False`` computes only the configured cue(s), not every cue's curve."""
        cats = self.assign(videos) if categories is None else np.asarray(categories)
        sig = signals if signals is not None else [None] * len(videos)
        mem = members if members is not None else [None] * len(videos)
        return [
            _score_video(self, v, int(c), s, m, curves)
            for v, c, s, m in zip(videos, cats, sig, mem, strict=True)
        ]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for a model file (``cat_*``, ``audio_fill``, ``fit_CUE__KEY``)."""
        out: dict[str, np.ndarray] = {}
        if self.categories is not None:
            arr = self.categories.to_arrays()
            out.update({f"cat_{k}": v for k, v in arr.items() if k != "note"})
        if self.audio_fill is not None:
            out["audio_fill"] = np.asarray(self.audio_fill)
        for cue, state in self.fitted.items():
            for k, v in state.items():
                v = np.asarray(v)
                if v.dtype == np.float32 and v.size > LARGE_ARRAY:  # e.g. neighbours' clips
                    v = v.astype(np.float16)
                out[f"fit_{cue}__{k}"] = v
        return out

    @classmethod
    def from_checkpoint(cls, arrays: dict, info: dict) -> Reference:
        """The reference a model file keeps (models from before cues: recurrence only)."""
        if "cat_labels" not in arrays:
            raise ModelError("this model holds no pseudo-categories; direct scoring needs them")
        cats = Categories.from_arrays(
            {k[4:]: v for k, v in arrays.items() if k.startswith("cat_")}
        )
        fitted: dict[str, dict[str, np.ndarray]] = {}
        for key, val in arrays.items():
            if key.startswith("fit_"):
                cue, name = key[4:].split("__", 1)
                val = np.asarray(val)
                fitted.setdefault(cue, {})[name] = (
                    val.astype(np.float32) if val.dtype == np.float16 else val
                )
        if not fitted and "centre_visual" in arrays:  # a model from before the cue registry
            fitted["recurrence"] = {k: arrays[k] for k in ("centre_visual", "centre_audio")}
        cfg = ScoringConfig(
            cue=info.get("cue", "recurrence"),
            similarity=info.get("similarity", "cosine"),
            ph_modality=info.get("ph_modality", "av"),
            ph_top=float(info.get("ph_top", 0.5)),
        )
        return cls(cats, arrays["audio_fill"], fitted, cfg)

    def info(self) -> dict:
        """The model-file ``info`` entries that rebuild :attr:`config`."""
        c = self.config
        return {"cue": c.cue, "similarity": c.similarity, "ph_modality": c.ph_modality,
                "ph_top": c.ph_top}


def _cue(
    ref: Reference, name: str, video: VideoFeatures, category: int, signals, member
) -> Cue | None:
    scorer = get_scorer(name, ref.config.similarity, ref.config.ph_modality)
    return scorer.score(video, category, ref.fitted.get(name, {}), signals, member)


def _fuse(parts: list[np.ndarray | None]) -> np.ndarray | None:
    ranks = [rank01(p) for p in parts if p is not None]
    return np.mean(ranks, axis=0) if ranks else None


def _score_video(
    ref: Reference,
    video: VideoFeatures,
    category: int,
    signals: dict | None = None,
    member: int | None = None,
    curves: bool = True,
) -> VideoScores:
    wanted = [n for n in CURVES if n not in _FITTED_CUES or n in ref.fitted]  # old models
    wanted = [n for n in wanted if _wants(curves, n)]
    cues = {}
    for n in dict.fromkeys([*ref.config.cues, *wanted]):
        cue = _cue(ref, n, video, category, signals, member)
        if cue is not None:  # e.g. no loudness without audio, no motion in benchmark features
            cues[n] = cue
    names = [n for n in ref.config.cues if n in cues] or ["recurrence"]
    if len(names) == 1:
        c = cues[names[0]]
        a, v, av = c.audio, c.visual, c.combined
        v = av if v is None else v
    else:  # a fusion: mean of the cues' within-video ranks
        av = _fuse([cues[n].combined for n in names])
        v = _fuse([cues[n].visual for n in names])
        a = _fuse([cues[n].audio for n in names])
        v = av if v is None else v
    pseudo = PseudoScores(a, v, av, top_fraction_labels(av, ref.config.ph_top))
    return VideoScores(category, pseudo, {n: c.combined for n, c in cues.items()})


#: cues fitted on the library (the others read one video only)
_FITTED_CUES = ("recurrence", "contrast", "centred", "neighbours", "auto")


def _wants(curves: bool | tuple[str, ...], name: str) -> bool:
    """``curves``: every cue's curve (``True``), none (``False``) or those named."""
    return curves if isinstance(curves, bool) else name in curves


def fit_reference(
    videos: list[VideoFeatures],
    config: ScoringConfig,
    categories: np.ndarray | None = None,
    clusters: Reference | None = None,
    curves: bool = True,
    cancel=None,
    progress=None,
) -> tuple[Reference, np.ndarray]:
    """Fit categories (unless given) and every library cue; returns it and the labels.

    ``clusters``: reuse that reference's categories (fitted on the same videos) instead of
    clustering again, e.g. to compare cue settings on one clustering. ``curves=False``
    fits only the configured cue(s) (a benchmark run needs no other curve).
    """
    if not videos:
        raise AvhdError("no usable video in the library")
    for n in config.cues:
        get_scorer(n, config.similarity, config.ph_modality)  # an unknown name fails here
    cats: Categories | None = None
    fill = None
    if clusters is not None and clusters.categories is not None:
        cats, fill = clusters.categories, clusters.audio_fill
        labels = np.asarray(cats.labels)
    elif categories is None:
        desc, fill = library_descriptors(videos)
        cats = fit_categories(desc, config.k_min, config.k_max, seed=config.seed, cancel=cancel,
                              progress=progress, k_by=config.k_by)
        labels = np.asarray(cats.labels)
    else:
        labels = np.asarray(categories, np.int64)
    fitted = {
        n: get_scorer(n, config.similarity, config.ph_modality).fit(videos, labels)
        for n in _FITTED_CUES
        if _wants(curves, n) or n in config.cues
    }
    return Reference(cats, fill, fitted, config), labels


@dataclass
class LibraryScores:
    """:func:`score_library`'s result: the fitted reference and every video's scores."""

    reference: Reference
    labels: np.ndarray
    videos: list[VideoScores]

    @property
    def pseudo(self) -> list[PseudoScores]:
        return [v.pseudo for v in self.videos]

    @property
    def direct(self) -> list[np.ndarray]:
        """Each video's pseudo-highlight score (what scoring without a network gives)."""
        return [v.pseudo.av_ph for v in self.videos]


def score_library(
    videos: list[VideoFeatures],
    config: ScoringConfig | None = None,
    categories: np.ndarray | None = None,
    signals: list[dict] | None = None,
    curves: bool = True,
    cancel=None,
    progress=None,
) -> LibraryScores:
    """Pseudo-categories, every cue and the pseudo-highlights of a library's videos.

    Args:
        videos: ``(visual (n, dv), audio (n, da) or None)`` per video.
        config: the cues and their parameters (default: the app's).
        categories: each video's category, instead of clustering (the real-category
            ablation of the benchmarks).
        signals: each video's extraction signals (motion, loudness), when it has them.
        curves: also every other cue's curve (``False``: the configured cue(s) only; a tuple:
            those named, e.g. :func:`core.streaming.curves_for` for a large library).
        cancel: checked while clustering (:class:`core.progress.CancelToken`).
        progress: the clustering's steps (:func:`core.clustering.fit_categories`).
    """
    config = config or ScoringConfig()
    ref, labels = fit_reference(videos, config, categories, curves=curves, cancel=cancel,
                                progress=progress)
    members = list(range(len(videos)))
    return LibraryScores(ref, labels, ref.score(videos, labels, signals, members, curves))


def model_scores(
    ckpt, network: list[np.ndarray], direct: list[np.ndarray] | None
) -> list[np.ndarray]:
    """A model's scores as it was trained to give them: its ``blend`` (0 when absent, as in
    models from before blending) mixes the network's within-video ranks with the
    pseudo-highlight ranks ``direct``; a collapsed model gives ``direct`` alone."""
    if ckpt.collapsed and direct is not None:
        return direct
    blend = float(ckpt.info.get("blend", 0.0))
    if blend <= 0.0:
        return network
    if direct is None:
        raise AvhdError("a blended model needs the pseudo-highlight scores")
    return [blend_ranks(s, d, blend) for s, d in zip(network, direct, strict=True)]


def select(
    bounds: np.ndarray,
    scores: np.ndarray,
    duration: float | None = None,
    *,
    tiebreak: np.ndarray | None = None,
    top_fraction: float | None = None,
    target_seconds: float | None = None,
    min_segment: float = 2.0,
    padding: float = 0.0,
    merge_gap: float = 0.0,
    cuts: np.ndarray | None = None,
    snap: float | None = None,
) -> list[Segment]:
    """Highlight segments from clip scores: the one call find, score and the app make.

    ``tiebreak`` is the pseudo-highlight score (``av_ph``): among equal scores the higher
    one goes first, then clip order. A tie-break of another length is ignored. With shot
    ``cuts`` (seconds), segment edges within ``snap`` seconds of a cut (default
    :data:`core.shotsnap.SNAP_WINDOW`; 0: none) move onto it (:func:`core.shotsnap.snap_segments`).
    """
    n = len(np.asarray(scores))
    tb = None if tiebreak is None or len(np.asarray(tiebreak)) != n else tiebreak
    segs = select_segments(
        bounds,
        scores,
        duration,
        top_fraction=top_fraction,
        target_seconds=target_seconds,
        min_segment=min_segment,
        padding=padding,
        tiebreak=tb,
        merge_gap=merge_gap,
    )
    if cuts is None or not segs:
        return segs
    from core.shotsnap import SNAP_WINDOW, snap_segments

    end = float(np.asarray(bounds).reshape(-1, 2)[-1, 1]) if duration is None else duration
    return snap_segments(segs, cuts, end, window=SNAP_WINDOW if snap is None else snap,
                         min_length=min_segment, merge_gap=merge_gap)
