"""Benchmark loaders on a synthetic UMT-layout folder, and on the real data when present."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from core.errors import AvhdError
from core.evaluation.loaders import (
    BenchmarkDataError,
    load_annotations,
    load_benchmark,
    load_features,
    load_predictions,
    load_qvhighlights,
)

BENCH = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


def make_youtube(root: Path, lengths=None, dtype=np.float16) -> Path:
    """A tiny YouTube-layout benchmark: 2 domains x 3 videos."""
    lengths = lengths or {"v0": 5, "v1": 4, "v2": 6, "w0": 5, "w1": 3, "w2": 4}
    (root / "video_features").mkdir(parents=True)
    (root / "audio_features").mkdir()
    rng = np.random.default_rng(0)
    anno = {}
    for vid, n in lengths.items():
        np.save(root / "video_features" / f"{vid}_rgb.npy", rng.random((n, 8)).astype(dtype))
        np.save(root / "audio_features" / f"{vid}.npy", rng.random((n, 6)).astype(dtype))
        anno[vid] = {"domain": "dog" if vid[0] == "v" else "surfing", "match": [1, -1] * n}
        anno[vid]["match"] = anno[vid]["match"][:n]
    (root / "youtube_anno.json").write_text(json.dumps(anno))
    splits = {
        "dog": {"train": ["v0", "v1"], "val": ["v2"]},
        "surfing": {"train": ["w0", "w1"], "val": ["w2"]},
    }
    (root / "splits.json").write_text(json.dumps(splits))
    return root


def test_load_benchmark_casts_to_float32_and_separates_labels(tmp_path):
    b = load_benchmark("youtube", make_youtube(tmp_path / "youtube"))
    v, a = b.features["v0"]
    assert v.dtype == np.float32 and a.dtype == np.float32
    assert v.shape == (5, 8) and a.shape == (5, 6)
    assert b.labels["v0"].tolist() == [1, -1, 1, -1, 1]
    assert b.domains["w1"] == "surfing"
    assert b.split_videos("train") == ["v0", "v1", "w0", "w1"]
    assert b.split_videos("val") == ["v2", "w2"]


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_any_float_dtype_is_cast(tmp_path, dtype):
    root = make_youtube(tmp_path / "youtube", dtype=dtype)
    v, _ = load_features(root, "v1")
    assert v.dtype == np.float32
    np.testing.assert_allclose(v, np.load(root / "video_features" / "v1_rgb.npy"), rtol=1e-3)


def test_row_mismatch_truncates_with_warning_or_errors_when_strict(tmp_path, caplog):
    root = make_youtube(tmp_path / "youtube")
    np.save(root / "audio_features" / "v0.npy", np.ones((7, 6), np.float16))
    with caplog.at_level(logging.WARNING):
        v, a = load_features(root, "v0")
    assert v.shape[0] == a.shape[0] == 5
    assert "5 visual rows but 7 audio rows" in caplog.text
    with pytest.raises(BenchmarkDataError, match="7 audio rows"):
        load_features(root, "v0", strict=True)


def test_missing_one_modality_is_a_clear_error(tmp_path):
    root = make_youtube(tmp_path / "youtube")
    (root / "audio_features" / "v1.npy").unlink()
    with pytest.raises(BenchmarkDataError, match="missing feature file.*v1.npy"):
        load_benchmark("youtube", root)
    assert issubclass(BenchmarkDataError, AvhdError)


def test_video_without_any_features_is_skipped_and_noted(tmp_path):
    root = make_youtube(tmp_path / "youtube")
    (root / "audio_features" / "w2.npy").unlink()
    (root / "video_features" / "w2_rgb.npy").unlink()
    b = load_benchmark("youtube", root)
    assert b.missing == ["w2"]
    assert b.split_videos("val") == ["v2"]
    assert any("no features" in n for n in b.notes)


def test_bad_array_and_missing_files(tmp_path):
    root = make_youtube(tmp_path / "youtube")
    np.save(root / "video_features" / "v0_rgb.npy", np.ones(5, np.float32))
    with pytest.raises(BenchmarkDataError, match="2-D float"):
        load_features(root, "v0")
    (root / "video_features" / "v1_rgb.npy").write_bytes(b"not numpy")
    with pytest.raises(BenchmarkDataError, match="cannot read"):
        load_features(root, "v1")
    (root / "splits.json").unlink()
    with pytest.raises(BenchmarkDataError, match="missing file.*splits.json"):
        load_benchmark("youtube", root)
    with pytest.raises(BenchmarkDataError, match="not found"):
        load_benchmark("youtube", tmp_path / "nowhere")
    with pytest.raises(BenchmarkDataError, match="unknown benchmark"):
        load_benchmark("nope", root)


def test_unannotated_split_entries_are_skipped_with_a_note(tmp_path):
    root = make_youtube(tmp_path / "youtube")
    splits = json.loads((root / "splits.json").read_text())
    splits["dog"]["val"].append("ghost")
    (root / "splits.json").write_text(json.dumps(splits))
    b = load_benchmark("youtube", root)
    assert "ghost" not in b.split_videos("val")
    assert any("not annotated" in n for n in b.notes)


def test_load_annotations_accepts_file_or_folder(tmp_path):
    root = make_youtube(tmp_path / "youtube")
    a = load_annotations("youtube", root)
    b = load_annotations("youtube", root / "youtube_anno.json")
    assert a[1] == b[1] and set(a[0]) == set(b[0])


def test_qvhighlights_jsonl_and_errors(tmp_path):
    good = {"qid": 1, "duration": 10, "relevant_clip_ids": [0], "saliency_scores": [[1, 2, 3]]}
    path = tmp_path / "qv.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "qid": 2}) + "\n")
    assert [e["qid"] for e in load_qvhighlights(path)] == [1, 2]
    path.write_text(json.dumps({**good, "saliency_scores": []}) + "\n")
    with pytest.raises(BenchmarkDataError, match="1 relevant clips but 0 saliency"):
        load_qvhighlights(path)
    path.write_text("{oops\n")
    with pytest.raises(BenchmarkDataError, match=":1: not JSON"):
        load_qvhighlights(path)


def test_load_predictions_rejects_other_json(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(json.dumps({"benchmark": "youtube", "predictions": {"a": [1, 2]}}))
    assert load_predictions(p)["predictions"] == {"a": [1, 2]}
    p.write_text("[1, 2]")
    with pytest.raises(BenchmarkDataError, match="not a predictions file"):
        load_predictions(p)


@pytest.mark.skipif(not (BENCH / "tvsum").is_dir(), reason="../shared/benchmarks absent")
def test_real_tvsum_layout():
    b = load_benchmark("tvsum", BENCH / "tvsum")
    assert len(b.features) == 50
    v, a = b.features["kLxoNp-UchI"]  # 64 visual rows, 65 audio rows, 64 labelled clips
    assert v.shape == (64, 1024) and a.shape == (64, 2048) and v.dtype == np.float32
    assert b.labels["kLxoNp-UchI"].shape == (64, 20)
    assert sum(len(p["val"]) for p in b.splits.values()) == 10


@pytest.mark.skipif(not (BENCH / "youtube").is_dir(), reason="../shared/benchmarks absent")
def test_real_youtube_annotations_and_splits():
    labels, domains = load_annotations("youtube", BENCH / "youtube")
    assert len(labels) == 422
    assert set(domains.values()) == {"dog", "gymnastics", "parkour", "skating", "skiing", "surfing"}
    splits = json.loads((BENCH / "youtube" / "splits.json").read_text())
    val = [v for d in splits.values() for v in d["val"] if v in labels]
    assert len(val) == 157  # all have features (one train video lacks them)
