"""Model options dialog: feature extractors, device, scoring, training preset, clip length."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from avhd_gui.settings import ModelOptions

#: Scoring choices: (ModelOptions.scoring, label).
SCORING = [
    ("direct", "Highlight cues (no training; recommended)"),
    ("model", "Trained model (Find also trains a network on the cues)"),
]


def preset_names() -> list[str]:
    """Names of the training presets (``core.training.PRESETS``)."""
    from core.training import PRESETS

    return list(PRESETS)


def _combo(parent: QWidget, names: list[str], current: str) -> QComboBox:
    box = QComboBox(parent)
    box.addItems(names)
    if current and current not in names:  # keep a stored name even if unknown now
        box.addItem(current)
    box.setCurrentText(current)
    return box


class SettingsDialog(QDialog):
    """Edits :class:`ModelOptions`; :meth:`options` returns the edited copy."""

    def __init__(self, options: ModelOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from core.device import DEVICES
        from core.features import audio_names, visual_names

        self.setWindowTitle("Model options")
        self.visual = _combo(self, visual_names(), options.visual)
        self.audio = _combo(self, audio_names(), options.audio)
        self.device = _combo(self, list(DEVICES), options.device)
        self.preset = _combo(self, preset_names(), options.preset)
        self.scoring = QComboBox(self)
        for key, label in SCORING:
            self.scoring.addItem(label, key)
        self.scoring.setCurrentIndex(max(0, self.scoring.findData(options.scoring)))
        self.scoring.setToolTip(
            "Trained model: a network is trained on the library's pseudo-highlights and its "
            "scores are blended with them; the model can score new videos and be retrained.\n"
            "Pseudo-highlights only: clips are ranked by their pseudo-highlight score; no "
            "model is trained (as accurate on the benchmarks, much faster on a CPU)."
        )
        self.scoring.currentIndexChanged.connect(self._scoring_changed)
        self._scoring_changed()
        self.clip_seconds = QDoubleSpinBox(self)
        self.clip_seconds.setRange(0.5, 10.0)
        self.clip_seconds.setSingleStep(0.5)
        self.clip_seconds.setSuffix(" s")
        self.clip_seconds.setValue(options.clip_seconds)

        form = QFormLayout()
        form.addRow("Visual features:", self.visual)
        form.addRow("Audio features:", self.audio)
        form.addRow("Device:", self.device)
        form.addRow("Scoring:", self.scoring)
        form.addRow("Training preset:", self.preset)
        form.addRow("Clip length:", self.clip_seconds)
        note = QLabel(
            "Changing the extractors or the clip length re-extracts features on the next "
            "Find highlights; the target length re-selects instantly.", self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _scoring_changed(self) -> None:
        self.preset.setEnabled(self.scoring.currentData() == "model")

    def options(self) -> ModelOptions:
        return ModelOptions(
            visual=self.visual.currentText(),
            audio=self.audio.currentText(),
            device=self.device.currentText(),
            preset=self.preset.currentText(),
            clip_seconds=float(self.clip_seconds.value()),
            scoring=str(self.scoring.currentData()),
        )
