"""Feature cache keyed by file content, not by path (STYLE rule 5).

An entry is one :class:`core.artifacts.ClipFeatures` ``.npz`` under the user cache folder
(``platformdirs.user_cache_dir("avhd")/features``; ``AVHD_CACHE_DIR`` overrides the root).
Its key hashes the file size and three 1 MiB content samples (start, middle, end), the
extractors' names, versions and parameters, the clip grid and the frame sampling. Renaming
or copying a video keeps its entry; editing it, or changing an extractor, makes a new one.
Entries are written atomically and read with ``allow_pickle=False``; an entry that cannot be
read, or that reads but does not match the extractors in use (widths, NaN values, clip bounds,
dtypes), is treated as a miss and removed.

Features are stored as float16 (:data:`STORE_DTYPE`: half the disk, and half the bytes a
streamed ``find`` reads per pass); reading widens them to float32, and entries written as
float32 by earlier versions load unchanged. Per clip the rounded features keep cosine
>= 0.99999 and every cue's scores cosine >= 0.9999 (``tests/core/test_cache_float16.py``);
the selection can swap a clip at its edge for one whose score is within the rounding.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.artifacts import ClipFeatures
from core.errors import MediaError

log = logging.getLogger(__name__)

#: Bumped when the way features are computed from a file changes (frame sampling, clip grid).
#: 2: per-clip motion and loudness signals are stored with the features.
PIPELINE_VERSION = 2
SAMPLE_BYTES = 1 << 20
ENV_VAR = "AVHD_CACHE_DIR"
#: on-disk type of the features in an entry (a value beyond float16's range: float32)
STORE_DTYPE = np.float16


def cache_root() -> Path:
    """The folder holding AVHD's caches (``AVHD_CACHE_DIR`` or the platform cache dir)."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("avhd", appauthor=False))


