"""Synthetic media for tests, made with the bundled ffmpeg (``core.ffmpeg.run_ffmpeg``).

Keep files tiny (low resolution, a few seconds) so tests stay fast. Typical use::

    from synth import make_video
    path = make_video(tmp_path / "a.mp4", duration=4, video="testsrc", audio="sine:440")

Video sources (``video=``):
    ``"testsrc"``, ``"testsrc2"``, ``"smptebars"``, ``"rgbtestsrc"`` (FFmpeg test patterns),
    ``"color:NAME"`` (a flat colour field, e.g. ``"color:red"``),
    ``"colors:red,green,blue"`` (flat fields, one after another, equal shares of the
    duration), ``"shots:testsrc@4.4,red@3.32"`` (patterns or colours for the given seconds,
    joined by hard cuts; ``duration`` should be their sum), ``"noise"`` (grey field with
    strong temporal noise).
Audio sources (``audio=``, or ``None`` for no audio stream):
    ``"sine:FREQ"``, ``"noise"`` (white noise), ``"silence"``,
    ``"bursts:PERIOD:LENGTH"`` (white-noise bursts of LENGTH s every PERIOD s, silence
    between), ``"tones:F1,F2,..."`` (sine tones one after another, equal shares).

Also here: helpers that make bad inputs (empty, text, truncated, audio-only, one-frame), and
two small but real feature extractors for pipeline tests (:class:`ColorHistogram`,
:class:`BandEnergy`) so tests need no network weights.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from core.features.base import AudioExtractor, VisualExtractor
from core.ffmpeg import run_ffmpeg

# extension -> (video codec, audio codec, extra output args)
_CODECS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "mp4": ("libx264", "aac", ()),
    "m4v": ("libx264", "aac", ()),
    "mov": ("libx264", "aac", ()),
    "mkv": ("libx264", "aac", ()),
    "3gp": ("libx264", "aac", ()),
    "ts": ("libx264", "aac", ()),
    "mts": ("libx264", "aac", ("-f", "mpegts")),
    "m2ts": ("libx264", "aac", ("-f", "mpegts")),
    "webm": ("libvpx", "libvorbis", ()),
    "avi": ("mpeg4", "libmp3lame", ()),
    "mpg": ("mpeg1video", "mp2", ()),
    "mpeg": ("mpeg2video", "mp2", ()),
    "flv": ("flv", "libmp3lame", ()),
    "wmv": ("wmv2", "wmav2", ()),
    "ogv": ("libtheora", "libvorbis", ()),
}
_AUDIO_CODECS = {"m4a": "aac", "mp3": "libmp3lame", "wav": "pcm_s16le", "ogg": "libvorbis"}


def _video_input(video: str, duration: float, size: tuple[int, int], fps: float) -> list[str]:
    w, h = size
    common = f"size={w}x{h}:rate={fps}"
    if video in ("testsrc", "testsrc2", "smptebars", "rgbtestsrc"):
        return ["-f", "lavfi", "-i", f"{video}={common}:duration={duration}"]
    if video.startswith("color:"):
        return ["-f", "lavfi", "-i", f"color=c={video[6:]}:{common}:duration={duration}"]
    if video == "noise":
        return [
            "-f", "lavfi", "-i",
            f"color=c=gray:{common}:duration={duration},noise=alls=80:allf=t+u",
        ]  # fmt: skip
    if video.startswith("colors:"):
        colours = video[7:].split(",")
        seg = duration / len(colours)
        parts = "".join(
            f"color=c={c}:{common}:duration={seg}[v{i}];" for i, c in enumerate(colours)
        )
        joined = "".join(f"[v{i}]" for i in range(len(colours)))
        graph = f"{parts}{joined}concat=n={len(colours)}:v=1:a=0"
        return ["-f", "lavfi", "-i", graph]
    if video.startswith("shots:"):
        return ["-f", "lavfi", "-i", _shots_graph(video[6:].split(","), common)]
    raise ValueError(f"unknown synthetic video source {video!r}")


def _shots_graph(items: list[str], common: str) -> str:
    """Shots ``SOURCE@SECONDS`` (a test pattern or a colour) joined by hard cuts."""
    parts = []
    for i, item in enumerate(items):
        name, _, seconds = item.partition("@")
        if name in ("testsrc", "testsrc2", "smptebars", "rgbtestsrc"):
            parts.append(f"{name}={common}:duration={float(seconds)}[v{i}];")
        else:
            parts.append(f"color=c={name}:{common}:duration={float(seconds)}[v{i}];")
    joined = "".join(f"[v{i}]" for i in range(len(items)))
    return f"{''.join(parts)}{joined}concat=n={len(items)}:v=1:a=0"


def _audio_input(audio: str, duration: float, rate: int) -> list[str]:
    base = f"sample_rate={rate}:duration={duration}"
    if audio.startswith("sine:"):
        return ["-f", "lavfi", "-i", f"sine=frequency={float(audio[5:])}:{base}"]
    if audio == "noise":
        return ["-f", "lavfi", "-i", f"anoisesrc=color=white:amplitude=0.5:{base}"]
    if audio == "silence":
        return ["-f", "lavfi", "-i", f"anullsrc=r={rate}:cl=mono", "-t", str(duration)]
    if audio.startswith("bursts:"):
        period, length = (float(x) for x in audio[7:].split(":"))
        gate = f"volume='if(lt(mod(t,{period}),{length}),1,0)':eval=frame"
        return ["-f", "lavfi", "-i", f"anoisesrc=color=white:amplitude=0.6:{base},{gate}"]
    if audio.startswith("tones:"):
        freqs = [float(f) for f in audio[6:].split(",")]
        seg = duration / len(freqs)
        parts = "".join(
            f"sine=frequency={f}:sample_rate={rate}:duration={seg}[a{i}];"
            for i, f in enumerate(freqs)
        )
        joined = "".join(f"[a{i}]" for i in range(len(freqs)))
        return ["-f", "lavfi", "-i", f"{parts}{joined}concat=n={len(freqs)}:v=0:a=1"]
    raise ValueError(f"unknown synthetic audio source {audio!r}")


def make_video(
    path: str | os.PathLike,
    duration: float = 6.0,
    size: tuple[int, int] = (160, 120),
    fps: float = 25,
    video: str = "testsrc",
    audio: str | None = "sine:440",
    channels: int = 1,
    sample_rate: int = 22050,
    *,
    vcodec: str | None = None,
    acodec: str | None = None,
    gop: int | None = None,
    rotation: int | None = None,
    vfr: bool = False,
    faststart: bool = False,
    extra_args: tuple[str, ...] = (),
) -> Path:
    """Write a synthetic video; the container follows the file extension.

    Args:
        path: output file; its extension picks container and default codecs.
        duration: seconds.
        size: ``(width, height)`` in pixels (even numbers).
        fps: frame rate.
        video: video source (see module docstring).
        audio: audio source, or ``None`` for a file without an audio stream.
        channels: audio channels (6 gives a 5.1 layout).
        sample_rate: audio sample rate.
        vcodec, acodec: override the default codecs for the extension.
        gop: keyframe interval in frames (FFmpeg ``-g``).
        rotation: display rotation metadata in degrees (90, 180, 270), written by a remux.
        vfr: variable frame rate: the second half keeps only every third frame.
        faststart: put the MP4 index first (a truncated file then stays partly readable).
        extra_args: more output options.

    Returns:
        The path written.
    """
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    if ext not in _CODECS:
        raise ValueError(f"no default codecs for .{ext}")
    dv, da, fmt_args = _CODECS[ext]
    args = _video_input(video, duration, size, fps)
    if audio is not None:
        args += _audio_input(audio, duration, sample_rate)
    args += ["-map", "0:v"] + (["-map", "1:a"] if audio is not None else [])
    vfilters = ["format=yuv420p"]
    if vfr:
        half = duration / 2
        vfilters.insert(0, f"select='lt(t\\,{half})+not(mod(n\\,3))'")
        args += ["-fps_mode", "vfr"]
    args += ["-vf", ",".join(vfilters), "-c:v", vcodec or dv]
    if gop:
        args += ["-g", str(gop)]
    if (vcodec or dv) == "libx264":
        args += ["-preset", "veryfast", "-crf", "30"]
    if (vcodec or dv) in ("libvpx", "libvpx-vp9"):
        args += ["-deadline", "good", "-cpu-used", "5", "-b:v", "300k"]
    if (vcodec or dv) in ("mpeg4", "mpeg1video", "mpeg2video", "flv", "wmv2", "libtheora"):
        args += ["-q:v", "5"]
    if audio is not None:
        args += ["-c:a", acodec or da, "-ac", str(channels), "-ar", str(sample_rate)]
    if faststart:
        args += ["-movflags", "+faststart"]
    args += [*fmt_args, *extra_args]
    path.parent.mkdir(parents=True, exist_ok=True)
    if rotation:
        tmp = path.with_name(f".{path.stem}.norot{path.suffix}")
        run_ffmpeg(["-y", *args, str(tmp)])
        run_ffmpeg(["-y", "-display_rotation", str(rotation), "-i", str(tmp), "-c", "copy",
                    str(path)])  # fmt: skip
        tmp.unlink()
    else:
        run_ffmpeg(["-y", *args, str(path)])
    return path


def make_audio(
    path: str | os.PathLike,
    duration: float = 4.0,
    audio: str = "sine:440",
    channels: int = 1,
    sample_rate: int = 22050,
    acodec: str | None = None,
    cover_art: bool = False,
) -> Path:
    """Write an audio-only file. A video extension (``.mp4``) gives an audio-only MP4.

    ``cover_art`` adds a still picture stream marked as attached cover art (as music files
    have), which is not a video.
    """
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    codec = acodec or _AUDIO_CODECS.get(ext) or _CODECS[ext][1]
    args = _audio_input(audio, duration, sample_rate)
    args += ["-c:a", codec, "-ac", str(channels), "-ar", str(sample_rate)]
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cover_art:
        run_ffmpeg(["-y", *args, str(path)])
        return path
    tmp_audio = path.with_name(f".{path.stem}.audio{path.suffix}")
    tmp_cover = path.with_name(f".{path.stem}.cover.jpg")
    run_ffmpeg(["-y", *args, str(tmp_audio)])
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1", str(tmp_cover)])
    run_ffmpeg(["-y", "-i", str(tmp_audio), "-i", str(tmp_cover), "-map", "0:a", "-map", "1:v",
                "-c", "copy", "-disposition:v", "attached_pic", str(path)])  # fmt: skip
    tmp_audio.unlink()
    tmp_cover.unlink()
    return path


def make_one_frame_video(path: str | os.PathLike, size=(160, 120), fps: float = 25) -> Path:
    """A video holding a single frame (lasting ``1 / fps`` seconds), no audio."""
    return make_video(path, duration=1.0 / fps, size=size, fps=fps, audio=None,
                      extra_args=("-frames:v", "1"))  # fmt: skip


def make_empty(path: str | os.PathLike) -> Path:
    """A zero-byte file."""
    path = Path(path)
    path.write_bytes(b"")
    return path


def make_text(path: str | os.PathLike, text: str = "this is not a video\n") -> Path:
    """A small text file (give it a video extension to fake a video)."""
    path = Path(path)
    path.write_text(text * 50, encoding="utf-8")
    return path


def make_truncated(src: str | os.PathLike, dst: str | os.PathLike, keep: float = 0.5) -> Path:
    """Copy the first ``keep`` share of ``src``'s bytes to ``dst``."""
    data = Path(src).read_bytes()
    dst = Path(dst)
    dst.write_bytes(data[: max(1, int(len(data) * keep))])
    return dst


