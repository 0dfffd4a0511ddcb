"""ffmpeg arguments for rendering reel pieces: per-input seeking + one filter_complex.

Piece times are analysis times: seconds from the source's first video frame
(:mod:`core.media`). Every piece is its own input, seeked a little before its start
(``-ss SEEK -t LEN -i SOURCE``; ``SEEK`` is on ffmpeg's clock, which starts at the file's
start time, so the video stream's own start is added). The filters then cut exactly at the
start's time on that clock: video from the frame nearest to it (``trim``), sound at the
exact sample (``atrim``; sound that starts later is preceded by silence). A source whose
timestamps jump (joined MPEG-TS files) is never seeked into: it is decoded from its start
and cut by the filters, since a seek there can land in the wrong part of the file. Its
picture is brought to the common frame rate and size (scale + pad = letterbox), padded
and trimmed to exactly the frame count the layout gave it; its sound is resampled to the
common rate/layout, padded with silence and trimmed to exactly its sample count (a source
without audio contributes ``anullsrc`` silence). Pieces are joined with ``concat``, or with
``xfade``/``acrossfade`` chains when a crossfade is asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

from core.export._media import SourceInfo
from core.export.plan import ReelLayout, ReelSettings

_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 6: "5.1", 8: "7.1"}
_FORMATS = {"mp4": "mp4", "mov": "mov", "mkv": "matroska"}


@dataclass(frozen=True)
class OutputSpec:
    """Resolved output picture and sound settings."""

    width: int
    height: int
    fps: Fraction
    sample_rate: int
    channels: int

    @property
    def channel_layout(self) -> str:
        return _LAYOUTS.get(self.channels, f"{self.channels}c")


@dataclass(frozen=True)
class Piece:
    """One input of an ffmpeg run: ``frames`` frames and ``samples`` samples from ``start``."""

    source: str
    start: float
    frames: int
    samples: int
    has_audio: bool
    fade_in: float = 0.0
    fade_out: float = 0.0
    seek: float = 0.0  # ``-ss`` of the input (ffmpeg clock)
    lead: float = 0.0  # where ``start`` lies after that seek (seconds into the input)
    src_fps: float = 25.0  # source frame rate (the video cut picks the nearest frame)


#: Seconds decoded before each cut, so the cut itself is made by the filters.
PREROLL = 0.2


def seek_point(info: SourceInfo, start: float) -> tuple[float, float]:
    """``(seek, lead)`` for a piece starting at analysis time ``start`` of ``info``."""
    at = info.seek_origin + max(0.0, float(start))
    if info.discontinuous:
        return 0.0, at
    seek = max(0.0, at - PREROLL)
    return seek, at - seek


def make_piece(info: SourceInfo, start: float, frames: int, samples: int, fi=0.0, fo=0.0):
    """A :class:`Piece` of ``info`` from analysis time ``start``."""
    seek, lead = seek_point(info, start)
    return Piece(
        info.path, start, frames, samples, info.has_audio, fi, fo, seek, lead, float(info.fps)
    )


def split_batches(
    lay: ReelLayout, infos: dict[str, SourceInfo], fade: float, batch_size: int
) -> list[list[Piece]]:
    """Cut the layout into runs of at most ``batch_size`` pieces.

    With a crossfade, a batch ends ``crossfade`` early and the next batch starts with that
    tail of the same entry crossfaded into its first entry, so joining the batch files
    back to back gives exactly the single-run result.
    """
    assert lay.fps is not None
    rate = lay.fps
    cf, cfs = lay.crossfade_frames, lay.crossfade_samples
    n = len(lay.placements)
    pieces = []
    for p in lay.placements:
        length = p.frames / rate
        if cf:  # fades only at the reel's ends; pieces are joined by crossfades
            fi = fade if p.index == 0 else 0.0
            fo = fade if p.index == n - 1 else 0.0
        else:  # dip to black around every piece
            fi = fo = fade
        fi, fo = min(fi, float(length) / 2), min(fo, float(length) / 2)
        info = infos[p.entry.source]
        pieces.append(make_piece(info, p.entry.start, p.frames, p.samples, fi, fo))
    size = max(2, int(batch_size))
    batches = [pieces[i : i + size] for i in range(0, n, size)]
    if not cf or len(batches) == 1:
        return batches
    for b in range(1, len(batches)):
        last = batches[b - 1][-1]
        head_frames = last.frames - cf
        info = infos[last.source]
        tail = make_piece(info, last.start + float(Fraction(head_frames) / rate), cf, cfs)
        batches[b - 1][-1] = make_piece(
            info, last.start, head_frames, last.samples - cfs, last.fade_in, 0.0
        )
        batches[b].insert(0, tail)
    return batches


def _num(x: float | Fraction) -> str:
    return f"{float(x):.6f}".rstrip("0").rstrip(".") or "0"


def input_args(pieces: list[Piece], fps: Fraction) -> list[str]:
    """``-ss/-t/-i`` for every piece (a little extra length; the filters trim exactly)."""
    args: list[str] = []
    for p in pieces:
        length = p.lead + float(Fraction(p.frames) / fps) + 2 / float(fps) + 0.1
        seek = ["-ss", _num(p.seek)] if p.seek > 0 else []
        args += [*seek, "-t", _num(length), "-i", p.source]
    return args


def _video_cut(p: Piece) -> str:
    """Keep frames from the one nearest to ``lead`` on; it becomes time 0."""
    first = p.lead - 0.5 / p.src_fps
    cut = f"trim=start={_num(first)}," if first > 0 else ""
    return cut + "setpts=PTS-STARTPTS"


def _audio_cut(p: Piece) -> str:
    """Sound from exactly ``lead`` on, at time 0 (silence first if it starts later)."""
    cut = f"atrim=start={_num(p.lead)}," if p.lead > 0 else ""
    return cut + f"asetpts=PTS-{_num(p.lead)}/TB"


def filter_graph(pieces: list[Piece], out: OutputSpec, cf_frames: int, cf_samples: int) -> str:
    """The filter_complex joining ``pieces``; its outputs are ``[vout]`` and ``[aout]``."""
    w, h, fps, sr = out.width, out.height, out.fps, out.sample_rate
    lay = out.channel_layout
    chains = []
    for i, p in enumerate(pieces):
        v = (
            f"[{i}:v:0]{_video_cut(p)},fps={fps.numerator}/{fps.denominator},"
            f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p,"
            f"tpad=stop=-1:stop_mode=clone,trim=end_frame={p.frames},setpts=PTS-STARTPTS"
        )
        length = float(Fraction(p.frames) / fps)
        if p.fade_in > 0:
            v += f",fade=t=in:st=0:d={_num(p.fade_in)}"
        if p.fade_out > 0:
            v += f",fade=t=out:st={_num(length - p.fade_out)}:d={_num(p.fade_out)}"
        chains.append(v + f"[v{i}]")
        if p.has_audio:
            a = (
                f"[{i}:a:0]{_audio_cut(p)},aresample={sr}:first_pts=0,"
                f"aformat=sample_fmts=fltp:sample_rates={sr}:channel_layouts={lay},apad,"
                f"atrim=end_sample={p.samples},asetpts=N/SR/TB"
            )
            alen = p.samples / sr
            if p.fade_in > 0:
                a += f",afade=t=in:st=0:d={_num(p.fade_in)}"
            if p.fade_out > 0:
                a += f",afade=t=out:st={_num(alen - p.fade_out)}:d={_num(p.fade_out)}"
        else:
            a = (
                f"anullsrc=r={sr}:cl={lay},aformat=sample_fmts=fltp,"
                f"atrim=end_sample={p.samples},asetpts=N/SR/TB"
            )
        chains.append(a + f"[a{i}]")
    n = len(pieces)
    if n == 1:
        chains += ["[v0]null[vout]", "[a0]anull[aout]"]
    elif cf_frames <= 0:
        ins = "".join(f"[v{i}][a{i}]" for i in range(n))
        chains.append(f"{ins}concat=n={n}:v=1:a=1[vout][aout]")
    else:
        cf_s = _num(Fraction(cf_frames) / fps)
        vprev, aprev, acc = "v0", "a0", pieces[0].frames
        for i in range(1, n):
            vlab = "vout" if i == n - 1 else f"vx{i}"
            alab = "aout" if i == n - 1 else f"ax{i}"
            offset = _num(Fraction(acc - cf_frames) / fps)
            chains.append(
                f"[{vprev}][v{i}]xfade=transition=fade:duration={cf_s}:offset={offset}[{vlab}]"
            )
            chains.append(f"[{aprev}][a{i}]acrossfade=ns={cf_samples}:c1=tri:c2=tri[{alab}]")
            vprev, aprev, acc = vlab, alab, acc + pieces[i].frames - cf_frames
    return ";".join(chains)


def encode_args(
    settings: ReelSettings, out: OutputSpec, container: str, *, intermediate: bool = False
) -> list[str]:
    """Codec and muxer options. Intermediate batch files keep PCM sound (joined losslessly)."""
    fps = out.fps
    args = [
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        "-c:v",
        settings.video_codec,
        "-preset",
        settings.preset,
        "-crf",
        str(settings.crf),
        "-pix_fmt",
        "yuv420p",
        "-r",
        f"{fps.numerator}/{fps.denominator}",
    ]
    if intermediate:
        return args + ["-c:a", "pcm_s16le", "-f", "mov"]
    return args + audio_args(settings, out) + muxer_args(container)


def audio_args(settings: ReelSettings, out: OutputSpec) -> list[str]:
    return [
        "-c:a",
        "aac",
        "-b:a",
        settings.audio_bitrate,
        "-ar",
        str(out.sample_rate),
        "-ac",
        str(out.channels),
    ]


def muxer_args(container: str) -> list[str]:
    args = ["-f", _FORMATS[container]]
    if container in ("mp4", "mov"):
        args[:0] = ["-movflags", "+faststart"]
    return args


def concat_list(items: list[tuple[str, float | None, float | None]]) -> str:
    """An ffconcat script: ``(path, inpoint or None, outpoint or None)`` per file."""
    lines = ["ffconcat version 1.0"]
    for path, inpoint, outpoint in items:
        # ffmpeg resolves relative names against the list's folder: always give absolute ones
        full = os.path.abspath(os.fspath(path))
        lines.append("file '" + full.replace("'", "'\\''") + "'")
        if inpoint is not None and inpoint > 0:
            lines.append(f"inpoint {_num(inpoint)}")
        if outpoint is not None:
            lines.append(f"outpoint {_num(outpoint)}")
    return "\n".join(lines) + "\n"