def content_fingerprint(path: str | os.PathLike, sample_bytes: int = SAMPLE_BYTES) -> str:
    """SHA-256 of the file size and up to three ``sample_bytes`` samples of its content.

    Raises:
        MediaError: the file cannot be read.
    """
    p = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not block; a non-regular file (a device such as
        # /dev/zero reports size 0 and never ends) is refused before anything is read.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "is a folder", str(p))
            raise MediaError(f"{p.name}: not a regular file (a pipe or a device)")
        size = st.st_size
        h = hashlib.sha256(f"avhd-content-v1:{size}:".encode())
        with os.fdopen(fd, "rb") as fh:
            if size <= 3 * sample_bytes:
                h.update(fh.read())
            else:
                for offset in (0, (size - sample_bytes) // 2, size - sample_bytes):
                    fh.seek(offset)
                    h.update(fh.read(sample_bytes))
    except IsADirectoryError as exc:
        raise MediaError(f"{p.name}: is a folder, not a video file") from exc
    except OSError as exc:
        raise MediaError(f"{p.name}: cannot read the file ({exc.strerror or exc})") from exc
    return h.hexdigest()


def _extractor_id(extractor) -> dict | None:
    if extractor is None:
        return None
    return {"name": extractor.NAME, "version": str(extractor.VERSION), "params": extractor.params()}


def feature_key(
    fingerprint: str,
    visual,
    audio,
    clip_seconds: float,
    frames_per_clip: int,
) -> str:
    """Cache key for the features of content ``fingerprint`` under these settings."""
    spec = {
        "pipeline": PIPELINE_VERSION,
        "content": fingerprint,
        "visual": _extractor_id(visual),
        "audio": _extractor_id(audio),
        "clip_seconds": round(float(clip_seconds), 6),
        "frames_per_clip": int(frames_per_clip),
    }
    blob = json.dumps(spec, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


@dataclass
class CacheInfo:
    """Size of the feature cache."""

    location: str
    entries: int
    bytes: int

    def to_dict(self) -> dict:
        return {"location": self.location, "entries": self.entries, "bytes": self.bytes}


def entry_problem(f: ClipFeatures, visual=None, audio=None) -> str:
    """Why a loaded entry must not be served ("" when it may), given the extractors in use.

    An entry can load and still be wrong (written by a changed extractor under the same
    version, damaged arrays, a hand-copied file): its widths must be those the extractors
    give now, its values finite, its clip bounds ordered, and its audio present exactly when
    an audio extractor is in use and the source had sound.
    """
    why = f.problem(getattr(visual, "dim", 0) or 0, getattr(audio, "dim", 0) or 0)
    why = why or _off_grid(f)
    if why or visual is None:  # no extractors given: only the arrays themselves are checked
        return why
    if f.visual_extractor != visual.NAME:
        return f"made by visual extractor {f.visual_extractor!r}, not {visual.NAME!r}"
    if audio is None and f.audio is not None:
        return "holds audio features but no audio extractor is in use"
    if audio is not None and f.audio is None and not f.audio_missing:
        return "has no audio features and no reason why"
    if audio is not None and f.audio is not None and f.audio_extractor != audio.NAME:
        return f"made by audio extractor {f.audio_extractor!r}, not {audio.NAME!r}"
    return ""


def _off_grid(f: ClipFeatures, tol: float = 1e-4) -> str:
    """Clips are cut on a grid of ``clip_seconds`` (``core.media.clip_bounds``): consecutive,
    evenly spaced, none longer than one clip."""
    b, step = f.bounds, float(f.clip_seconds)
    if f.n_clips > 1 and (np.abs(np.diff(b[:, 0]) - step) > tol).any():
        return f"clip starts are not {step:g} s apart"
    if f.n_clips > 1 and (np.abs(b[1:, 0] - b[:-1, 1]) > tol).any():
        return "clips are not consecutive"
    if f.n_clips > 1 and ((b[:, 1] - b[:, 0]) > step + tol).any():
        return f"a clip is longer than {step:g} s"
    return ""


class FeatureCache:
    """Content-keyed store of :class:`ClipFeatures` files.

    Args:
        root: folder of the entries; default ``cache_root() / "features"``.
    """

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else cache_root() / "features"

    def entry_path(self, key: str) -> Path:
        """Where the entry of ``key`` is (or would be) stored."""
        return self._path(key)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def get(
        self, key: str, path: str | os.PathLike | None = None, *, visual=None, audio=None
    ) -> ClipFeatures | None:
        """The entry for ``key``, or ``None``; ``path`` replaces the stored source path.

        ``visual``/``audio`` are the extractors in use: an entry that does not match them
        (see :func:`entry_problem`) is a miss and is removed, so it is extracted again.
        """
        entry = self._path(key)
        if not entry.is_file():
            return None
        try:
            feats = ClipFeatures.load_npz(entry)
        except Exception as exc:  # any unreadable entry is a miss, never a crash
            log.warning("dropping unreadable cache entry %s (%s)", entry.name, exc)
            self._drop(entry)
            return None
        why = entry_problem(feats, visual, audio)
        if why:
            log.debug("cache entry %s is a miss: %s", entry.name, why)
            self._drop(entry)
            return None
        if path is not None:
            feats.path = str(path)
        return feats

    @staticmethod
    def _drop(entry: Path) -> None:
        try:
            entry.unlink()
        except OSError:
            pass

    def put(self, key: str, features: ClipFeatures) -> Path | None:
        """Store ``features`` under ``key`` atomically; a failed write only logs a warning."""
        entry = self._path(key)
        try:
            return features.save_npz(entry, dtype=STORE_DTYPE)
        except OSError as exc:
            log.warning("could not write cache entry %s: %s", entry, exc)
            return None

    def _entries(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [p for p in self.root.glob("*/*.npz") if p.is_file()]

    def info(self) -> CacheInfo:
        """Location, number of entries and total bytes."""
        entries = self._entries()
        total = 0
        for p in entries:
            try:
                total += p.stat().st_size
            except OSError:
                pass
        return CacheInfo(location=str(self.root), entries=len(entries), bytes=total)

    def clear(self) -> int:
        """Remove every entry (and left-over temporary files); return how many entries."""
        n = 0
        if not self.root.is_dir():
            return 0
        for p in sorted(self.root.glob("*/*")):
            if p.is_file() and (p.suffix == ".npz" or p.name.startswith(".")):
                try:
                    p.unlink()
                    n += p.suffix == ".npz"
                except OSError as exc:
                    log.warning("could not remove %s: %s", p, exc)
        for d in self.root.glob("*"):
            if d.is_dir():
                try:
                    d.rmdir()
                except OSError:
                    pass
        return n
