"""File names that fit the file system, never collide, and print whatever the bytes are.

* :func:`printable` turns any path (including names that are not valid UTF-8, which Python
  carries as lone surrogates) into text that can be printed and encoded as UTF-8.
* :func:`raw_hex` / :func:`from_raw_hex` give a reversible, printable form of such a path.
* :func:`result_stem` gives each input of a library its own result name: distinct relative
  paths always give distinct names (``clip.mp4`` / ``clip.mov``, ``sub/a.mp4`` / ``sub__a.mp4``)
  and a name never exceeds :data:`MAX_STEM_BYTES` (long names are shortened with a hash).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

#: Most file systems allow 255 bytes per name. A result name is the stem plus a suffix
#: (".highlights.json", 16 bytes) and atomic writes add a temporary prefix and suffix
#: (``.NAME.XXXXXXXX.json.part``, 20 bytes), so stems stay well below that.
NAME_MAX = 255
MAX_STEM_BYTES = 180
_HASH_CHARS = 10
_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f]")


def is_clean(text: str) -> bool:
    """True when ``text`` encodes as UTF-8 (no undecodable bytes from the file system)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(path: str | os.PathLike) -> str:
    """``path`` as text that prints and encodes as UTF-8; bad bytes become ``\\xNN``."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if is_clean(text):
        return text
    raw = os.fsencode(text)
    return raw.decode("utf-8", errors="backslashreplace")


def raw_hex(path: str | os.PathLike) -> str | None:
    """A reversible printable form of a path that is not valid UTF-8 (else ``None``)."""
    text = os.fspath(path)
    if is_clean(text):
        return None
    return os.fsencode(text).hex()


def from_raw_hex(value: str) -> str:
    """The path given by :func:`raw_hex`."""
    return os.fsdecode(bytes.fromhex(value))


def _short_hash(text: str) -> str:
    return hashlib.sha256(os.fsencode(text)).hexdigest()[:_HASH_CHARS]


def _clip_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def result_stem(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """A unique, file-system-safe stem for the results of ``path`` (relative to ``root``).

    A file directly in ``root`` whose name is clean and short keeps its full name, extension
    included (``clip.mp4``). Anything else (sub-folders, unsafe or undecodable characters,
    long names) becomes a readable part plus ``~`` and a hash of the exact relative path;
    that form ends in hex digits, never in a video extension, so the two forms never meet.
    """
    p = Path(path)
    rel: Path
    if root is not None:
        try:
            rel = p.relative_to(Path(root))
        except ValueError:
            rel = Path(p.name)
    else:
        rel = Path(p.name)
    parts = rel.parts
    name = parts[-1] if parts else p.name
    plain = len(parts) == 1 and is_clean(name) and not _UNSAFE.search(name)
    if plain and not name.startswith(".") and len(name.encode("utf-8")) <= MAX_STEM_BYTES:
        return name
    readable = _UNSAFE.sub("_", "__".join(printable(x) for x in parts)).lstrip(".") or "video"
    tag = "~" + _short_hash(rel.as_posix())
    return _clip_bytes(readable, MAX_STEM_BYTES - len(tag)) + tag


def fits(name: str) -> bool:
    """True when a file name (plus an atomic write's temporary affixes) fits the file system."""
    return len(os.fsencode(name)) + 20 <= NAME_MAX
