"""``avhd extract``: per-clip features of every video in a folder, into the feature cache."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.commands._common import add_extract_options, add_input_options, progress_for
from core.fsnames import printable

NAME = "extract"
HELP = "extract per-clip visual and audio features of the videos in a folder"
EPILOG = """\
examples:
  avhd extract FOLDER                       features into the cache
  avhd extract FOLDER --glob '*.mp4' --no-recursive --json summary.json
  avhd extract CLIP.mp4 --audio none        visual features only

exit status: 0 every file processed or cached, 1 none usable, 3 some files failed,
2 usage error
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FOLDER", help="folder(s) or video file(s)")
    add_input_options(parser)
    add_extract_options(parser, audio_none=True)
    parser.add_argument("--json", metavar="PATH", help="also write the summary as JSON")


def _display_name(path: str, roots: list[Path]) -> str:
    p = Path(path)
    for root in roots:
        try:
            if root.is_dir():
                return printable(p.relative_to(root))
        except ValueError:
            continue
    return printable(p.name)


def format_summary(rep, roots: list[Path]) -> str:
    """The summary table: one line per file, then the counts."""
    from core.extract import CACHED, FAILED, PROCESSED, SKIPPED

    rows = [
        (
            r.status,
            str(r.n_clips) if r.n_clips else "-",
            _display_name(r.path, roots),
            printable(r.reason),
        )
        for r in rep.results
    ]
    width = max([len(r[2]) for r in rows] + [4])
    width = min(width, 60)
    lines = [f"{'status':<10} {'clips':>5}  {'file':<{width}}  reason"]
    for status, clips, name, reason in rows:
        lines.append(f"{status:<10} {clips:>5}  {name:<{width}}  {reason}".rstrip())
    c = rep.counts()
    n = len(rep.results)
    lines.append(
        f"{n} file{'s' if n != 1 else ''}: {c[PROCESSED]} processed, {c[CACHED]} cached, "
        f"{c[SKIPPED]} skipped, {c[FAILED]} failed"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from core.device import resolve_device
    from core.extract import extract_library
    from core.features import get_audio, get_visual

    roots = [Path(x) for x in args.inputs]
    if args.json:  # before the work: never over a video, an input, or a file AVHD did not write
        from core.extract import find_videos
        from core.outputs import check_output

        videos, _ = find_videos(args.inputs)
        check_output(args.json, [*videos, *roots], what="--json")
    device = resolve_device(args.device)
    if args.ray is not None:
        return _run_ray(args, roots, device)
    kw = {"device": device, "backend": args.backend}
    visual = get_visual(args.visual, **kw)
    audio = None if args.audio.lower() == "none" else get_audio(args.audio, **kw)

    from core.extract import find_videos
    from core.progress import ExtractProgress, footage_seconds

    inputs = args.inputs if len(args.inputs) > 1 else args.inputs[0]
    videos, _ = find_videos(inputs, glob=args.glob, recursive=args.recursive)
    bars = progress_for(args, args.clip_seconds)
    # seconds of footage: over the library (extract) and within each file (footage)
    clock = ExtractProgress(bars, bars.on_clip, [footage_seconds(v) for v in videos],
                            args.clip_seconds)
    try:
        rep = extract_library(
            inputs,
            visual,
            audio,
            clip_seconds=args.clip_seconds,
            frames_per_clip=args.frames_per_clip,
            cache=not args.no_cache,
            glob=args.glob,
            recursive=args.recursive,
            progress=clock.on_file,
            clip_progress=clock.on_clip,
        )
    finally:
        bars.close()
    return _report(args, rep, roots)


def _report(args: argparse.Namespace, rep, roots: list[Path]) -> int:
    """The summary, the guarded ``--json`` file and the exit status of a local or Ray run."""
    from core.extract import FAILED, SKIPPED
    from core.outputs import check_output, record_written, writing

    print(format_summary(rep, roots))
    if args.json:
        target = check_output(args.json, [*roots, *(r.path for r in rep.results)], what="--json")
        with writing(target):
            rep.save_json(target)
        record_written(target, "extract summary")
        print(f"summary written to {printable(target)}")
    if not rep.ok:
        c = rep.counts()
        print(
            f"avhd: error: no video could be processed ({c[FAILED]} failed, {c[SKIPPED]} skipped)",
            file=sys.stderr,
        )
        return 1
    return 3 if rep.counts()[FAILED] else 0


def _run_ray(args: argparse.Namespace, roots: list[Path], device: str) -> int:
    from core.ray_extract import extract_library_ray

    audio = None if args.audio.lower() == "none" else args.audio
    rep = extract_library_ray(
        args.inputs if len(args.inputs) > 1 else args.inputs[0], args.visual, audio,
        address=args.ray, device=device, backend=args.backend,
        clip_seconds=args.clip_seconds, frames_per_clip=args.frames_per_clip,
        cache=not args.no_cache, glob=args.glob, recursive=args.recursive,
    )  # fmt: skip
    return _report(args, rep, roots)
