"""The one place that runs external ffmpeg: always an argument list, stderr captured, watched.

The binary comes from the ``imageio-ffmpeg`` wheel (a fresh machine has no system ffmpeg);
``AVHD_FFMPEG`` overrides it.

Every run goes through :func:`_run` (used by :func:`run_ffmpeg` and
:func:`run_ffmpeg_progress`), a watchdog that

* reads ffmpeg's ``-progress`` report and kills ffmpeg when it stops advancing for
  ``stall`` seconds (a filter graph waiting forever sits at 0 % CPU and would hang);
* kills it after an overall ``timeout`` (callers scale it to the work);
* starts ffmpeg in its own process group and kills the whole group on a timeout, a cancel,
  an exception or a SIGTERM/SIGHUP of AVHD (the handler is installed from the main thread
  on first use and then passes the signal on), and asks the kernel to kill it if AVHD dies
  (``PR_SET_PDEATHSIG`` on Linux), so no ffmpeg outlives AVHD;
* writes stderr to a temporary file (no pipe can fill up and block ffmpeg).
"""

from __future__ import annotations

import atexit
import ctypes
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache

from core.errors import AvhdError, Cancelled

#: Seconds without any progress report after which ffmpeg counts as stalled.
STALL_SECONDS = 60.0
#: ffmpeg prints a progress report this often (seconds).
_PERIOD = "0.5"


class FFmpegError(AvhdError):
    """ffmpeg exited with an error; the message holds the tail of its stderr.

    ``stderr`` keeps all of it (for classifying, e.g. "No space left on device").
    """

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


class FFmpegStalled(FFmpegError):
    """ffmpeg made no progress for too long (or ran past its time limit) and was killed."""


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to use."""
    override = os.environ.get("AVHD_FFMPEG")
    if override:
        return override
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


# --- children: process groups, signals, parent death ----------------------------------------

_POSIX = os.name == "posix"
_children: set[subprocess.Popen] = set()
_lock = threading.Lock()
_installed: dict[int, object] = {}
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def _kill(proc: subprocess.Popen) -> None:
    """Kill ``proc``'s whole process group (it leads its own session) and reap it."""
    if proc.poll() is None:
        try:
            if _POSIX:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def kill_children() -> None:
    """Kill every ffmpeg this process started that still runs."""
    with _lock:
        procs = list(_children)
    for proc in procs:
        _kill(proc)


def _on_signal(signum, frame) -> None:
    kill_children()
    previous = _installed.get(signum)
    if callable(previous):
        previous(signum, frame)
        return
    # default action: unwind (so temporary outputs are removed), exit with 128 + signal
    raise SystemExit(128 + signum)


