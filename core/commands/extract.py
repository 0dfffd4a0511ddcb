"""``avhd extract``: per-clip features of every video in a folder, into the feature cache."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import AvhdError
from core.extract import CACHED, FAILED, PROCESSED, SKIPPED, ExtractReport, extract_library

NAME = "extract"
HELP = "extract per-clip visual and audio features of the videos in a folder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from core.device import DEVICES
    from core.features import DEFAULT_AUDIO, DEFAULT_VISUAL

    parser.add_argument("inputs", nargs="+", metavar="FOLDER", help="folder(s) or video file(s)")
    parser.add_argument("--glob", metavar="PAT", help="only files matching PAT, e.g. '*.mp4'")
    parser.add_argument(
        "--no-recursive", dest="recursive", action="store_false", help="do not look in subfolders"
    )
    parser.add_argument("--visual", default=DEFAULT_VISUAL, metavar="NAME",
                        help=f"visual extractor (default {DEFAULT_VISUAL})")  # fmt: skip
    parser.add_argument("--audio", default=DEFAULT_AUDIO, metavar="NAME",
                        help=f"audio extractor, or 'none' (default {DEFAULT_AUDIO})")  # fmt: skip
    parser.add_argument("--device", default="auto", choices=DEVICES, help="torch device")
    parser.add_argument("--backend", default="auto", choices=["auto", "torch", "onnx"],
                        help="network runtime (default: onnx on the CPU when installed)")
    parser.add_argument("--clip-seconds", type=float, default=2.0, metavar="S",
                        help="clip length in seconds (default 2)")  # fmt: skip
    parser.add_argument("--frames-per-clip", type=int, default=1, metavar="K",
                        help="frames sampled per clip, averaged (default 1)")  # fmt: skip
    parser.add_argument("--json", metavar="PATH", help="also write the summary as JSON")
    parser.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                        help="extract on a Ray cluster, one task per video (no address: local)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the feature cache")  # fmt: skip


class _Bars:
    """Two tqdm bars: files, and clips of the current file."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.files = tqdm(total=0, unit="file", desc="files", position=0, disable=None)
        self.clips = tqdm(total=0, unit="clip", desc="clips", position=1, leave=False,
                          disable=None)  # fmt: skip
        self._name = None

    def on_file(self, done: int, total: int, name: str) -> None:
        self.files.total = total
        self.files.n = done
        self.files.set_postfix_str(name, refresh=False)
        self.files.refresh()

    def on_clip(self, done: int, total: int, name: str) -> None:
        if name != self._name or total != self.clips.total:
            self._name = name
            self.clips.reset(total=total)
        self.clips.n = done
        self.clips.refresh()

    def close(self) -> None:
        self.clips.close()
        self.files.close()


def _display_name(path: str, roots: list[Path]) -> str:
    p = Path(path)
    for root in roots:
        try:
            if root.is_dir():
                return str(p.relative_to(root))
        except ValueError:
            continue
    return p.name


def format_summary(rep: ExtractReport, roots: list[Path]) -> str:
    """The summary table: one line per file, then the counts."""
    rows = [
        (r.status, str(r.n_clips) if r.n_clips else "-", _display_name(r.path, roots), r.reason)
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
    from core.features import get_audio, get_visual

    roots = [Path(x) for x in args.inputs]
    if args.json:
        out = Path(args.json).resolve()
        if any(out == r.resolve() for r in roots) or (out.exists() and out.is_dir()):
            raise AvhdError(f"--json {args.json}: refusing to write over an input or a folder")
    device = resolve_device(args.device)
    if args.ray is not None:
        return _run_ray(args, roots, device)
    kw = {"device": device, "backend": args.backend}
    visual = get_visual(args.visual, **kw)
    audio = None if args.audio.lower() == "none" else get_audio(args.audio, **kw)

    bars = _Bars()
    try:
        rep = extract_library(
            args.inputs if len(args.inputs) > 1 else args.inputs[0],
            visual,
            audio,
            clip_seconds=args.clip_seconds,
            frames_per_clip=args.frames_per_clip,
            cache=not args.no_cache,
            glob=args.glob,
            recursive=args.recursive,
            progress=bars.on_file,
            clip_progress=bars.on_clip,
        )
    finally:
        bars.close()
    print(format_summary(rep, roots))
    if args.json:
        rep.save_json(args.json)
        print(f"summary written to {args.json}")
    if not rep.ok:
        c = rep.counts()
        print(
            f"avhd: error: no video could be processed ({c[FAILED]} failed, {c[SKIPPED]} skipped)",
            file=sys.stderr,
        )
        return 1
    return 0


def _run_ray(args: argparse.Namespace, roots: list[Path], device: str) -> int:
    from core.ray_extract import extract_library_ray

    audio = None if args.audio.lower() == "none" else args.audio
    rep = extract_library_ray(
        args.inputs if len(args.inputs) > 1 else args.inputs[0], args.visual, audio,
        address=args.ray, device=device, backend=args.backend,
        clip_seconds=args.clip_seconds, frames_per_clip=args.frames_per_clip,
        cache=not args.no_cache,
    )  # fmt: skip
    print(format_summary(rep, roots))
    if args.json:
        rep.save_json(args.json)
        print(f"summary written to {args.json}")
    return 0 if rep.ok else 1
