"""Per-clip motion and loudness, measured while extracting (core.signals), and their cues."""

from __future__ import annotations

import numpy as np
import pytest

from core.extract import extract_file
from core.ffmpeg import run_ffmpeg
from core.signals import MotionMeter, finish_motion, loudness_db


@pytest.fixture(autouse=True)
def _test_extractors(test_extractors):
    """Every test here may name the small extractors (tests/conftest.py)."""


def test_loudness_hand_computed():
    rate = 100
    wave = np.concatenate([np.zeros(100), np.full(100, 0.5), np.full(100, -0.1)])
    bounds = np.array([[0, 1], [1, 2], [2, 3]], float)
    db = loudness_db(wave, rate, bounds)
    np.testing.assert_allclose(db, [-100.0, 20 * np.log10(0.5), -20.0], atol=1e-4)


def test_motion_meter_between_and_within_clips():
    still = np.zeros((1, 1, 8, 8, 3), np.uint8)
    white = np.full((1, 1, 8, 8, 3), 255, np.uint8)
    m = MotionMeter()
    got = np.concatenate([m.update(still), m.update(white), m.update(white)])
    np.testing.assert_allclose(finish_motion(got, 1), [1.0, 1.0, 0.0])
    pair = np.concatenate([still, white], axis=1)  # two frames per clip
    np.testing.assert_allclose(MotionMeter().update(pair), [1.0])


def _still_then_moving(path):
    """4 s of a still colour in silence, then 4 s of a moving pattern with loud noise."""
    graph = (
        "color=c=0x336699:s=160x120:r=10,trim=duration=4,setpts=PTS-STARTPTS,format=yuv420p[v0];"
        "testsrc2=s=160x120:r=10,trim=duration=4,setpts=PTS-STARTPTS,format=yuv420p[v1];"
        "anullsrc=r=16000:cl=mono,atrim=duration=4,asetpts=PTS-STARTPTS[a0];"
        "anoisesrc=c=white:a=0.5:r=16000,atrim=duration=4,asetpts=PTS-STARTPTS[a1];"
        "[v0][v1]concat=n=2:v=1:a=0[v];[a0][a1]concat=n=2:v=0:a=1[a]"
    )
    run_ffmpeg(["-y", "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
                "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(path)])


@pytest.mark.parametrize("frames_per_clip", [1, 2])
def test_extraction_stores_motion_and_loudness_and_the_cues_read_them(tmp_path, frames_per_clip):
    from core.features import get_audio, get_visual
    from core.scoring import ScoringConfig, score_library

    path = tmp_path / "v.mp4"
    _still_then_moving(path)
    f = extract_file(str(path), get_visual("test-colorhist"), get_audio("test-bandenergy"),
                     clip_seconds=1.0, frames_per_clip=frames_per_clip, cache=False)
    motion, loud = f.signals["motion"], f.signals["loudness"]
    assert len(motion) == len(loud) == f.n_clips == 8
    assert motion[5:].min() > 5 * max(motion[:3].max(), 1e-3)  # clip 4 straddles the cut
    assert loud[:3].max() < -60 and loud[5:].min() > -20  # AAC pre-echo bleeds into clip 3
    lib = score_library([(f.visual, f.audio), (f.visual, f.audio)],
                        ScoringConfig(cue="motion+loudness"), signals=[f.signals, f.signals])
    vs = lib.videos[0]
    np.testing.assert_allclose(vs.curves["motion"], motion)
    assert vs.pseudo.av_ph[5:].min() > vs.pseudo.av_ph[:4].max()
    bare = score_library([(f.visual, f.audio)] * 2, ScoringConfig(cue="motion"))
    assert "motion" not in bare.videos[0].curves  # no signals: no such cue, recurrence ranks


def test_yamnet_crowd_events_come_from_the_same_run_as_the_embeddings():
    from core.features.yamnet import CROWD_CLASSES, YAMNet

    y = YAMNet(device="cpu")
    assert all(c in y.class_names for c in CROWD_CLASSES)
    rng = np.random.default_rng(0)
    t = np.arange(16000 * 3) / 16000
    wave = np.concatenate([0.3 * np.sin(2 * np.pi * 440 * t[:16000]),
                           0.3 * rng.standard_normal(32000)]).astype(np.float32)
    bounds = np.array([[0, 1], [1, 2], [2, 3]], float)
    emb, events = y.embed_clips_and_events(wave, bounds)
    np.testing.assert_allclose(emb, y.embed_clips(wave, bounds), rtol=1e-5, atol=1e-6)
    crowd = events["crowd"]
    assert crowd.shape == (3,) and ((crowd > 0) & (crowd < 1)).all()
    # = mean over the clip's patches of the best crowd-class probability
    from core.features import audio_frontend as fe
    from core.features.yamnet import patches_for_clips

    _, logits = y.embed_patches(fe.log_mel_patches(wave))
    prob = 1 / (1 + np.exp(-logits[:, [y.class_names.index(c) for c in CROWD_CLASSES]]))
    members = patches_for_clips(bounds, len(logits))
    np.testing.assert_allclose(crowd, [prob[m].max(1).mean() for m in members], atol=1e-6)
