"""The whole method on a library: extract -> categories -> pseudo-highlights -> train ->
score -> select. Used by ``avhd find`` / ``avhd train`` / ``avhd score`` and the GUI.

:func:`analyse` runs the method on features already extracted;
:func:`find_highlights` adds extraction (cached) and writes the result files.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.artifacts import ClipFeatures, VideoHighlights
from core.clustering import Categories
from core.errors import AvhdError
from core.fsnames import printable
from core.media import TRUNCATED
from core.model import ModelConfig
from core.outputs import OUTPUT_DIRNAME  # noqa: F401 - part of this module's API
from core.progress import CancelToken, ProgressFn, check_cancel, report
from core.pseudo import PseudoScores, training_targets
from core.resultfiles import MODEL_FILENAME, SUMMARY_FILENAME  # noqa: F401 - API
from core.scorers.auto import describe as describe_auto
from core.scoring import (
    DEFAULT_CUE,
    DEFAULT_MODALITY,
    LibraryScores,
    Reference,
    ScoringConfig,
    VideoScores,
    model_scores,
    score_library,
    select,
)
from core.streaming import VideoView, curves_for
from core.training import Checkpoint, predict_many, preset, train

log = logging.getLogger(__name__)

COLLAPSE_NOTE = (
    "the model collapsed to a constant score; clips are ranked by their pseudo-highlight "
    "scores instead"
)
COLLAPSE_TAG = " [collapsed: pseudo-highlight scores used]"  # added to the model's name


@dataclass
class FindConfig:
    """Everything ``find`` needs; defaults are the app's defaults."""

    clip_seconds: float = 2.0
    frames_per_clip: int = 1
    visual: str = "effnet-lite0"
    audio: str = "yamnet"
    device: str = "auto"
    backend: str = "auto"  # network runtime of the extractors: auto | torch | onnx
    ray: str | None = None  # extract on Ray: "local" or a cluster address (core.ray_extract)
    preset: str = "default"
    variant: str = "bimodal"
    loss: str = "bce"  # network training loss (core.training.LOSSES)
    context: int = 0  # network temporal context kernel, clips (core.model.ModelConfig)
    centre: bool = False  # network inputs minus their video's mean clip (ModelConfig)
    epochs: int | None = None  # overrides the preset's epochs
    model_path: str | None = None  # score with this model instead of training one
    init_model: str | None = None  # fine-tune this model on the library
    # Score by the cues alone (no network): the default, because on the validation suite the
    # network did not beat the cue ranks it learns from (docs/results.md); False trains one.
    direct: bool = True
    feedback_project: str | None = None  # train with this project's edits (core.feedback)
    top_fraction: float | None = 0.2
    target_seconds: float | None = None
    min_segment: float = 2.0
    padding: float = 0.0
    merge_gap: float = 0.0  # segments this close join into one
    # segment edges this close to a shot cut move onto it (core.shotsnap); 0: no shot pass
    shot_snap: float = 0.5
    seed: int = 0
    # The pseudo-highlight: the cue(s) of core.scorers whose curve ranks the clips ("a+b"
    # fuses their ranks), chosen on the validation suite (docs/results.md). ``similarity``
    # is the recurrence's: "cosine" + ph_modality "av" + cue "recurrence" is the paper's
    # method; "dot" + "visual" + "recurrence" the previous default.
    similarity: str = "dot"
    ph_modality: str = DEFAULT_MODALITY
    ph_top: float = 0.5
    cue: str = DEFAULT_CUE
    # The ``avhd`` benchmark recipe (chosen on training-video labels, docs/results.md): the
    # network learns each clip's pseudo-highlight rank within its video ("soft"; "hard" =
    # the paper's top-50 % 0/1 labels), and a trained model's score is its rank blended with
    # the pseudo-highlight rank, ``(1 - blend) * net + blend * ph`` (0 = the network alone).
    targets: str = "soft"
    blend: float = 0.5
    k_min: int = 2
    k_max: int = 15
    k_by: str = "descriptors"  # the silhouette that chooses K (core.clustering.K_BY)
    use_cache: bool = True
    glob: str | None = None  # only files of a folder whose name matches
    recursive: bool = True  # search a folder's sub-folders

    def to_dict(self) -> dict:
        return asdict(self)

    def scoring(self) -> ScoringConfig:
        """The scoring part of this config (shared with ``avhd bench``)."""
        return ScoringConfig.of(self)


