"""Atomic file writes: write to a temporary name in the target folder, then rename."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Bytes of the target's name kept in a temporary name (``.NAME.XXXXXXXX.ext.part`` <= 255).
_PREFIX_BYTES = 200


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_prefix(name: str) -> str:
    """``.NAME.``, with NAME cut so the temporary name stays within 255 bytes."""
    raw = os.fsencode(name)
    if len(raw) > _PREFIX_BYTES:
        name = os.fsdecode(raw[:_PREFIX_BYTES])
    return f".{name}."


@contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=_temp_prefix(target.name),
        suffix=suffix or (target.suffix + ".part"),
        dir=target.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():  # mkstemp makes 0600 files; give the usual umask permissions
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_atomic(target: str | os.PathLike, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` and move the result to ``target`` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    return Path(target)


def write_text_atomic(target: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically.

    Characters that cannot be UTF-8 (undecodable file-name bytes) are written escaped.
    """
    return write_atomic(
        target, lambda p: p.write_text(text, encoding="utf-8", errors="backslashreplace")
    )


def json_text(data: Any, indent: int | None = 2) -> str:
    """``data`` as JSON text; undecodable file-name bytes (lone surrogates) are kept as
    ``\\udcXX`` escapes, which Python's ``json`` reads back to the same path."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, indent=indent, ensure_ascii=True)
    return text + "\n"


def write_json_atomic(target: str | os.PathLike, data: Any, indent: int | None = 2) -> Path:
    """Write ``data`` as JSON to ``target`` atomically."""
    return write_text_atomic(target, json_text(data, indent))
