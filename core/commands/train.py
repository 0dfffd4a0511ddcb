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
from core.pipeline import analyse, extract_for

NAME = "train"
HELP = "train (or fine-tune) a highlight model on a folder of videos"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="folder of videos to learn from")
    p.add_argument("--out", required=True, help="model file to write (e.g. my_model.pt)")
    p.add_argument("--init", help="fine-tune from this model instead of starting afresh")
    p.add_argument(
        "--feedback",
        metavar="PROJECT",
        help="also learn from the hand edits of this avhd_project.json (kept/added clips are "
        "highlights, discarded/trimmed-out clips are not; other clips keep pseudo-labels)",
    )
    add_method_options(p)
    add_extract_options(p)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    cfg.init_model = args.init
    cfg.feedback_project = args.feedback
    out = Path(args.out)
    if out.is_dir():
        raise AvhdError(f"--out must be a model file path; {out} is a folder")
    bars = StageBars()
    try:
        rep = extract_for(args.folder, cfg, progress=bars)
        feats = [f for f in rep.features if f.n_clips > 0]
        _, ckpt, _, notes = analyse(feats, cfg, progress=bars)
    finally:
        bars.close()
    ckpt.save(out)
    for r in rep.results:
        if r.status == "failed":
            print(f"  FAILED {Path(r.path).name}: {r.reason}")
    for note in notes:
        print(f"  note: {note}")
    collapsed = " (COLLAPSED to a constant output)" if ckpt.collapsed else ""
    print(
        f"trained on {ckpt.info['n_videos']} videos / {ckpt.info['n_clips']} clips in "
        f"{ckpt.info['train_seconds']:.1f} s, final loss {ckpt.history[-1]:.4f}{collapsed}"
    )
    if args.feedback:
        i = ckpt.info
        print(f"learned from {i.get('feedback_edits', 0)} edits in {i.get('feedback_videos', 0)} "
              f"videos ({i.get('feedback_clips', 0)} labelled clips) of {args.feedback}")
    print(f"model written to {out}")
    return 0
