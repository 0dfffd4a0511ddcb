"""The one place that runs external ffmpeg: always an argument list, stderr captured.

The binary comes from the ``imageio-ffmpeg`` wheel (a fresh machine has no system ffmpeg);
``AVHD_FFMPEG`` overrides it.
"""

from __future__ import annotations

import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache

from core.errors import AvhdError, Cancelled


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


def _stderr_tail(data: bytes, lines: int = 6) -> str:
    return " | ".join(data.decode("utf-8", "replace").strip().splitlines()[-lines:])


def run_ffmpeg_progress(
    args: Sequence[str],
    *,
    on_time: Callable[[float], None] | None = None,
    cancel=None,
    timeout: float | None = None,
) -> None:
    """Run ``ffmpeg ARGS`` with ``-progress pipe:1``, reporting output time as it advances.

    ``on_time(seconds)`` is called with ffmpeg's ``out_time`` (seconds of output written).
    ``cancel`` (a :class:`core.progress.CancelToken`) is polled about ten times a second;
    when set, ffmpeg is killed and :class:`Cancelled` raised. Files ffmpeg was writing are
    left for the caller to remove. A non-zero exit raises :class:`FFmpegError` with the tail
    of stderr.
    """
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-progress",
        "pipe:1",
        "-stats_period",
        "0.25",
        *map(str, args),
    ]
    lines: queue.Queue[bytes | None] = queue.Queue()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)

        def _pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        reader = threading.Thread(target=_pump, name="ffmpeg-progress", daemon=True)
        reader.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                if cancel is not None and cancel.cancelled:
                    raise Cancelled("cancelled by the user")
                try:
                    line = lines.get(timeout=0.1)
                except queue.Empty:
                    if deadline is not None and time.monotonic() > deadline:
                        raise FFmpegError(f"ffmpeg timed out after {timeout} s") from None
                    continue
                if line is None:
                    break
                key, _, value = line.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and on_time is not None:
                    try:
                        on_time(max(0.0, int(value) / 1e6))
                    except ValueError:  # "N/A" before the first frame
                        pass
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            reader.join(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        if proc.returncode != 0:
            err.seek(0)
            raise FFmpegError("ffmpeg failed: " + _stderr_tail(err.read()))
