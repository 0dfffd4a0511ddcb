"""``avhd score``: score one video with a trained model (:func:`core.api.score_video`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.commands._common import add_extract_options, add_selection_options, progress_for
from core.fsnames import printable

NAME = "score"
HELP = "score a video with a trained model and write its highlights JSON"
EPILOG = """\
examples:
  avhd score CLIP.mp4 --model my_model.pt
  avhd score CLIP.mp4 --model FOLDER/avhd_highlights/model.pt --target-seconds 15
  avhd score CLIP.mp4 --model my_model.pt --direct --out scores/

exit status: 0 scored, 1 the video or the model cannot be used, 2 usage error
"""


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
    from core.api import score_video
    from core.errors import AvhdError
    from core.footage import skip_reason
    from core.outputs import check_output
    from core.pipeline import OUTPUT_DIRNAME, highlights_filename

    src = Path(args.file)
    reason = skip_reason(src)  # a pipe or a device is never opened
    if reason is not None:
        raise AvhdError(f"{printable(src)}: {reason}")
    # Without --out a result goes beside the library's results, never over them.
    out = Path(args.out) if args.out else src.resolve().parent / OUTPUT_DIRNAME / "score"
    check_output(out / highlights_filename(str(src), None), [src, args.model], what="result")
    bars = progress_for(args, args.clip_seconds)
    try:
        result = score_video(
            src,
            args.model,
            top=args.top,
            target_seconds=args.target_seconds,
            min_segment=args.min_segment,
            padding=args.padding,
            merge_gap=args.merge_gap,
            shot_snap=args.shot_snap,
            direct=args.direct,
            device=args.device,
            clip_seconds=args.clip_seconds,
            frames_per_clip=args.frames_per_clip,
            use_cache=not args.no_cache,
            out=out,
            progress=bars,
            clip_progress=bars.footage,
        )
    finally:
        bars.close()
    for note in result.notes:
        print(note, file=sys.stderr)
    segs = result.highlights.segments
    print(", ".join(f"{s.start:.1f}-{s.end:.1f}s" for s in segs) or "no segments")
    print(f"highlights written to {printable(result.path)}")
    return 0
