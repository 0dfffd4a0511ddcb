"""The current model (what Find highlights scores with) and the Retrain dialog.

:class:`CurrentModel` is a small model object: the window shows its description in the status
bar, Find highlights scores with it, Retrain on Library trains a new one (or fine-tunes it)
and the project remembers it. Reading a checkpoint's facts (library size, date) loads the
file once, when a model is chosen, never while painting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


@dataclass
class ModelInfo:
    """What the app shows of a model: its file and what it was trained on."""

    path: str = ""  # the checkpoint file ("" for direct pseudo-highlight scoring)
    name: str = ""
    n_videos: int = 0
    n_clips: int = 0
    trained_at: str = ""
    fine_tuned: bool = False
    visual: str = ""
    audio: str = ""
    #: the hand edits it was trained with (core.feedback_session.targets_with_feedback)
    feedback_edits: int = 0
    feedback_videos: int = 0
    feedback_hash: str = ""

    @staticmethod
    def feedback_facts(info: dict) -> dict:
        """The feedback fields of a checkpoint's ``info``."""
        return {"feedback_edits": int(info.get("feedback_edits", 0) or 0),
                "feedback_videos": int(info.get("feedback_videos", 0) or 0),
                "feedback_hash": str(info.get("feedback_hash", "") or "")}

    def learned(self) -> str:
        """``learned from 14 edits in 3 videos (hash 1a2b3c4d5e6f)``; "" without edits."""
        if not self.feedback_videos:
            return ""
        v = "video" if self.feedback_videos == 1 else "videos"
        e = "edit" if self.feedback_edits == 1 else "edits"
        return (f"learned from {self.feedback_edits} {e} in {self.feedback_videos} {v} "
                f"(hash {self.feedback_hash or 'none'})")

    @classmethod
    def from_checkpoint(cls, path: str | Path) -> ModelInfo:
        """Read the facts of the checkpoint at ``path``.

        Raises:
            core.errors.ModelError: not a readable AVHD model.
        """
        from core.training import Checkpoint

        ckpt = Checkpoint.load(path)
        info = ckpt.info
        return cls(path=str(Path(path).resolve()), name=Path(path).name,
                   n_videos=int(info.get("n_videos", 0)), n_clips=int(info.get("n_clips", 0)),
                   trained_at=str(info.get("trained_at", "")),
                   fine_tuned=bool(info.get("fine_tuned", False)),
                   visual=ckpt.visual_extractor, audio=ckpt.audio_extractor,
                   **cls.feedback_facts(info))

    def describe(self, short: bool = False) -> str:
        """``model.pt · 12 videos, 4,310 clips · 2025-03-01 14:02`` (one line);
        ``short``: ``model.pt · 12 videos``."""
        if not self.path:
            return self.name or "no model"
        parts = [self.name + (" (fine-tuned)" if self.fine_tuned else "")]
        if self.n_videos:
            videos = f"{self.n_videos} video{'s' if self.n_videos != 1 else ''}"
            parts.append(videos if short else f"{videos}, {self.n_clips:,} clips")
        if self.trained_at and not short:
            parts.append(self.trained_at.replace("T", " ")[:16])
        return " · ".join(parts)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelInfo:
        """Read the facts a project saved (raises :class:`core.schema.SchemaError`)."""
        from core import schema as sc

        d = sc.obj(d, "model_info")
        count = lambda v, w: sc.integer(v, w, 0)  # noqa: E731
        read = {"n_videos": count, "n_clips": count, "fine_tuned": sc.boolean,
                "feedback_edits": count, "feedback_videos": count}
        known = {k: read.get(k, sc.string)(d[k], f"model_info.{k}")
                 for k in cls.__dataclass_fields__ if k in d}
        if known.get("name") == "pseudo-highlights (direct)" and not known.get("path"):
            known["name"] = "none · scored by the cues"  # an older project's words for it
        return cls(**known)


class CurrentModel(QObject):
    """The model Find highlights scores with; ``changed(ModelInfo | None)`` on every change."""

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info: ModelInfo | None = None

    @property
    def path(self) -> str:
        """The checkpoint file, or "" when the next Find trains a model (or scores directly)."""
        return self.info.path if self.info is not None else ""

    def set(self, info: ModelInfo | None) -> None:
        if info != self.info:
            self.info = info
            self.changed.emit(info)

    def load_file(self, path: str | Path) -> ModelInfo:
        """Make the checkpoint at ``path`` current (raises ``ModelError`` if unreadable)."""
        info = ModelInfo.from_checkpoint(path)
        self.set(info)
        return info

    def describe(self, short: bool = False) -> str:
        if self.info is None:
            return "none (Find trains one)"
        return self.info.describe(short)

    def matches(self, visual: str, audio: str) -> bool:
        """True when the current checkpoint was trained on these feature extractors."""
        return self.info is not None and bool(self.info.path) and (
            (self.info.visual, self.info.audio) == (visual, audio))


class RetrainDialog(QDialog):
    """Train a new model on the library, or fine-tune the current one."""

    def __init__(self, current: ModelInfo | None, preset: str, presets: dict,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retrain on Library")
        self._presets = presets
        self.new_model = QRadioButton("Train a new model on this library", self)
        self.fine_tune = QRadioButton("Fine-tune the current model", self)
        can_tune = current is not None and bool(current.path)
        self.fine_tune.setEnabled(can_tune)
        self.fine_tune.setToolTip(current.describe() if can_tune else "No current model")
        (self.fine_tune if can_tune else self.new_model).setChecked(True)
        self.preset = QComboBox(self)
        self.preset.addItems(list(presets))
        self.preset.setCurrentText(preset)
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 1000)
        self.preset.currentTextChanged.connect(self._preset_changed)
        self._preset_changed(self.preset.currentText())
        form = QFormLayout()
        form.addRow("Training preset:", self.preset)
        form.addRow("Epochs:", self.epochs)
        note = QLabel("Runs in the background on the features already extracted (new files "
                      "are extracted first), then re-scores every video. Hand-edited "
                      "segments are kept.", self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Retrain")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.new_model)
        layout.addWidget(self.fine_tune)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _preset_changed(self, name: str) -> None:
        cfg = self._presets.get(name)
        if cfg is not None:
            self.epochs.setValue(int(cfg.epochs))

    def choice(self) -> dict:
        """``{"fine_tune": bool, "preset": str, "epochs": int}``."""
        return {"fine_tune": self.fine_tune.isChecked(), "preset": self.preset.currentText(),
                "epochs": int(self.epochs.value())}
