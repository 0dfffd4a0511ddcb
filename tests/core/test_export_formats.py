"""Reel plans, layouts, interchange timelines (read back with the OTIO adapters), segment
lists, YouTube chapters and the ``avhd export`` command."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
from test_export_synth import make_coded_video

from core.artifacts import Segment, VideoHighlights
from core.cli import main
from core.errors import ExportError
from core.export import (
    ReelEntry,
    ReelPlan,
    ReelSettings,
    export_highlights,
    format_names,
    layout,
    load_highlights,
    plan_from_highlights,
    write,
)
from core.export.chapters import chapters
from core.export.plan import load_plan, save_plan
from core.export.timeline import file_url


def _highlights(path: str, duration: float, segments: list[Segment]) -> VideoHighlights:
    n = max(1, int(duration // 2))
    bounds = np.stack([np.arange(n) * 2.0, np.arange(n) * 2.0 + 2.0], axis=1)
    z = np.zeros(n)
    return VideoHighlights(
        path, 2.0, duration, bounds, z + 0.5, z, z, z, z.astype(int), 0, segments
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("timeline_media")
    return {
        "a": str(make_coded_video(d / "a clip.mp4", fps="25", seconds=4, tone_base=300)),
        "b": str(
            make_coded_video(d / "b.mp4", size=(128, 72), fps="30", seconds=4, tone_base=None)
        ),
    }


# --- plans and layout ---------------------------------------------------------------


def test_plan_keeps_only_kept_segments_and_orders():
    a = _highlights(
        "/v/a.mp4", 20, [Segment(1, 3, 0.2), Segment(8, 9, 0.9, keep=False), Segment(12, 25, 0.5)]
    )
    b = _highlights("/v/b.mp4", 10, [Segment(0, 2, 0.7)])
    plan = plan_from_highlights([a, b])
    assert [(e.source, e.start, e.end) for e in plan.entries] == [
        ("/v/a.mp4", 1, 3),
        ("/v/a.mp4", 12, 20),
        ("/v/b.mp4", 0, 2),
    ]  # clamped to duration
    by_score = plan_from_highlights([a, b], order="score")
    assert [e.score for e in by_score.entries] == [0.7, 0.5, 0.2]
    with pytest.raises(ExportError, match="no kept segments"):
        plan_from_highlights(_highlights("/v/c.mp4", 5, [Segment(0, 1, keep=False)]))
    with pytest.raises(ExportError, match="valid orders"):
        plan_from_highlights(a, order="random")
    assert ReelPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_plan_file_round_trip(tmp_path):
    plan = ReelPlan([ReelEntry("/v/a.mp4", 1.5, 4.0, 0.7)], ReelSettings(crossfade=0.3), "t")
    assert load_plan(save_plan(plan, tmp_path / "plan.json")) == plan


def test_layout_quantises_without_drift():
    entries = [ReelEntry("x", 0, 1.01)] * 7 + [ReelEntry("x", 0, 2.345)]
    lay = layout(ReelPlan(entries), Fraction(30000, 1001))
    total_frames = sum(p.frames for p in lay.placements)
    assert total_frames == round((7 * 1.01 + 2.345) * 30000 / 1001)
    assert sum(p.samples for p in lay.placements) == round(total_frames * 1001 / 30000 * 48000)
    starts = [p.reel_start for p in lay.placements]
    assert all(b > a for a, b in zip(starts, starts[1:], strict=False))
    xf = layout(ReelPlan(entries, ReelSettings(crossfade=5.0)), 25)
    assert xf.crossfade_frames == min(p.frames for p in xf.placements) // 2  # clamped
    assert xf.duration == pytest.approx(
        (sum(p.frames for p in xf.placements) - 7 * xf.crossfade_frames) / 25
    )


def test_load_highlights_resolves_relative_sources(tmp_path):
    _highlights("clips/a.mp4", 10, [Segment(0, 2)]).save(tmp_path / "a.highlights.json")
    _highlights("/abs/b.mp4", 10, [Segment(0, 2)]).save(tmp_path / "b.highlights.json")
    loaded = load_highlights(tmp_path)
    assert [h.path for h in loaded] == [str((tmp_path / "clips/a.mp4").resolve()), "/abs/b.mp4"]
    (tmp_path / "clips").mkdir()
    with pytest.raises(ExportError, match="no \\*.highlights.json"):
        load_highlights(tmp_path / "clips")


def test_unknown_format_lists_valid_ones(tmp_path):
    with pytest.raises(ExportError, match="valid formats: mp4, mov, mkv, otio"):
        write(ReelPlan([ReelEntry("x", 0, 1)]), "avi", tmp_path / "x.avi")
    assert set(format_names()) >= {
        "mp4",
        "otio",
        "edl",
        "fcp7",
        "fcpxml",
        "csv",
        "json",
        "chapters",
    }


# --- timelines ----------------------------------------------------------------------


def _timeline_plan(media) -> ReelPlan:
    return ReelPlan(
        [
            ReelEntry(media["a"], 0.52, 1.8, 0.9),
            ReelEntry(media["b"], 1.2, 2.9),
            ReelEntry(media["a"], 2.2, 3.6),
        ],
        title="test reel",
    )


READERS = {
    "otio": ("otio_json", {}),
    "edl": ("cmx_3600", {"rate": 25}),
    "fcp7": ("fcp_xml", {}),
    "fcpxml": ("fcpx_xml", {}),
}


@pytest.mark.parametrize("fmt", list(READERS))
def test_timeline_round_trip(media, tmp_path, fmt):
    plan = _timeline_plan(media)
    result = write(plan, fmt, tmp_path / f"reel.{fmt}")
    adapter, kwargs = READERS[fmt]
    back = otio.adapters.read_from_file(str(result.path), adapter, **kwargs)
    if isinstance(back, otio.schema.SerializableCollection):
        back = back[0]
    clips = list(back.video_tracks()[0].find_clips())
    assert len(clips) == 3
    for clip, entry in zip(clips, plan.entries, strict=True):
        rng = clip.source_range
        src_rate = 30 if entry.source == media["b"] else 25
        frame = 1 / min(src_rate, rng.start_time.rate)
        assert clip.media_reference.target_url == file_url(entry.source)
        assert abs(rng.start_time.to_seconds() - entry.start) <= frame + 1e-6
        assert abs(rng.end_time_exclusive().to_seconds() - entry.end) <= 2 * frame + 1e-6
        if entry.source == media["a"] and fmt != "edl":  # same rate as the sequence: exact
            assert rng.start_time.rate == 25
            assert rng.start_time.value == round(entry.start * 25)
            assert rng.duration.value == round((entry.end - entry.start) * 25)
    if fmt == "edl":
        text = result.path.read_text()
        assert "00:00:00:13 00:00:01:20 00:00:00:00 00:00:01:07" in text  # src in/out, rec
        assert "FROM CLIP: file://" in text
    if fmt == "otio":
        audio = back.audio_tracks()[0]
        assert [type(c).__name__ for c in audio] == ["Clip", "Gap", "Clip"]  # b is silent
        assert clips[0].metadata["avhd"]["score"] == 0.9


def test_timeline_at_ntsc_rate(media, tmp_path):
    plan = _timeline_plan(media)
    plan.settings.fps = 29.97
    write(plan, "edl", tmp_path / "reel.edl")
    back = otio.adapters.read_from_file(str(tmp_path / "reel.edl"), "cmx_3600", rate=30000 / 1001)
    clips = list(back.video_tracks()[0].find_clips())
    assert len(clips) == 3
    assert abs(clips[0].source_range.start_time.to_seconds() - 0.52) < 1 / 25 + 1e-6
    result = write(plan, "fcpxml", tmp_path / "reel.fcpxml")
    xml = result.path.read_text()
    # one rate for every format (see test_export_rates); the 25 fps source is said so
    assert 'frameDuration="1001/30000s"' in xml and 'frameDuration="1/25s"' not in xml
    assert any("a clip.mp4 (25 fps)" in w and "29.97 fps" in w for w in result.warnings)


# --- segment lists and chapters -----------------------------------------------------


def test_csv_and_json_lists(tmp_path):
    plan = ReelPlan(
        [ReelEntry("/v/a.mp4", 1.0, 3.5, 0.8), ReelEntry("/v/b.mp4", 10, 12, 0.4)],
        ReelSettings(crossfade=0.5),
    )
    write(plan, "csv", tmp_path / "s.csv")
    rows = list(csv.DictReader(open(tmp_path / "s.csv", encoding="utf-8")))
    assert [
        (r["source"], float(r["start"]), float(r["end"]), float(r["reel_start"])) for r in rows
    ] == [("/v/a.mp4", 1.0, 3.5, 0.0), ("/v/b.mp4", 10.0, 12.0, 2.0)]
    assert float(rows[1]["reel_end"]) == 4.0 and float(rows[0]["score"]) == 0.8
    write(plan, "json", tmp_path / "s.json")
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["duration"] == 4.0 and doc["settings"]["crossfade"] == 0.5
    assert [s["duration"] for s in doc["segments"]] == [2.5, 2.0]


def test_chapters_are_youtube_valid(tmp_path):
    durs = [12, 3, 4, 5, 15, 2, 30, 6]  # short pieces must merge
    entries, t = [], 0.0
    for i, d in enumerate(durs):
        entries.append(ReelEntry("/v/a.mp4" if i % 2 else "/v/b.mp4", 100 + t, 100 + t + d))
        t += d
    plan = ReelPlan(entries)
    items = chapters(plan)
    starts = [s for s, _ in items]
    assert starts[0] == 0
    total = sum(durs)
    lengths = [b - a for a, b in zip(starts, starts[1:] + [total], strict=True)]
    assert all(n >= 10 for n in lengths), lengths
    assert len(items) >= 3
    assert items[0][1] == "b 1:40" and "(+" in items[1][1]
    result = write(plan, "chapters", tmp_path / "ch.txt")
    lines = (tmp_path / "ch.txt").read_text().splitlines()
    assert lines[0].startswith("0:00 ") and len(lines) == len(items)
    assert not result.warnings
    short = write(
        ReelPlan([ReelEntry("/v/a.mp4", 0, 8), ReelEntry("/v/a.mp4", 20, 26)]),
        "chapters",
        tmp_path / "short.txt",
    )
    assert (tmp_path / "short.txt").read_text() == "0:00 Highlight at 0:00 (+1 more)\n"
    assert "at least 3" in short.warnings[0]


# --- one-call export and the command line -------------------------------------------


def test_export_highlights_defaults_to_a_reel_beside_the_video(media, tmp_path):
    vh = _highlights(media["a"], 4.0, [Segment(0.5, 1.5, 0.3), Segment(2.0, 3.0, 0.9)])
    result = export_highlights(vh, "otio", order="score")
    try:
        assert result.path == Path(media["a"]).with_name("a clip.reel.otio")
        back = otio.adapters.read_from_file(str(result.path))
        assert [c.source_range.start_time.value for c in back.find_clips()][:2] == [50, 12]
    finally:
        result.path.unlink()
    with pytest.raises(ExportError, match="WIDTHxHEIGHT"):
        export_highlights(vh, "mp4", tmp_path / "r.mp4", size="big")


def test_cli_export_file_and_library(media, tmp_path, capsys):
    lib = tmp_path / "lib"
    lib.mkdir()
    _highlights(media["a"], 4.0, [Segment(0.5, 1.5)]).save(lib / "a.highlights.json")
    _highlights(media["b"], 4.0, [Segment(1.0, 2.0)]).save(lib / "b.highlights.json")
    assert (
        main(
            [
                "export",
                str(lib / "a.highlights.json"),
                "--format",
                "mp4",
                "--out",
                str(tmp_path / "a.mp4"),
                "--fade",
                "0.1",
            ]
        )
        == 0
    )
    out = capsys.readouterr()
    assert out.out.strip() == str(tmp_path / "a.mp4")
    assert "1 pieces, 1.000 s (expected 1.000 s)" in out.err
    assert main(["export", str(lib), "--format", "csv"]) == 0
    rows = list(csv.DictReader(open(lib / "library.reel.csv", encoding="utf-8")))
    assert [Path(r["source"]).name for r in rows] == ["a clip.mp4", "b.mp4"]
    with pytest.raises(SystemExit):
        main(["export", str(lib), "--format", "nope"])
    assert main(["export", str(tmp_path / "missing.json"), "--format", "csv"]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_export_from_find_writes_library_reel_into_out_folder(media, tmp_path):
    from core.commands.export import export_from_find

    hls = [
        _highlights(media["a"], 4.0, [Segment(0.5, 1.5)]),
        _highlights(media["b"], 4.0, [Segment(1.0, 2.0)]),
    ]
    path = export_from_find(hls, "fcpxml", tmp_path)
    assert path == tmp_path / "library.reel.fcpxml"
    back = otio.adapters.read_from_file(str(path), "fcpx_xml")[0]
    assert [c.media_reference.target_url for c in back.find_clips()] == [
        file_url(media["a"]),
        file_url(media["b"]),
    ]
