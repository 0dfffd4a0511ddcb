"""The network's options: ranking losses, temporal context; both recorded in the model file."""

import math

import numpy as np
import pytest
import torch

from core.errors import ModelError
from core.model import VARIANTS, ModelConfig, build_model
from core.training import Checkpoint, predict_many, preset, train, window_loss


def test_losses_on_a_hand_case():
    logits = torch.tensor([[2.0, 0.0, 1.0, 50.0]])
    labels = torch.tensor([[1.0, 0.0, 0.5, 0.0]])
    mask = torch.tensor([[True, True, True, False]])  # the padded clip must not count
    loss, n = window_loss(logits, labels, mask, "pairwise")
    want = (math.log1p(math.exp(-2)) + 2 * math.log1p(math.exp(-1))) / 3
    assert n == 3 and float(loss) == pytest.approx(want)
    loss, n = window_loss(torch.tensor([[0.0, math.log(3.0), 9.0]]),
                          torch.tensor([[1.0, 1.0, 1.0]]),
                          torch.tensor([[True, True, False]]), "listwise")
    assert n == 1 and float(loss) == pytest.approx(-(0.5 * math.log(0.25) + 0.5 * math.log(0.75)))
    loss, n = window_loss(torch.zeros(1, 3), torch.tensor([[1.0, 0.0, 1.0]]),
                          torch.tensor([[True, True, False]]), "bce")
    assert n == 2 and float(loss) == pytest.approx(math.log(2.0))
    with pytest.raises(ModelError, match="valid: bce"):
        window_loss(logits, labels, mask, "hinge")


def test_ranking_losses_ignore_windows_with_nothing_to_compare():
    logits = torch.tensor([[1.0, 2.0], [0.0, 3.0]], requires_grad=True)
    labels = torch.tensor([[1.0, 1.0], [0.0, 1.0]])  # row 0: one label, no pair to rank
    mask = torch.ones(2, 2, dtype=torch.bool)
    loss, n = window_loss(logits, labels, mask, "pairwise")
    assert n == 1 and loss.item() == pytest.approx(math.log1p(math.exp(-3.0)))
    loss.backward()
    assert float(logits.grad[0].abs().sum()) == 0.0
    loss, n = window_loss(logits.detach(), torch.zeros(2, 2), mask, "listwise")
    assert n == 0 and float(loss) == 0.0


@pytest.mark.parametrize("variant", VARIANTS)
def test_context_and_centring_keep_padding_out(variant):
    torch.manual_seed(0)
    m = build_model(ModelConfig(10, 6, variant=variant, context=3, centre=True)).eval()
    v, a = torch.randn(2, 9, 10), torch.randn(2, 9, 6)
    mask = torch.ones(2, 9, dtype=torch.bool)
    mask[1, 5:] = False
    batched = m.scores(v, a, mask)
    alone = m.scores(v[1:, :5], a[1:, :5], mask[1:, :5])
    torch.testing.assert_close(batched[1, :5], alone[0], atol=1e-5, rtol=1e-5)
    assert len(m.ctx) == (1 if variant in ("early", "audio", "visual") else 2)
    with pytest.raises(ValueError, match="odd"):
        build_model(ModelConfig(10, 6, variant=variant, context=2))


def test_options_round_trip_through_the_model_file(tmp_path):
    rng = np.random.default_rng(0)
    vids = [(rng.normal(size=(20, 12)).astype(np.float32),
             rng.normal(size=(20, 6)).astype(np.float32)) for _ in range(4)]
    labs = [(v[:, 0] > 0).astype(np.float32) for v, _ in vids]
    ck = train(vids, labs, ModelConfig(12, 6, hidden=32, context=5, centre=True),
               preset("default", epochs=3, loss="pairwise"))
    back = Checkpoint.load(ck.save(tmp_path / "m.pt"))
    assert back.model_cfg.context == 5 and back.train_cfg.loss == "pairwise"
    assert back.model_cfg.centre is True
    for s, t in zip(predict_many(ck, vids, "cpu"), predict_many(back, vids, "cpu"), strict=True):
        np.testing.assert_allclose(s, t, atol=1e-6)
    with pytest.raises(ModelError, match="unknown loss"):
        train(vids, labs, ModelConfig(12, 6), preset("default", epochs=1, loss="hinge"))


@pytest.mark.parametrize("loss", ["pairwise", "listwise"])
def test_ranking_losses_learn_the_within_video_order(loss):
    rng = np.random.default_rng(1)
    vids, labs = [], []
    for _ in range(6):
        v = rng.normal(size=(20, 12)).astype(np.float32)
        a = rng.normal(size=(20, 6)).astype(np.float32)
        vids.append((v, a))
        labs.append((v[:, 0] > 0).astype(np.float32))
    ck = train(vids, labs, ModelConfig(12, 6, hidden=16, heads=2),
               preset("default", epochs=10, lr=5e-3, batch_size=2, loss=loss))
    assert ck.history[-1] < ck.history[0]  # listwise has a floor: the labels' entropy
    aucs = []
    for s, y in zip(predict_many(ck, vids, "cpu"), labs, strict=True):
        pos, neg = s[y > 0], s[y == 0]
        aucs.append(float((pos[:, None] > neg[None, :]).mean()))
    assert np.mean(aucs) > 0.9


