"""Progress counts seconds of footage, per file and over the library, and each stage of a run
(extract, shots, categories, pseudo, score) has one counter that moves."""

from __future__ import annotations

import json

import pytest
from synth import make_text, make_video

from core import cli
from core.commands._progress import ProgressDisplay
from core.progress import ExtractProgress, ProgressEvent, Stage, emit, footage_seconds

FAST = ["--visual", "test-colorhist", "--audio", "test-bandenergy", "--device", "cpu"]


@pytest.fixture(autouse=True)
def _test_extractors(test_extractors):
    """Every test here may name the small extractors (tests/conftest.py)."""


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("progress-lib")
    make_video(root / "a.mp4", duration=4, video="shots:testsrc@2.4,red@1.6", audio="sine:440")
    make_video(root / "b.mp4", duration=8, video="smptebars", audio="noise")
    make_text(root / "broken.mp4")
    return root


def test_extract_progress_counts_seconds_over_the_library_and_within_a_file():
    events, clips = [], []
    clock = ExtractProgress(lambda d, t, m: events.append((d, t, m)),
                            lambda d, t, m: clips.append((d, t, m)), [10.0, 20.0], 2.0)
    clock.on_file(0, 2, "a.mp4")
    for done in range(6):  # 5 clips of 2 s, and one report past the end
        clock.on_clip(done, 5, "a.mp4")
    clock.on_file(1, 2, "b.mp4")
    clock.on_clip(5, 10, "b.mp4")
    clock.on_file(2, 2, "")
    assert [d for d, _, _ in events] == [0, 0, 2, 4, 6, 8, 10, 10, 10, 20, 30]
    assert {t for _, t, _ in events} == {30.0}
    assert events[-2][2] == "extract: b.mp4"
    assert clips[-1] == (5, 10, "b.mp4")  # the file's own clips still reach clip_progress


def test_typed_events_reach_the_display_with_their_unit(capsys):
    import io

    out = io.StringIO()
    display = ProgressDisplay("json", stream=out)
    emit(display, ProgressEvent(Stage.SHOTS, 12.5, 30.0, "a.mp4", "s"))
    emit(display, ProgressEvent(Stage.SHOTS, 12.5, 30.0, "a.mp4", "s"))  # a repeat: no line
    seen = []
    emit(lambda d, t, m: seen.append((d, t, m)), ProgressEvent(Stage.SHOTS, 1, 2, "a.mp4"))
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == 1
    assert {k: lines[0][k] for k in ("stage", "done", "total", "unit", "item")} == \
        {"stage": "shots", "done": 12.5, "total": 30.0, "unit": "s", "item": "a.mp4"}
    assert seen == [(1, 2, "shots: a.mp4")]  # a plain callback gets the message form


def _events(capsys):
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()
            if line.startswith("{")]


def _moves_to_its_end(events, stage, total=None):
    mine = [e for e in events if e["stage"] == stage]
    assert mine, stage
    done = [e["done"] for e in mine]
    assert done == sorted(done), f"{stage} went back: {done}"
    assert done[-1] == pytest.approx(mine[-1]["total"])
    if total is not None:
        assert all(abs(e["total"] - total) <= 0.1 for e in mine), stage
    return mine


def test_find_reports_footage_seconds_and_one_counter_per_stage(library, tmp_path, capsys):
    from core.pipeline import FindConfig, find_highlights

    assert footage_seconds(library / "b.mp4") == pytest.approx(8.0, abs=0.1)
    assert footage_seconds(library / "broken.mp4") == 0.0
    seen = []
    cfg = FindConfig(visual="test-colorhist", audio="test-bandenergy", device="cpu")
    res = find_highlights(library, cfg, out_dir=tmp_path / "p",
                          progress=lambda d, t, m: seen.append(dict(
                              stage=m.partition(":")[0], done=d, total=t, item=m)))
    assert len(res.highlights) == 2 and len(res.failures) == 1
    extract = _moves_to_its_end(seen, "extract", total=12.0)
    assert any(0 < e["done"] < 12 for e in extract)  # it moves between and within files
    _moves_to_its_end(seen, "shots", total=12.0)
    for stage in ("categories", "pseudo", "score"):
        _moves_to_its_end(seen, stage)
    order = [e["stage"] for e in seen]
    assert order.index("shots") > max(i for i, s in enumerate(order) if s == "extract")
    # the command line shows the same counters, with their units
    argv = ["find", str(library), "--direct", *FAST, "--out", str(tmp_path / "o"),
            "--progress", "json"]
    assert cli.main(argv) == 3  # the broken file failed, the others were scored
    events = _events(capsys)
    extract = _moves_to_its_end(events, "extract", total=12.0)
    shots = _moves_to_its_end(events, "shots", total=12.0)
    assert {e["unit"] for e in extract + shots} == {"s"}
    footage = [e for e in events if e["stage"] == "footage"]
    assert {e["item"] for e in footage} >= {"a.mp4", "b.mp4"}
    assert max(e["total"] for e in footage if e["item"] == "b.mp4") == pytest.approx(8.0)


def test_extract_command_counts_seconds_of_the_library(library, capsys):
    assert cli.main(["extract", str(library), *FAST, "--progress", "json"]) == 3
    extract = _moves_to_its_end(_events(capsys), "extract", total=12.0)
    assert {e["unit"] for e in extract} == {"s"}


def test_clustering_reports_each_step():
    import numpy as np

    from core.clustering import fit_categories

    rng = np.random.default_rng(0)
    desc = np.concatenate([rng.normal(0, 0.05, (4, 6)), rng.normal(3, 0.05, (4, 6))])
    seen = []
    cats = fit_categories(desc, 2, 4, reduce=False, progress=lambda *a: seen.append(a))
    assert cats.k == 2
    assert [(d, t) for d, t, _ in seen] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert seen[1][2] == "categories: trying K=2" and seen[-1][2] == "categories: K=2"
