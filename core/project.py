"""Projects: an editor's work on a library, saved as versioned JSON.

A project remembers the library folder, the target, the model, the find settings and, per
video, its state and its (possibly hand-edited) segments. Saves are atomic (temporary file,
fsync, rename), so a crash or a kill mid-write leaves the previous project intact. Hand edits
survive re-finding highlights unless the user asks to reset them (:func:`merge_found`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from core._version import __version__
from core.artifacts import Segment
from core.errors import AvhdError
from core.fileio import write_json_atomic

log = logging.getLogger(__name__)

PROJECT_SCHEMA = 1
PROJECT_FILENAME = "avhd_project.json"
TARGET_MODES = ("fraction", "seconds")


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
    def from_dict(cls, d: dict) -> VideoState:
        return cls(
            state=str(d.get("state", "new")),
            reason=str(d.get("reason", "")),
            highlights=str(d.get("highlights", "")),
            segments=[Segment.from_dict(s) for s in d.get("segments", [])],
            edited=bool(d.get("edited", False)),
        )


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
    def from_dict(cls, d: dict) -> Project:
        if not isinstance(d, dict) or "schema" not in d:
            raise ProjectError("not an AVHD project file")
        if int(d["schema"]) > PROJECT_SCHEMA:
            raise ProjectError(
                f"project schema {d['schema']} is newer than this AVHD understands "
                f"({PROJECT_SCHEMA}); update AVHD"
            )
        target = d.get("target", {})
        return cls(
            root=str(d["root"]),
            target_mode=str(target.get("mode", "fraction")),
            target_value=float(target.get("value", 0.2)),
            model_path=str(d.get("model", "")),
            config=dict(d.get("config", {})),
            videos={k: VideoState.from_dict(v) for k, v in d.get("videos", {}).items()},
            saved_at=str(d.get("saved_at", "")),
            feedback=_read_feedback(d.get("feedback")),
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
    def load(cls, path: str | Path) -> Project:
        """Read a project; a corrupt or unknown file raises :class:`ProjectError`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ProjectError(f"no project file at {path}") from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProjectError(f"cannot read project {path}: {exc}") from exc
        try:
            return cls.from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProjectError(f"project {path} is malformed: {exc}") from exc


def _read_feedback(raw) -> dict:
    """The project's feedback entries; a corrupt or foreign one is skipped with a warning."""
    from core.feedback import VideoFeedback

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        log.warning("project feedback is not a mapping; ignored")
        return {}
    out = {}
    for key, entry in raw.items():
        try:
            out[str(key)] = VideoFeedback.from_dict(entry)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("feedback of %s ignored: %s", key, exc)
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