@dataclass
class FindResult:
    """What a ``find`` run produced."""

    highlights: dict[str, VideoHighlights] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    checkpoint: Checkpoint | None = None
    categories: Categories | None = None
    model_path: str | None = None
    out_dir: str | None = None
    notes: list[str] = field(default_factory=list)


def _videos(feats: list[ClipFeatures]) -> VideoView:
    """The library's ``(visual, audio)`` per video, read one video at a time when ``feats``
    are cache-backed (:mod:`core.streaming`)."""
    return VideoView(feats)


def blended_scores(
    ckpt: Checkpoint, network: list[np.ndarray], direct: list[np.ndarray]
) -> list[np.ndarray]:
    """Compatible name of :func:`core.scoring.model_scores` (collapse: :data:`COLLAPSE_NOTE`)."""
    return model_scores(ckpt, network, direct)


def direct_scores(ckpt: Checkpoint, f: ClipFeatures) -> tuple[int, PseudoScores]:
    """Score a new video by its pseudo-highlights against its assigned category."""
    vs = Reference.from_checkpoint(ckpt.arrays, ckpt.info).score([(f.visual, f.audio)])[0]
    return vs.category, vs.pseudo


def _load_model(feats: list[ClipFeatures], path: str) -> Checkpoint:
    ckpt = Checkpoint.load(path)
    dv = feats[0].visual.shape[1]
    da = next((f.audio.shape[1] for f in feats if f.audio is not None), 0)
    ckpt.check_features(feats[0].visual_extractor, feats[0].audio_extractor, dv, da)
    return ckpt


def _train_model(
    feats: list[ClipFeatures],
    lib: LibraryScores,
    cfg: FindConfig,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
) -> Checkpoint:
    """Train the network on the library's pseudo-highlights; the model keeps the reference."""
    dv = feats[0].visual.shape[1]
    da = next((f.audio.shape[1] for f in feats if f.audio is not None), 0)
    if da == 0:
        raise AvhdError("no video in the library has audio; the bimodal model needs some")
    overrides = {"seed": cfg.seed, "device": cfg.device, "loss": cfg.loss}
    if cfg.epochs is not None:
        overrides["epochs"] = cfg.epochs
    tcfg = preset(cfg.preset, **overrides)
    mcfg = ModelConfig(visual_dim=dv, audio_dim=da, variant=cfg.variant, context=cfg.context,
                       centre=cfg.centre)
    info = {
        "labels": "pseudo",
        "targets": cfg.targets,
        "blend": cfg.blend,
        "library": [f.name for f in feats],
    }
    init = None
    if cfg.init_model:
        init = _load_model(feats, cfg.init_model)
        info["fine_tuned_from"] = Path(cfg.init_model).name
    targets = training_targets(lib.direct, cfg.targets, cfg.ph_top)
    if cfg.feedback_project:
        from core.feedback_session import targets_with_feedback  # + the labels' hash

        targets, learned = targets_with_feedback(targets, [f.path for f in feats],
                                                 cfg.feedback_project)
        info.update(learned)
    ckpt = train(
        _videos(feats),
        targets,
        mcfg,
        tcfg,
        visual_extractor=feats[0].visual_extractor,
        audio_extractor=feats[0].audio_extractor,
        info=info,
        init=init,
        progress=progress,
        cancel=cancel,
    )
    ckpt.arrays.update(lib.reference.to_arrays())
    ckpt.info.update(lib.reference.info())
    return ckpt


def _video_highlights(
    f: ClipFeatures, vs: VideoScores, score: np.ndarray, cfg: FindConfig, model: str
) -> VideoHighlights:
    duration = float(f.bounds[-1, 1]) if len(f.bounds) else 0.0
    p = vs.pseudo
    segs = select(
        f.bounds,
        score,
        duration,
        tiebreak=p.av_ph,
        top_fraction=cfg.top_fraction,
        target_seconds=cfg.target_seconds,
        min_segment=cfg.min_segment,
        padding=cfg.padding,
        merge_gap=cfg.merge_gap,
        cuts=f.cuts,
        snap=cfg.shot_snap,
    )
    return VideoHighlights(
        path=str(Path(f.path).resolve()),
        clip_seconds=f.clip_seconds,
        duration=duration,
        bounds=f.bounds,
        score=np.asarray(score, np.float64),
        a_ph=p.a_ph,
        v_ph=p.v_ph,
        av_ph=p.av_ph,
        pseudo_label=p.label,
        category=int(vs.category),
        segments=segs,
        model=model,
        has_audio=f.has_audio,
        cues=dict(vs.curves),
        shot_cuts=f.cuts,
        shot_snap=cfg.shot_snap if f.cuts is not None else 0.0,
    )


