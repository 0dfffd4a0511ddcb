"""What counts as footage: the one place that decides which files of a library are videos.

A file is footage when it has a video extension (:data:`core.media.VIDEO_EXTENSIONS`), is a
regular file (or a symbolic link to one), and is not one of AVHD's own outputs. Everything
else that looks like a video is skipped with a one-line reason: named pipes (never opened,
so a FIFO cannot hang a scan), device files and links to them (``/dev/zero``),
symbolic-link loops, dangling links, output folders
(``avhd_highlights/`` and any folder marked by its manifest, :mod:`core.outputs`) and the
reels AVHD exported beside the videos. Only ``lstat``/``stat`` are used here; nothing is
opened. ``avhd extract``, ``avhd find`` and the app's Open Folder all call :func:`scan`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from core.errors import MediaError
from core.media import is_video_file
from core.outputs import Manifest, is_output_folder

NOT_VIDEO = "not a video file extension"
_LEGACY_REEL = re.compile(r"^(?P<stem>.+)\.reel\.[A-Za-z0-9]+$")


def skip_reason(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be read as a video file (``None`` when it is a regular file, or a
    link to one; an empty file fails later, at probing, with its own reason).

    Uses ``lstat``/``stat`` only: never opens the file."""
    p = os.fspath(path)
    try:
        lst = os.lstat(p)
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    link = stat.S_ISLNK(lst.st_mode)
    st = lst
    if link:
        try:
            st = os.stat(p)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symbolic link loop"
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return "dangling symbolic link (its target does not exist)"
            return f"symbolic link that cannot be followed ({exc.strerror or exc})"
    via = " (through a symbolic link)" if link else ""
    mode = st.st_mode
    if stat.S_ISFIFO(mode):
        return f"a named pipe (FIFO), not a file{via}"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"a device file, not a video{via}"
    if stat.S_ISSOCK(mode):
        return f"a socket, not a file{via}"
    if stat.S_ISDIR(mode):
        return f"a folder, not a video file{via}"
    if not stat.S_ISREG(mode):
        return f"not a regular file{via}"
    return None


def looks_like_footage(path: str | os.PathLike) -> bool:
    """A regular file with a video extension (AVHD's own outputs included)."""
    return is_video_file(path) and skip_reason(path) is None


def output_reason(path: Path, manifest: Manifest, siblings: Iterable[str] = ()) -> str | None:
    """Why ``path`` is one of AVHD's own outputs (``None`` when it is not)."""
    entry = manifest.files.get(path.name)
    if entry is not None and manifest.unchanged(path):
        return f"written by AVHD ({entry.kind}), not footage"
    if entry is None:
        m = _LEGACY_REEL.match(path.name)  # a reel from a version without manifests
        if m and any(Path(s).stem == m["stem"] and s != path.name for s in siblings):
            return "an AVHD reel of another video here (NAME.reel.EXT), not footage"
    return None


def _walk(folder: Path, glob: str | None, recursive: bool) -> Iterator[Path]:
    if glob:
        found = folder.rglob(glob) if recursive else folder.glob(glob)
        for p in found:
            rel = p.relative_to(folder).parts
            if any(part.startswith(".") for part in rel):
                continue
            parents = [folder.joinpath(*rel[:i]) for i in range(1, len(rel))]
            if not any(is_output_folder(d) for d in parents) and not p.is_dir():
                yield p
        return
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        if recursive:
            keep = (d for d in dirs if not d.startswith(".") and not is_output_folder(here / d))
            dirs[:] = sorted(keep)
        else:
            dirs[:] = []
        for name in files:
            if not name.startswith("."):
                yield here / name


def _classify(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """``(path, skip reason or None)`` for video-named paths, reading each manifest once."""
    manifests: dict[Path, Manifest] = {}
    names: dict[Path, list[str]] = {}
    for p in paths:
        names.setdefault(p.parent, []).append(p.name)
    for p in paths:
        reason = skip_reason(p)
        if reason is None:
            if p.parent not in manifests:
                manifests[p.parent] = Manifest.load(p.parent)
            reason = output_reason(p, manifests[p.parent], names.get(p.parent, ()))
        yield p, reason


def scan(
    inputs: str | os.PathLike | Sequence[str | os.PathLike],
    glob: str | None = None,
    recursive: bool = True,
) -> tuple[list[Path], list[tuple[str, str]]]:
    """The footage among ``inputs`` (folders are searched) and ``(path, reason)`` per skip.

    Files in a folder without a video extension are ignored silently; a file named
    explicitly is reported. Videos are returned in input order, folders sorted, each file
    once (links to the same file count once).

    Raises:
        MediaError: an input does not exist.
    """
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    videos: list[Path] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in items:
        base = Path(item)
        if not os.path.lexists(base):
            raise MediaError(f"{base}: no such file or folder")
        if base.is_dir():
            candidates = sorted(p for p in _walk(base, glob, recursive) if is_video_file(p))
        elif not is_video_file(base):
            skipped.append((str(base), NOT_VIDEO))
            continue
        else:
            candidates = [base]
        for p, reason in _classify(candidates):
            if reason is not None:
                skipped.append((str(p), reason))
                continue
            key = os.path.realpath(p)
            if key not in seen:
                seen.add(key)
                videos.append(p)
    return videos, skipped
