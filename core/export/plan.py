"""The reel plan: which pieces of which sources go into an export, and in what order.

A :class:`ReelPlan` is built from one ``VideoHighlights`` (a reel of one video) or many
(a library reel); only ``keep`` segments enter it. :func:`layout` places its entries on the
reel's timeline, quantised to whole output frames and audio samples, so every exporter (the
renderer, timelines, segment lists, chapters) agrees on where each piece lands.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

from core.artifacts import VideoHighlights
from core.errors import ExportError
from core.schema import SchemaError
from core.validate import fit_to_media

PLAN_SCHEMA = 1
ORDERS = ("source", "score")
CONTAINERS = ("mp4", "mov", "mkv")
_NTSC_BASES = (24, 30, 48, 60, 120)


@dataclass
class ReelEntry:
    """One piece of a source video, in source seconds."""

    source: str
    start: float
    end: float
    score: float = 0.0

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class ReelSettings:
    """Output settings; ``None`` means "take it from the first source"."""

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int = 48000
    channels: int = 2
    crossfade: float = 0.0  # seconds of picture+sound overlap between pieces
    fade: float = 0.0  # seconds of fade in/out (per piece; at reel ends with a crossfade)
    fast: bool = False  # stream copy, cuts snapped to keyframes (approximate)
    video_codec: str = "libx264"
    crf: int = 20
    preset: str = "veryfast"
    audio_bitrate: str = "192k"
    batch_size: int = 24  # pieces per ffmpeg run; larger reels are rendered in batches


@dataclass
class ReelPlan:
    """Ordered entries of a reel plus its output settings."""

    entries: list[ReelEntry]
    settings: ReelSettings = field(default_factory=ReelSettings)
    title: str = "AVHD reel"

    @property
    def sources(self) -> list[str]:
        """Distinct sources in order of first use."""
        return list(dict.fromkeys(e.source for e in self.entries))

    @property
    def source_duration(self) -> float:
        """Sum of entry durations (before crossfade overlaps)."""
        return float(sum(e.duration for e in self.entries))

    def to_dict(self) -> dict:
        return {
            "schema": PLAN_SCHEMA,
            "title": self.title,
            "settings": asdict(self.settings),
            "entries": [asdict(e) for e in self.entries],
        }

    @classmethod
    def from_dict(cls, d: dict) -> ReelPlan:
        """Read a plan strictly (raises :class:`core.schema.SchemaError`)."""
        from core import schema as sc

        d = sc.obj(d, "plan")
        entries = []
        for i, e in enumerate(sc.array(sc.get(d, "entries", "plan"), "entries")):
            w = f"entries[{i}]"
            e = sc.obj(e, w)
            start, end = sc.span(sc.get(e, "start", w), sc.get(e, "end", w), w)
            entries.append(ReelEntry(sc.string(sc.get(e, "source", w), f"{w}.source"), start,
                                     end, sc.number(e.get("score", 0.0), f"{w}.score")))
        return cls(
            entries=entries,
            settings=_read_settings(sc.obj(d.get("settings", {}), "settings")),
            title=sc.string(d.get("title", "AVHD reel"), "title"),
        )


def _read_settings(d: dict) -> ReelSettings:
    """``ReelSettings`` from a dictionary, each value of its default's type."""
    from core import schema as sc

    base = ReelSettings()
    values = {}
    for key, value in d.items():
        if key not in ReelSettings.__dataclass_fields__:
            raise sc.SchemaError(f"settings: unknown setting {key!r}")
        default, w = getattr(base, key), f"settings.{key}"
        if value is None and default is None:
            values[key] = None
        elif isinstance(default, bool):
            values[key] = sc.boolean(value, w)
        elif isinstance(default, int) or key in ("width", "height"):
            values[key] = sc.integer(value, w, 0, 1 << 16)
        elif isinstance(default, str):
            values[key] = sc.string(value, w)
        else:
            values[key] = sc.number(value, w, 0.0, 1000.0)
    return replace(base, **values)


