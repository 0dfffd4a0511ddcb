"""The ffmpeg watchdog: stalls are detected and killed, no ffmpeg outlives AVHD."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from core import ffmpeg
from core.errors import Cancelled
from core.ffmpeg import FFmpegError, FFmpegStalled, run_ffmpeg, run_ffmpeg_progress
from core.progress import CancelToken

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


def _gone(pid: int, wait: float = 10.0) -> bool:
    """True when process ``pid`` no longer runs (a zombie counts as gone)."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


class _StuckWriter(threading.Thread):
    """Feeds a FIFO a few raw frames, then keeps it open without writing (a stuck input)."""

    def __init__(self, fifo: Path, frames: int = 5) -> None:
        super().__init__(daemon=True)
        self.fifo, self.frames = fifo, frames
        self.release = threading.Event()

    def run(self) -> None:
        with open(self.fifo, "wb") as fh:
            fh.write(b"\x80" * (32 * 32 * 3) * self.frames)
            fh.flush()
            self.release.wait(60)


def _stuck_args(fifo: Path) -> list[str]:
    raw = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "32x32", "-r", "25"]
    return [*raw, "-i", str(fifo), "-f", "null", "-"]


def test_stall_is_detected_and_ffmpeg_killed(tmp_path):
    # ffmpeg keeps printing progress reports while its input is stuck: the watchdog must
    # look at the output time, not at whether reports arrive
    fifo = tmp_path / "in.raw"
    os.mkfifo(fifo)
    writer = _StuckWriter(fifo)
    writer.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(FFmpegStalled, match="no progress"):
            run_ffmpeg_progress(_stuck_args(fifo), stall=2.0)
    finally:
        writer.release.set()
    assert time.monotonic() - t0 < 20
    assert not ffmpeg._children


def test_overall_timeout_kills(tmp_path):
    args = ["-re", "-f", "lavfi", "-i", "testsrc=size=32x32:rate=25:duration=60", "-f", "null", "-"]
    with pytest.raises(FFmpegStalled, match="time limit"):
        run_ffmpeg(args, timeout=1.5)
    assert not ffmpeg._children


def test_blocked_open_counts_as_stall(tmp_path):
    fifo = tmp_path / "nobody.raw"
    os.mkfifo(fifo)  # no writer: ffmpeg blocks in open() and never reports
    with pytest.raises(FFmpegStalled):
        run_ffmpeg(_stuck_args(fifo), stall=1.0)


def test_cancel_kills_process_group(tmp_path):
    fifo = tmp_path / "in.raw"
    os.mkfifo(fifo)
    writer = _StuckWriter(fifo)
    writer.start()
    token = CancelToken()
    threading.Timer(1.0, token.cancel).start()
    try:
        with pytest.raises(Cancelled):
            run_ffmpeg_progress(_stuck_args(fifo), cancel=token)
    finally:
        writer.release.set()
    assert not ffmpeg._children


def test_failure_keeps_all_of_stderr(tmp_path):
    with pytest.raises(FFmpegError) as info:
        run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"])
    assert "No such file" in info.value.stderr


_CHILD = textwrap.dedent(
    """
    import sys, threading, time
    from core import ffmpeg
    def tell():
        while not ffmpeg._children:
            time.sleep(0.02)
        print(next(iter(ffmpeg._children)).pid, flush=True)
    threading.Thread(target=tell, daemon=True).start()
    raw = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "32x32", "-r", "25"]
    ffmpeg.run_ffmpeg([*raw, "-i", sys.argv[1], "-f", "null", "-"], stall=600)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_no_orphan_when_avhd_is_killed(tmp_path, sig):
    fifo = tmp_path / "nobody.raw"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(fifo)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        pid = int(proc.stdout.readline())
        assert not _gone(pid, wait=0.3)  # ffmpeg runs, blocked on its input
        proc.send_signal(sig)
        proc.wait(timeout=20)
        assert _gone(pid), f"ffmpeg {pid} outlived AVHD after signal {sig}"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    if sig != signal.SIGKILL:
        assert proc.returncode == 128 + sig


def test_output_to_stdout_is_returned():
    # the progress report has its own pipe: ffmpeg may write its output to stdout
    proc = run_ffmpeg(["-f", "lavfi", "-i", "color=c=white:size=4x2:duration=0.04:rate=25",
                       "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])  # fmt: skip
    assert proc.stdout == b"\xff" * 8
