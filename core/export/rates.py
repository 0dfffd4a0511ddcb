"""Frame rates and reel names that editing timelines accept.

SMPTE timecode (EDL, FCP 7 XML, and the sequences of FCPXML) exists only at a few rates.
:func:`timecode_rate` gives the one a timeline uses for any source rate: the rate itself
when it is legal, else the smallest legal rate that is a whole multiple of it (15 -> 30),
else the smallest legal rate above it (10.51 -> 24; NTSC-like rates stay NTSC). A legal
rate at or above the source's keeps every cut within one source frame. Every rounding is
reported by :func:`rate_note` so the writer can say so.

:func:`reel_names` gives CMX 3600 reel names: at most 8 plain ASCII letters and digits,
accents folded (``forêt`` -> ``FORET``), distinct for distinct sources.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from pathlib import Path

_NTSC = [Fraction(b * 1000, 1001) for b in (24, 30, 48, 60)]
_WHOLE = [Fraction(r) for r in (24, 25, 30, 48, 50, 60)]
LEGAL_RATES = sorted(_NTSC + _WHOLE)


def is_timecode_rate(rate: Fraction) -> bool:
    """True for the rates SMPTE timecode (and OTIO's timecode functions) support."""
    return Fraction(rate) in LEGAL_RATES


def timecode_rate(rate: Fraction) -> Fraction:
    """The legal timecode rate a timeline uses for a source at ``rate``."""
    rate = Fraction(rate)
    if rate in LEGAL_RATES:
        return rate
    family = _NTSC if rate.denominator % 1001 == 0 else _WHOLE
    multiples = [r for r in family if (r / rate).denominator == 1]
    if multiples:
        return min(multiples)
    above = [r for r in family if r >= rate]
    return min(above) if above else max(family)


def rate_label(rate: Fraction) -> str:
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def rate_note(what: str, rate: Fraction, used: Fraction) -> str | None:
    """A warning line when ``used`` differs from the real ``rate``; else None."""
    if Fraction(rate) == Fraction(used):
        return None
    return (
        f"{what} runs at {rate_label(rate)} fps, not a timecode rate: written at "
        f"{rate_label(used)} fps (cut points rounded to 1/{rate_label(used)} s)"
    )


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "", folded).upper()


def reel_names(sources: list[str], length: int = 8) -> dict[str, str]:
    """Distinct reel names (``length`` plain ASCII characters at most) for ``sources``."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for src in dict.fromkeys(sources):
        base = _plain(Path(src).stem)[:length] or "REEL"
        name, k = base, 1
        while name in used:
            k += 1
            tail = str(k)
            name = base[: length - len(tail)] + tail
        used.add(name)
        names[src] = name
    return names
