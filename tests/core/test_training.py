import numpy as np
import pytest
import torch

from core.errors import ModelError
from core.model import VARIANTS, ModelConfig, build_model
from core.training import PRESETS, Checkpoint, predict, predict_many, preset, train


def _data(seed=0, n_videos=8, dv=12, da=6):
    """Labels depend on a visual and an audio direction: learnable by every variant."""
    rng = np.random.default_rng(seed)
    vids, labs = [], []
    for _ in range(n_videos):
        n = int(rng.integers(12, 30))
        v = rng.normal(size=(n, dv)).astype(np.float32)
        a = rng.normal(size=(n, da)).astype(np.float32)
        y = (v[:, 0] + a[:, 0] > 0).astype(np.float32)
        vids.append((v, a))
        labs.append(y)
    return vids, labs


@pytest.mark.parametrize("variant", VARIANTS)
def test_padding_never_changes_a_videos_scores(variant):
    torch.manual_seed(0)
    m = build_model(ModelConfig(10, 6, variant=variant)).eval()
    v, a = torch.randn(3, 9, 10), torch.randn(3, 9, 6)
    mask = torch.ones(3, 9, dtype=torch.bool)
    mask[1, 4:] = False
    mask[2, 7:] = False
    batched = m.scores(v, a, mask)
    for i, n in enumerate((9, 4, 7)):
        alone = m.scores(v[i : i + 1, :n], a[i : i + 1, :n], mask[i : i + 1, :n])
        torch.testing.assert_close(batched[i, :n], alone[0], atol=1e-5, rtol=1e-5)
    assert float(batched.min()) >= 0 and float(batched.max()) <= 1


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_trains_and_loss_falls(variant):
    vids, labs = _data()
    ck = train(vids, labs, ModelConfig(12, 6, variant=variant, hidden=32),
               preset("default", epochs=15, lr=3e-3))
    assert ck.history[-1] < ck.history[0] * 0.8
    assert not ck.collapsed
    scores = predict_many(ck, vids, device="cpu")
    assert [len(s) for s in scores] == [len(v) for v, _ in vids]


def test_presets_carry_published_settings():
    assert (PRESETS["tvsum"].epochs, PRESETS["tvsum"].lr) == (20, 2.5e-3)
    assert (PRESETS["youtube"].epochs, PRESETS["youtube"].lr) == (100, 5e-3)
    assert (PRESETS["large"].epochs, PRESETS["large"].lr) == (10, 5e-4)
    with pytest.raises(ModelError, match="valid"):
        preset("nope")


def test_checkpoint_round_trip_and_mismatch_errors(tmp_path):
    vids, labs = _data(1)
    ck = train(vids, labs, ModelConfig(12, 6, hidden=32), preset("default", epochs=2),
               visual_extractor="vis", audio_extractor="aud")
    path = ck.save(tmp_path / "m.pt")
    back = Checkpoint.load(path)
    np.testing.assert_allclose(predict(back, *vids[0]), predict(ck, *vids[0]), atol=1e-6)
    assert back.info["n_videos"] == 8 and back.visual_extractor == "vis"
    back.check_features("vis", "aud", 12, 6)
    with pytest.raises(ModelError, match="trained on vis\\+aud"):
        back.check_features("effnet-lite0", "aud", 12, 6)
    with pytest.raises(ModelError, match="12-d visual"):
        back.check_features("vis", "aud", 1280, 6)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot read"):
        Checkpoint.load(bad)
    with pytest.raises(ModelError, match="not found"):
        Checkpoint.load(tmp_path / "missing.pt")


def test_collapse_is_detected():
    vids, _ = _data(2)
    constant = [np.ones(len(v), np.float32) for v, _ in vids]
    ck = train(vids, constant, ModelConfig(12, 6, hidden=16), preset("default", epochs=8,
               lr=3e-2))
    assert ck.collapsed and ck.info["train_score_std"] < 1e-3


def test_fine_tune_keeps_normalisation_and_missing_audio_works():
    vids, labs = _data(3)
    base = train(vids, labs, ModelConfig(12, 6, hidden=32), preset("default", epochs=2))
    more = train(vids[:3], labs[:3], ModelConfig(99, 99), preset("default", epochs=2), init=base)
    assert more.model_cfg == base.model_cfg and more.info["fine_tuned"]
    np.testing.assert_array_equal(more.norm["visual_mean"], base.norm["visual_mean"])
    s = predict(more, vids[0][0], None)
    assert s.shape == (len(vids[0][0]),) and np.isfinite(s).all()


def test_long_videos_are_windowed():
    rng = np.random.default_rng(5)
    v = rng.normal(size=(70, 12)).astype(np.float32)
    a = rng.normal(size=(70, 6)).astype(np.float32)
    ck = train([(v, a)], [(v[:, 0] > 0).astype(np.float32)], ModelConfig(12, 6),
               preset("default", epochs=1, max_clips=32))
    assert predict(ck, v, a).shape == (70,)
