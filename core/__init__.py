"""AVHD engine: unsupervised audio-visual highlight detection.

The engine never imports Qt; the GUI (``avhd_gui``) calls into it. The library API
(:mod:`core.api`: ``find_highlights``, ``train_model``, ``load_model``, ``score_video``,
``reselect``, ``export``) is reachable as ``core.api`` or as attributes of this package,
imported on first use so that ``import core`` stays light.
"""

from core._version import __version__

_API = ("Selection", "ScoreResult", "TrainResult", "find_highlights", "train_model",
        "load_model", "score_video", "reselect", "export")  # fmt: skip

__all__ = ["__version__", "api", *_API]


def __getattr__(name: str):
    if name == "api" or name in _API:
        import importlib

        api = importlib.import_module("core.api")
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module 'core' has no attribute {name!r}")
