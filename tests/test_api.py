"""The library API (core.api / ``import avhd``), called as a user would, and the README's
example run exactly as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from synth import make_video

import avhd
from core import api
from core.pipeline import FindConfig
from core.shotsnap import edges_off_shots

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FAST = FindConfig(visual="test-colorhist", audio="test-bandenergy", device="cpu", direct=True)


@pytest.fixture(autouse=True)
def _test_extractors(test_extractors):
    """Every test here may name the small extractors (tests/conftest.py)."""


def readme_example() -> str:
    """The first python block of the README's "Library API" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Library API", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_import_stays_light_and_both_names_give_the_api():
    code = ("import sys, core, avhd\n"
            "print(sorted(m for m in ('torch', 'numpy', 'core.api', 'core.pipeline') "
            "if m in sys.modules))\nprint(avhd.score_video is core.score_video is "
            "core.api.score_video)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split("\n")  # fmt: skip
    assert out[0] == "[]" and out[1] == "True"
    assert set(avhd.__all__) >= {"find_highlights", "load_model", "score_video", "reselect"}


def test_readme_example_is_ten_lines_of_the_api():
    lines = [x for x in readme_example().splitlines() if x.strip()]
    assert len(lines) <= 10 and lines[0] == "import avhd"
    for name in ("find_highlights", "load_model", "score_video", "reselect", "export"):
        assert f"avhd.{name}(" in readme_example(), name


@pytest.mark.slow
def test_readme_example_runs_on_the_demo(tmp_path, monkeypatch, capsys):
    from core.resources import demo_folder

    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "demo").symlink_to(demo_folder(), target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(readme_example(), "README.md", "exec"), scope)  # noqa: S102 - the example
    found, scored, shorter = scope["found"], scope["scored"], scope["shorter"]
    assert len(found.highlights) == 5 and not found.failures
    assert (tmp_path / "demo_api" / "model.pt").is_file()
    for video in found.highlights.values():
        assert video.shot_cuts is not None and video.shot_snap == 0.5
        # 6 s on the clip grid; edges then move onto shot cuts within 0.5 s of them
        grid = avhd.reselect(video, target_seconds=6, shot_snap=0)
        assert sum(s.duration for s in grid.segments) == pytest.approx(6.0)
        kept = sum(s.duration for s in video.segments)
        assert abs(kept - 6.0) <= 0.5 * 2 * len(grid.segments) + 1e-6
        assert edges_off_shots(video.segments, video.shot_cuts) == []
    assert scored.highlights.n_clips == 10 and len(scored.highlights.segments) >= 1
    assert scored.highlights.shot_cuts is not None  # score_video finds the cuts too
    grid = avhd.reselect(scored.highlights, target_seconds=4, shot_snap=0)
    assert sum(s.duration for s in grid.segments) == pytest.approx(4.0)
    assert abs(sum(s.duration for s in shorter.segments) - 4.0) <= len(grid.segments) + 1e-6
    assert edges_off_shots(shorter.segments, scored.highlights.shot_cuts) == []
    assert np.array_equal(shorter.score, scored.highlights.score)  # re-selected, not rescored
    edl = (tmp_path / "demo_api" / "trap.edl").read_text()
    assert "bbb_05_trap" in edl and len(re.findall(r"^\d{3} ", edl, re.M)) == len(shorter.segments)
    assert capsys.readouterr().out.endswith("\ndemo_api/trap.edl\n")


def test_selection_is_checked():
    for bad in ({"top": 0}, {"top": 1.5}, {"target_seconds": -5}, {"min_segment": 0},
                {"padding": -1}, {"top": 0.2, "target_seconds": 5}):  # fmt: skip
        with pytest.raises(ValueError):
            api.Selection(**bad)


def test_score_reselect_export_on_a_synthetic_video(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    make_video(lib / "a.mp4", duration=8, video="smptebars", audio="sine:880")
    make_video(lib / "b.mp4", duration=8, video="color:red", audio="noise")
    cfg = FindConfig(visual="test-colorhist", audio="test-bandenergy", device="cpu", epochs=2)
    trained = api.train_model(lib, tmp_path / "m.pt", config=cfg)
    assert trained.path == tmp_path / "m.pt" and trained.path.is_file() and not trained.failures
    model = api.load_model(trained.path)
    scored = api.score_video(lib / "a.mp4", model, top=0.5, device="cpu", out=tmp_path / "o")
    hl = scored.highlights
    assert hl.n_clips == 4 and scored.path.parent == tmp_path / "o"
    assert scored.path.name.startswith("a.") and scored.path.name.endswith(".highlights.json")
    assert sum(s.duration for s in hl.segments) == pytest.approx(4.0)
    direct = api.score_video(lib / "a.mp4", trained.path, direct=True, device="cpu")
    assert np.array_equal(direct.highlights.score, direct.highlights.av_ph)
    one = api.reselect(hl, target_seconds=2)
    assert [(s.start, s.end) for s in one.segments] == [(s.start, s.end) for s in
            api.reselect(hl, top=0.25).segments]  # fmt: skip
    assert hl.segments != one.segments and len(one.segments) == 1  # the input is not changed
    best = int(np.argmax(hl.score))
    assert one.segments[0].start == hl.bounds[best, 0]
    result = api.export(one, "csv", tmp_path / "a.csv")
    assert result.path == tmp_path / "a.csv" and "a.mp4" in result.path.read_text()


def test_find_highlights_in_memory(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    make_video(lib / "a.mp4", duration=6, video="smptebars", audio="sine:880")
    found = api.find_highlights(lib, target_seconds=2, config=FAST, write=False)
    (video,) = found.highlights.values()
    assert found.out_dir is None and not (lib / "avhd_highlights").exists()
    assert sum(s.duration for s in video.segments) == pytest.approx(2.0)
    assert FAST.target_seconds is None  # the caller's config is not modified
