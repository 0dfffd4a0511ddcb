"""Strict reading of AVHD's JSON files (core.schema) and highlights fitted to their media
(core.validate): hand-edited or damaged files give one line, never a traceback or a
runaway render."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from synth import make_video

from core.artifacts import Segment, VideoHighlights
from core.cli import main
from core.errors import ExportError
from core.export import load_highlights, plan_from_highlights
from core.export.plan import ReelEntry, ReelPlan, load_plan, save_plan
from core.schema import SchemaError, parse_json, read_json


def _doc(source: str = "v.mp4", duration=4.0, segments=None) -> dict:
    vh = VideoHighlights(source, 2.0, 4.0, np.array([[0.0, 2.0], [2.0, 4.0]]),
                         np.array([0.2, 0.8]), None, np.zeros(2), np.zeros(2), np.zeros(2, int),
                         0, [Segment(2.0, 4.0, 0.8)])
    d = vh.to_dict()
    d["duration"] = duration
    if segments is not None:
        d["segments"] = segments
    return d


def _write(tmp_path, text: str):
    f = tmp_path / "v.highlights.json"
    f.write_text(text, encoding="utf-8")
    return f


BAD_TEXT = {
    "infinity": (json.dumps(_doc()).replace('"duration": 4.0', '"duration": Infinity'),
                 "Infinity"),
    "nan_duration": (json.dumps(_doc()).replace('"duration": 4.0', '"duration": NaN'), "NaN"),
    "overflow": (json.dumps(_doc()).replace('"duration": 4.0', '"duration": 1e999'),
                 "finite"),
    "deep": ('{"schema": 1, "clips": ' + "[" * 200_000 + "]" * 200_000 + "}", "nested"),
    "not_json": ('{"schema": 1, "clips": [', "not valid JSON"),
}
BAD_DOCS = {
    "negative_duration": (_doc(duration=-3.0), "duration: -3 is outside"),
    "absurd_duration": (_doc(duration=1e12), "duration: 1e+12 is outside"),
    "string_keep": (_doc(segments=[{"start": 0, "end": 2, "keep": "false"}]),
                    'segments[0].keep: expected true or false, got "false"'),
    "reversed": (_doc(segments=[{"start": 3, "end": 1}]), "end 1 s is not after start 3 s"),
    "string_time": (_doc(segments=[{"start": "0", "end": 2}]), "segments[0].start: expected a"),
    "bool_time": (_doc(segments=[{"start": True, "end": 2}]), "expected a number, got true"),
    "segment_list": (_doc(segments=[[0, 2]]), "segments[0]: expected a dictionary"),
    "huge_int": (_doc(segments=[{"start": 0, "end": 10**400}]), "of sensible size"),
    "source_number": ({**_doc(), "source": 7}, "source: expected a string"),
    "future": ({**_doc(), "schema": 99}, "newer than this AVHD"),
    "top_list": ([1, 2], "expected a dictionary"),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXT) + sorted(BAD_DOCS))
def test_bad_highlights_files_are_one_line_errors(tmp_path, case):
    text, expected = BAD_TEXT[case] if case in BAD_TEXT else (json.dumps(BAD_DOCS[case][0]),
                                                              BAD_DOCS[case][1])
    f = _write(tmp_path, text)
    with pytest.raises(ExportError) as info:
        load_highlights(f)
    message = str(info.value)
    assert expected in message and "v.highlights.json" in message
    assert "\n" not in message and len(message) < 300


def test_cli_export_of_a_bad_file_prints_one_line(tmp_path, capsys):
    f = _write(tmp_path, json.dumps(_doc()).replace('"duration": 4.0', '"duration": NaN'))
    assert main(["export", str(f), "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("avhd: error:") and "NaN" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "o.csv").exists()


def test_kept_flag_is_strict_and_false_is_not_kept(tmp_path):
    segs = [{"start": 0, "end": 1, "keep": False}, {"start": 2, "end": 3, "keep": True}]
    (vh,) = load_highlights(_write(tmp_path, json.dumps(_doc(segments=segs))))
    plan = plan_from_highlights(vh)
    assert [(e.start, e.end) for e in plan.entries] == [(2.0, 3.0)]


def test_segments_past_the_end_of_the_probed_video_are_cut_and_reported(tmp_path, caplog):
    video = make_video(tmp_path / "v.mp4", duration=4)
    segs = [{"start": 1.0, "end": 2.0}, {"start": 3.0, "end": 50.0}, {"start": 9.0, "end": 12.0}]
    f = _write(tmp_path, json.dumps(_doc(str(video), duration=60.0, segments=segs)))
    (vh,) = load_highlights(f)
    assert vh.duration == pytest.approx(4.0, abs=0.05)  # the probed length, not the file's 60 s
    assert [(s.start, s.end) for s in vh.segments] == [(1.0, 2.0), (3.0, vh.duration)]
    text = caplog.text
    assert "says 60.000 s" in text and "cut at the end" in text and "dropped" in text
    out = tmp_path / "list.csv"
    assert main(["export", str(f), "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 2 and max(float(r["end"]) for r in rows) <= vh.duration + 1e-6


def test_parse_json_refuses_constants_and_nesting():
    assert parse_json('{"a": [1, 2.5, true, null]}') == {"a": [1, 2.5, True, None]}
    for text in ("NaN", "[-Infinity]", "[" * 100_000):
        with pytest.raises(SchemaError):
            parse_json(text)


def test_read_json_names_the_file(tmp_path):
    with pytest.raises(SchemaError, match="project x.json: no such file"):
        read_json(tmp_path / "x.json", "project")
    (tmp_path / "b.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(SchemaError, match="b.json: cannot read it"):
        read_json(tmp_path / "b.json", "project")


def test_reel_plans_are_read_strictly(tmp_path):
    plan = ReelPlan([ReelEntry("/v/a.mp4", 1.0, 2.5, 0.4)])
    f = save_plan(plan, tmp_path / "plan.json")
    assert load_plan(f) == plan
    d = plan.to_dict()
    d["entries"][0]["end"] = "9"
    f.write_text(json.dumps(d))
    with pytest.raises(SchemaError, match="plan.json: entries\\[0\\].end: expected a number"):
        load_plan(f)
    d = plan.to_dict()
    d["settings"]["fast"] = "yes"
    f.write_text(json.dumps(d))
    with pytest.raises(SchemaError, match="settings.fast: expected true or false"):
        load_plan(f)


def test_benchmark_label_files_with_runaway_nesting_are_data_errors(tmp_path):
    from core.evaluation.loaders import BenchmarkDataError, load_qvhighlights

    f = tmp_path / "labels.jsonl"
    f.write_text('{"qid": 1}\n' + "[" * 100_000 + "\n7\n", encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match="labels.jsonl:1: missing 'duration'"):
        load_qvhighlights(f)
    f.write_text("[" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match="labels.jsonl:1: not JSON .*nested too deeply"):
        load_qvhighlights(f)
    f.write_text("7\n", encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match="expected an object, got int"):
        load_qvhighlights(f)


def test_a_bad_file_in_a_folder_is_skipped_and_named(tmp_path, caplog):
    good = _doc("a.mp4", segments=[{"start": 0, "end": 2}])
    (tmp_path / "a.highlights.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "b.highlights.json").write_text(
        json.dumps(_doc("b.mp4")).replace('"duration": 4.0', '"duration": NaN'), encoding="utf-8")
    loaded = load_highlights(tmp_path)
    assert [h.path for h in loaded] == [str((tmp_path / "a.mp4").resolve())]
    assert "skipping highlights file b.highlights.json" in caplog.text and "NaN" in caplog.text
    (tmp_path / "a.highlights.json").write_text("[", encoding="utf-8")
    with pytest.raises(ExportError, match="no readable \\*.highlights.json in .*not valid JSON"):
        load_highlights(tmp_path)
