"""``avhd find``: the whole method on a folder of footage."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import (
    EXPORT_FORMATS,
    add_extract_options,
    add_input_options,
    add_method_options,
    add_selection_options,
    config_from_args,
    progress_for,
)
from core.commands._types import choice
from core.fsnames import printable

NAME = "find"
HELP = "find highlights in a folder of videos (extract, learn, score, select)"
EPILOG = """\
examples:
  avhd find FOLDER                              results in FOLDER/avhd_highlights
  avhd find FOLDER --target-seconds 30 --export mp4 --export edl
  avhd find FOLDER --glob '*.mov' --no-recursive --top 0.1
  avhd find FOLDER --model my_model.pt          score with a trained model
  avhd find FOLDER --progress json 2> progress.jsonl

exit status: 0 every video scored, 1 none usable, 3 some files failed, 2 usage error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="folder of videos (searched recursively) or a video file")
    p.add_argument("--out", help="output folder (default: FOLDER/avhd_highlights)")
    p.add_argument("--model", help="score with this model instead of training one "
                   "(default: train one on the library)")  # fmt: skip
    p.add_argument(
        "--direct",
        action="store_true",
        help="score clips by the cues alone, no network (the default)",
    )
    p.add_argument(
        "--train",
        action="store_true",
        help="also train a network on the library's cue ranks and score with it (writes "
        "model.pt; on the validation suite it did not beat the cues it learns from)",
    )
    p.add_argument(
        "--export",
        action="append",
        default=[],
        type=choice(EXPORT_FORMATS, "export format"),
        metavar="FORMAT",
        help=f"also export the library reel/timeline, repeatable: {', '.join(EXPORT_FORMATS)} "
        "(default: none)",
    )
    add_input_options(p)
    add_selection_options(p)
    add_method_options(p)
    add_extract_options(p)


def print_report(result, out: Path | None) -> None:
    hls = list(result.highlights.values())
    print(f"{len(hls)} video(s) scored, {len(result.failures)} failed")
    for note in result.notes:
        print(f"  note: {note}")
    for h in hls:
        kept = [s for s in h.segments if s.keep]
        segs = ", ".join(f"{s.start:.1f}-{s.end:.1f}s" for s in kept[:4])
        more = f" (+{len(kept) - 4})" if len(kept) > 4 else ""
        audio = "" if h.has_audio else " [visual only]"
        print(
            f"  {printable(Path(h.path).name)}: {h.n_clips} clips, category {h.category}"
            f"{audio}; highlights {segs}{more}"
        )
    for path, reason in result.failures.items():
        print(f"  FAILED {printable(Path(path).name)}: {printable(reason)}")
    for path, reason in result.skipped.items():
        print(f"  SKIPPED {printable(Path(path).name)}: {reason}")
    if out is not None:
        print(f"results in {printable(out)}")


def run(args: argparse.Namespace) -> int:
    from core.pipeline import find_highlights

    cfg = config_from_args(args)
    cfg.model_path = args.model
    cfg.direct = args.direct or not (args.train or args.model)
    from core.resultfiles import check_exports

    check_exports(args.folder, args.out, args.export)  # before the work
    bars = progress_for(args, cfg.clip_seconds)
    try:
        result = find_highlights(
            args.folder, cfg, out_dir=args.out, progress=bars, clip_progress=bars.footage
        )
    finally:
        bars.close()
    out = Path(result.out_dir) if result.out_dir else None
    print_report(result, out)
    if args.export:
        from core.project_edits import apply_project_edits, find_project

        project = find_project(args.folder)
        edited = apply_project_edits(list(result.highlights.values()), project)
        if edited:
            print(f"export uses the hand edits of {edited} video(s) from {project}")
    for fmt in args.export:
        from core.commands.export import export_from_find

        path = export_from_find(list(result.highlights.values()), fmt, out, args)
        print(f"exported {fmt}: {printable(path)}")
    if not result.highlights:
        return 1
    return 3 if result.failures else 0
