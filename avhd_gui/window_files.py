"""The window's project, model, export and retrain commands (a mixin of ``MainWindow``).

Each command has a method taking its file path (used by tests and scripts) and, when the
path is left out, asks for it with a file dialog.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from avhd_gui.retrain import ModelInfo
from core.errors import AvhdError

log = logging.getLogger(__name__)


def direct_model_name(notes: list[str]) -> str:
    """The status bar's name for scores no network made: the cue behind them, with the
    pick of ``auto`` as the run's notes state it (``none · cue atypicality (auto)``)."""
    from core.scorers.auto import NOTE

    for note in notes:
        if note.startswith(NOTE):
            return f"none · cue {note[len(NOTE):].split()[0]} (auto)"
    return "none · scored by the cues"


class FileCommands:
    """Project, model, export and retrain commands; mixed into the main window."""

    #: the notes of the last Find that scored without a network (for the model's tooltip)
    find_notes: tuple[str, ...] = ()

    # --- construction (called by MainWindow)
    def _build_file_actions(self) -> None:
        self.open_project_action = self._act("Open &Project…", self.open_project, None,
                                             "Ctrl+Shift+O", "Open a saved project file")
        self.save_project_action = self._act(
            "&Save Project", self.save_project, "save", QKeySequence.StandardKey.Save,
            "Save the edits now (they are also saved a second after every change)")
        self.save_project_as_action = self._act("Save Project &As…", self.save_project_as,
                                                None, "Ctrl+Shift+S",
                                                "Save the project to another file")
        self.export_action = self._act("&Export…", self.open_export, "export", "Ctrl+E",
                                       "Export a reel or a timeline of the kept segments")
        self.load_model_action = self._act("&Load Model…", self.load_model, None, None,
                                           "Score the library with a saved model")
        self.save_model_action = self._act("Save &Model As…", self.save_model_as, None, None,
                                           "Keep a copy of the current model")
        self.retrain_action = self._act("&Retrain on Library…", self.retrain_dialog, "train",
                                        "Ctrl+R", "Train a new model on this library, or "
                                        "fine-tune the current one, then re-score")
        self.reset_all_action = self._act("Reset Hand Edits of &All Videos",
                                          self.reset_all_edits, None, None,
                                          "Re-select every video's segments from its scores")

    def _add_file_menu_items(self, menu) -> None:
        menu.addAction(self.open_project_action)
        menu.addSeparator()
        menu.addAction(self.save_project_action)
        menu.addAction(self.save_project_as_action)
        menu.addSeparator()
        menu.addAction(self.export_action)
        menu.addSeparator()
        menu.addAction(self.load_model_action)
        menu.addAction(self.save_model_action)

    # --- project
    def open_project(self, path: str | None = None) -> bool:
        """Open a project file and the library folder it belongs to."""
        from core.project import ProjectError

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open project", self.library.folder,
                                                  "AVHD project (*.json)")
            if not path:
                return False
        try:
            project = self.project.load_file(path)
        except ProjectError as exc:
            self._project_warning(str(exc))
            return False
        return self.open_folder(project.root, project=(project, path))

    def save_project(self) -> bool:
        written = self.project.save()
        if written is None and self.project.read_only:
            return self.save_project_as()
        return written is not None

    def save_project_as(self, path: str | None = None) -> bool:
        if not self.library.folder:
            return False
        if path is None:
            start = str(self.project.path or Path(self.library.folder) / "avhd_project.json")
            path, _ = QFileDialog.getSaveFileName(self, "Save project as", start,
                                                  "AVHD project (*.json)")
            if not path:
                return False
        return self.project.save(path) is not None

    def _on_project_saved(self, path: str) -> None:
        self.project_label.setText(f"Saved {time.strftime('%H:%M:%S')}")
        self.project_label.setToolTip(f"Project: {path}")

    def _on_project_save_failed(self, message: str) -> None:
        self.project_label.setText("Not saved")
        self.project_label.setToolTip(message)
        self._add_problem("", message)

    def _project_warning(self, text: str) -> None:
        """Say (without blocking) that the project could not be read."""
        self._add_problem("", text.splitlines()[0])
        self.statusBar().showMessage(text.splitlines()[0], 10_000)
        if self.warning_box is not None:
            self.warning_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, "Project not fully loaded",
                          "The project file could not be loaded in full; the folder was "
                          "opened without what could not be read.",
                          QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(text)
        box.setModal(False)
        box.show()
        self.warning_box = box

    # --- model
    def _on_model_changed(self, info) -> None:
        # short on the status bar (a long one left no room for messages at 1280 px)
        text = self.model.describe(short=True)
        if info is None and self.settings.model_options().scoring == "direct":
            text = "none (Find scores by the cues)"  # no model is trained by the next Find
        self.model_label.setText(f"Model: {text}")
        tip = "Find Highlights scores with this model; Retrain makes a new one"
        if info is not None and info.path:
            tip = f"{self.model.describe()}\n{info.path}\n{tip}"
        elif info is not None and self.find_notes:
            # what the last Find chose without labels (auto's cue, the categories)
            tip = "\n".join(self.find_notes) + f"\n{tip}"
        self.model_label.setToolTip(tip)
        if hasattr(self, "save_model_action"):
            self._update_actions()

    def _adopt_model(self, result) -> None:
        """After a run: the model it trained (or scored with) becomes the current one."""
        ckpt = getattr(result, "checkpoint", None)
        path = getattr(result, "model_path", None)
        if ckpt is not None and path:
            info = ckpt.info
            self.model.set(ModelInfo(
                path=str(Path(path).resolve()), name=Path(path).name,
                n_videos=int(info.get("n_videos", 0)), n_clips=int(info.get("n_clips", 0)),
                trained_at=str(info.get("trained_at", "")),
                fine_tuned=bool(info.get("fine_tuned", False)),
                visual=ckpt.visual_extractor, audio=ckpt.audio_extractor,
                **ModelInfo.feedback_facts(info)))
        elif ckpt is None and not path:
            self.find_notes = tuple(getattr(result, "notes", ()) or ())
            self.model.set(ModelInfo(name=direct_model_name(self.find_notes)))

    def load_model(self, path: str | None = None) -> bool:
        """Make a saved model current: Find Highlights then scores with it."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Load model", self.library.folder,
                                                  "AVHD model (*.pt)")
            if not path:
                return False
        try:
            info = self.model.load_file(path)
        except AvhdError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            self._add_problem("", str(exc))
            return False
        self.statusBar().showMessage(f"Find Highlights will score with {info.name}", 6000)
        return True

    def save_model_as(self, path: str | None = None) -> bool:
        """Copy the current model to ``path``; the copy becomes the current model."""
        from core.fileio import atomic_path

        src = self.model.path
        if not src:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save model as", src,
                                                  "AVHD model (*.pt)")
            if not path:
                return False
        try:
            with atomic_path(path) as tmp:
                shutil.copyfile(src, tmp)
        except OSError as exc:
            self.statusBar().showMessage(f"Cannot save the model to {path}: {exc}", 8000)
            return False
        info = ModelInfo.from_dict({**self.model.info.to_dict(),
                                    "path": str(Path(path).resolve()),
                                    "name": Path(path).name})
        self.model.set(info)
        return True

    # --- retrain
    def retrain_dialog(self) -> bool:
        from avhd_gui.retrain import RetrainDialog
        from core.training import PRESETS

        dlg = RetrainDialog(self.model.info, self.settings.model_options().preset, PRESETS,
                            self)
        if not dlg.exec():
            return False
        return self.retrain(**dlg.choice())

    def retrain(self, fine_tune: bool = False, preset: str | None = None,
                epochs: int | None = None) -> bool:
        """Train a model on the library (or fine-tune the current one), then re-score.

        Hand edits are kept. Runs in the background like Find Highlights.
        """
        paths = self.library.paths()
        if not paths or self.finder.is_running():
            return False
        if fine_tune and not self.model.path:
            self.statusBar().showMessage("There is no current model to fine-tune", 5000)
            return False
        overrides = {**self.find_overrides, "direct": False, "model_path": None,
                     "init_model": self.model.path if fine_tune else None}
        if preset:
            overrides["preset"] = preset
        if epochs:
            overrides["epochs"] = int(epochs)
        overrides.update(self.learning.training_overrides())  # the hand edits as labels
        return self._start_run(paths, overrides, reset_edits=False)

    # --- edits
    def reset_all_edits(self) -> bool:
        edited = [p for p in self.selection.edited_paths() if self.library.item(p)]
        if not self.selection.reset_edits(edited, self.target.target):
            self.statusBar().showMessage("No video has hand edits", 4000)
            return False
        return True

    # --- export
    def open_export(self):
        """Show the export dialog (non-blocking); returns it."""
        from avhd_gui.export_dialog import ExportDialog

        if self.export_dialog is not None and self.export_dialog.thread is not None:
            self.export_dialog.raise_()
            return self.export_dialog
        item = self.library.item(self.current_path) if self.current_path else None
        current = item.highlights if item is not None else None
        library = [it.highlights for it in self.library.scored()]
        if self.export_dialog is not None:
            self.export_dialog.deleteLater()
        self.export_dialog = ExportDialog(current, library, self.library.folder, self)
        self.export_dialog.show()
        return self.export_dialog

    # --- help
    def show_shortcuts(self):
        from avhd_gui.shortcuts import ShortcutsDialog

        dlg = ShortcutsDialog(self.menuBar(), self)
        dlg.show()
        return dlg
