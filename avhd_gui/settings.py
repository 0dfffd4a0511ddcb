"""Persistent GUI settings (window, folders, model options) over :class:`QSettings`.

Everything the app remembers goes through :class:`AppSettings`, so tests can hand the
window a settings object backed by a temporary INI file and never touch the user's.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "AVHD"
APPLICATION = "avhd-gui"
MAX_RECENT = 8

DEFAULT_PRESET = "default"
DEFAULT_CLIP_SECONDS = 2.0  # as core.pipeline.FindConfig


@dataclass
class ModelOptions:
    """The model options of the settings dialog (turned into a ``FindConfig``)."""

    visual: str
    audio: str
    device: str = "auto"
    preset: str = DEFAULT_PRESET
    clip_seconds: float = DEFAULT_CLIP_SECONDS
    # "direct" (default): Find scores by the label-free cues (core.scoring.DEFAULT_CUE); a
    # model from Retrain, when loaded, still scores. "model": Find trains a network too.
    scoring: str = "direct"


@dataclass
class Target:
    """What to select from the scores: a top fraction or a reel length per video, or one
    reel length for the whole library; and how segments are shaped."""

    mode: str = "fraction"  # "fraction" | "seconds" | "library"
    fraction: float = 0.2
    seconds: float = 30.0
    library_seconds: float = 60.0
    min_segment: float = 2.0  # shortest segment, seconds
    padding: float = 0.0  # seconds added before and after each segment
    merge_gap: float = 0.0  # segments this close join into one

    def kwargs(self) -> dict:
        """Keyword arguments for :func:`core.selection.select_segments`.

        In "library" mode ``target_seconds`` is the whole reel's; the app splits it over
        the videos with :func:`core.selection.library_shares`.
        """
        shape = {"min_segment": float(self.min_segment), "padding": float(self.padding),
                 "merge_gap": float(self.merge_gap)}
        if self.mode == "seconds":
            return {"target_seconds": float(self.seconds), **shape}
        if self.mode == "library":
            return {"target_seconds": float(self.library_seconds), **shape}
        return {"top_fraction": float(self.fraction), **shape}


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


class AppSettings:
    """Typed access to the app's :class:`QSettings`.

    Args:
        qsettings: the store to use; default the user's ``AVHD/avhd-gui`` settings.
        persist: when false, nothing is written back (used by screenshot mode).
    """

    def __init__(self, qsettings: QSettings | None = None, *, persist: bool = True) -> None:
        self.qs = qsettings if qsettings is not None else QSettings(ORGANIZATION, APPLICATION)
        self.persist = persist

    def _set(self, key: str, value) -> None:
        if self.persist:
            self.qs.setValue(key, value)

    def _float(self, key: str, default: float) -> float:
        try:
            return float(self.qs.value(key, default))
        except (TypeError, ValueError):
            return default

    # window
    def geometry(self) -> QByteArray | None:
        value = self.qs.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def state(self) -> QByteArray | None:
        value = self.qs.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._set("window/geometry", geometry)
        self._set("window/state", state)
        self.sync()

    def splitter_state(self) -> QByteArray | None:
        """The preview / timeline split the user left (None at first launch)."""
        value = self.qs.value("window/splitter")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_splitter_state(self, state: QByteArray) -> None:
        self._set("window/splitter", state)
        self.sync()

    # folders
    def last_folder(self) -> str:
        return str(self.qs.value("library/last_folder", "") or "")

    def recent_folders(self) -> list[str]:
        return _as_list(self.qs.value("library/recent", []))

    def add_recent_folder(self, folder: str) -> None:
        recent = [f for f in self.recent_folders() if f != folder]
        recent.insert(0, folder)
        self._set("library/recent", recent[:MAX_RECENT])
        self._set("library/last_folder", folder)
        self.sync()

    def clear_recent_folders(self) -> None:
        self._set("library/recent", [])

    # model options
    def model_options(self) -> ModelOptions:
        """The stored model options (core's defaults where none are stored)."""
        from core.features import DEFAULT_AUDIO, DEFAULT_VISUAL

        return ModelOptions(
            visual=str(self.qs.value("find/visual", DEFAULT_VISUAL)),
            audio=str(self.qs.value("find/audio", DEFAULT_AUDIO)),
            device=str(self.qs.value("find/device", "auto")),
            preset=str(self.qs.value("find/preset", DEFAULT_PRESET)),
            clip_seconds=self._float("find/clip_seconds", DEFAULT_CLIP_SECONDS),
            scoring="model" if self.qs.value("find/scoring", "direct") == "model" else "direct",
        )

    def set_model_options(self, opts: ModelOptions) -> None:
        self._set("find/visual", opts.visual)
        self._set("find/audio", opts.audio)
        self._set("find/device", opts.device)
        self._set("find/preset", opts.preset)
        self._set("find/clip_seconds", float(opts.clip_seconds))
        self._set("find/scoring", opts.scoring)
        self.sync()

    # selection target
    def target(self) -> Target:
        mode = str(self.qs.value("target/mode", "fraction"))
        return Target(
            mode=mode if mode in ("fraction", "seconds", "library") else "fraction",
            fraction=self._float("target/fraction", 0.2),
            seconds=self._float("target/seconds", 30.0),
            library_seconds=self._float("target/library_seconds", 60.0),
            min_segment=self._float("target/min_segment", 2.0),
            padding=self._float("target/padding", 0.0),
            merge_gap=self._float("target/merge_gap", 0.0),
        )

    def set_target(self, target: Target) -> None:
        self._set("target/mode", target.mode)
        self._set("target/fraction", float(target.fraction))
        self._set("target/seconds", float(target.seconds))
        for name in ("library_seconds", "min_segment", "padding", "merge_gap"):
            self._set(f"target/{name}", float(getattr(target, name)))

    # timeline
    def curve_visible(self, name: str, default: bool) -> bool:
        value = self.qs.value(f"timeline/{name}", default)
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def set_curve_visible(self, name: str, visible: bool) -> None:
        self._set(f"timeline/{name}", bool(visible))

    # editing
    def snapping(self) -> bool:
        value = self.qs.value("edit/snapping", True)
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def set_snapping(self, on: bool) -> None:
        self._set("edit/snapping", bool(on))

    def _bool(self, key: str, default: bool) -> bool:
        value = self.qs.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def shot_detection(self) -> bool:
        """Whether shot cuts are detected for the shown video (segments then follow shots)."""
        return self._bool("edit/shots", True)

    def set_shot_detection(self, on: bool) -> None:
        self._set("edit/shots", bool(on))

    # panels the user closed stay closed (they are not shown again by the app)
    def panel_closed(self, name: str) -> bool:
        return self._bool(f"panels/{name}_closed", False)

    def set_panel_closed(self, name: str, closed: bool) -> None:
        self._set(f"panels/{name}_closed", bool(closed))

    def sync(self) -> None:
        if self.persist:
            self.qs.sync()


def find_config(opts: ModelOptions, target: Target, *, shots: bool = True, **overrides):
    """Build a ``core.pipeline.FindConfig`` from the dialog options and the target.

    ``overrides`` set further ``FindConfig`` fields (tests use them for a fast run).
    """
    from core.pipeline import FindConfig

    kw = target.kwargs()
    fields = {
        "visual": opts.visual,
        "audio": opts.audio,
        "device": opts.device,
        "preset": opts.preset,
        "clip_seconds": float(opts.clip_seconds),
        "direct": opts.scoring == "direct",
        "top_fraction": kw.get("top_fraction"),
        "target_seconds": kw.get("target_seconds"),
        "min_segment": kw["min_segment"],
        "padding": kw["padding"],
        "merge_gap": kw["merge_gap"],
    }
    if not shots:  # the app's shot setting is off: Find keeps the clip grid too
        fields["shot_snap"] = 0.0
    fields.update(overrides)
    return FindConfig(**fields)
