import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.artifacts import Segment
from core.project import (
    PROJECT_FILENAME,
    Project,
    ProjectError,
    merge_found,
    open_or_create,
)


def test_round_trip_and_relative_keys(tmp_path):
    p = open_or_create(tmp_path)
    st = p.video(tmp_path / "sub" / "a.mp4")
    st.segments = [Segment(1.0, 3.0, 0.7), Segment(5.0, 6.5, 0.2, keep=False)]
    st.edited = True
    p.target_mode, p.target_value, p.model_path = "seconds", 30.0, "m.pt"
    path = p.save()
    assert path == tmp_path / PROJECT_FILENAME
    back = open_or_create(tmp_path)
    assert list(back.videos) == ["sub/a.mp4"]
    assert back.video(tmp_path / "sub" / "a.mp4").segments == st.segments
    assert (back.target_mode, back.target_value, back.model_path) == ("seconds", 30.0, "m.pt")
    assert json.loads(path.read_text())["schema"] == 1


def test_hand_edits_survive_refinding_unless_reset():
    st = Project(root="/x").video("/x/a.mp4")
    merge_found(st, [Segment(0, 2, 0.9)])
    assert not st.edited and st.segments == [Segment(0, 2, 0.9)]
    st.segments[0].end = 4.0
    st.edited = True
    assert merge_found(st, [Segment(8, 10, 0.5)]) == [Segment(0, 4.0, 0.9)]
    assert merge_found(st, [Segment(8, 10, 0.5)], reset=True) == [Segment(8, 10, 0.5)]
    assert not st.edited


def test_corrupt_and_future_files_are_clear_errors(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text("{ half a proj")
    with pytest.raises(ProjectError, match="cannot read"):
        Project.load(bad)
    bad.write_text(json.dumps({"schema": 99, "root": "/"}))
    with pytest.raises(ProjectError, match="newer"):
        Project.load(bad)
    bad.write_text(json.dumps([1, 2]))
    with pytest.raises(ProjectError, match="not an AVHD project"):
        Project.load(bad)


WRITER = """
import sys
from core.artifacts import Segment
from core.project import Project
p = Project(root=sys.argv[1])
i = 0
while True:
    i += 1
    for k in range(300):
        p.video(f"{sys.argv[1]}/v{k}.mp4").segments = [Segment(j, j + 1.0, i) for j in range(20)]
    p.save()
    print(i, flush=True)
"""


def test_killing_a_writer_midway_never_leaves_a_corrupt_project(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        assert proc.stdout.readline()  # at least one save finished
        for delay in (0.01, 0.05, 0.13):
            time.sleep(delay)
            p = Project.load(tmp_path / PROJECT_FILENAME)  # readable while being rewritten
            assert len(p.videos) == 300
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    p = Project.load(tmp_path / PROJECT_FILENAME)
    assert len(p.videos) == 300
    values = {s.score for v in p.videos.values() for s in v.segments}
    assert len(values) == 1  # one consistent save, never a mix
    leftovers = [f for f in tmp_path.iterdir() if f.name != PROJECT_FILENAME]
    assert all(f.name.startswith(".") for f in leftovers)  # at most a temp file, never read
