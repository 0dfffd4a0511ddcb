"""``avhd score``: score one video with a trained model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.commands._common import (
    StageBars,
    add_extract_options,
    add_selection_options,
    config_from_args,
)
from core.errors import AvhdError
from core.pipeline import OUTPUT_DIRNAME, extract_for, highlights_filename, score_with_model
from core.training import Checkpoint

NAME = "score"
HELP = "score a video with a trained model and write its highlights JSON"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="video file")
    p.add_argument("--model", required=True, help="model file from avhd train / avhd find")
    p.add_argument("--out", help="output folder (default: avhd_highlights beside the video)")
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
    if not src.is_file():
        raise AvhdError(f"{src}: no such file")
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
    hls, notes = score_with_model(
        [f], ckpt, cfg, Path(args.model).name, direct=args.direct
    )
    hl = hls[0]
    for note in notes:
        print(note, file=sys.stderr)
    segs = hl.segments
    out_dir = Path(args.out) if args.out else src.resolve().parent / OUTPUT_DIRNAME
    path = hl.save(out_dir / highlights_filename(str(src), None))
    print(", ".join(f"{s.start:.1f}-{s.end:.1f}s" for s in segs) or "no segments")
    print(f"highlights written to {path}")
    return 0