def install_signal_cleanup() -> bool:
    """Kill ffmpeg children on SIGTERM/SIGHUP; returns False off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return False
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None or signum in _installed:
            continue
        try:
            current = signal.getsignal(signum)
            signal.signal(signum, _on_signal)
        except (ValueError, OSError):  # not allowed here (embedded interpreter)
            continue
        _installed[signum] = current if current not in (signal.SIG_DFL, None) else None
        if current is signal.SIG_IGN:
            _installed[signum] = None
    return True


atexit.register(kill_children)


# --- the watchdog -----------------------------------------------------------------------------


def _stderr_tail(data: bytes, lines: int = 6) -> str:
    text = data.decode("utf-8", "replace").strip().splitlines()
    return " | ".join(line for line in text[-lines:])


def _pump(fd: int, lines: queue.Queue) -> None:
    with open(fd, "rb", closefd=_POSIX) as fh:
        for line in fh:
            lines.put(line)
    lines.put(None)


class _Watch:
    """State of one watched run: when it last advanced, and the deadline."""

    def __init__(self, timeout: float | None, stall: float) -> None:
        now = time.monotonic()
        self.deadline = None if timeout is None else now + timeout
        self.stall = stall
        self.timeout = timeout
        self.last = now
        self.out_us = -1
        self.seen: dict[str, str] = {}

    def advanced(self, key: str, value: str) -> bool:
        """Note one ``key=value`` progress line; True when it moved the output time.

        ffmpeg keeps printing reports while it is stuck, so only a change of the output
        time, size or frame count counts as progress.
        """
        if key not in ("out_time_us", "total_size", "frame"):
            return False
        value = value.strip()
        if self.seen.get(key) == value:
            return False
        self.seen[key] = value
        self.last = time.monotonic()
        if key == "out_time_us" and value.lstrip("-").isdigit():
            self.out_us = max(self.out_us, int(value))
            return True
        return False

    def check(self) -> None:
        now = time.monotonic()
        if self.deadline is not None and now > self.deadline:
            raise FFmpegStalled(
                f"ffmpeg ran past its time limit ({self.timeout:.0f} s) and was killed"
            )
        if now - self.last > self.stall:
            raise FFmpegStalled(
                f"ffmpeg made no progress for {self.stall:.0f} s (stalled) and was killed"
            )


def _run(
    args: Sequence[str],
    *,
    on_time: Callable[[float], None] | None,
    cancel,
    timeout: float | None,
    stall: float,
) -> tuple[bytes, bytes]:
    """Run ffmpeg under the watchdog; return ``(stdout, stderr)``. Raises on failure/stall.

    The progress report comes on a pipe of its own, so ffmpeg may write its output to
    stdout (``-``); stdout and stderr go to temporary files (no pipe can fill up).
    """
    install_signal_cleanup()
    lines: queue.Queue[bytes | None] = queue.Queue()
    watch = _Watch(timeout, stall)
    read_fd, write_fd = os.pipe() if _POSIX else (-1, -1)
    progress = f"pipe:{write_fd}" if _POSIX else "pipe:1"  # elsewhere: no output to stdout
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-progress", progress]
    cmd += ["-stats_period", _PERIOD, *map(str, args)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        posix = {"pass_fds": (write_fd,), "start_new_session": True}
        if sys.platform.startswith("linux"):
            posix["preexec_fn"] = _die_with_parent
        try:
            with _lock:
                proc = subprocess.Popen(
                    cmd,
                    stdout=out if _POSIX else subprocess.PIPE,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    **(posix if _POSIX else {}),
                )
                _children.add(proc)
        except BaseException:
            if _POSIX:
                os.close(read_fd)
            raise
        finally:
            if _POSIX:
                os.close(write_fd)
        if not _POSIX:
            assert proc.stdout is not None
            read_fd = proc.stdout.fileno()
        reader = threading.Thread(target=_pump, args=(read_fd, lines), daemon=True)
        reader.start()
        try:
            _watch_loop(proc, lines, watch, on_time, cancel)
        finally:
            _kill(proc)
            with _lock:
                _children.discard(proc)
            reader.join(timeout=5)
        out.seek(0)
        err.seek(0)
        stdout, data = out.read(), err.read()
    if proc.returncode != 0:
        raise FFmpegError("ffmpeg failed: " + _stderr_tail(data), data.decode("utf-8", "replace"))
    return stdout, data


def _watch_loop(proc, lines: queue.Queue, watch: _Watch, on_time, cancel) -> None:
    """Follow the progress report until ffmpeg closes it; raise on cancel or stall."""
    while True:
        if cancel is not None and cancel.cancelled:
            raise Cancelled("cancelled by the user")
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            watch.check()
            continue
        if line is None:
            break
        key, _, value = line.decode("ascii", "replace").strip().partition("=")
        if watch.advanced(key, value) and on_time is not None:
            on_time(max(0.0, watch.out_us / 1e6))
    proc.wait()


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout: float | None = None,
    stall: float = STALL_SECONDS,
    cancel=None,
) -> subprocess.CompletedProcess:
    """Run ``ffmpeg -hide_banner -nostdin ARGS`` under the watchdog; stdout and stderr are
    in the result (ffmpeg may write its output to ``-``).

    Raises:
        FFmpegError: ffmpeg failed (:class:`FFmpegStalled`: it stalled or timed out).
    """
    out, err = _run(args, on_time=None, cancel=cancel, timeout=timeout, stall=stall)
    return subprocess.CompletedProcess([ffmpeg_exe(), *map(str, args)], 0, out, err)


def run_ffmpeg_progress(
    args: Sequence[str],
    *,
    on_time: Callable[[float], None] | None = None,
    cancel=None,
    timeout: float | None = None,
    stall: float = STALL_SECONDS,
) -> None:
    """Run ``ffmpeg ARGS`` under the watchdog, reporting output time as it advances.

    ``on_time(seconds)`` is called with ffmpeg's ``out_time`` (seconds of output written).
    ``cancel`` (a :class:`core.progress.CancelToken`) is polled about ten times a second;
    when set, ffmpeg is killed and :class:`Cancelled` raised. Files ffmpeg was writing are
    left for the caller to remove.

    Raises:
        FFmpegError: non-zero exit (the tail of stderr in the message);
            :class:`FFmpegStalled` when no progress came for ``stall`` seconds or the run
            went past ``timeout``.
        Cancelled: ``cancel`` was set.
    """
    _run(args, on_time=on_time, cancel=cancel, timeout=timeout, stall=stall)


def work_timeout(media_seconds: float, *, floor: float = 120.0, speed: float = 0.25) -> float:
    """An overall time limit for rendering ``media_seconds`` of output.

    Generous: ``floor`` plus the time of rendering at ``speed`` x real time (a slow machine
    still finishes; a stuck one is caught much earlier by the stall detector).
    """
    return floor + max(0.0, float(media_seconds)) / speed
