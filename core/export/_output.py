"""Safe output files: refuse to overwrite sources, write atomically, clear errors."""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import ExportError
from core.ffmpeg import FFmpegError
from core.fileio import atomic_path

_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def check_target(out: str | os.PathLike, sources: Iterable[str]) -> Path:
    """Return ``out`` as a Path; refuse a folder or any of the reel's source files."""
    target = Path(out).expanduser()
    if target.is_dir():
        raise ExportError(f"output path {target} is a folder; give a file name")
    for src in sources:
        if _same(target, Path(src)):
            raise ExportError(f"refusing to overwrite the source video {src}")
    return target


def free_space_note(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    return f" ({free / 1e6:.1f} MB free)"


def error_from_oserror(exc: OSError, out: Path) -> ExportError:
    """Turn an OS error while writing ``out`` into a user-facing :class:`ExportError`."""
    folder = out.parent
    if exc.errno in _FULL:
        return ExportError(f"disk full while writing {out}{free_space_note(folder)}")
    if exc.errno in _DENIED:
        reason = exc.strerror or "permission denied"
        return ExportError(f"cannot write to folder {folder}: {reason}")
    if exc.errno in (errno.ENOTDIR, errno.ENOENT, errno.EEXIST):
        return ExportError(f"cannot create output folder {folder}: {exc.strerror or exc}")
    return ExportError(f"cannot write {out}: {exc.strerror or exc}")


_FULL_WORDS = ("no space left", "disk quota", "file too large")


def error_from_ffmpeg(error: FFmpegError | str, out: Path) -> ExportError:
    """Classify an ffmpeg failure while writing ``out`` (all of its stderr is searched:
    "No space left on device" is often not among the last lines)."""
    message = str(error)
    low = (message + "\n" + getattr(error, "stderr", "")).lower()
    if any(word in low for word in _FULL_WORDS):
        return ExportError(f"disk full while writing {out}{free_space_note(out.parent)}")
    if "permission denied" in low or "read-only file system" in low:
        return ExportError(f"cannot write to folder {out.parent}: permission denied")
    return ExportError(f"rendering {out.name} failed: {message}")


# Temporary outputs carry the writer's process id, so a later run can tell the leftovers
# of a killed run (its process is gone) from the files of a run still going.
_TAG = re.compile(r"\.avhd(\d+)\.")
_BATCH_FILES = re.compile(r"part\d{4}\.mov|(parts|pieces)\.ffconcat")


def part_suffix(container: str) -> str:
    """Suffix of a reel's temporary file: ``.avhdPID.part.mp4``."""
    return f".avhd{os.getpid()}.part.{container}"


def temp_prefix(target: Path) -> str:
    """Prefix of a reel's temporary batch folder."""
    return f".{target.name}.avhd{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove hidden temporary reels and batch folders left by runs that were killed."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TAG.search(entry.name)
        if not entry.name.startswith(".") or m is None or _alive(int(m.group(1))):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                if not all(_BATCH_FILES.fullmatch(f.name) for f in entry.iterdir()):
                    continue  # not one of ours
                shutil.rmtree(entry)
            elif ".part." in entry.name and entry.is_file():
                entry.unlink()
            else:
                continue
            removed.append(entry)
        except OSError:
            continue
    return removed


@contextmanager
def output_file(out: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; renamed to ``out`` when the block succeeds.

    Any failure (including :class:`core.errors.Cancelled`) removes the temporary file;
    OS errors become :class:`ExportError` naming the folder or the full disk.
    """
    try:
        with atomic_path(out, suffix=suffix) as tmp:
            yield tmp
    except OSError as exc:
        raise error_from_oserror(exc, out) from exc


def write_text(out: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``out`` atomically, with export errors."""
    with output_file(out) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    return out
