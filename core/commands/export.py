"""``avhd export``: write the kept highlight segments as a reel, a timeline or a list."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.commands._common import EXPORT_FORMATS
from core.commands._types import choice, frame_size, non_negative_float, positive_float

NAME = "export"
HELP = "export highlights as a video reel, an editing timeline or a segment list"
EPILOG = """\
examples:
  avhd export VIDEO.highlights.json --format mp4 --out reel.mp4
  avhd export FOLDER/avhd_highlights --format fcpxml      all videos -> one library timeline
  avhd export FOLDER/avhd_highlights -f mp4 --crossfade 0.5 --order score
  avhd export VIDEO.highlights.json -f edl -o cut.edl

exit status: 0 written, 1 nothing could be written (or a rendered piece failed), 2 usage error
"""

_FORMAT_HELP = (
    "mp4/mov/mkv: rendered H.264+AAC reel; otio: OpenTimelineIO; edl: CMX 3600 EDL; "
    "fcp7: Final Cut Pro 7 XML (Premiere, Resolve); fcpxml: Final Cut Pro X; "
    "csv/json: segment list; chapters: YouTube chapter lines"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        type=Path,
        help="a NAME.highlights.json file, or a folder: all *.highlights.json in it "
        "become one library reel",
    )
    parser.add_argument(
        "--format",
        "-f",
        default="mp4",
        type=choice(EXPORT_FORMATS, "export format"),
        metavar="FORMAT",
        help=_FORMAT_HELP + " (default: mp4)",
    )
    parser.add_argument(
        "--out",
        "-o",
        type=Path,
        default=None,
        help="output file (default: <video>.reel.<ext> beside the video, "
        "library.reel.<ext> in the folder for a library)",
    )
    parser.add_argument(
        "--order",
        choices=["source", "score"],
        default="source",
        help="piece order: by source then time (default) or best score first",
    )
    parser.add_argument(
        "--crossfade",
        type=non_negative_float,
        default=0.0,
        metavar="S",
        help="crossfade picture and sound between pieces (seconds)",
    )
    parser.add_argument(
        "--fade",
        type=non_negative_float,
        default=0.0,
        metavar="S",
        help="fade in/out each piece (with --crossfade: the reel's ends)",
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="copy streams without re-encoding; cuts snap to keyframes, so "
        "times are APPROXIMATE (sources must share codecs and size)",
    )
    parser.add_argument(
        "--size",
        metavar="WxH",
        type=frame_size,
        default=None,
        help="output size (default: first source's; others letterboxed)",
    )
    parser.add_argument(
        "--fps",
        type=positive_float,
        default=None,
        help="output frame rate (default: first source's)",
    )
    parser.add_argument(
        "--title", default=None, help="reel title for timelines/chapters (default: none)"
    )


def _progress_bar(args, rendered: bool):
    """A ``progress(done, total, msg)`` callback for a rendered reel, and a closer."""
    if not rendered:
        return None, lambda: None
    from core.commands._common import progress_for

    display = progress_for(args)
    return display, display.close


def _print_result(result) -> None:
    for warning in result.warnings:
        print(f"avhd: warning: {warning}", file=sys.stderr)
    if result.report is not None:
        print(result.report.summary(), file=sys.stderr)


def export_from_find(highlights: list, fmt: str, out: Path | None, args=None) -> Path:
    """Export a ``find`` run's library (``avhd find --export FORMAT``).

    Writes ``library.reel.<ext>`` (``<video>.reel.<ext>`` for one video) into ``out``, or
    beside the first video when ``out`` is None; returns the written path.
    """
    from core.api import export
    from core.export import get_format

    progress, close = _progress_bar(args, get_format(fmt).rendered)
    try:
        result = export(highlights, fmt, out, progress=progress)
    finally:
        close()
    _print_result(result)
    return result.path


def run(args: argparse.Namespace) -> int:
    from core.api import export
    from core.export import get_format, load_highlights
    from core.project_edits import apply_project_edits, find_project

    highlights = load_highlights(args.input)
    project = find_project(args.input)
    edited = apply_project_edits(highlights, project)
    if edited:
        print(f"avhd: using the hand edits of {edited} video(s) from {project}", file=sys.stderr)
    fmt = get_format(args.format)
    out = args.out
    if out is None and args.input.is_dir():
        out = args.input
    progress, close = _progress_bar(args, fmt.rendered)
    try:
        result = export(
            highlights,
            args.format,
            out,
            order=args.order,
            crossfade=args.crossfade,
            fade=args.fade,
            fast=args.fast,
            size=args.size,
            fps=args.fps,
            title=args.title,
            progress=progress,
        )
    finally:
        close()
    if args.fast and not fmt.rendered:
        print("avhd: note: --fast only applies to rendered formats", file=sys.stderr)
    _print_result(result)
    print(result.path)
    if result.report is not None and not result.report.ok:
        return 1
    return 0
