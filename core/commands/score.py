"""``avhd score``: score one video with a trained model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from core.artifacts import VideoHighlights
from core.commands._common import (
    StageBars,
    add_extract_options,
    add_selection_options,
    config_from_args,
)
from core.errors import AvhdError
from core.footage import skip_reason
from core.fsnames import printable
from core.outputs import check_output
from core.pipeline import (
    COLLAPSE_NOTE,
    COLLAPSE_TAG,
    OUTPUT_DIRNAME,
    blended_scores,
    direct_scores,
    extract_for,
    highlights_filename,
)
from core.resultfiles import save_single
from core.selection import select_segments
from core.training import Checkpoint, predict

NAME = "score"
HELP = "score a video with a trained model and write its highlights JSON"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="video file")
    p.add_argument("--model", required=True, help="model file from avhd train / avhd find")
    p.add_argument(
        "--out",
        help="output folder (default: avhd_highlights/score beside the video, apart from "
        "the library's own results)",
    )
    p.add_argument(
        "--direct",
        action="store_true",
        help="score by pseudo-highlights against the model's pseudo-category (no network)",
    )
    add_selection_options(p)
    add_extract_options(p)


def run(args: argparse.Namespace) -> int:
    ckpt = Checkpoint.load(args.model)
    cfg = config_from_args(args)
    cfg.visual, cfg.audio = ckpt.visual_extractor, ckpt.audio_extractor
    src = Path(args.file)
    reason = skip_reason(src)  # a pipe or a device is never opened
    if reason is not None:
        raise AvhdError(f"{printable(src)}: {reason}")
    out_dir = Path(args.out) if args.out else src.resolve().parent / OUTPUT_DIRNAME / "score"
    target = out_dir / highlights_filename(str(src), None)
    check_output(target, [src, args.model], what="result")  # before the work
    bars = StageBars()
    try:
        rep = extract_for([str(src)], cfg, progress=bars)
    finally:
        bars.close()
    if not rep.features:
        reason = next((r.reason for r in rep.results if r.reason), "unreadable")
        raise AvhdError(f"{src.name}: {reason}")
    f = rep.features[0]
    ckpt.check_features(
        f.visual_extractor,
        f.audio_extractor,
        f.visual.shape[1],
        ckpt.model_cfg.audio_dim if f.audio is None else f.audio.shape[1],
    )
    score = predict(ckpt, f.visual, f.audio, device=cfg.device)
    category, ph = direct_scores(ckpt, f) if "cat_labels" in ckpt.arrays else (0, None)
    model_name = Path(args.model).name
    if args.direct:
        if ph is None:
            raise AvhdError("this model holds no pseudo-categories; --direct needs them")
        score = ph.av_ph
    elif ph is not None:
        score = blended_scores(ckpt, [score], [ph.av_ph])[0]
        if ckpt.collapsed:
            print(COLLAPSE_NOTE, file=sys.stderr)
            model_name += COLLAPSE_TAG
    duration = float(f.bounds[-1, 1])
    segs = select_segments(
        f.bounds,
        score,
        duration,
        top_fraction=cfg.top_fraction,
        target_seconds=cfg.target_seconds,
        min_segment=cfg.min_segment,
        padding=cfg.padding,
    )
    zeros = np.zeros(f.n_clips)
    hl = VideoHighlights(
        path=str(src.resolve()),
        clip_seconds=f.clip_seconds,
        duration=duration,
        bounds=f.bounds,
        score=score.astype(float),
        a_ph=None if ph is None else ph.a_ph,
        v_ph=zeros if ph is None else ph.v_ph,
        av_ph=zeros if ph is None else ph.av_ph,
        pseudo_label=zeros.astype(int) if ph is None else ph.label,
        category=category,
        segments=segs,
        model=model_name,
        has_audio=f.audio is not None,
    )
    path = save_single(hl, target, [str(src), args.model])
    print(", ".join(f"{s.start:.1f}-{s.end:.1f}s" for s in segs) or "no segments")
    print(f"highlights written to {printable(path)}")
    return 0