def test_category_heads_score_each_video_by_its_own_head(tmp_path):
    rng = np.random.default_rng(2)
    vids, labs, cats = [], [], []
    for i in range(6):  # category 0: feature 0 marks highlights; category 1: its opposite
        v = rng.normal(size=(20, 12)).astype(np.float32)
        vids.append((v, rng.normal(size=(20, 6)).astype(np.float32)))
        labs.append(((v[:, 0] > 0) == (i % 2 == 0)).astype(np.float32))
        cats.append(i % 2)
    cfg = ModelConfig(12, 6, hidden=16, heads=2, category_heads=2)
    ck = train(vids, labs, cfg, preset("default", epochs=10, lr=5e-3, batch_size=2),
               categories=cats)
    back = Checkpoint.load(ck.save(tmp_path / "m.pt"))
    assert back.model_cfg.category_heads == 2
    mine = predict_many(back, vids, "cpu", categories=cats)
    swapped = predict_many(back, vids, "cpu", categories=[1 - c for c in cats])
    for s, t, y in zip(mine, swapped, labs, strict=True):
        assert s[y > 0].mean() > s[y == 0].mean() and t[y > 0].mean() < t[y == 0].mean()
    with pytest.raises(ModelError, match="one category per video"):
        predict_many(back, vids, "cpu")
    with pytest.raises(ModelError, match="out of range"):
        predict_many(back, vids[:1], "cpu", categories=[2])
    with pytest.raises(ValueError, match="at least 2"):
        build_model(ModelConfig(12, 6, category_heads=1))


def test_bench_config_checks_the_network_options():
    from core.evaluation.protocol import BenchConfig, BenchError

    with pytest.raises(BenchError, match="supervised"):
        BenchConfig("youtube", category_heads=True)
    with pytest.raises(BenchError, match="odd"):
        BenchConfig("youtube", context=4)
    with pytest.raises(BenchError, match="unknown loss"):
        BenchConfig("youtube", loss="hinge")
    assert BenchConfig("youtube", scorer="supervised", category_heads=True, loss="listwise",
                       context=3).to_dict()["loss"] == "listwise"


def test_centring_removes_a_videos_offset():
    torch.manual_seed(0)
    m = build_model(ModelConfig(4, 3, hidden=16, centre=True)).eval()
    v, a = torch.randn(1, 7, 4), torch.randn(1, 7, 3)
    mask = torch.ones(1, 7, dtype=torch.bool)
    shifted = m.scores(v + torch.randn(1, 1, 4) * 5, a - 3.0, mask)
    torch.testing.assert_close(m.scores(v, a, mask), shifted, atol=1e-5, rtol=1e-5)


def test_train_and_bench_flags_reach_the_configs():
    from core import cli
    from core.commands import _common
    from core.commands.bench import config_from_args as bench_config

    args = cli.build_parser().parse_args(
        ["train", "x", "--out", "m.pt", "--loss", "listwise", "--context", "3", "--centre"]
    )
    cfg = _common.config_from_args(args)
    assert (cfg.loss, cfg.context, cfg.centre) == ("listwise", 3, True)
    args = cli.build_parser().parse_args(["bench", "youtube", "--recipe", "avhd-net",
                                          "--scorer", "supervised", "--category-heads",
                                          "--loss", "pairwise"])
    bc = bench_config(args)
    assert (bc.loss, bc.context, bc.centre, bc.category_heads) == ("pairwise", 0, False, True)
    assert bc.weight_decay is None  # the preset's
    args = cli.build_parser().parse_args(["bench", "tvsum", "--recipe", "avhd-net",
                                          "--weight-decay", "0.01"])
    assert bench_config(args).weight_decay == 0.01
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "x", "--out", "m.pt", "--context", "4"])


def test_the_bench_weight_decay_reaches_the_optimiser_settings(monkeypatch):
    import core.training as training
    from core.evaluation.protocol import _train_and_score, recipe_config

    seen = {}

    def fake_train(train, targets, mcfg, tcfg, **kw):
        seen["tcfg"] = tcfg
        raise RuntimeError("stop here")

    monkeypatch.setattr(training, "train", fake_train)
    rng = np.random.default_rng(0)
    vids = [(rng.normal(size=(6, 4)).astype(np.float32),
             rng.normal(size=(6, 3)).astype(np.float32))]
    for wd, want in ((None, training.preset("tvsum").weight_decay), (0.01, 0.01)):
        cfg = recipe_config("avhd-net", "tvsum", weight_decay=wd)
        with pytest.raises(RuntimeError, match="stop here"):
            _train_and_score(vids, [np.ones(6)], vids, cfg, 0, {}, None, None)
        assert seen["tcfg"].weight_decay == want
