"""Final Cut Pro X XML (FCPXML 1.8) of the reel.

Written directly (the OTIO ``fcpx_xml`` adapter only knows a fixed list of frame rates and
shells out to ``ffprobe`` for frame sizes); it reads back with that adapter. One ``asset``
per source (``src`` = absolute ``file://`` URL, its own ``format`` with the source frame
rate and size), one ``asset-clip`` per piece in the project's spine: ``offset``, ``start``
and ``duration`` on the sequence's frame grid. All formats use the sequence's (legal) rate:
times are rational seconds, so in/out points stay exact to a frame, and readers that count
every clip's frames at one rate (OTIO's ``fcpx_xml``) place the clips without gaps.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

from core.export._output import check_target, write_text
from core.export.plan import ReelPlan
from core.export.result import ExportResult
from core.export.timeline import ReelTimeline, hard_cut_warnings, reel_timeline
from core.fsnames import printable
from core.progress import CancelToken, ProgressFn, check_cancel, report

FCPXML_VERSION = "1.8"


def fcp_time(seconds: Fraction) -> str:
    """FCPXML rational time: ``"0s"``, ``"5s"`` or ``"1001/30000s"``."""
    seconds = Fraction(seconds)
    if seconds == 0:
        return "0s"
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


def _format_name(rate: Fraction, height: int) -> str:
    fps = float(rate)
    label = f"{fps:.2f}".rstrip("0").rstrip(".").replace(".", "")
    return f"FFVideoFormat{height}p{label}"


def fcpxml_tree(tl: ReelTimeline) -> ET.ElementTree:
    """The FCPXML document of ``tl``."""
    root = ET.Element("fcpxml", version=FCPXML_VERSION)
    resources = ET.SubElement(root, "resources")
    formats: dict[tuple[Fraction, int, int], str] = {}
    next_id = iter(range(1, 10_000))

    def format_id(rate: Fraction, width: int, height: int) -> str:
        key = (rate, width, height)
        if key not in formats:
            formats[key] = f"r{next(next_id)}"
            ET.SubElement(
                resources,
                "format",
                id=formats[key],
                name=_format_name(rate, height),
                frameDuration=fcp_time(1 / Fraction(rate)),
                width=str(width),
                height=str(height),
            )
        return formats[key]

    seq_format = format_id(tl.rate, tl.width, tl.height)
    assets: dict[str, str] = {}
    for c in tl.clips:
        if c.source in assets:
            continue
        info = c.info
        fid = format_id(c.rate, info.width, info.height)
        aid = f"r{next(next_id)}"
        assets[c.source] = aid
        frames = max(1, round(Fraction(info.duration).limit_denominator(1_000_000) * c.rate))
        attrs = {
            "id": aid,
            "name": printable(Path(c.source).name),
            "src": c.url,
            "start": "0s",
            "duration": fcp_time(Fraction(frames) / c.rate),
            "hasVideo": "1",
            "format": fid,
        }
        if info.has_audio:
            attrs.update(
                hasAudio="1",
                audioSources="1",
                audioChannels=str(info.channels or 2),
                audioRate=str(info.sample_rate or 48000),
            )
        ET.SubElement(resources, "asset", attrs)
    library = ET.SubElement(root, "library")
    event = ET.SubElement(library, "event", name="AVHD")
    project = ET.SubElement(event, "project", name=tl.title)
    sequence = ET.SubElement(
        project,
        "sequence",
        format=seq_format,
        duration=fcp_time(Fraction(tl.frames) / tl.rate),
        tcStart="0s",
        tcFormat="NDF",
        audioLayout="stereo",
        audioRate="48k",
    )
    spine = ET.SubElement(sequence, "spine")
    for c in tl.clips:
        ET.SubElement(
            spine,
            "asset-clip",
            ref=assets[c.source],
            name=printable(Path(c.source).name),
            offset=fcp_time(Fraction(c.record_in) / tl.rate),
            start=fcp_time(Fraction(c.source_in) / c.rate),
            duration=fcp_time(Fraction(c.record_frames) / tl.rate),
            tcFormat="NDF",
        )
    ET.indent(root)
    return ET.ElementTree(root)


def write_fcpxml(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the reel as FCPXML for Final Cut Pro X / DaVinci Resolve."""
    target = check_target(out, plan.sources)
    check_cancel(cancel)
    tl = reel_timeline(plan, "sequence")
    body = ET.tostring(fcpxml_tree(tl).getroot(), encoding="unicode")
    text = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + body + "\n"
    write_text(target, text)
    report(progress, 1, 1, "fcpxml: written")
    return ExportResult(
        target,
        "fcpxml",
        float(Fraction(tl.frames) / tl.rate),
        len(tl.clips),
        warnings=hard_cut_warnings(plan, tl),
    )
