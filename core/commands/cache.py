"""``avhd cache info|clear``: where the feature cache is, how big, and emptying it."""

from __future__ import annotations

import argparse
import json

NAME = "cache"
HELP = "show or clear the feature cache"
EPILOG = """\
examples:
  avhd cache info            where the cache is and how big
  avhd cache info --json
  avhd cache clear           remove every cached feature file

exit status: 0 done, 1 error, 2 usage error
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["info", "clear"], help="info: size; clear: empty it")
    parser.add_argument("--json", action="store_true", help="print info as JSON")


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def run(args: argparse.Namespace) -> int:
    from core.cache import FeatureCache

    cache = FeatureCache()
    if args.action == "clear":
        n = cache.clear()
        print(f"removed {n} cache entries from {cache.root}")
        return 0
    info = cache.info()
    if args.json:
        print(json.dumps(info.to_dict()))
    else:
        print(f"location: {info.location}")
        print(f"entries:  {info.entries}")
        print(f"size:     {_human(info.bytes)}")
    return 0
