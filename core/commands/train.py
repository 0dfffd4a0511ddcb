"""``avhd train``: learn a model from a library's pseudo-highlights (no labels)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import (
    StageBars,
    add_extract_options,
    add_method_options,
    config_from_args,
)
from core.errors import AvhdError
from core.extract import find_videos
from core.fsnames import printable
from core.outputs import check_output, record_written, writing
from core.pipeline import analyse, extract_for

NAME = "train"
HELP = "train (or fine-tune) a highlight model on a folder of videos"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="folder of videos to learn from")
    p.add_argument("--out", required=True, help="model file to write (e.g. my_model.pt)")
    p.add_argument("--init", help="fine-tune from this model instead of starting afresh")
    add_method_options(p)
    add_extract_options(p)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    cfg.init_model = args.init
    out = Path(args.out)
    if out.is_dir():
        raise AvhdError(f"--out must be a model file path; {out} is a folder")
    if cfg.epochs is not None and cfg.epochs < 1:
        raise AvhdError(f"--epochs must be at least 1, got {cfg.epochs}")
    videos, _ = find_videos(args.folder)
    sources = [*videos, *([args.init] if args.init else [])]
    check_output(out, sources, what="model")  # before the work
    bars = StageBars()
    try:
        rep = extract_for(args.folder, cfg, progress=bars)
        feats = [f for f in rep.features if f.n_clips > 0]
        _, ckpt, _, notes = analyse(feats, cfg, progress=bars)
    finally:
        bars.close()
    check_output(out, sources, what="model")  # written only after training succeeded
    with writing(out):
        ckpt.save(out)
    record_written(out, "model")
    for r in rep.results:
        if r.status == "failed":
            print(f"  FAILED {printable(Path(r.path).name)}: {printable(r.reason)}")
    for note in notes:
        print(f"  note: {note}")
    collapsed = " (COLLAPSED to a constant output)" if ckpt.collapsed else ""
    print(
        f"trained on {ckpt.info['n_videos']} videos / {ckpt.info['n_clips']} clips in "
        f"{ckpt.info['train_seconds']:.1f} s, final loss {ckpt.history[-1]:.4f}{collapsed}"
    )
    print(f"model written to {printable(out)}")
    return 0
