"""End to end: a sound-and-picture event recurs across a library among per-video distractors;
``avhd find`` (real extractors, real training) must rank the event clips on top."""

import json

import numpy as np
import pytest

from core.cli import main
from core.ffmpeg import run_ffmpeg

# Each video has its own kind of picture and sound; only the event is shared.
DISTRACTORS = [
    ("mandelbrot=s=160x120:r=10", "anoisesrc=c=pink:a=0.3:r=16000"),
    ("life=s=160x120:r=10:mold=10:ratio=0.5", "aevalsrc='0.3*sgn(sin(2*PI*220*t))':s=16000"),
    ("cellauto=s=160x120:r=10:rule=110", "aevalsrc='0.8*lt(mod(t\\,0.25)\\,0.004)':s=16000"),
    ("gradients=s=160x120:r=10:speed=0.05",
     "aevalsrc='0.4*sin(2*PI*(200+300*mod(t\\,1))*t)':s=16000"),
    ("color=c=0x4a7a2a:s=160x120:r=10,noise=alls=60:allf=t",
     "anoisesrc=c=brown:a=0.5:r=16000,lowpass=f=300"),
]
EVENT = ("smptebars=s=160x120:r=10",
         "aevalsrc='0.5*sin(2*PI*1000*t)*lt(mod(t\\,0.5)\\,0.25)':s=16000")
CLIP, N_CLIPS, EVENT_CLIPS = 2.0, 8, 2


def _planted_video(path, distractor, event_at):
    """N_CLIPS clips of ``distractor``, with the event over clips [event_at, event_at + 2)."""
    pieces = [(distractor, event_at * CLIP), (EVENT, EVENT_CLIPS * CLIP),
              (distractor, (N_CLIPS - event_at - EVENT_CLIPS) * CLIP)]
    pieces = [p for p in pieces if p[1] > 0]
    graph, vl, al = [], "", ""
    for i, ((vsrc, asrc), dur) in enumerate(pieces):
        graph.append(f"{vsrc},trim=duration={dur},setpts=PTS-STARTPTS,format=yuv420p[v{i}]")
        graph.append(f"{asrc},atrim=duration={dur},asetpts=PTS-STARTPTS[a{i}]")
        vl += f"[v{i}]"
        al += f"[a{i}]"
    graph.append(f"{vl}concat=n={len(pieces)}:v=1:a=0[v]")
    graph.append(f"{al}concat=n={len(pieces)}:v=0:a=1[a]")
    run_ffmpeg(["-y", "-filter_complex", ";".join(graph), "-map", "[v]", "-map", "[a]",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-c:a", "aac",
                str(path)])


def _trapezoid_ap(scores, labels):
    order = np.argsort(-np.asarray(scores), kind="stable")
    ranked = np.asarray(labels)[order]
    hits, ap, rec_prev, prec_prev = 0, 0.0, 0.0, 1.0
    for j, gt in enumerate(ranked):
        hits += gt
        rec, prec = hits / ranked.sum(), hits / (j + 1)
        ap += (rec - rec_prev) * (prec_prev + prec) / 2
        rec_prev, prec_prev = rec, prec
    return ap


@pytest.mark.slow
@pytest.mark.parametrize(
    "method",
    [[], ["--similarity", "cosine", "--ph-modality", "av"]],
    ids=["app-default", "paper"],
)
def test_find_ranks_the_recurring_event_on_top(tmp_path, capsys, method):
    lib = tmp_path / "my library"
    lib.mkdir()
    where = [0, 3, 6, 2, 5]
    for i, ((d, at)) in enumerate(zip(DISTRACTORS, where, strict=True)):
        _planted_video(lib / f"video {i}.mp4", d, at)
    out = tmp_path / "out"
    args = ["find", str(lib), "--out", str(out), "--top", "0.25", "--seed", "0", *method]
    assert main(args) == 0
    aps, aps_ph = [], []
    for i, at in enumerate(where):
        hl = json.loads((out / f"video {i}.mp4.highlights.json").read_text())
        assert len(hl["clips"]) == N_CLIPS and hl["has_audio"]
        truth = np.zeros(N_CLIPS, int)
        truth[at : at + EVENT_CLIPS] = 1
        aps.append(_trapezoid_ap([c["score"] for c in hl["clips"]], truth))
        aps_ph.append(_trapezoid_ap([c["av_ph"] for c in hl["clips"]], truth))
        seg = hl["segments"][0]
        assert (seg["start"], seg["end"]) == (at * CLIP, (at + EVENT_CLIPS) * CLIP)
    chance = EVENT_CLIPS / N_CLIPS
    with capsys.disabled():
        print(f"\nplanted-recurrence AP ({' '.join(method) or 'app default'}): "
              f"model {np.mean(aps):.3f}, "
              f"pseudo-highlights {np.mean(aps_ph):.3f} (chance {chance:.2f})")
    assert np.mean(aps) > 0.9
    assert (out / "library_summary.csv").read_text().count("scored") == 5
    assert (out / "model.pt").is_file()
