"""The reel as an editorial timeline that points at the original media.

Shared by the OTIO, EDL and FCP 7 XML exporters (and the frame maths of FCPXML): one
video track and one audio track of hard cuts, each clip an ``ExternalReference`` to the
source (absolute ``file://`` URL) with its source in/out points at the source's own
frame rate. The sequence runs at the output rate (``settings.fps`` or the first source's).
Crossfades and fades are render options; timelines keep hard cuts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from core.export._media import SourceInfo, probe_source
from core.export.plan import ReelLayout, ReelPlan, as_rate, layout
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

    @property
    def frames(self) -> int:
        return sum(c.record_frames for c in self.clips)


def file_url(path: str) -> str:
    """Absolute ``file://`` URL of ``path`` (percent-encoded)."""
    return Path(path).expanduser().resolve().as_uri()


def reel_timeline(plan: ReelPlan) -> ReelTimeline:
    """Probe the sources and place the plan's pieces as hard cuts at the sequence rate."""
    infos = {src: probe_source(src) for src in plan.sources}
    first = infos[plan.entries[0].source]
    rate = as_rate(plan.settings.fps) if plan.settings.fps else as_rate(first.fps)
    cuts = dataclasses.replace(plan, settings=dataclasses.replace(plan.settings, crossfade=0.0))
    lay = layout(cuts, rate)
    clips, record = [], 0
    for p in lay.placements:
        e, info = p.entry, infos[p.entry.source]
        src_rate = as_rate(info.fps)
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
    )


def build_otio(plan: ReelPlan):
    """The reel as an ``opentimelineio.schema.Timeline`` (video + audio track)."""
    import opentimelineio as otio

    tl = reel_timeline(plan)
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    timeline = otio.schema.Timeline(name=tl.title)
    timeline.global_start_time = rt(0, float(tl.rate))
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for c in tl.clips:
        r = float(c.rate)
        available = tr(rt(0, r), rt(max(1, round(c.info.duration * r)), r))
        source_range = tr(rt(c.source_in, r), rt(c.source_frames, r))
        meta = {"avhd": {"score": c.score, "start": c.start, "end": c.end}}
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
    }
    return timeline


def hard_cut_warnings(plan: ReelPlan) -> list[str]:
    """Warnings for render-only settings a timeline cannot carry."""
    s = plan.settings
    if s.crossfade > 0 or s.fade > 0:
        return ["timelines hold hard cuts: crossfade/fade apply to rendered reels only"]
    return []
