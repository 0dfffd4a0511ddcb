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
    summarize,
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


def _doc(tmp_path, **over) -> dict:
    good = {"state": "scored", "segments": [{"start": 1.0, "end": 2.0, "score": 0.5,
                                             "keep": True}], "edited": True}
    d = {"schema": 1, "root": str(tmp_path), "target": {"mode": "seconds", "value": 30},
         "model": "m.pt", "config": {"k": 1}, "videos": {"a.mp4": good}}
    d.update(over)
    return d


@pytest.mark.parametrize("text, expected", [
    ('{"schema": 1, "root": "/x", "videos": []}', "videos: expected a dictionary"),
    ('{"schema": 1, "root": 5}', "root: expected a string"),
    ('{"schema": "1", "root": "/x"}', "schema: expected a whole number"),
    ('{"schema": 1e999, "root": "/x"}', "schema: expected a whole number"),
    ('{"schema": 1, "root": "/x", "videos": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "nested too deeply"),
    ('{"schema": 1, "root": "/x", "n": 1' + "0" * 5000 + "}", "bad value"),
])
def test_files_of_the_wrong_shape_are_one_line_project_errors(tmp_path, text, expected):
    bad = tmp_path / "p.json"
    bad.write_text(text)
    with pytest.raises(ProjectError) as info:
        Project.load(bad)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_bad_parts_are_dropped_with_a_warning_and_the_rest_kept(tmp_path):
    d = _doc(tmp_path, target="abc", model=7, config={"deep": json.loads("[" * 40 + "]" * 40)})
    d["videos"].update({
        "b.mp4": "scored",  # an entry that is a string
        "c.mp4": {"state": "done", "segments": []},
        "d.mp4": {"state": "scored", "edited": "yes"},
        "e.mp4": {"state": "scored", "edited": True, "segments": [
            {"start": float("nan"), "end": 2.0}, {"start": -1.0, "end": 2.0},
            {"start": 3.0, "end": 1.0}, {"start": 0.0, "end": 1e308},
            {"start": 1.0, "end": 2.0, "keep": "false"}, {"start": 4.0, "end": 5.0}]},
    })
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps(d))  # json.dumps writes the NaN as NaN
    assert "NaN" in bad.read_text()
    warnings: list[str] = []
    p = Project.load(bad, warnings)
    assert sorted(p.videos) == ["a.mp4", "e.mp4"]
    assert p.videos["a.mp4"].segments == [Segment(1.0, 2.0, 0.5, True)]
    assert p.videos["e.mp4"].segments == [Segment(4.0, 5.0)]
    assert (p.target_mode, p.target_value, p.model_path, p.config) == ("fraction", 0.2, "", {})
    text = "\n".join(warnings)
    for part in ("videos['b.mp4']: expected a dictionary", "unknown state \"done\"",
                 "videos['d.mp4'].edited", "segments[0].start: expected a finite number",
                 "segments[1].start: -1 is outside", "end 1 s is not after start 3 s",
                 "segments[3].end: 1e+308 is outside", "segments[4].keep", "target:",
                 "model: expected a string", "config: nested deeper"):
        assert part in text, part
    assert len(warnings) == 11
    line = summarize(warnings)
    assert line.startswith("11 bad parts of the project skipped:") and "\n" not in line


def test_target_values_out_of_range_fall_back_to_the_default(tmp_path):
    for target in ({"mode": "fraction", "value": 5.0}, {"mode": "seconds", "value": -3},
                   {"mode": "minutes", "value": 3}, {"mode": "seconds", "value": 1e300}):
        f = tmp_path / "p.json"
        f.write_text(json.dumps(_doc(tmp_path, target=target)))
        warnings: list[str] = []
        p = Project.load(f, warnings)
        assert (p.target_mode, p.target_value) == ("fraction", 0.2) and len(warnings) == 1
