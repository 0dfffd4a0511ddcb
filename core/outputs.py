"""What AVHD wrote, and the one guard every writer passes before it writes.

Each folder AVHD writes into gets a hidden manifest, ``.avhd-manifest.json``, listing the
files AVHD created there (size and modification time at writing, kind, source). A folder
that holds only AVHD's results (``avhd_highlights/``, a ``find --out`` folder) is marked as
an output folder. The manifest is how AVHD knows its own files:

* the footage scan (:mod:`core.footage`) skips output folders and the files AVHD wrote
  beside videos (reels), so results are never read back as footage;
* :func:`check_output` refuses to write over a video, over the library's sources, or over
  any existing file AVHD did not create, with a one-line :class:`OutputError`;
* a library's results folder records which ``NAME.highlights.json`` are current, so stale
  results of removed videos are recognised (:mod:`core.resultfiles`).

Updates take a lock file beside the manifest (POSIX ``flock``), so concurrent runs do not
lose each other's entries.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.errors import AvhdError
from core.fileio import write_json_atomic
from core.fsnames import fits, printable

log = logging.getLogger(__name__)

MANIFEST_NAME = ".avhd-manifest.json"
LOCK_NAME = ".avhd-manifest.lock"
MANIFEST_SCHEMA = 1
OUTPUT_DIRNAME = "avhd_highlights"
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


class OutputError(AvhdError):
    """An output path is refused (it would overwrite footage or a file AVHD did not write),
    or writing it failed (read-only folder, full disk)."""


@dataclass
class Entry:
    """One file AVHD wrote."""

    size: int
    mtime_ns: int
    kind: str = "file"
    source: str = ""


@dataclass
class Manifest:
    """The files AVHD wrote in one folder."""

    folder: Path
    output_folder: bool = False
    library: str = ""  # the library root whose results this folder holds ("" = none)
    files: dict[str, Entry] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)  # source path -> result file name

    @classmethod
    def load(cls, folder: str | os.PathLike) -> Manifest:
        """The folder's manifest; an empty one when it has none or it is unreadable."""
        folder = Path(folder)
        m = cls(folder)
        path = folder / MANIFEST_NAME
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            m.output_folder = bool(d.get("output_folder", False))
            m.library = str(d.get("library", ""))
            m.files = {str(k): Entry(**v) for k, v in dict(d.get("files", {})).items()}
            m.results = {str(k): str(v) for k, v in dict(d.get("results", {})).items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable %s: %s", printable(path), exc)
        return m

    @property
    def exists(self) -> bool:
        return (self.folder / MANIFEST_NAME).is_file()

    def save(self) -> None:
        data = {
            "schema": MANIFEST_SCHEMA,
            "app": "avhd",
            "output_folder": self.output_folder,
            "library": self.library,
            "files": {k: asdict(v) for k, v in sorted(self.files.items())},
            "results": dict(sorted(self.results.items())),
        }
        write_json_atomic(self.folder / MANIFEST_NAME, data)

    def record(self, path: str | os.PathLike, kind: str = "file", source: str = "") -> None:
        """Note that AVHD has just written ``path`` (a file in this folder)."""
        st = os.stat(path)
        self.files[Path(path).name] = Entry(st.st_size, st.st_mtime_ns, kind, source)

    def owns(self, name: str) -> bool:
        return name in self.files

    def unchanged(self, path: str | os.PathLike) -> bool:
        """True when ``path`` is a file AVHD wrote and nobody changed since."""
        e = self.files.get(Path(path).name)
        if e is None:
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False
        return st.st_size == e.size and st.st_mtime_ns == e.mtime_ns

    def forget(self, name: str) -> None:
        self.files.pop(name, None)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, last writer wins
        yield
        return
    try:
        fh = open(folder / LOCK_NAME, "a")
    except OSError as exc:  # a read-only folder: one line, not a traceback
        raise write_failure(exc, folder / MANIFEST_NAME) from exc
    with fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextmanager
def updating(folder: str | os.PathLike) -> Iterator[Manifest]:
    """Load the folder's manifest under its lock, yield it, then save it."""
    folder = Path(folder)
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        m = Manifest.load(folder)
        adopt_legacy(m)
        try:
            yield m
        except BaseException:  # keep what was written before the failure listed as AVHD's
            with suppress(OSError):
                m.save()
            raise
        with writing(folder / MANIFEST_NAME):
            m.save()


def record_written(
    path: str | os.PathLike, kind: str = "file", source: str = "", *, output_folder: bool = False
) -> None:
    """Add ``path`` (just written by AVHD) to its folder's manifest.

    A failure to update the manifest is logged, never raised: the file itself is written.
    """
    p = Path(path)
    try:
        with updating(p.parent) as m:
            m.record(p, kind, source)
            m.output_folder = m.output_folder or output_folder
    except (OSError, OutputError) as exc:
        log.warning("cannot record %s in the manifest: %s", printable(p), exc)


def is_output_folder(folder: str | os.PathLike) -> bool:
    """True for a folder holding only AVHD's results (marked, or an ``avhd_highlights``)."""
    folder = Path(folder)
    if folder.name == OUTPUT_DIRNAME:
        return True
    if not (folder / MANIFEST_NAME).is_file():
        return False
    return Manifest.load(folder).output_folder


def _avhd_model(path: Path) -> bool:
    """An AVHD model file (``avhd train --out`` of a version without manifests)."""
    if path.suffix != ".pt":
        return False
    from core.errors import ModelError
    from core.training import Checkpoint

    try:
        Checkpoint.load(path)
    except ModelError:
        return False
    return True


def _legacy_output(path: Path) -> bool:
    """A file an AVHD without manifests wrote: a model anywhere, or a result in an
    ``avhd_highlights`` folder."""
    if _avhd_model(path):
        return True
    if path.parent.name != OUTPUT_DIRNAME or (path.parent / MANIFEST_NAME).is_file():
        return False
    name = path.name
    if name == "library_summary.csv":
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.readline().startswith("source,status,")
    if name.endswith(".highlights.json"):
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(d, dict) and "source" in d and "clips" in d
    return ".reel." in name


def adopt_legacy(m: Manifest) -> None:
    """Record the results an AVHD without manifests left in an ``avhd_highlights`` folder,
    once, when that folder gets its first manifest (so later runs may replace them)."""
    if m.exists or m.folder.name != OUTPUT_DIRNAME or not m.folder.is_dir():
        return
    for p in sorted(m.folder.iterdir()):
        try:
            if p.is_file() and not p.is_symlink() and _legacy_output(p):
                m.record(p, "from an earlier AVHD")
        except OSError:
            continue


def written_by_avhd(path: str | os.PathLike, *, unchanged: bool = False) -> bool:
    """True when ``path`` is listed in its folder's manifest (or is a legacy AVHD result).

    With ``unchanged``, a listed file must also still have the size and time AVHD left it
    with (a video someone put in place of an AVHD reel is theirs)."""
    p = Path(path)
    m = Manifest.load(p.parent)
    if m.owns(p.name):
        return m.unchanged(p) if unchanged else True
    try:
        return _legacy_output(p)
    except OSError:
        return False


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_output(
    path: str | os.PathLike, library: Iterable[str | os.PathLike] = (), *, what: str = "output"
) -> Path:
    """Refuse ``path`` unless writing it can lose nothing; returns it as a Path.

    Refused: a folder or a non-regular file; a name too long for the file system; any of
    ``library`` (the run's sources); any video file AVHD did not write; any other existing
    file AVHD did not write. Call it before the work, and again right before writing.

    Raises:
        OutputError: one line naming the path and the reason.
    """
    from core.footage import looks_like_footage

    target = Path(path).expanduser()
    shown = printable(target)
    if not fits(target.name):
        raise OutputError(f"{what} {shown}: file name too long for the file system")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{what} {shown}: {exc.strerror or exc}") from exc
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{what} {shown} is a folder; give a file name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{what} {shown} is not a regular file; refusing to write to it")
    for src in library:
        if st is not None and _same(target, Path(src)):
            raise OutputError(f"refusing to write {what} over {shown}: it is a source video")
    if st is None:
        return target
    if looks_like_footage(target):
        if not written_by_avhd(target, unchanged=True):
            raise OutputError(f"refusing to write {what} over {shown}: it is a video file")
    elif not written_by_avhd(target):  # a result edited by hand is still AVHD's file
        raise OutputError(
            f"refusing to write {what} over {shown}: the file exists and AVHD did not write it"
        )
    return target


def probe_writable(folder: str | os.PathLike) -> Path:
    """Create ``folder`` and check a file can be made in it (a unique probe name, so runs at
    the same time never race on one probe file)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".avhd-write-test-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(
            f"cannot write results to {printable(folder)}: {exc.strerror or exc}; choose "
            "another output folder (--out)"
        ) from exc
    return folder


def write_failure(exc: BaseException, path: str | os.PathLike) -> OutputError:
    """A one-line :class:`OutputError` for a failed write of ``path``."""
    p = Path(path)
    shown = printable(p)
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code in _FULL or "No space left" in text or "file write failed" in text:
        try:
            free = f" ({shutil.disk_usage(p.parent).free / 1e6:.1f} MB free)"
        except OSError:
            free = ""
        return OutputError(f"disk full while writing {shown}{free}")
    if code in _DENIED:
        return OutputError(f"cannot write {shown}: {getattr(exc, 'strerror', '') or text}")
    reason = getattr(exc, "strerror", None) or (
        text.splitlines()[0] if text else type(exc).__name__
    )
    return OutputError(f"cannot write {shown}: {reason}")


@contextmanager
def writing(path: str | os.PathLike) -> Iterator[Path]:
    """Turn any OS (or torch writer) error inside the block into a one-line OutputError."""
    try:
        yield Path(path)
    except OutputError:
        raise
    except (OSError, RuntimeError) as exc:
        raise write_failure(exc, path) from exc
