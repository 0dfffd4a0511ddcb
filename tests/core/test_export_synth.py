"""Synthetic media with known content for the export tests (no tests in here).

Frame ``i`` of a coded video has a flat left half at luma ``20 + 13 * (i // 16)`` and a
flat right half at ``20 + 13 * (i % 16)``, so any decoded frame tells which source frame it
came from. Its sound is a sine whose frequency is ``base + 100 * floor(t)``: each second of
a source has its own tone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.ffmpeg import run_ffmpeg

STEP, LOW = 13, 20


def make_coded_video(
    path: Path,
    *,
    size: tuple[int, int] = (160, 120),
    fps: str = "25",
    seconds: float = 4.0,
    tone_base: float | None = 300.0,
    sample_rate: int = 44100,
    channels: int = 1,
    gop: int = 25,
    video_delay: float = 0.0,
    first_code: int = 0,
) -> Path:
    """Write an H.264 (+ AAC unless ``tone_base`` is None) file with coded frames and tones.

    The container follows the extension. ``video_delay`` starts the video stream that many
    seconds after the sound (as camera and joined files often do): frame 0 is then at
    ``video_delay`` on the file's clock. ``first_code`` is the code of frame 0.
    """
    w, h = size
    n = f"(N+{first_code})"
    lum = f"if(lt(X,W/2),{LOW}+{STEP}*floor({n}/16),{LOW}+{STEP}*mod({n},16))"
    video = (
        f"color=c=black:s={w}x{h}:r={fps}:d={seconds},format=yuv420p,geq=lum='{lum}':cb=128:cr=128"
    )
    args = ["-y", *(["-itsoffset", str(video_delay)] if video_delay else []), "-f", "lavfi"]
    args += ["-i", video]
    if tone_base is not None:
        tone = f"sin(2*PI*({tone_base}+100*floor(t))*t)*0.5"
        expr = "|".join([tone] * channels)
        args += ["-f", "lavfi", "-i", f"aevalsrc='{expr}':s={sample_rate}:d={seconds}"]
    args += [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "8",
        "-g",
        str(gop),
        "-pix_fmt",
        "yuv420p",
    ]
    if tone_base is not None:
        args += ["-c:a", "aac", "-b:a", "128k"]
    args += ["-map", "0:v"] + (["-map", "1:a"] if tone_base is not None else [])
    args += [str(path)]
    run_ffmpeg(args)
    return path


def frame_code(y: np.ndarray) -> int:
    """Source frame index coded in a luma plane (sampled inside the picture's halves)."""
    h, w = y.shape
    row = y[h // 2 - 4 : h // 2 + 4]
    left = float(np.median(row[:, w // 4 - 4 : w // 4 + 4]))
    right = float(np.median(row[:, 3 * w // 4 - 4 : 3 * w // 4 + 4]))
    return int(round((left - LOW) / STEP)) * 16 + int(round((right - LOW) / STEP))


def decode_codes(path: Path) -> tuple[list[int], float, list[float]]:
    """Per-frame codes, the frame rate, and frame times (seconds) of a video file."""
    import av

    codes, times = [], []
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        fps = float(v.average_rate)
        for frame in c.decode(v):
            arr = frame.to_ndarray(format="yuv420p")
            codes.append(frame_code(arr[: frame.height]))
            times.append(float(frame.time))
    return codes, fps, times


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples (channel mean) and the sample rate of the first audio stream."""
    import av

    chunks = []
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        rate = a.codec_context.sample_rate
        for frame in c.decode(a):
            x = frame.to_ndarray()
            if x.ndim == 2 and frame.format.is_planar:
                x = x.mean(axis=0)
            elif x.ndim == 2:
                x = x.reshape(-1, len(frame.layout.channels)).mean(axis=1)
            chunks.append(x.astype(np.float64))
    return np.concatenate(chunks) if chunks else np.zeros(0), rate


def peak_frequency(x: np.ndarray, rate: int) -> float:
    """Frequency (Hz) of the strongest FFT bin of ``x`` (Hann-windowed)."""
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spec[1:])) + 1])


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0
