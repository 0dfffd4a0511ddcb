"""Killing AVHD during a reel export: no ffmpeg is left running, and no partial file is
left after the next export into that folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_export_synth import make_coded_video

from core.export import ReelEntry, ReelPlan
from core.export._output import sweep_stale
from core.export.render import render_reel

_RENDER = textwrap.dedent(
    """
    import sys
    from core.export import ReelEntry, ReelPlan, ReelSettings
    from core.export.render import render_reel
    src, out = sys.argv[1], sys.argv[2]
    entries = [ReelEntry(src, (i % 30) * 0.1, (i % 30) * 0.1 + 1.0) for i in range(400)]
    render_reel(ReelPlan(entries, ReelSettings(batch_size=8, preset="medium")), out)
    """
)


def _ffmpeg_using(folder: Path) -> list[int]:
    """Running (non-zombie) processes whose command line names ``folder``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            state = (entry / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if str(folder) in cmd and "ffmpeg" in cmd and state not in ("Z", "X"):
            pids.append(int(entry.name))
    return pids


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_killed_export_leaves_no_ffmpeg_and_no_partial_file(tmp_path, sig):
    src = make_coded_video(tmp_path / "src.mp4", seconds=4)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _RENDER, str(src), str(out_dir / "reel.mp4")], env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not (_hidden(out_dir) and _ffmpeg_using(out_dir)):
            assert proc.poll() is None, "the export ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    end = time.monotonic() + 10
    while _ffmpeg_using(out_dir) and time.monotonic() < end:
        time.sleep(0.05)
    assert _ffmpeg_using(out_dir) == []  # no orphan
    assert not (out_dir / "reel.mp4").exists()
    if sig == signal.SIGKILL:
        assert _hidden(out_dir)  # a killed process cannot clean up ...
    # (SIGTERM/SIGHUP unwind and remove their files, unless the signal lands inside a
    # clean-up itself; the next export removes what is left either way)
    plan = ReelPlan([ReelEntry(str(src), 0.0, 0.5)])
    render_reel(plan, out_dir / "next.mp4")
    assert _hidden(out_dir) == []  # ... the next export sweeps it
    assert sorted(os.listdir(out_dir)) == ["next.mp4"]


def test_sweep_keeps_live_runs_and_foreign_files(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    me = os.getpid()
    stale_part = tmp_path / f".reel.mp4.x1.avhd{dead.pid}.part.mp4"
    stale_dir = tmp_path / f".reel.mp4.avhd{dead.pid}.x2"
    live_part = tmp_path / f".reel.mp4.x3.avhd{me}.part.mp4"
    foreign = tmp_path / f".notes.avhd{dead.pid}.d"  # not ours: holds other files
    for p in (stale_part, live_part):
        p.write_bytes(b"x")
    for d, f in ((stale_dir, "part0000.mov"), (foreign, "diary.txt")):
        d.mkdir()
        (d / f).write_bytes(b"x")
    removed = sweep_stale(tmp_path)
    assert sorted(removed) == sorted([stale_part, stale_dir])
    assert live_part.exists() and (foreign / "diary.txt").exists()
