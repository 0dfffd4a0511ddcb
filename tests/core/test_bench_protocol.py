"""The benchmark protocol on a tiny synthetic UMT-layout benchmark (no UMAP: < 6 videos)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.evaluation.bench import evaluate_file
from core.evaluation.evaluate import evaluate_predictions, summarise
from core.evaluation.loaders import Benchmark, load_benchmark
from core.evaluation.protocol import (
    BenchConfig,
    BenchError,
    make_splits,
    recipe_config,
    run_split,
    subsample,
    supervised_targets,
)

DV, DA = 8, 6


def make_synthetic(root: Path, n_videos: int = 5, n_test: int = 3, seed: int = 0) -> Path:
    """One domain; highlight clips (match 1) carry strong, shared visual activations."""
    rng = np.random.default_rng(seed)
    (root / "video_features").mkdir(parents=True)
    (root / "audio_features").mkdir()
    anno, train, val = {}, [], []
    pattern = rng.random(DV) + 0.5
    for i in range(n_videos + n_test):
        vid = f"vid{i}"
        n = int(rng.integers(8, 14))
        match = np.where(rng.random(n) < 0.4, 1, -1)
        match[0], match[1] = 1, -1  # at least one of each
        vis = rng.random((n, DV)) * 0.3
        vis[match > 0] += 2.0 * pattern
        aud = rng.random((n, DA))
        np.save(root / "video_features" / f"{vid}_rgb.npy", vis.astype(np.float16))
        np.save(root / "audio_features" / f"{vid}.npy", aud.astype(np.float16))
        anno[vid] = {"domain": "dog" if i % 2 else "surfing", "match": match.tolist()}
        (train if i < n_videos else val).append(vid)
    (root / "youtube_anno.json").write_text(json.dumps(anno))
    (root / "splits.json").write_text(json.dumps({"all": {"train": train, "val": val}}))
    return root


@pytest.fixture
def synth(tmp_path) -> Path:
    return make_synthetic(tmp_path / "youtube")


class _Forbidden(dict):
    """A mapping that fails the test when read: proves the unsupervised path is label-free."""

    def __getitem__(self, key):
        raise AssertionError(f"labels/domains read for {key!r}")

    def get(self, key, default=None):
        raise AssertionError(f"labels/domains read for {key!r}")

    def __iter__(self):
        raise AssertionError("labels/domains iterated")

    def items(self):
        raise AssertionError("labels/domains iterated")


@pytest.mark.parametrize("scorer,self_train", [("network", 0), ("direct", 0), ("network", 2)])
def test_unsupervised_run_never_reads_labels_or_domains(synth, scorer, self_train):
    b = load_benchmark("youtube", synth)
    blind = Benchmark(b.name, b.root, b.features, _Forbidden(), _Forbidden(), b.splits)
    split = make_splits(b, "fixed")[0]
    cfg = BenchConfig("youtube", scorer=scorer, epochs=1, similarity="dot", self_train=self_train)
    data = run_split(blind, split, cfg, seed=0)
    if self_train:
        assert len(data["diagnostics"]["self_train_rounds"]) == self_train + 1
    assert set(data["predictions"]) == set(split.test)
    for vid, scores in data["predictions"].items():
        assert len(scores) == len(b.features[vid][0])
    assert data["split"]["train"] == split.train


def test_direct_dot_pseudo_highlights_find_the_recurring_clips(synth):
    b = load_benchmark("youtube", synth)
    split = make_splits(b, "fixed")[0]
    data = run_split(b, split, BenchConfig("youtube", scorer="direct", similarity="dot"), 0)
    m = evaluate_predictions(data, b.labels, b.domains)
    assert m["status"] == "ok"
    assert m["mAP"] == pytest.approx(100.0)  # highlights carry the shared activation


def test_cli_bench_writes_predictions_then_metrics_from_the_file(synth, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(
        ["bench", "youtube", "--data", str(synth), "--out", str(out), "--seeds", "0", "1",
         "--epochs", "2", "--batch-size", "4", "--jobs", "1"]
    )  # fmt: skip
    assert rc == 0
    b = load_benchmark("youtube", synth)
    for seed in (0, 1):
        run_dir = out / f"fixed_seed{seed}"
        pred = json.loads((run_dir / "predictions.json").read_text())
        assert pred["benchmark"] == "youtube"
        assert pred["config"]["seed"] == seed and pred["config"]["epochs"] == 2
        assert pred["diagnostics"]["collapsed"] is False
        saved = json.loads((run_dir / "metrics.json").read_text())
        assert saved["mAP"] == pytest.approx(evaluate_file(run_dir / "predictions.json", b)["mAP"])
    summary = json.loads((out / "summary.json").read_text())
    heads = [r["headline"] for r in summary["runs"]]
    assert summary["summary"]["headline"]["mean"] == pytest.approx(np.mean(heads))
    assert summary["summary"]["headline"]["n"] == 2
    assert (out / "fixed_ensemble" / "metrics.json").is_file()
    assert "youtube mAP:" in capsys.readouterr().out
    # avhd metrics recomputes the same number from the file
    rc = main(
        ["metrics", "--benchmark", "youtube", "--predictions",
         str(out / "fixed_seed0" / "predictions.json"), "--labels", str(synth), "--json"]
    )  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    assert rc == 0 and printed["mAP"] == pytest.approx(heads[0])


def test_collapsed_model_is_scored_as_find_scores_it(synth, tmp_path, monkeypatch, capsys):
    """A collapsed model ranks by the pseudo-highlights in find; the bench scores the same
    (equal to the direct scorer's predictions). The supervised bound has nothing to fall
    back on: it is reported as collapsed and not scored."""
    import core.training

    monkeypatch.setattr(core.training, "COLLAPSE_STD", float("inf"))  # every model collapses
    b = load_benchmark("youtube", synth)
    split = make_splits(b, "fixed")[0]
    net = run_split(b, split, BenchConfig("youtube", similarity="dot", epochs=1), 0)
    direct = run_split(b, split, BenchConfig("youtube", similarity="dot", scorer="direct"), 0)
    assert net["diagnostics"]["network_collapsed"] and not net["diagnostics"]["collapsed"]
    assert net["predictions"] == direct["predictions"]
    out = tmp_path / "out"
    rc = main(
        ["bench", "youtube", "--data", str(synth), "--out", str(out), "--seeds", "0",
         "--epochs", "1", "--jobs", "1", "--scorer", "supervised"]
    )  # fmt: skip
    assert rc == 3
    m = json.loads((out / "fixed_seed0" / "metrics.json").read_text())
    assert m["status"] == "collapsed" and m["mAP"] is None
    summary = json.loads((out / "summary.json").read_text())["summary"]
    assert summary["collapsed"] == ["fixed/seed0"] and summary["headline"]["n"] == 0
    assert "collapsed" in capsys.readouterr().err


def test_summarise_means_over_splits_then_seeds():
    def run(split, seed, value, status="ok"):
        m = {"benchmark": "tvsum", "status": status, "mAP": value, "domains": {"BK": value}}
        return {"split": split, "seed": seed, "metrics": m}

    runs = [run("r0", 0, 40.0), run("r1", 0, 50.0), run("r0", 1, 60.0), run("r1", 1, 70.0)]
    s = summarise(runs + [run("r0", 2, None, "collapsed")])
    assert s["per_seed"] == {0: 45.0, 1: 65.0}
    assert s["headline"]["mean"] == pytest.approx(55.0)
    assert s["headline"]["std"] == pytest.approx(np.std([45.0, 65.0], ddof=1))
    assert s["collapsed"] == ["r0/seed2"]
    assert s["domains"]["BK"]["mean"] == pytest.approx(55.0)


def test_random_splits_are_seeded_80_20_and_disjoint(synth):
    b = load_benchmark("youtube", synth)
    a = make_splits(b, "random", 3)
    assert [s.name for s in a] == ["random0", "random1", "random2"]
    for s in a:
        assert not set(s.train) & set(s.test)
        assert len(s.train) + len(s.test) == 8 and len(s.train) == round(0.8 * 8)
    assert [s.test for s in a] == [s.test for s in make_splits(b, "random", 3)]
    with pytest.raises(BenchError):
        make_splits(b, "sideways")


def test_subsample_fraction():
    ids = [f"v{i}" for i in range(20)]
    quarter = subsample(ids, 0.25, seed=0)
    assert len(quarter) == 5 and quarter == sorted(quarter, key=ids.index)
    assert quarter == subsample(ids, 0.25, seed=0) and subsample(ids, 1.0, 0) == ids


def test_supervised_targets():
    yt = supervised_targets("youtube", [np.array([1, 0, -1, 1])])[0]
    assert yt.tolist() == [1, 0, 0, 1]
    anno = np.array([[1, 1], [2, 2], [3, 3], [4, 4]], float)  # lower median of means = 2
    assert supervised_targets("tvsum", [anno])[0].tolist() == [0, 0, 1, 1]
    # soft: the label's rank within the video in [0, 1], ties at their mean rank
    soft = supervised_targets("youtube", [np.array([1, 0, -1, 1])], "soft")[0]
    assert soft.tolist() == pytest.approx([5 / 6, 1 / 3, 0, 5 / 6])
    anno = np.array([[1, 3], [2, 2], [4, 4], [1, 1]], float)  # means 2, 2, 4, 1
    assert supervised_targets("tvsum", [anno], "soft")[0].tolist() == pytest.approx(
        [0.5, 0.5, 1, 0])
    with pytest.raises(BenchError, match="unknown targets"):
        supervised_targets("tvsum", [anno], "graded")


def test_recipes_and_bad_options():
    cfg = recipe_config("paper", "tvsum")
    assert cfg.similarity == "cosine" and cfg.train_preset == "tvsum"
    assert recipe_config("paper", "youtube", fraction=0.5).fraction == 0.5
    with pytest.raises(BenchError, match="unknown recipe"):
        recipe_config("nope", "youtube")
    with pytest.raises(BenchError, match="fraction"):
        BenchConfig("youtube", fraction=0.0)
    with pytest.raises(BenchError, match="scorer"):
        BenchConfig("youtube", scorer="magic")
    with pytest.raises(BenchError, match="dropout"):
        BenchConfig("youtube", dropout=1.0)


def test_supervised_soft_targets_and_dropout_reach_the_network(tmp_path):
    b = load_benchmark("youtube", make_synthetic(tmp_path / "yt", n_videos=6, n_test=2))
    split = make_splits(b, "fixed")[0]
    cfg = BenchConfig("youtube", scorer="supervised", targets="soft", dropout=0.3, epochs=1)
    diag = run_split(b, split, cfg, seed=0)["diagnostics"]
    assert diag["model_config"]["dropout"] == 0.3
    assert run_split(b, split, BenchConfig("youtube", scorer="supervised", epochs=1),
                     seed=0)["diagnostics"]["model_config"]["dropout"] == 0.1


def test_rank01_and_soft_blend_options(synth):
    from core.pseudo import rank01

    assert rank01(np.array([3.0, 1.0, 2.0, 2.0])).tolist() == [1.0, 0.0, 0.5, 0.5]
    assert rank01(np.array([7.0])).tolist() == [0.5]
    b = load_benchmark("youtube", synth)
    split = make_splits(b, "fixed")[0]
    cfg = BenchConfig("youtube", similarity="dot", targets="soft", blend=0.5, epochs=1)
    data = run_split(b, split, cfg, seed=0)
    for vid, s in data["predictions"].items():
        s = np.asarray(s)
        assert s.min() >= 0.0 and s.max() <= 1.0 and len(s) == len(b.features[vid][0])
    assert "network_collapsed" in data["diagnostics"]
    with pytest.raises(BenchError, match="targets"):
        BenchConfig("youtube", targets="fuzzy")


def test_validation_splits_use_training_videos_only(tmp_path):
    b = load_benchmark("youtube", make_synthetic(tmp_path / "yt", n_videos=9, n_test=3))
    folds = make_splits(b, "validate")
    assert [f.name for f in folds] == ["cv0", "cv1"]
    train = set(b.split_videos("train"))
    a, c = folds
    assert set(a.train) | set(a.test) == train and not set(a.train) & set(a.test)
    assert (a.train, a.test) == (c.test, c.train) and len(a.train) == 4
    assert make_splits(b, "validate") == folds  # deterministic
    with pytest.raises(BenchError, match="validate"):
        make_splits(b, "nonsense")
    small = load_benchmark("youtube", make_synthetic(tmp_path / "s", n_videos=3, n_test=1))
    with pytest.raises(BenchError, match="too few training videos"):
        make_splits(small, "validate")


def test_self_training_changes_the_network_and_rejects_negative_rounds(synth):
    b = load_benchmark("youtube", synth)
    split = make_splits(b, "fixed")[0]
    base = BenchConfig("youtube", similarity="dot", targets="soft", epochs=2)
    once = run_split(b, split, base, seed=0)["predictions"]
    again = run_split(b, split, BenchConfig(**{**base.to_dict(), "self_train": 1}), 0)
    assert set(again["predictions"]) == set(once)
    assert any(
        not np.allclose(once[v], again["predictions"][v]) for v in once
    )  # a second round on new targets gives other scores
    with pytest.raises(BenchError, match="self-train"):
        BenchConfig("youtube", self_train=-1)


def test_ridge_reference_learns_from_the_real_labels(synth):
    from core.evaluation.ridge import ridge_scores

    b = load_benchmark("youtube", synth)
    split = make_splits(b, "fixed")[0]
    data = run_split(b, split, BenchConfig("youtube", scorer="ridge"), 0)
    assert evaluate_predictions(data, b.labels, b.domains)["mAP"] == pytest.approx(100.0)
    # closed form: one feature, no penalty -> least squares on the centred target
    x = [(np.array([[0.0], [1.0], [2.0]]), None)]
    s = ridge_scores(x, [np.array([0.0, 1.0, 2.0])], x, alpha=0.0)[0]
    np.testing.assert_allclose(s, [-1.0, 0.0, 1.0], atol=1e-9)