def analyse(
    feats: list[ClipFeatures],
    cfg: FindConfig,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    on_video: Callable[[VideoHighlights], None] | None = None,
) -> tuple[list[VideoHighlights], Checkpoint | None, Categories, list[str]]:
    """Run the method on extracted features; returns highlights, model, categories, notes.

    Scoring goes through :mod:`core.scoring` (the functions ``avhd bench`` calls). With
    ``cfg.model_path`` the model's own categories and cues score the videos, exactly as
    ``avhd score`` does; otherwise ``cfg.direct`` (the default) ranks by the cues alone and
    ``direct=False`` trains a network on the library first.
    """
    if not feats:
        raise AvhdError("no usable video in the library")
    if not 0.0 <= cfg.blend <= 1.0:
        raise AvhdError(f"blend must be between 0 and 1, got {cfg.blend}")
    notes: list[str] = []
    videos = _videos(feats)
    scoring = cfg.scoring()
    lib = score_library(videos, scoring, signals=[f.signals for f in feats], cancel=cancel,
                        progress=progress, curves=curves_for(feats, scoring.cues))
    cats = lib.reference.categories
    notes.append(f"pseudo-categories: {cats.note or f'K={cats.k}'}")
    if "auto" in lib.reference.config.cues:
        notes.append(describe_auto(lib.reference.fitted["auto"]))
    report(progress, 1, 1, "pseudo: pseudo-highlights and cues scored")
    check_cancel(cancel)
    if cfg.model_path:  # a given model scores, as avhd score does
        ckpt = _load_model(feats, cfg.model_path)
        per_video = lib.videos if "cat_labels" not in ckpt.arrays else None
        results, more = score_with_model(
            feats, ckpt, cfg, Path(cfg.model_path).name, per_video=per_video,
            progress=progress, cancel=cancel, on_video=on_video,
        )
        return results, ckpt, cats, notes + more
    if cfg.direct:
        model = "pseudo-highlights (direct)"
        results = _finish(feats, lib.videos, lib.direct, cfg, model, progress, on_video)
        return results, None, cats, notes
    ckpt = _train_model(feats, lib, cfg, progress, cancel)
    results, more = score_with_model(
        feats, ckpt, cfg, f"trained on this library ({cfg.preset}, {cfg.variant})",
        per_video=lib.videos, progress=progress, cancel=cancel, on_video=on_video,
    )
    return results, ckpt, cats, notes + more


def _finish(
    feats: list[ClipFeatures],
    per_video: list[VideoScores],
    scores: list[np.ndarray],
    cfg: FindConfig,
    model_name: str,
    progress: ProgressFn | None,
    on_video: Callable[[VideoHighlights], None] | None,
) -> list[VideoHighlights]:
    """Selection and the highlights of every video."""
    results = []
    for i, (f, vs, s) in enumerate(zip(feats, per_video, scores, strict=True)):
        hl = _video_highlights(f, vs, s, cfg, model_name)
        results.append(hl)
        if on_video is not None:
            on_video(hl)
        report(progress, i + 1, len(feats), f"score: {f.name}")
    return results


