"""The library API: what ``avhd find``/``train``/``score``/``export`` do, as Python calls.

Every function wraps the engine (:mod:`core.pipeline`, :mod:`core.selection`,
:mod:`core.export`); the command line is a thin layer over these calls. Results are typed
dataclasses (:class:`core.pipeline.FindResult`, :class:`ScoreResult`, :class:`TrainResult`,
:class:`core.artifacts.VideoHighlights`, :class:`core.export.ExportResult`); nothing here
takes an argparse namespace. Long calls take ``progress(done, total, message)`` and a
:class:`core.progress.CancelToken`.

Example::

    from core import api

    found = api.find_highlights("footage/", target_seconds=20)
    model = api.load_model(found.model_path)
    scored = api.score_video("new_clip.mp4", model)
    shorter = api.reselect(scored.highlights, target_seconds=10)
    api.export(shorter, "edl", "new_clip.edl")
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.artifacts import VideoHighlights
from core.errors import AvhdError
from core.progress import CancelToken, ProgressFn

PathLike = str | os.PathLike

__all__ = [
    "Selection",
    "ScoreResult",
    "TrainResult",
    "find_highlights",
    "train_model",
    "load_model",
    "score_video",
    "reselect",
    "export",
]


@dataclass(frozen=True)
class Selection:
    """How much of a video to keep: a ``top`` fraction or ``target_seconds`` per video,
    segments of at least ``min_segment`` seconds, ``padding`` seconds added around each,
    segments at most ``merge_gap`` seconds apart joined, and edges within ``shot_snap``
    seconds of a shot cut moved onto it (0: no shot detection)."""

    top: float | None = None
    target_seconds: float | None = None
    min_segment: float = 2.0
    padding: float = 0.0
    merge_gap: float = 0.0
    shot_snap: float = 0.5

    def __post_init__(self) -> None:
        if self.top is not None and self.target_seconds is not None:
            raise ValueError("give top or target_seconds, not both")
        if self.top is not None and not 0.0 < self.top <= 1.0:
            raise ValueError(f"top must be a fraction in (0, 1], got {self.top}")
        if self.target_seconds is not None and not self.target_seconds > 0:
            raise ValueError(f"target_seconds must be greater than 0, got {self.target_seconds}")
        if not self.min_segment > 0:
            raise ValueError(f"min_segment must be greater than 0, got {self.min_segment}")
        if not self.padding >= 0:
            raise ValueError(f"padding must be 0 or more, got {self.padding}")
        if not self.merge_gap >= 0:
            raise ValueError(f"merge_gap must be 0 or more, got {self.merge_gap}")
        if not self.shot_snap >= 0:
            raise ValueError(f"shot_snap must be 0 or more, got {self.shot_snap}")

    def apply_to(self, cfg):
        """``cfg`` (a :class:`core.pipeline.FindConfig`) with this selection."""
        top = cfg.top_fraction if self.top is None and self.target_seconds is None else self.top
        return replace(cfg, top_fraction=top, target_seconds=self.target_seconds,
                       min_segment=self.min_segment, padding=self.padding,
                       merge_gap=self.merge_gap, shot_snap=self.shot_snap)  # fmt: skip


@dataclass
class ScoreResult:
    """One video scored with a saved model."""

    highlights: VideoHighlights
    notes: list[str] = field(default_factory=list)  # e.g. the model collapsed
    path: Path | None = None  # the written NAME.highlights.json, if written


@dataclass
class TrainResult:
    """A model learnt from a library (no labels)."""

    checkpoint: object  # core.training.Checkpoint
    path: Path | None
    failures: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _config(config, **fields):
    from core.pipeline import FindConfig

    cfg = replace(config) if config is not None else FindConfig()
    for name, value in fields.items():
        if value is not None:
            setattr(cfg, name, value)
    return cfg


def find_highlights(
    folder: PathLike | list[PathLike],
    *,
    out: PathLike | None = None,
    model: PathLike | None = None,
    top: float | None = None,
    target_seconds: float | None = None,
    min_segment: float = 2.0,
    padding: float = 0.0,
    config=None,
    write: bool = True,
    merge_gap: float = 0.0,
    shot_snap: float = 0.5,
    progress: ProgressFn | None = None,
    clip_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
):
    """Extract (cached), learn, score and select the highlights of every video in ``folder``.

    Args:
        folder: a folder (searched recursively unless ``config.recursive`` is False), a
            video file, or a list of them.
        out: results folder (default ``FOLDER/avhd_highlights``); ``write=False`` writes none.
        model: score with this saved model instead of training one on the library.
        top, target_seconds, min_segment, padding, merge_gap, shot_snap: the
            :class:`Selection`.
        config: a :class:`core.pipeline.FindConfig` for everything else (extractors,
            training preset, similarity, ...); its selection fields are replaced.

    Returns:
        :class:`core.pipeline.FindResult`: ``highlights`` by path, ``failures`` by path,
        ``model_path``, ``notes``.
    """
    from core.pipeline import find_highlights as run

    sel = Selection(top, target_seconds, min_segment, padding, merge_gap, shot_snap)
    cfg = sel.apply_to(_config(config))
    if model is not None:
        cfg.model_path, cfg.direct = str(model), False
    return run(folder, cfg, out_dir=out, write=write, progress=progress,
               clip_progress=clip_progress, cancel=cancel)  # fmt: skip


def train_model(
    folder: PathLike | list[PathLike],
    out: PathLike | None = None,
    *,
    init: PathLike | None = None,
    config=None,
    progress: ProgressFn | None = None,
    clip_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> TrainResult:
    """Train a model on the videos of ``folder`` (or fine-tune ``init``) and save it to
    ``out`` (a file path) when given."""
    from core.pipeline import analyse, extract_for

    cfg = _config(config, init_model=None if init is None else str(init), direct=False)
    if out is not None and Path(out).is_dir():
        raise AvhdError(f"the model must be written to a file path; {out} is a folder")
    if cfg.epochs is not None and cfg.epochs < 1:
        raise AvhdError(f"epochs must be at least 1, got {cfg.epochs}")
    sources: list = []
    if out is not None:  # refused before the work: a source, a video, a file AVHD did not write
        from core.extract import find_videos
        from core.outputs import check_output

        videos, _ = find_videos(folder)
        sources = [*videos, *([init] if init else [])]
        check_output(out, sources, what="model")
    rep = extract_for(folder, cfg, progress=progress, cancel=cancel, clip_progress=clip_progress)
    feats = [f for f in rep.features if f.n_clips > 0]
    _, ckpt, _, notes = analyse(feats, cfg, progress=progress, cancel=cancel)
    path = None
    if out is not None:  # written only after training succeeded, atomically
        from core.outputs import check_output, record_written, writing

        check_output(out, sources, what="model")
        with writing(out):
            path = ckpt.save(out)
        record_written(out, "model")
    failures = {r.path: r.reason for r in rep.results if r.status == "failed"}
    return TrainResult(ckpt, None if path is None else Path(path), failures, notes)


def load_model(path: PathLike):
    """A saved model (:class:`core.training.Checkpoint`), refusing a corrupt or foreign file."""
    from core.training import Checkpoint

    return Checkpoint.load(path)


def score_video(
    path: PathLike,
    model,
    *,
    top: float | None = None,
    target_seconds: float | None = None,
    min_segment: float = 2.0,
    padding: float = 0.0,
    direct: bool = False,
    device: str = "auto",
    clip_seconds: float | None = None,
    frames_per_clip: int | None = None,
    use_cache: bool = True,
    out: PathLike | None = None,
    progress: ProgressFn | None = None,
    clip_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    merge_gap: float = 0.0,
    shot_snap: float = 0.5,
) -> ScoreResult:
    """Score one video with a saved ``model`` (a path or a loaded checkpoint).

    The video gets the model's feature extractors; a model from ``find``/``train`` also
    assigns it a pseudo-category and blends in its pseudo-highlights as the model was
    trained to. ``direct`` ranks clips by those pseudo-highlights alone. With ``out`` (a
    folder) the ``NAME.highlights.json`` is written there.
    """
    from core.pipeline import extract_for, highlights_filename

    ckpt = load_model(model) if isinstance(model, (str, os.PathLike)) else model
    model_name = Path(model).name if isinstance(model, (str, os.PathLike)) else "model"
    src = Path(path)
    if not src.is_file():
        raise AvhdError(f"{src}: no such file")
    sel = Selection(top, target_seconds, min_segment, padding, merge_gap, shot_snap)
    cfg = sel.apply_to(_config(None, visual=ckpt.visual_extractor, audio=ckpt.audio_extractor,
                               device=device, clip_seconds=clip_seconds,
                               frames_per_clip=frames_per_clip))  # fmt: skip
    cfg.use_cache = use_cache
    rep = extract_for([str(src)], cfg, progress=progress, cancel=cancel,
                      clip_progress=clip_progress)  # fmt: skip
    if not rep.features:
        reason = next((r.reason for r in rep.results if r.reason), "unreadable")
        raise AvhdError(f"{src.name}: {reason}")
    from core.shotsnap import attach_cuts

    notes = attach_cuts(rep.features[:1], window=cfg.shot_snap, use_cache=use_cache,
                        progress=progress, cancel=cancel)
    result = _score_features(ckpt, rep.features[0], cfg, model_name, direct)
    result.notes[:0] = notes
    if out is not None:
        from core.resultfiles import save_single

        target = Path(out) / highlights_filename(str(src), None)
        model_file = [str(model)] if isinstance(model, (str, os.PathLike)) else []
        result.path = save_single(result.highlights, target, [str(src), *model_file])
    return result


def _score_features(ckpt, f, cfg, model_name: str, direct: bool) -> ScoreResult:
    """The model's scores of one video's features and its selected segments: the engine's
    :func:`core.pipeline.score_with_model`, as ``find --model`` scores."""
    from core.pipeline import score_with_model

    audio_dim = ckpt.model_cfg.audio_dim if f.audio is None else f.audio.shape[1]
    ckpt.check_features(f.visual_extractor, f.audio_extractor, f.visual.shape[1], audio_dim)
    hls, notes = score_with_model([f], ckpt, cfg, model_name, direct=direct)
    return ScoreResult(hls[0], list(notes))


def reselect(
    highlights: VideoHighlights,
    *,
    top: float | None = None,
    target_seconds: float | None = None,
    min_segment: float = 2.0,
    padding: float = 0.0,
    merge_gap: float = 0.0,
    shot_snap: float | None = None,
) -> VideoHighlights:
    """A copy of ``highlights`` with segments selected again from its scores (no model or
    video needed), as ``find`` selects them: edges follow the shot cuts the highlights hold,
    within ``shot_snap`` seconds (default: the window they were found with)."""
    from core.scoring import select

    snap = highlights.shot_snap if shot_snap is None else shot_snap
    sel = Selection(top, target_seconds, min_segment, padding, merge_gap, snap)
    segs = select(highlights.bounds, highlights.score, highlights.duration,
                  tiebreak=highlights.av_ph, top_fraction=sel.top,
                  target_seconds=sel.target_seconds, min_segment=sel.min_segment,
                  padding=sel.padding, merge_gap=sel.merge_gap,
                  cuts=highlights.shot_cuts, snap=sel.shot_snap)  # fmt: skip
    return replace(highlights, segments=segs, shot_snap=sel.shot_snap
                   if highlights.shot_cuts is not None else highlights.shot_snap)


def export(
    highlights: VideoHighlights | list[VideoHighlights] | dict,
    fmt: str = "mp4",
    out: PathLike | None = None,
    **options,
):
    """Write the kept segments as a reel (mp4, mov, mkv), a timeline (otio, edl, fcp7,
    fcpxml) or a list (csv, json, chapters); see :func:`core.export.export_highlights` for
    ``options`` (order, crossfade, fade, fast, size, fps, title, progress, cancel).

    Returns the :class:`core.export.ExportResult` (``.path`` is the written file).
    """
    from core.export import export_highlights

    if isinstance(highlights, dict):  # FindResult.highlights
        highlights = list(highlights.values())
    return export_highlights(highlights, fmt, out, **options)
