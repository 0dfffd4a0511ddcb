"""Projects: an editor's work on a library, saved as versioned JSON.

A project remembers the library folder, the target, the model, the find settings and, per
video, its state and its (possibly hand-edited) segments. Saves are atomic (temporary file,
fsync, rename), so a crash or a kill mid-write leaves the previous project intact. Hand edits
survive re-finding highlights unless the user asks to reset them (:func:`merge_found`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from core import schema as sc
from core._version import __version__
from core.artifacts import Segment
from core.errors import AvhdError
from core.fileio import write_json_atomic

log = logging.getLogger(__name__)

PROJECT_SCHEMA = 1
PROJECT_FILENAME = "avhd_project.json"
TARGET_MODES = ("fraction", "seconds", "library")
VIDEO_STATES = ("new", "extracting", "scored", "failed")


class ProjectError(AvhdError):
    """A project file is unreadable, corrupt or of an unknown schema."""


@dataclass
class VideoState:
    """One video of a project."""

    state: str = "new"  # new | extracting | scored | failed
    reason: str = ""
    highlights: str = ""  # path of its NAME.highlights.json (relative to the project)
    segments: list[Segment] = field(default_factory=list)
    edited: bool = False  # True once the user changed the segments by hand

    def to_dict(self) -> dict:
        return {
            "state": self.state,
            "reason": self.reason,
            "highlights": self.highlights,
            "segments": [s.to_dict() for s in self.segments],
            "edited": self.edited,
        }

    @classmethod
    def from_dict(cls, d: dict, where: str = "video", warnings: list[str] | None = None
                  ) -> VideoState:
        """Read one video's state (raises :class:`core.schema.SchemaError`).

        A bad segment is dropped (with a line in ``warnings``); the others are kept.
        """
        d = sc.obj(d, where)
        state = sc.string(d.get("state", "new"), f"{where}.state")
        if state not in VIDEO_STATES:
            raise sc.SchemaError(f"{where}.state: unknown state {sc.describe(state)}")
        segments = []
        for i, seg in enumerate(sc.array(d.get("segments", []), f"{where}.segments")):
            try:
                segments.append(Segment.from_dict(seg, f"{where}.segments[{i}]"))
            except sc.SchemaError as exc:
                _note(warnings, f"dropped a segment: {exc}")
        return cls(
            state=state,
            reason=sc.string(d.get("reason", ""), f"{where}.reason"),
            highlights=sc.string(d.get("highlights", ""), f"{where}.highlights"),
            segments=segments,
            edited=sc.boolean(d.get("edited", False), f"{where}.edited"),
        )


def _note(warnings: list[str] | None, text: str) -> None:
    if warnings is not None:
        warnings.append(text)


def _target(d: dict, warnings: list[str] | None) -> tuple[str, float]:
    """The project's target (mode, value); a bad one is replaced by the default."""
    try:
        t = sc.obj(d.get("target", {}), "target")
        mode = sc.string(t.get("mode", "fraction"), "target.mode")
        if mode not in TARGET_MODES:
            raise sc.SchemaError(f"target.mode: expected one of {', '.join(TARGET_MODES)}")
        hi = 1.0 if mode == "fraction" else sc.MAX_SECONDS
        value = sc.number(t.get("value", 0.2 if mode == "fraction" else 60.0), "target.value",
                          0.0, hi)
        if value <= 0:
            raise sc.SchemaError("target.value: must be above 0")
        return mode, value
    except sc.SchemaError as exc:
        _note(warnings, f"{exc}; the default target is used")
        return "fraction", 0.2


def _optional(read, value, where: str, default, warnings: list[str] | None):
    try:
        return read(value, where)
    except sc.SchemaError as exc:
        _note(warnings, f"{exc}; ignored")
        return default


