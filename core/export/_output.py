"""Safe output files: refuse to overwrite sources, write atomically, clear errors."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import ExportError
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


def error_from_ffmpeg(message: str, out: Path) -> ExportError:
    """Classify an ffmpeg failure message while writing ``out``."""
    low = message.lower()
    if "no space left" in low or "disk quota" in low or "file too large" in low:
        return ExportError(f"disk full while writing {out}{free_space_note(out.parent)}")
    if "permission denied" in low or "read-only file system" in low:
        return ExportError(f"cannot write to folder {out.parent}: permission denied")
    return ExportError(f"rendering {out.name} failed: {message}")


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