def as_rate(fps: float | Fraction | str) -> Fraction:
    """A frame rate as an exact fraction; 29.97 and friends become 30000/1001 etc."""
    value = Fraction(fps) if not isinstance(fps, float) else None
    f = float(fps)
    if not math.isfinite(f) or f <= 0:
        raise ExportError(f"invalid frame rate {fps!r}")
    for base in _NTSC_BASES:
        ntsc = Fraction(base * 1000, 1001)
        if abs(f - float(ntsc)) < 0.006:
            return ntsc
    if value is not None and value.denominator <= 1001:
        return value
    return Fraction(f).limit_denominator(1000)


@dataclass(frozen=True)
class Placement:
    """Where one entry lands in the reel (seconds) and its exact length in frames/samples."""

    index: int
    entry: ReelEntry
    reel_start: float
    reel_end: float
    frames: int  # 0 when the layout has no frame rate
    samples: int  # 0 when the layout has no frame rate


@dataclass(frozen=True)
class ReelLayout:
    """The plan placed on the reel timeline. ``fps`` None: exact seconds, no quantisation."""

    placements: list[Placement]
    fps: Fraction | None
    sample_rate: int
    crossfade: float  # seconds, after quantisation and clamping
    crossfade_frames: int
    crossfade_samples: int
    duration: float


def _round(x: Fraction) -> int:
    """Round half up (Python's ``round`` rounds half to even)."""
    return math.floor(x + Fraction(1, 2))