@dataclass
class Project:
    """The saved state of an editing session on one library folder."""

    root: str
    target_mode: str = "fraction"
    target_value: float = 0.2
    model_path: str = ""
    config: dict = field(default_factory=dict)
    videos: dict[str, VideoState] = field(default_factory=dict)  # key: path relative to root
    saved_at: str = ""
    #: what the editor's edits taught (core.feedback.VideoFeedback per video key)
    feedback: dict = field(default_factory=dict)

    def key(self, path: str | Path) -> str:
        """The project's key for a video path (relative to the root when inside it)."""
        p = Path(path).resolve()
        try:
            return p.relative_to(Path(self.root).resolve()).as_posix()
        except ValueError:
            return str(p)

    def video(self, path: str | Path) -> VideoState:
        """The state of ``path``, created empty on first use."""
        return self.videos.setdefault(self.key(path), VideoState())

    def to_dict(self) -> dict:
        if self.target_mode not in TARGET_MODES:
            raise ProjectError(f"target mode must be one of {', '.join(TARGET_MODES)}")
        return {
            "schema": PROJECT_SCHEMA,
            "app": f"avhd {__version__}",
            "saved_at": self.saved_at,
            "root": self.root,
            "target": {"mode": self.target_mode, "value": self.target_value},
            "model": self.model_path,
            "config": self.config,
            "videos": {k: v.to_dict() for k, v in sorted(self.videos.items())},
            "feedback": {k: v.to_dict() for k, v in sorted(self.feedback.items())},
        }

    @classmethod
    def from_dict(cls, d: dict, warnings: list[str] | None = None) -> Project:
        """Read a project dictionary.

        A file that is not a project at all (not a dictionary, no or a future schema, no
        root, ``videos`` not a dictionary) raises :class:`ProjectError`. Parts that are bad
        on their own (a video entry, a segment, the target, the model path, the settings) are
        dropped or reset, each with a line appended to ``warnings``; the rest is kept.
        """
        if not isinstance(d, dict) or "schema" not in d:
            raise ProjectError("not an AVHD project file")
        try:
            schema = sc.integer(d["schema"], "schema")
            if schema > PROJECT_SCHEMA:
                raise ProjectError(
                    f"project schema {schema} is newer than this AVHD understands "
                    f"({PROJECT_SCHEMA}); update AVHD"
                )
            root = sc.string(sc.get(d, "root", "project"), "root")
            videos_in = sc.obj(d.get("videos", {}), "videos")
        except sc.SchemaError as exc:
            raise ProjectError(str(exc)) from None
        videos = {}
        for key, value in videos_in.items():
            try:
                videos[key] = VideoState.from_dict(value, f"videos[{key!r}]", warnings)
            except sc.SchemaError as exc:
                _note(warnings, f"dropped a video entry: {exc}")
        mode, value = _target(d, warnings)
        config = _optional(lambda v, w: dict(sc.shallow(sc.obj(v, w), w)), d.get("config", {}),
                           "config", {}, warnings)
        return cls(
            root=root,
            target_mode=mode,
            target_value=value,
            model_path=_optional(sc.string, d.get("model", ""), "model", "", warnings),
            config=config,
            videos=videos,
            saved_at=_optional(sc.string, d.get("saved_at", ""), "saved_at", "", warnings),
            feedback=_read_feedback(d.get("feedback"), warnings),
        )

    def save(self, path: str | Path | None = None) -> Path:
        """Write the project atomically (default: ``ROOT/avhd_project.json``)."""
        target = Path(path) if path else default_project_path(self.root)
        self.saved_at = time.strftime("%Y-%m-%dT%H:%M:%S")
        try:
            return write_json_atomic(target, self.to_dict())
        except OSError as exc:
            raise ProjectError(f"cannot save the project to {target}: {exc}") from exc

    @classmethod
    def load(cls, path: str | Path, warnings: list[str] | None = None) -> Project:
        """Read a project; a corrupt or unknown file raises :class:`ProjectError`.

        Entries that are bad on their own are dropped, each noted in ``warnings``.
        """
        path = Path(path)
        if not path.is_file():
            raise ProjectError(f"no project file at {path}")
        with sc.gc_paused():
            try:  # NaN/Infinity parse here and are refused per field: one bad value drops
                data = sc.read_json(path, "project", constants=True)  # an entry, not the file
            except sc.SchemaError as exc:
                raise ProjectError(
                    f"cannot read project {path}: {_after_name(exc, path)}") from exc
            try:
                return cls.from_dict(data, warnings)
            except ProjectError as exc:
                raise ProjectError(f"project {path.name} is malformed: {exc}") from None


def _after_name(exc: Exception, path: Path) -> str:
    text = str(exc)
    prefix = f"project {path.name}: "
    return text[len(prefix):] if text.startswith(prefix) else text


def summarize(warnings: list[str]) -> str:
    """One line for the warnings of :meth:`Project.load` ("" when there are none)."""
    if not warnings:
        return ""
    n = len(warnings)
    more = f" (and {n - 1} more)" if n > 1 else ""
    return f"{n} bad part{'s' if n > 1 else ''} of the project skipped: {warnings[0]}{more}"


def _read_feedback(raw, warnings: list[str] | None = None) -> dict:
    """The project's feedback entries; a corrupt or foreign one is skipped with a warning
    (logged, and a line in ``warnings``)."""
    from core.feedback import VideoFeedback

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        log.warning("project feedback is not a mapping; ignored")
        _note(warnings, "feedback: not a mapping; ignored")
        return {}
    out = {}
    for key, entry in raw.items():
        try:
            out[str(key)] = VideoFeedback.from_dict(entry)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("feedback of %s ignored: %s", key, exc)
            _note(warnings, f"feedback[{str(key)!r}]: {exc}; ignored")
    return out


def default_project_path(root: str | Path) -> Path:
    """Where a library's project lives by default: beside the footage."""
    return Path(root) / PROJECT_FILENAME


def open_or_create(root: str | Path) -> Project:
    """The library's saved project, or a new one when there is none."""
    path = default_project_path(root)
    if path.is_file():
        return Project.load(path)
    return Project(root=str(Path(root).resolve()))


def merge_found(state: VideoState, found: list[Segment], reset: bool = False) -> list[Segment]:
    """Segments to show after highlights were (re-)found for a video.

    Hand-edited segments are kept unless ``reset``; otherwise the new selection replaces the
    old one. Updates ``state`` in place and returns its segments.
    """
    if reset or not state.edited:
        state.segments = [Segment(s.start, s.end, s.score, s.keep) for s in found]
        state.edited = False
    state.state = "scored"
    state.reason = ""
    return state.segments
