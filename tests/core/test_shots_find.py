"""``avhd find`` with its defaults gives shot-aware segments: on generated media with hard
cuts and on the full film (``../shared/media/bbb_full_360p.mp4``, skipped when absent), every
segment edge sits on a detected cut or lies more than 0.5 s from all of them, and no segment
is shorter than the minimum length. Real extractors, the real default scores."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from core import api
from core.artifacts import VideoHighlights
from core.cli import main
from core.resultfiles import highlights_filename
from core.shotsnap import edges_off_shots

FILM = Path(__file__).resolve().parents[2].parent / "shared" / "media" / "bbb_full_360p.mp4"
MIN_SEGMENT = 2.0  # the default of avhd find and the app
#: five shots joined by hard cuts at 4.4, 7.72, 13.4 and 15.92 s: three of them within 0.5 s
#: of the 2 s clip grid, where segments chosen clip by clip start or end mid-shot
SHOTS = "shots:testsrc@4.4,red@3.32,smptebars@5.68,blue@2.52,rgbtestsrc@4.08"
CUTS = [4.4, 7.72, 13.4, 15.92]


def _find(src: Path, out: Path, *options: str) -> VideoHighlights:
    assert main(["find", str(src), "--out", str(out), "--progress", "none", *options]) == 0
    return VideoHighlights.load(out / highlights_filename(str(src), None))


def _check_follows_shots(vh: VideoHighlights) -> None:
    kept = [s for s in vh.segments if s.keep]
    assert kept and vh.shot_cuts is not None and vh.shot_snap == 0.5
    assert edges_off_shots(kept, vh.shot_cuts, 0.5) == []
    assert min(s.duration for s in kept) >= MIN_SEGMENT - 1e-6
    assert all(b.start > a.end for a, b in zip(kept, kept[1:], strict=False))


@pytest.fixture(scope="module")
def shots_video(tmp_path_factory) -> Path:
    from synth import make_video

    return make_video(tmp_path_factory.mktemp("shots") / "shots.mp4", duration=20, fps=25,
                      video=SHOTS, audio="tones:330,550,440,660,880")


@pytest.mark.slow
def test_find_on_generated_hard_cuts_places_edges_on_shots(shots_video, tmp_path):
    vh = _find(shots_video, tmp_path / "out", "--top", "0.5")
    assert np.allclose(vh.shot_cuts, CUTS, atol=1 / 25 + 1e-6)
    _check_follows_shots(vh)
    raw = json.loads((tmp_path / "out" / highlights_filename(str(shots_video), None))
                     .read_text())
    assert raw["shots"]["cuts"] == [round(c, 6) for c in vh.shot_cuts]
    # the same scores on the clip grid alone put edges beside cuts (the case snapping fixes)
    assert any(abs(s.end - c) < 1e-4 for s in vh.segments for c in vh.shot_cuts)
    grid = api.reselect(vh, top=0.5, shot_snap=0.0)
    assert edges_off_shots(grid.segments, vh.shot_cuts, 0.5)


def test_find_without_shot_snapping_keeps_the_clip_grid(shots_video, tmp_path):
    vh = _find(shots_video, tmp_path / "out", "--top", "0.5", "--shot-snap", "0")
    assert vh.shot_cuts is None and vh.shot_snap == 0.0
    assert all(float(s.start).is_integer() and float(s.end).is_integer() for s in vh.segments)
    raw = json.loads((tmp_path / "out" / highlights_filename(str(shots_video), None))
                     .read_text())
    assert "shots" not in raw


@pytest.fixture(scope="session")
def film_found(tmp_path_factory):
    """``avhd find`` on the full film with every default (its own feature and shot cache),
    run once per session; returns the highlights and the seconds it took."""
    if not FILM.is_file():
        pytest.skip("../shared/media/bbb_full_360p.mp4 is absent")
    root = tmp_path_factory.mktemp("film")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AVHD_CACHE_DIR", str(root / "cache"))
        t0 = time.perf_counter()
        vh = _find(FILM, root / "out")
        return vh, time.perf_counter() - t0


@pytest.mark.slow
@pytest.mark.shared_media
def test_film_segments_follow_shots_at_the_default_target(film_found):
    vh, seconds = film_found
    assert 60 < len(vh.shot_cuts) < 400  # a 10-minute animated film has many shots
    _check_follows_shots(vh)
    kept = sum(s.duration for s in vh.segments if s.keep)
    assert 0.15 * vh.duration < kept < 0.3 * vh.duration  # the default target is 20 %
    # on the clip grid, the same default scores cut many segments mid-shot
    grid = api.reselect(vh, shot_snap=0.0)
    assert len(edges_off_shots(grid.segments, vh.shot_cuts, 0.5)) >= 5
    print(f"\nfilm: find with shot detection took {seconds:.0f} s; "
          f"{len(vh.segments)} segments, {len(vh.shot_cuts)} cuts")