def copy_as(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Copy a file (e.g. to give it a name with spaces or non-ASCII characters)."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


# --- Small real extractors for pipeline tests ------------------------------------------------


class ColorHistogram(VisualExtractor):
    """Per-channel colour histograms of small frames: ``3 * bins`` values, each third sums to 1."""

    NAME = "test-colorhist"
    VERSION = "1"

    def __init__(self, bins: int = 8, device: str = "cpu", input_size=(32, 32)) -> None:
        self.bins = bins
        self.dim = 3 * bins
        self.input_size = tuple(input_size)
        self.calls = 0

    def embed_frames(self, frames: np.ndarray) -> np.ndarray:
        self.calls += 1
        frames = np.asarray(frames)
        assert frames.dtype == np.uint8 and frames.ndim == 4 and frames.shape[-1] == 3
        assert frames.shape[1:3] == self.input_size
        idx = (frames.astype(np.int32) * self.bins) // 256  # (N, H, W, 3)
        n, h, w, _ = frames.shape
        out = np.zeros((n, 3, self.bins), np.float32)
        for c in range(3):
            flat = idx[..., c].reshape(n, -1) + np.arange(n)[:, None] * self.bins
            out[:, c] = np.bincount(flat.ravel(), minlength=n * self.bins).reshape(n, self.bins)
        return (out / (h * w)).reshape(n, self.dim)

    def params(self) -> dict:
        return {**super().params(), "bins": self.bins}


class BandEnergy(AudioExtractor):
    """Log energy in ``bands`` equal-width frequency bands of each clip, plus its RMS."""

    NAME = "test-bandenergy"
    VERSION = "1"

    def __init__(self, bands: int = 8, sample_rate: int = 8000, device: str = "cpu") -> None:
        self.bands = bands
        self.sample_rate = sample_rate
        self.dim = bands + 1

    def embed_clips(self, waveform: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        waveform = np.asarray(waveform, np.float32)
        assert waveform.ndim == 1
        out = np.zeros((len(bounds), self.dim), np.float32)
        for i, (s, e) in enumerate(np.asarray(bounds, np.float64)):
            seg = waveform[int(s * self.sample_rate) : int(e * self.sample_rate)]
            if seg.size < 2:
                continue
            spec = np.abs(np.fft.rfft(seg)) ** 2 / seg.size
            edges = np.linspace(0, spec.size, self.bands + 1).astype(int)
            energy = [spec[a:b].sum() for a, b in zip(edges[:-1], edges[1:], strict=True)]
            out[i, : self.bands] = np.log10(np.asarray(energy) + 1e-10)
            out[i, self.bands] = float(np.sqrt(np.mean(seg.astype(np.float64) ** 2)))
        return out

    def params(self) -> dict:
        return {**super().params(), "bands": self.bands}
