"""The one place that runs external ffmpeg: always an argument list, stderr captured.

The binary comes from the ``imageio-ffmpeg`` wheel (a fresh machine has no system ffmpeg);
``AVHD_FFMPEG`` overrides it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from functools import lru_cache

from core.errors import AvhdError


class FFmpegError(AvhdError):
    """ffmpeg exited with an error; the message holds the tail of its stderr."""


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to use."""
    override = os.environ.get("AVHD_FFMPEG")
    if override:
        return override
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: Sequence[str], *, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``ffmpeg -hide_banner -nostdin ARGS``; raise :class:`FFmpegError` on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *map(str, args)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError(f"ffmpeg timed out after {timeout} s") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-6:]
        raise FFmpegError("ffmpeg failed: " + " | ".join(tail))
    return proc