def score_with_model(
    feats: list[ClipFeatures],
    ckpt: Checkpoint,
    cfg: FindConfig,
    model_name: str,
    *,
    per_video: list[VideoScores] | None = None,
    direct: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    on_video: Callable[[VideoHighlights], None] | None = None,
) -> tuple[list[VideoHighlights], list[str]]:
    """Score videos with a model: ``avhd score``, ``find --model`` and ``find`` all end here.

    ``per_video`` defaults to the model's own reference (its categories and cues); a model
    without one scores by the network alone. ``direct`` ranks by the pseudo-highlights.
    """
    videos = _videos(feats)
    notes: list[str] = []
    if per_video is None:
        if "cat_labels" in ckpt.arrays:
            ref = Reference.from_checkpoint(ckpt.arrays, ckpt.info)
            per_video = ref.score(videos, signals=[f.signals for f in feats])
        elif direct:
            raise AvhdError("this model holds no pseudo-categories; --direct needs them")
    if direct:
        ph = [v.pseudo.av_ph for v in per_video]
        return _finish(feats, per_video, ph, cfg, model_name, progress, on_video), []
    report(progress, 0, len(feats), "score: scoring videos")
    network = predict_many(ckpt, videos, device=cfg.device, cancel=cancel)
    if per_video is None:  # a model from before pseudo-categories were kept
        per_video = [_no_pseudo(len(v)) for v, _ in videos]
        scores = network
    else:
        scores = model_scores(ckpt, network, [v.pseudo.av_ph for v in per_video])
    if ckpt.collapsed:
        notes.append(COLLAPSE_NOTE)
        log.warning(COLLAPSE_NOTE)
        model_name += COLLAPSE_TAG
    return _finish(feats, per_video, scores, cfg, model_name, progress, on_video), notes


def _no_pseudo(n: int) -> VideoScores:
    zeros = np.zeros(n)
    return VideoScores(0, PseudoScores(None, zeros, zeros, zeros.astype(np.int8)))


def highlights_filename(path: str, root: Path | None) -> str:
    """``NAME.highlights.json``, unique per video (see :func:`core.fsnames.result_stem`)."""
    from core.resultfiles import highlights_filename as name

    return name(path, root)


