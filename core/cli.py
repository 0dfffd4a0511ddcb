"""The ``avhd`` command line: one module per subcommand under ``core.commands``.

Each command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``. User-facing errors (:class:`core.errors.AvhdError`) print one clear
line; a traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from core.errors import AvhdError, Cancelled

COMMANDS = [
    "extract",
    "cache",
    "find",
    "train",
    "score",
    "export",
    "bench",
    "metrics",
]


def _versions() -> str:
    from core.versions import version_text

    return version_text()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="avhd",
        description="Unsupervised audio-visual highlight detection.",
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keeps --version's lines
    )
    parser.add_argument("--version", action="version", version=_versions())
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"core.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"core.commands.{name}":
                continue  # command not built in this version
            raise
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except Cancelled:
        print("avhd: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("avhd: interrupted", file=sys.stderr)
        return 130
    except AvhdError as exc:
        if args.debug:
            raise
        print(f"avhd: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
