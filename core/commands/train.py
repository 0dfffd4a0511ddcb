"""``avhd train``: learn a model from a library's pseudo-highlights (no labels)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import (
    add_extract_options,
    add_input_options,
    add_method_options,
    config_from_args,
    progress_for,
)
from core.errors import AvhdError
from core.fsnames import printable

NAME = "train"
HELP = "train (or fine-tune) a highlight model on a folder of videos"
EPILOG = """\
examples:
  avhd train FOLDER --out my_model.pt
  avhd train MORE_FOOTAGE --init my_model.pt --out tuned.pt     fine-tune
  avhd train FOLDER --out m.pt --preset tvsum --epochs 20 --seed 1

exit status: 0 trained on every video, 1 nothing usable, 3 some files failed, 2 usage error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="folder of videos to learn from")
    p.add_argument("--out", required=True, help="model file to write (e.g. my_model.pt)")
    p.add_argument("--init", help="fine-tune from this model (default: start afresh)")
    p.add_argument(
        "--feedback",
        metavar="PROJECT",
        help="also learn from the hand edits of this avhd_project.json (kept/added clips are "
        "highlights, discarded/trimmed-out clips are not; other clips keep pseudo-labels)",
    )
    add_input_options(p)
    add_method_options(p)
    add_extract_options(p)


def run(args: argparse.Namespace) -> int:
    from core.api import train_model

    cfg = config_from_args(args)
    cfg.init_model = args.init
    cfg.direct = False
    cfg.feedback_project = args.feedback
    out = Path(args.out)
    if out.is_dir():
        raise AvhdError(f"--out must be a model file path; {out} is a folder")
    if cfg.epochs is not None and cfg.epochs < 1:
        raise AvhdError(f"--epochs must be at least 1, got {cfg.epochs}")
    bars = progress_for(args, cfg.clip_seconds)
    try:
        result = train_model(
            args.folder, out, init=args.init, config=cfg, progress=bars,
            clip_progress=bars.footage,
        )  # fmt: skip
    finally:
        bars.close()
    ckpt = result.checkpoint
    for path, reason in result.failures.items():
        print(f"  FAILED {printable(Path(path).name)}: {printable(reason)}")
    for note in result.notes:
        print(f"  note: {note}")
    collapsed = " (COLLAPSED to a constant output)" if ckpt.collapsed else ""
    print(
        f"trained on {ckpt.info['n_videos']} videos / {ckpt.info['n_clips']} clips in "
        f"{ckpt.info['train_seconds']:.1f} s, final loss {ckpt.history[-1]:.4f}{collapsed}"
    )
    if args.feedback:
        i = ckpt.info
        print(f"learned from {i.get('feedback_edits', 0)} edits in {i.get('feedback_videos', 0)} "
              f"videos ({i.get('feedback_clips', 0)} labelled clips) of {printable(args.feedback)}")
    print(f"model written to {printable(out)}")
    return 3 if result.failures else 0
