"""Checked downloads of model weights into the user cache.

Weights land in ``<cache>/models`` where ``<cache>`` is ``AVHD_CACHE_DIR`` or platformdirs'
``user_cache_dir("avhd")``. A download streams into a temporary file beside the target,
hashing as it goes, and is renamed into place only when its checksum matches; a mismatch
deletes it and raises :class:`~core.errors.FeatureError`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from core.errors import FeatureError
from core.fileio import atomic_path
from core.progress import CancelToken, ProgressFn, check_cancel, report

log = logging.getLogger(__name__)

ALGORITHMS = {"md5": 32, "sha1": 40, "sha256": 64}
CHUNK = 1 << 20


class NetworkError(Exception):
    """The URL could not be fetched (offline, refused, HTTP error, timeout)."""


def models_cache_dir() -> Path:
    """``<cache>/models`` (``AVHD_CACHE_DIR`` overrides the platform cache folder)."""
    root = os.environ.get("AVHD_CACHE_DIR")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("avhd")
    return Path(root).expanduser() / "models"


def parse_checksum(text: str | None) -> tuple[str, str] | None:
    """``"md5:<hex>"`` / ``"sha256:<hex>"`` -> (algorithm, hex); ``"none"`` -> None."""
    if text is None or text.strip().lower() in ("", "none"):
        return None
    algo, _, digest = text.strip().partition(":")
    algo, digest = algo.lower(), digest.lower()
    if algo not in ALGORITHMS or not re.fullmatch(f"[0-9a-f]{{{ALGORITHMS[algo]}}}", digest):
        raise FeatureError(
            f"bad checksum {text!r}: expected 'md5:<32 hex>', 'sha256:<64 hex>' or 'none'"
        )
    return algo, digest


def file_digest(path: str | os.PathLike, algo: str = "sha256") -> str:
    """Hex digest of a file."""
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def url_filename(url: str, default: str) -> str:
    """The last path component of ``url`` (unquoted), or ``default``."""
    name = urllib.parse.unquote(urllib.parse.urlparse(url).path.rsplit("/", 1)[-1])
    return re.sub(r"[^\w.=+-]", "_", name) or default


def tagged_name(name: str, expected: tuple[str, str] | None, url: str) -> str:
    """``name`` with a tag of its checksum (or of the URL when none) before the suffix, so
    different expected files never share a cache entry."""
    tag = expected[1][:12] if expected else "url" + hashlib.sha1(url.encode()).hexdigest()[:9]
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{tag}.{suffix}" if dot else f"{name}-{tag}"


def download(
    url: str,
    target: str | os.PathLike,
    expected: tuple[str, str] | None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    label: str = "model weights",
    timeout: float = 60.0,
) -> Path:
    """Fetch ``url`` to ``target`` atomically, verifying ``expected`` = (algorithm, hex).

    Raises :class:`NetworkError` when the URL cannot be fetched and
    :class:`~core.errors.FeatureError` on a checksum mismatch (nothing is left behind).
    """
    target = Path(target)
    hasher = hashlib.new(expected[0] if expected else "sha256")
    request = urllib.request.Request(url, headers={"User-Agent": "avhd"})
    log.info("downloading %s from %s", label, url)
    with atomic_path(target) as tmp:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp, open(tmp, "wb") as fh:
                total = int(resp.headers.get("Content-Length") or 0)
                done, next_log = 0, 0.0
                while chunk := resp.read(CHUNK):
                    check_cancel(cancel)
                    fh.write(chunk)
                    hasher.update(chunk)
                    done += len(chunk)
                    report(progress, done, total, f"downloading {label}")
                    if total and done / total >= next_log:
                        log.info("%s: %.0f%% of %.1f MB", label, 100 * done / total, total / 1e6)
                        next_log += 0.1
        except (urllib.error.URLError, OSError) as exc:  # includes HTTPError and timeouts
            raise NetworkError(f"cannot download {url}: {exc}") from exc
        if total and done != total:
            raise NetworkError(f"download of {url} stopped at {done} of {total} bytes")
        digest = hasher.hexdigest()
        if expected and digest != expected[1]:
            raise FeatureError(
                f"checksum mismatch for {url}: expected {expected[0]}:{expected[1]}, got "
                f"{expected[0]}:{digest}; the file was deleted"
            )
        tmp.chmod(0o644)
    if not expected:
        log.warning("%s downloaded without a checksum to check; its sha256 is %s", label, digest)
    return target
