"""Planted libraries for the validation suite: a moment recurs across videos at known clips.

Each generator writes ``n_videos`` videos of ``N_CLIPS`` clips of ``CLIP`` seconds with
ffmpeg and returns their paths and per-clip truth (1 on the recurring moment). They run at
validation time and go through the real extractors (``bench/validate.py``).

* ``synthetic``: a test-pattern event with a pulsed tone among per-video synthetic
  distractors (each video its own picture and sound);
* ``low-energy``: a dim, still, quiet event among busy, loud distractors;
* ``high-energy``: the reverse, a busy, loud event among dim, still, quiet distractors;
* ``film``: windows cut from one scene of ``bbb_full_360p.mp4`` (a different window in
  each video) with a crowd-like sound laid over, among windows of other real footage.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.ffmpeg import run_ffmpeg

CLIP, N_CLIPS, EVENT_CLIPS = 2.0, 8, 2
MEDIA = Path(__file__).resolve().parent.parent.parent / "shared" / "media"
SIZE = "160x120"

# (picture, sound) lavfi sources; the distractors of each video differ from one another
BUSY = [
    (f"mandelbrot=s={SIZE}:r=10", "anoisesrc=c=pink:a=0.5:r=16000"),
    (f"life=s={SIZE}:r=10:mold=10:ratio=0.5", "aevalsrc='0.5*sgn(sin(2*PI*220*t))':s=16000"),
    (f"cellauto=s={SIZE}:r=10:rule=110", "anoisesrc=c=white:a=0.4:r=16000"),
    (f"testsrc2=s={SIZE}:r=10", "aevalsrc='0.5*sin(2*PI*(200+300*mod(t\\,1))*t)':s=16000"),
    (f"color=c=0x4a7a2a:s={SIZE}:r=10,noise=alls=80:allf=t",
     "anoisesrc=c=brown:a=0.7:r=16000"),
    (f"rgbtestsrc=s={SIZE}:r=10,hue=H=2*PI*t", "anoisesrc=c=blue:a=0.4:r=16000"),
    (f"smptehdbars=s={SIZE}:r=10,noise=alls=60:allf=t",
     "aevalsrc='0.6*lt(mod(t\\,0.25)\\,0.05)*sin(2*PI*700*t)':s=16000"),
]
CALM = [
    (f"color=c=0x20304a:s={SIZE}:r=10", "aevalsrc='0.02*sin(2*PI*180*t)':s=16000"),
    (f"color=c=0x4a3020:s={SIZE}:r=10", "aevalsrc='0.02*sin(2*PI*260*t)':s=16000"),
    (f"color=c=0x204a30:s={SIZE}:r=10", "anoisesrc=c=brown:a=0.01:r=16000"),
    (f"color=c=0x3a3a3a:s={SIZE}:r=10", "aevalsrc='0.015*sin(2*PI*330*t)':s=16000"),
    (f"color=c=0x402040:s={SIZE}:r=10", "anoisesrc=c=pink:a=0.01:r=16000"),
    (f"color=c=0x504010:s={SIZE}:r=10", "aevalsrc='0.02*sin(2*PI*120*t)':s=16000"),
    (f"color=c=0x104050:s={SIZE}:r=10", "aevalsrc='0.01*sin(2*PI*500*t)':s=16000"),
]
EVENT_PATTERN = (f"smptebars=s={SIZE}:r=10",
                 "aevalsrc='0.5*sin(2*PI*1000*t)*lt(mod(t\\,0.5)\\,0.25)':s=16000")
EVENT_QUIET = (f"color=c=0x101010:s={SIZE}:r=10,drawbox=x=60:y=40:w=40:h=40:c=0x303030:t=fill",
               "aevalsrc='0.01*sin(2*PI*90*t)':s=16000")
EVENT_LOUD = (f"testsrc2=s={SIZE}:r=10,noise=alls=40:allf=t",
              "anoisesrc=c=white:a=0.8:r=16000,tremolo=f=6:d=0.9")
#: applause/crowd-like: pink noise with a fast random-looking tremolo, laid over the film
CROWD = "anoisesrc=c=pink:a=0.35:r=16000,tremolo=f=11:d=0.7,highpass=f=300"


def _lavfi_video(path: Path, pieces: list[tuple[tuple[str, str], float]]) -> None:
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
                str(path)])  # fmt: skip


def _layout(event_at: int, distractor, event) -> list[tuple[tuple[str, str], float]]:
    pieces = [(distractor, event_at * CLIP), (event, EVENT_CLIPS * CLIP),
              (distractor, (N_CLIPS - event_at - EVENT_CLIPS) * CLIP)]
    return [p for p in pieces if p[1] > 0]


def _truth(event_at: int) -> np.ndarray:
    t = np.zeros(N_CLIPS, np.int8)
    t[event_at : event_at + EVENT_CLIPS] = 1
    return t


def _lavfi_library(folder: Path, seed: int, n: int, pool, event) -> list[tuple[Path, np.ndarray]]:
    rng = np.random.default_rng(seed)
    picks = rng.permutation(len(pool))[:n]
    out = []
    for i, k in enumerate(picks):
        at = int(rng.integers(0, N_CLIPS - EVENT_CLIPS + 1))
        path = folder / f"video{i}.mp4"
        _lavfi_video(path, _layout(at, pool[k], event))
        out.append((path, _truth(at)))
    return out


def synthetic(folder: Path, seed: int, n: int = 6):
    return _lavfi_library(folder, seed, n, BUSY[:3] + CALM[:2] + BUSY[3:5], EVENT_PATTERN)


def low_energy(folder: Path, seed: int, n: int = 6):
    return _lavfi_library(folder, seed, n, BUSY, EVENT_QUIET)


def high_energy(folder: Path, seed: int, n: int = 6):
    return _lavfi_library(folder, seed, n, CALM, EVENT_LOUD)


#: other real footage (file, seconds available), looped when shorter than needed
OTHER = [("chaplin.mp4", 9.6), ("cityCC0.mpg", 7.6), ("plane_field_moviepy.mp4", 11.2),
         ("big_buck_bunny_0_30.webm", 30.0), ("fire2.mp4", 2.4)]
FILM = "bbb_full_360p.mp4"
SCENE = (400.0, 490.0)  # the film's climax; each video takes another 4 s window of it


def _film_video(path: Path, at: int, other: str, offset: float, scene_start: float) -> None:
    """Other footage, the film window (with the crowd sound laid over), other footage."""
    ev = EVENT_CLIPS * CLIP
    before, after = at * CLIP, (N_CLIPS - at - EVENT_CLIPS) * CLIP
    fmt = f"scale={SIZE.replace('x', ':')},fps=10,setsar=1,format=yuv420p"
    aud = "aresample=16000,aformat=channel_layouts=mono"
    has_audio = other != "cityCC0.mpg"
    args, graph, vl, al = ["-y"], [], "", ""

    def add_input(*opts: str) -> int:
        args.extend(opts)
        return sum(1 for a in args if a == "-i") - 1

    pieces = [("other", before, offset), ("event", ev, 0.0), ("other", after, offset + before)]
    for j, (kind, dur, start) in enumerate(p for p in pieces if p[1] > 0):
        if kind == "other":
            k = add_input("-stream_loop", "-1", "-ss", f"{start:.2f}", "-i", str(MEDIA / other))
            graph.append(f"[{k}:v]trim=duration={dur},setpts=PTS-STARTPTS,{fmt}[v{j}]")
            if has_audio:
                graph.append(f"[{k}:a]atrim=duration={dur},asetpts=PTS-STARTPTS,{aud}[a{j}]")
            else:
                graph.append(f"anullsrc=r=16000:cl=mono,atrim=duration={dur}[a{j}]")
        else:
            k = add_input("-ss", f"{scene_start:.2f}", "-t", f"{dur}", "-i", str(MEDIA / FILM))
            graph.append(f"[{k}:v]trim=duration={dur},setpts=PTS-STARTPTS,{fmt}[v{j}]")
            graph.append(f"[{k}:a]atrim=duration={dur},asetpts=PTS-STARTPTS,{aud}[f{j}]")
            graph.append(f"{CROWD},atrim=duration={dur}[c{j}]")
            graph.append(f"[f{j}][c{j}]amix=inputs=2:duration=first:normalize=0[a{j}]")
        vl += f"[v{j}]"
        al += f"[a{j}]"
    n = vl.count("[")
    graph.append(f"{vl}concat=n={n}:v=1:a=0[v]")
    graph.append(f"{al}concat=n={n}:v=0:a=1[a]")
    args += ["-filter_complex", ";".join(graph), "-map", "[v]", "-map", "[a]",
             "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-c:a", "aac", str(path)]
    run_ffmpeg(args)


def film(folder: Path, seed: int, n: int = 6, others: list[tuple[str, float]] | None = None):
    """Needs ``../shared/media``; raises FileNotFoundError without it. Video ``i`` takes its
    other footage from ``others[film_kind(i, seed, len(others))]`` (default :data:`OTHER`)."""
    others = OTHER if others is None else others
    if not (MEDIA / FILM).is_file():
        raise FileNotFoundError(f"{MEDIA / FILM} is needed for the film library")
    rng = np.random.default_rng(seed)
    starts = rng.permutation(np.arange(SCENE[0], SCENE[1] - 4.0, 4.0))[:n]
    out = []
    for i in range(n):
        at = int(rng.integers(0, N_CLIPS - EVENT_CLIPS + 1))
        other, length = others[film_kind(i, seed, len(others))]
        offset = float(rng.uniform(0, max(length - 1.0, 0.0)))
        path = folder / f"video{i}.mp4"
        _film_video(path, at, other, offset, float(starts[i]))
        out.append((path, _truth(at)))
    return out


def film_kind(i: int, seed: int, n_kinds: int) -> int:
    """Which of the other footages video ``i`` of a film library is cut from (its kind)."""
    return (i + seed) % n_kinds


def film_two_kinds(folder: Path, seed: int, n: int = 6):
    """The film library with only two kinds of other footage (chaplin, the plane field): the
    pseudo-categories should find two (``bench/categories.py``)."""
    return film(folder, seed, n, TWO_KINDS)


TWO_KINDS = [OTHER[0], OTHER[2]]
GENERATORS = {"synthetic": synthetic, "low-energy": low_energy, "high-energy": high_energy,
              "film": film}
