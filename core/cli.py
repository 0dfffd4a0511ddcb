"""The ``avhd`` command line: one module per subcommand under ``core.commands``.

Each command module defines ``NAME``, ``HELP``, ``EPILOG`` (examples), ``add_arguments(parser)``
and ``run(args) -> int``; its top level imports nothing heavy, so the parser is built and
every option value checked (exit status 2) before torch, PyAV or OpenTimelineIO load. Only
the invoked command's options are defined. ``--version`` is computed when asked for.

Exit status: 0 all good, 1 nothing usable, 2 usage error, 3 some files failed (the rest
were used), 130 interrupted. User-facing errors (:class:`core.errors.AvhdError`) print one
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
EXIT_OK, EXIT_NOTHING, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
PROGRESS_MODES = ("auto", "bar", "plain", "json", "none")

EPILOG = """\
examples:
  avhd find FOLDER                          extract, learn, score and select
  avhd find FOLDER --target-seconds 30 --export mp4
  avhd train FOLDER --out my_model.pt && avhd score CLIP.mp4 --model my_model.pt
  avhd export FOLDER/avhd_highlights --format fcpxml
  avhd COMMAND --help                       options of one command

exit status: 0 all good, 1 nothing usable, 2 usage error, 3 some files failed,
130 interrupted
"""


def _versions(full: bool = True) -> str:
    from core.versions import version_text

    return version_text(full)


class VersionAction(argparse.Action):
    """``--version``: computed only when the option is given; the installed package versions
    (instant), or with ``-v`` before it every component (torch's CUDA, the ffmpeg build, the
    feature extractors' versions; a few seconds)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show the versions of AVHD and its dependencies, and exit "
                 "(-v --version: also CUDA, ffmpeg and the extractors)"):  # fmt: skip
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(_versions(full=bool(getattr(namespace, "verbose", 0))))
        parser.exit()


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each option's default (when it has one) and keeps the epilog's lines."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default is None or action.default is False:
            return text
        if action.default is argparse.SUPPRESS or action.option_strings == []:
            return text
        return text + " (default: %(default)s)"


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Options accepted before or after the command; the subcommand's copies default to
    SUPPRESS so they never overwrite a value given before the command."""

    def default(value):
        return argparse.SUPPRESS if suppress else value

    g = parser.add_argument_group("general options")
    g.add_argument("-q", "--quiet", action="store_true", default=default(False),
                   help="no progress display; only errors on stderr")  # fmt: skip
    g.add_argument("-v", "--verbose", action="count", default=default(0),
                   help="more messages on stderr (-v info, -vv debug)")  # fmt: skip
    g.add_argument("--log", metavar="FILE", default=default(None),
                   help="also write every message (debug level) to FILE")  # fmt: skip
    g.add_argument("--debug", action="store_true", default=default(False),
                   help="debug messages and full tracebacks")  # fmt: skip
    g.add_argument("--progress", choices=PROGRESS_MODES, default=default("auto"),
                   help="progress display: bar, plain lines or JSON lines on stderr, or none; "
                   "auto = bar on a terminal, plain otherwise (pipes, CI logs)")  # fmt: skip


def _command_in(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is one), if any."""
    for token in argv:
        if token == "--":
            return None
        if token in COMMANDS:
            return token
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``avhd`` parser. With ``argv``, only the command it names gets its options (so
    parsing loads only that command's module); without, every command is complete."""
    wanted = _command_in(argv) if argv is not None else None
    parser = argparse.ArgumentParser(
        prog="avhd",
        description="Unsupervised audio-visual highlight detection.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action=VersionAction)
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"core.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"core.commands.{name}":
                continue  # command not built in this version
            raise
        p = sub.add_parser(
            mod.NAME,
            help=mod.HELP,
            description=mod.HELP,
            epilog=getattr(mod, "EPILOG", None),
            formatter_class=HelpFormatter,
        )
        if argv is None or wanted == mod.NAME:
            mod.add_arguments(p)
            _global_options(p, suppress=True)
        p.set_defaults(_run=mod.run)
    return parser


def setup_logging(args: argparse.Namespace, argv: list[str] | None = None) -> None:
    """stderr at WARNING (-q ERROR, -v INFO, -vv/--debug DEBUG); ``--log FILE`` at DEBUG."""
    if args.debug or args.verbose >= 2:
        level = logging.DEBUG
    elif args.verbose == 1:
        level = logging.INFO
    else:
        level = logging.ERROR if args.quiet else logging.WARNING
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(level)
    console.setFormatter(_ConsoleFormatter(tracebacks=args.debug))
    handlers: list[logging.Handler] = [console]
    if args.log:
        try:
            file = logging.FileHandler(args.log, encoding="utf-8")
        except OSError as exc:
            raise AvhdError(f"--log {args.log}: {exc.strerror or exc}") from exc
        file.setLevel(logging.DEBUG)
        file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(file)
    _remove_handlers()
    root = logging.getLogger()
    _saved_level.append(root.level)
    for h in handlers:
        h._avhd = True
        root.addHandler(h)
    root.setLevel(min(h.level for h in handlers))
    log = logging.getLogger("core")
    log.info("avhd %s", " ".join(sys.argv[1:] if argv is None else argv))
    log.debug("options: %s", {k: v for k, v in vars(args).items() if not k.startswith("_")})


_saved_level: list[int] = []  # the root logger's level before setup_logging


def _remove_handlers() -> None:
    """Detach (and close) the handlers :func:`setup_logging` added; restore the level."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_avhd", False):
            root.removeHandler(h)
            h.close()
    if _saved_level:
        root.setLevel(_saved_level.pop())


class _ConsoleFormatter(logging.Formatter):
    """``avhd: warning: message``; tracebacks only when asked for (``--debug``)."""

    def __init__(self, tracebacks: bool) -> None:
        super().__init__("avhd: %(levelname)s: %(message)s")
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.tracebacks or not record.exc_info:
            return super().format(record).replace(record.levelname, record.levelname.lower(), 1)
        saved = record.exc_info, record.exc_text
        record.exc_info = record.exc_text = None
        try:
            return self.format(record)
        finally:
            record.exc_info, record.exc_text = saved


def _fill_globals(args: argparse.Namespace) -> None:
    for name, value in (("quiet", False), ("verbose", 0), ("log", None), ("debug", False),
                        ("progress", "auto")):  # fmt: skip
        if not hasattr(args, name):
            setattr(args, name, value)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    _fill_globals(args)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        setup_logging(args, argv)
        return int(args._run(args) or 0)
    except Cancelled:
        print("avhd: cancelled", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("avhd: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except AvhdError as exc:
        if args.debug:
            raise
        logging.getLogger("core").debug("error", exc_info=True)
        print(f"avhd: error: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    except Exception as exc:
        if args.debug:
            raise
        logging.getLogger("core").debug("unexpected error", exc_info=True)  # --log FILE
        print(f"avhd: error: unexpected {type(exc).__name__}: {exc} (run with --debug for "
              "the traceback)", file=sys.stderr)  # fmt: skip
        return EXIT_NOTHING
    finally:
        _remove_handlers()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