def layout(plan: ReelPlan, fps: Fraction | float | None = None) -> ReelLayout:
    """Place ``plan``'s entries on the reel timeline.

    With ``fps``, piece boundaries fall on whole frames of the output (cumulative rounding,
    so the total never drifts) and audio lengths are whole samples matching those frames.
    The crossfade is clamped to half the shortest piece.
    """
    s = plan.settings
    sr = int(s.sample_rate)
    entries = plan.entries
    if not entries:
        raise ExportError("the reel is empty: no kept segments to export")
    n = len(entries)
    if fps is None:
        cf = 0.0
        if n > 1 and s.crossfade > 0:
            cf = min(s.crossfade, min(e.duration for e in entries) / 2)
        out, t = [], 0.0
        for i, e in enumerate(entries):
            out.append(Placement(i, e, t, t + e.duration, 0, 0))
            t += e.duration - cf
        return ReelLayout(out, None, sr, cf, 0, 0, out[-1].reel_end)
    rate = as_rate(fps)
    bounds = [0]
    t = Fraction(0)
    for e in entries:
        t += Fraction(e.duration).limit_denominator(1_000_000)
        bounds.append(max(bounds[-1] + 1, _round(t * rate)))
    frames = [b - a for a, b in pairwise(bounds)]
    samples_at = [_round(Fraction(b) / rate * sr) for b in bounds]
    samples = [b - a for a, b in pairwise(samples_at)]
    cf_frames = 0
    if n > 1 and s.crossfade > 0:
        cf_frames = min(_round(Fraction(s.crossfade) * rate), min(frames) // 2)
    cf_samples = _round(Fraction(cf_frames) / rate * sr)
    out = []
    for i, e in enumerate(entries):
        start = Fraction(bounds[i] - i * cf_frames) / rate
        out.append(
            Placement(
                i, e, float(start), float(start + Fraction(frames[i]) / rate), frames[i], samples[i]
            )
        )
    total = Fraction(bounds[-1] - (n - 1) * cf_frames) / rate
    return ReelLayout(out, rate, sr, float(cf_frames / rate), cf_frames, cf_samples, float(total))


def _resolve_source(path: str, base: Path | None) -> str:
    p = Path(path).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    return str(p.resolve()) if p.is_absolute() or base is not None else str(p)


def plan_from_highlights(
    highlights: VideoHighlights | Iterable[VideoHighlights],
    *,
    order: str = "source",
    settings: ReelSettings | None = None,
    title: str | None = None,
    min_duration: float = 0.05,
) -> ReelPlan:
    """Build a reel plan from the ``keep`` segments of one or many videos.

    Args:
        highlights: one ``VideoHighlights`` or several (a library reel).
        order: ``"source"`` (sources in the given order, each in time order) or ``"score"``
            (best segment first, ties by source and time).
        settings: output settings (defaults when ``None``).
        title: reel title used by timelines and chapters.
        min_duration: segments shorter than this (seconds) are skipped.
    """
    if order not in ORDERS:
        raise ExportError(f"unknown order {order!r}; valid orders: {', '.join(ORDERS)}")
    items = [highlights] if isinstance(highlights, VideoHighlights) else list(highlights)
    entries: list[tuple[int, ReelEntry]] = []
    for rank, vh in enumerate(items):
        limit = vh.duration if vh.duration and vh.duration > 0 else math.inf
        for seg in sorted(vh.segments, key=lambda s: s.start):
            if not seg.keep:
                continue
            start, end = max(0.0, float(seg.start)), min(float(seg.end), limit)
            if end - start >= min_duration:
                entries.append((rank, ReelEntry(vh.path, start, end, float(seg.score))))
    if not entries:
        raise ExportError("no kept segments to export")
    if order == "score":
        entries.sort(key=lambda re: (-re[1].score, re[0], re[1].start))
    else:
        entries.sort(key=lambda re: (re[0], re[1].start))
    if title is None:
        title = Path(items[0].path).stem if len(items) == 1 else "AVHD library reel"
    return ReelPlan([e for _, e in entries], settings or ReelSettings(), title)


def load_highlights(path: str | Path) -> list[VideoHighlights]:
    """Load ``NAME.highlights.json`` files: one file, or every one in a folder (sorted).

    Relative source paths are resolved against the JSON file's folder. Each file is read
    strictly (:mod:`core.schema`) and fitted to its probed source (:mod:`core.validate`); in
    a folder, a bad file is skipped with a warning (an error only when none is readable).
    """
    p = Path(path)
    if p.is_dir():
        from core.resultfiles import current_results

        current = current_results(p)  # by the folder's manifest: stale results left out
        files = current if current is not None else sorted(p.glob("*.highlights.json"))
        if not files:
            raise ExportError(f"no *.highlights.json files in {p}")
    elif p.is_file():
        files = [p]
    else:
        raise ExportError(f"no such file or folder: {p}")
    out, errors = [], []
    for f in files:
        try:
            vh = _read_highlights(f)
        except ExportError as exc:
            if not p.is_dir():
                raise
            logging.getLogger(__name__).warning("skipping %s", exc)  # the batch goes on
            errors.append(str(exc))
            continue
        vh.path = _resolve_source(vh.path, f.parent.resolve())
        out.append(fit_to_media(vh).highlights)
    if not out:
        raise ExportError(f"no readable *.highlights.json in {p} ({errors[0]})")
    return out


def _read_highlights(f: Path) -> VideoHighlights:
    try:
        return VideoHighlights.load(f)
    except SchemaError as exc:  # one line naming the file and the field
        raise ExportError(str(exc)) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExportError(f"cannot read highlights file {f}: {exc}") from exc


def save_plan(plan: ReelPlan, path: str | Path) -> Path:
    """Write ``plan`` as JSON (atomic)."""
    from core.fileio import write_json_atomic

    return write_json_atomic(path, plan.to_dict())


def load_plan(path: str | Path) -> ReelPlan:
    """Read a plan written by :func:`save_plan` (raises ``SchemaError``, one line)."""
    from core.schema import read_json

    try:
        return ReelPlan.from_dict(read_json(path, "reel plan"))
    except SchemaError as exc:
        msg = str(exc)
        raise SchemaError(msg if Path(path).name in msg else f"{Path(path).name}: {msg}") from None
