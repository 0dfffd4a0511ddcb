"""A deterministic hostile library, made at test time (bundled ffmpeg, ``os.mkfifo``,
``os.symlink``): every kind of entry that once hung, crashed or fooled AVHD's footage scan
and result writing, beside a few good short videos. Typical use::

    from hostile import make_hostile_library
    lib = make_hostile_library(tmp_path / "lib")
    lib.good      # paths that must each get one result
    lib.skipped   # name -> words the skip reason must contain (never opened as video)
    lib.failed    # name -> words the failure reason must contain (opened, rejected)
    lib.outputs   # AVHD outputs inside the folder that must not be read as footage

POSIX only (FIFOs, symbolic links, a name that is not UTF-8).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from synth import copy_as, make_empty, make_text, make_truncated, make_video

#: 240 bytes: legal, but a temporary ``.NAME.XXXXXXXX.part`` beside it would not be.
LONG_NAME = "long " + "x" * 231 + ".mp4"
#: Latin-1 "café.mp4": not valid UTF-8; Python holds it with a lone surrogate.
NON_UTF8_NAME = os.fsdecode(b"caf\xe9.mp4")


@dataclass
class HostileLibrary:
    root: Path
    good: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)


def make_hostile_library(root: str | os.PathLike, duration: float = 4.0) -> HostileLibrary:
    """Write the hostile library into ``root`` (an empty or missing folder)."""
    from core.outputs import OUTPUT_DIRNAME, record_written

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    lib = HostileLibrary(root)
    a = make_video(root / "good_a.mp4", duration=duration, video="testsrc", audio="sine:440")
    b = make_video(root / "good_b.mov", duration=duration, video="smptebars", audio="noise")
    c = make_video(root / "clip.mp4", duration=duration, video="colors:red,blue", audio=None)
    lib.good += [a, b, c]
    # Distinct inputs whose results once shared one file.
    lib.good.append(copy_as(b, root / "clip.mov"))
    lib.good.append(copy_as(a, root / "sub" / "a.mp4"))
    lib.good.append(copy_as(c, root / "sub__a.mp4"))
    lib.good.append(copy_as(a, root / LONG_NAME))
    lib.good.append(copy_as(b, root / NON_UTF8_NAME))
    # Not files: must be skipped without being opened.
    os.mkfifo(root / "x.mp4")
    lib.skipped["x.mp4"] = "named pipe"
    os.symlink("/dev/zero", root / "z.mp4")
    lib.skipped["z.mp4"] = "device file"
    os.symlink("loop.mp4", root / "loop.mp4")
    lib.skipped["loop.mp4"] = "link loop"
    os.symlink("gone.mp4", root / "dangling.mp4")
    lib.skipped["dangling.mp4"] = "dangling"
    # Files that are opened and rejected.
    make_text(root / "notes.mp4")
    lib.failed["notes.mp4"] = "not a readable media file"
    make_empty(root / "empty.mp4")
    lib.failed["empty.mp4"] = "empty file"
    make_truncated(a, root / "truncated.mp4", keep=0.4)
    lib.failed["truncated.mp4"] = "not a readable media file"
    # AVHD's own outputs from earlier runs: never footage.
    lib.outputs.append(copy_as(a, root / OUTPUT_DIRNAME / "library.reel.mp4"))
    lib.outputs.append(copy_as(b, root / "good_a.reel.mp4"))  # an older AVHD's reel
    lib.skipped["good_a.reel.mp4"] = "AVHD reel"
    reel = copy_as(c, root / "my highlights.mp4")  # a reel this AVHD exported and recorded
    record_written(reel, "reel")
    lib.outputs.append(reel)
    lib.skipped["my highlights.mp4"] = "written by AVHD"
    return lib