def summary_csv(results: list[VideoHighlights], failures: dict[str, str]) -> str:
    """The library summary: one row per video (failed ones too, with the reason)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "source",
            "status",
            "duration_s",
            "clips",
            "category",
            "has_audio",
            "segments",
            "selected_s",
            "top_score",
            "reason",
        ]
    )
    for r in results:
        kept = [s for s in r.segments if s.keep]
        w.writerow(
            [
                printable(r.path),
                "scored",
                f"{r.duration:.2f}",
                r.n_clips,
                r.category,
                int(r.has_audio),
                len(kept),
                f"{sum(s.duration for s in kept):.2f}",
                f"{float(np.max(r.score)) if r.n_clips else 0:.4f}",
                "",
            ]
        )
    for path, reason in failures.items():
        w.writerow([printable(path), "failed", "", "", "", "", "", "", "", printable(reason)])
    return buf.getvalue()


def write_results(
    result: FindResult, out_dir: Path, root: Path | None, inputs=None
) -> list[Path]:
    """Write every ``NAME.highlights.json``, the summary CSV and the model (guarded, atomic,
    recorded in the folder's manifest; see :mod:`core.resultfiles`)."""
    from core.resultfiles import ResultPlan, library_key, naming_root, write_library

    names = naming_root(inputs) if inputs is not None else root
    plan = ResultPlan(Path(out_dir), names, library_key(inputs or [], root))
    model = result.checkpoint if result.checkpoint is not None and not result.model_path else None
    plan.check(list(result.highlights), with_model=model is not None)
    written, notes = write_library(
        plan,
        list(result.highlights.values()),
        summary_csv(list(result.highlights.values()), result.failures),
        model,
    )
    if model is not None:
        result.model_path = str(plan.out_dir / MODEL_FILENAME)
    result.notes.extend(notes)
    return written


def _prefixed(progress: ProgressFn | None, stage: str) -> ProgressFn | None:
    if progress is None:
        return None
    return lambda done, total, msg: progress(done, total, f"{stage}: {msg}")


def default_out_dir(inputs) -> Path:
    """``FOLDER/avhd_highlights`` for a folder; for files, a folder of their own in it."""
    from core.resultfiles import default_out_dir as default

    return default(inputs)


def extract_for(
    inputs,
    cfg: FindConfig,
    *,
    exclude: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    clip_progress: ProgressFn | None = None,
):
    """Extract (cached) features of every video among ``inputs`` with ``cfg``'s extractors.

    ``clip_progress(done_clips, total_clips, file_name)`` follows each file's clips."""
    from core.extract import extract_library, find_videos
    from core.features import get_audio, get_visual

    videos, skipped = find_videos(inputs, glob=cfg.glob, recursive=cfg.recursive)
    if exclude is not None:
        ex = exclude.resolve()
        videos = [v for v in videos if ex not in v.resolve().parents]
    if not videos:
        raise AvhdError(f"no video files found in {inputs}")
    if cfg.ray is not None:  # one Ray task per video (core.ray_extract)
        from core.ray_extract import extract_library_ray

        rep = extract_library_ray(
            [str(v) for v in videos], cfg.visual, cfg.audio, address=cfg.ray,
            device=cfg.device, backend=cfg.backend, clip_seconds=cfg.clip_seconds,
            frames_per_clip=cfg.frames_per_clip, cache=cfg.use_cache,
            progress=_prefixed(progress, "extract"), cancel=cancel, in_memory=False,
        )  # fmt: skip
        rep.results.extend(skipped)
        return rep
    from core.progress import ExtractProgress, footage_seconds

    clock = ExtractProgress(progress, clip_progress, [footage_seconds(v) for v in videos],
                            cfg.clip_seconds)
    clock.overall.start("loading feature extractors", 0.0)
    visual = get_visual(cfg.visual, device=cfg.device, backend=cfg.backend)
    audio = get_audio(cfg.audio, device=cfg.device, backend=cfg.backend)
    rep = extract_library(
        [str(v) for v in videos],
        visual,
        audio,
        clip_seconds=cfg.clip_seconds,
        frames_per_clip=cfg.frames_per_clip,
        cache=cfg.use_cache,
        progress=clock.on_file,
        clip_progress=clock.on_clip,
        cancel=cancel,
        in_memory=False,
    )
    rep.results.extend(skipped)
    return rep


def find_highlights(
    inputs,
    config: FindConfig | None = None,
    *,
    out_dir: str | Path | None = None,
    write: bool = True,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    on_video: Callable[[VideoHighlights], None] | None = None,
    on_error: Callable[[str, str], None] | None = None,
    clip_progress: ProgressFn | None = None,
) -> FindResult:
    """The whole pipeline on a folder (or list of files).

    Extraction is cached; files that fail are reported through ``on_error(path, reason)``
    and in ``FindResult.failures`` while the rest go on. With ``write`` the results go to
    ``out_dir`` (default ``FOLDER/avhd_highlights``): one ``NAME.highlights.json`` per video,
    ``library_summary.csv`` and the trained ``model.pt``; source files are never touched.
    """
    cfg = config or FindConfig()
    out = Path(out_dir) if out_dir else default_out_dir(inputs)
    root = (
        Path(inputs).resolve()
        if isinstance(inputs, (str, Path)) and Path(inputs).is_dir()
        else None
    )
    if write:  # refuse before the work what could not be written after it
        from core.extract import find_videos
        from core.resultfiles import ResultPlan, library_key, naming_root

        videos, _ = find_videos(inputs)
        plan = ResultPlan(out, naming_root(inputs), library_key(inputs, root))
        with_model = not (cfg.direct or cfg.model_path)
        plan.check([str(v.resolve()) for v in videos], with_model=with_model)
    rep = extract_for(
        inputs, cfg, exclude=out, progress=progress, cancel=cancel, clip_progress=clip_progress
    )
    result = FindResult(out_dir=str(out) if write else None)
    for r in rep.results:
        if r.status == "failed":
            result.failures[r.path] = r.reason
            if on_error is not None:
                on_error(r.path, r.reason)
        elif r.status == "skipped":
            result.skipped[r.path] = r.reason
        elif r.reason.startswith(TRUNCATED):
            result.notes.append(f"{Path(r.path).name}: {r.reason}")
    feats = [f for f in rep.features if f.n_clips > 0]
    from core.shotsnap import attach_cuts

    result.notes += attach_cuts(feats, window=cfg.shot_snap, use_cache=cfg.use_cache,
                                progress=progress, cancel=cancel)
    hls, ckpt, cats, notes = analyse(
        feats, cfg, progress=progress, cancel=cancel, on_video=on_video
    )
    result.highlights = {h.path: h for h in hls}
    result.checkpoint, result.categories = ckpt, cats
    result.notes += notes
    result.model_path = cfg.model_path
    if write:
        write_results(result, out, root, inputs)
    return result
