"""The reel as an editorial timeline that points at the original media.

Shared by the OTIO, EDL and FCP 7 XML exporters (and the frame maths of FCPXML): one
video track and one audio track of hard cuts, each clip an ``ExternalReference`` to the
source (absolute ``file://`` URL) with its source in/out points at the source's own
frame rate. The sequence runs at the output rate (``settings.fps`` or the first source's).
Crossfades and fades are render options; timelines keep hard cuts.

Source in/out points are analysis times (seconds from the source's first video frame, the
clock the renderer cuts on too) times the source rate: an editing application counts a
file's frames from its first video frame. ``rates`` picks the frame rates written:
``"exact"`` (OTIO JSON: the real rates), ``"timecode"`` (FCP 7 XML: every rate made a
legal timecode rate, :mod:`core.export.rates`) or ``"sequence"`` (EDL and FCPXML: one legal
rate for everything, source and record lengths equal; an EDL has one rate, and FCPXML
readers count every clip's frames at one rate). Each rounding is noted in ``notes``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from core.export._media import SourceInfo, probe_source
from core.export.plan import ReelLayout, ReelPlan, as_rate, layout
from core.export.rates import rate_label, rate_note, reel_names, timecode_rate
from core.fsnames import printable


@dataclass(frozen=True)
class TimelineClip:
    """One cut: source frames at the source rate, reel frames at the sequence rate."""

    source: str
    url: str
    info: SourceInfo
    rate: Fraction  # source frame rate
    source_in: int  # first source frame
    source_frames: int  # length in source frames
    record_in: int  # first reel frame (sequence rate)
    record_frames: int  # length in reel frames
    score: float
    start: float  # requested source seconds
    end: float


@dataclass(frozen=True)
class ReelTimeline:
    """Everything a timeline writer needs."""

    title: str
    rate: Fraction
    width: int
    height: int
    clips: list[TimelineClip]
    layout: ReelLayout
    notes: list[str] = dataclasses.field(default_factory=list)  # rates that were rounded

    @property
    def frames(self) -> int:
        return sum(c.record_frames for c in self.clips)


def file_url(path: str) -> str:
    """Absolute ``file://`` URL of ``path`` (percent-encoded)."""
    return Path(path).expanduser().resolve().as_uri()


RATE_MODES = ("exact", "timecode", "sequence")


def _rates(plan: ReelPlan, infos: dict[str, SourceInfo], mode: str):
    """``(sequence rate, {source: clip rate}, notes)`` for a rate ``mode``."""
    first = infos[plan.entries[0].source]
    real = as_rate(plan.settings.fps) if plan.settings.fps else as_rate(first.fps)
    if mode == "exact":
        return real, {src: as_rate(i.fps) for src, i in infos.items()}, []
    seq = timecode_rate(real)
    notes = [rate_note("the sequence", real, seq)]
    if mode == "sequence":
        per = dict.fromkeys(infos, seq)
        notes += [
            f"{Path(src).name} ({rate_label(as_rate(i.fps))} fps) is given at the sequence's "
            f"{rate_label(seq)} fps"
            for src, i in infos.items()
            if as_rate(i.fps) != seq
        ]
    else:
        per = {src: timecode_rate(as_rate(i.fps)) for src, i in infos.items()}
        notes += [rate_note(Path(src).name, as_rate(i.fps), per[src]) for src, i in infos.items()]
    return seq, per, [n for n in notes if n]


def reel_timeline(plan: ReelPlan, rates: str = "exact") -> ReelTimeline:
    """Probe the sources and place the plan's pieces as hard cuts at the sequence rate."""
    if rates not in RATE_MODES:
        raise ValueError(f"unknown rate mode {rates!r}")
    infos = {src: probe_source(src) for src in plan.sources}
    first = infos[plan.entries[0].source]
    rate, per_source, notes = _rates(plan, infos, rates)
    cuts = dataclasses.replace(plan, settings=dataclasses.replace(plan.settings, crossfade=0.0))
    lay = layout(cuts, rate)
    clips, record = [], 0
    for p in lay.placements:
        e, info = p.entry, infos[p.entry.source]
        src_rate = per_source[e.source]
        src_in = round(Fraction(e.start).limit_denominator(1_000_000) * src_rate)
        src_frames = max(1, round(Fraction(p.frames) / rate * src_rate))
        clips.append(
            TimelineClip(
                e.source,
                file_url(e.source),
                info,
                src_rate,
                src_in,
                src_frames,
                record,
                p.frames,
                e.score,
                e.start,
                e.end,
            )
        )
        record += p.frames
    return ReelTimeline(
        plan.title,
        rate,
        plan.settings.width or first.width,
        plan.settings.height or first.height,
        clips,
        lay,
        notes,
    )


def build_otio(plan: ReelPlan, rates: str = "exact"):
    """The reel as an ``opentimelineio.schema.Timeline`` (video + audio track).

    Rate notes are in ``timeline.metadata["avhd"]["notes"]``; CMX 3600 reel names (plain
    ASCII, distinct per source) in each clip's ``metadata["cmx_3600"]["reel"]``.
    """
    import opentimelineio as otio

    tl = reel_timeline(plan, rates)
    reels = reel_names([c.source for c in tl.clips])
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    timeline = otio.schema.Timeline(name=tl.title)
    timeline.global_start_time = rt(0, float(tl.rate))
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for c in tl.clips:
        r = float(c.rate)
        available = tr(rt(0, r), rt(max(1, round(c.info.duration * r)), r))
        source_range = tr(rt(c.source_in, r), rt(c.source_frames, r))
        meta = {
            "avhd": {"score": c.score, "start": c.start, "end": c.end},
            "cmx_3600": {"reel": reels[c.source]},
        }
        name = printable(Path(c.source).name)  # OTIO names must be valid UTF-8
        for track, has in ((video, True), (audio, c.info.has_audio)):
            if not has:
                track.append(otio.schema.Gap(source_range=source_range))
                continue
            ref = otio.schema.ExternalReference(target_url=c.url, available_range=available)
            track.append(
                otio.schema.Clip(
                    name=name, media_reference=ref, source_range=source_range, metadata=meta
                )
            )
    timeline.tracks.append(video)
    if any(c.info.has_audio for c in tl.clips):
        timeline.tracks.append(audio)
    timeline.metadata["avhd"] = {
        "width": tl.width,
        "height": tl.height,
        "rate": f"{tl.rate.numerator}/{tl.rate.denominator}",
        "notes": list(tl.notes),
    }
    return timeline


def hard_cut_warnings(plan: ReelPlan, timeline=None) -> list[str]:
    """Warnings for render-only settings a timeline cannot carry, and rounded rates
    (``timeline``: an OTIO timeline from :func:`build_otio` or a :class:`ReelTimeline`)."""
    s = plan.settings
    out = []
    if s.crossfade > 0 or s.fade > 0:
        out.append("timelines hold hard cuts: crossfade/fade apply to rendered reels only")
    if isinstance(timeline, ReelTimeline):
        out += timeline.notes
    elif timeline is not None:
        out += list(timeline.metadata.get("avhd", {}).get("notes", []))
    return out
