"""Options and progress display shared by ``find``, ``train`` and ``score``."""

from __future__ import annotations

import argparse
import sys

from core.features import DEFAULT_AUDIO, DEFAULT_VISUAL, audio_names, visual_names
from core.model import VARIANTS
from core.pipeline import FindConfig
from core.training import PRESETS


def add_extract_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("features")
    g.add_argument("--visual", default=DEFAULT_VISUAL, choices=visual_names())
    g.add_argument("--audio", default=DEFAULT_AUDIO, choices=audio_names())
    g.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    g.add_argument("--clip-seconds", type=float, default=2.0)
    g.add_argument("--frames-per-clip", type=int, default=1)
    g.add_argument("--no-cache", action="store_true", help="do not read or write the cache")


def unit_interval(text: str) -> float:
    """An argparse type: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def add_method_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("method")
    g.add_argument("--preset", default="default", choices=sorted(PRESETS))
    g.add_argument("--variant", default="bimodal", choices=VARIANTS)
    g.add_argument("--epochs", type=int, help="override the preset's number of epochs")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument(
        "--similarity",
        default=FindConfig.similarity,
        choices=["dot", "cosine", "pearson"],
        help="pseudo-highlight similarity (default dot = mean inner product; the paper: cosine)",
    )
    g.add_argument(
        "--cue",
        default=FindConfig.cue,
        help=f"cue(s) ranking the clips (default {FindConfig.cue}); join with + to fuse ranks: "
        "recurrence, neighbours, centred, contrast, activity, atypicality, novelty, motion, "
        "loudness, crowd (the paper: recurrence with --similarity cosine --ph-modality av)",
    )
    g.add_argument(
        "--ph-modality",
        default=FindConfig.ph_modality,
        choices=["av", "audio", "visual"],
        help="features the cues use: av (both), audio or visual (default; the paper: av)",
    )
    g.add_argument(
        "--targets",
        default=FindConfig.targets,
        choices=["soft", "hard"],
        help="network training targets: soft (default) = each clip's pseudo-highlight rank "
        "in its video; hard = the paper's top-50 %% 0/1 pseudo-labels",
    )
    g.add_argument(
        "--blend",
        type=unit_interval,
        default=FindConfig.blend,
        metavar="W",
        help="weight of the pseudo-highlight ranks in a trained model's scores "
        "(default 0.5; 0 = the network alone, as in the paper)",
    )


def add_selection_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("selection")
    t = g.add_mutually_exclusive_group()
    t.add_argument(
        "--top",
        type=float,
        default=None,
        metavar="FRACTION",
        help="select this fraction of each video (default 0.2)",
    )
    t.add_argument(
        "--target-seconds",
        type=float,
        default=None,
        metavar="N",
        help="select N seconds of each video",
    )
    g.add_argument("--min-segment", type=float, default=2.0, metavar="S")
    g.add_argument("--padding", type=float, default=0.0, metavar="S")


def config_from_args(args: argparse.Namespace) -> FindConfig:
    cfg = FindConfig()
    for name in (
        "visual",
        "audio",
        "device",
        "clip_seconds",
        "frames_per_clip",
        "preset",
        "variant",
        "epochs",
        "seed",
        "similarity",
        "cue",
        "ph_modality",
        "targets",
        "blend",
        "min_segment",
        "padding",
        "target_seconds",
    ):
        if hasattr(args, name):
            setattr(cfg, name, getattr(args, name))
    if getattr(args, "top", None) is not None:
        cfg.top_fraction = args.top
    cfg.use_cache = not getattr(args, "no_cache", False)
    return cfg


class StageBars:
    """A tqdm bar per stage, fed by ``progress(done, total, "stage: message")``."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty() or enabled == "always"
        self.stage = None
        self.bar = None

    def __call__(self, done: int, total: int, message: str) -> None:
        stage, _, detail = message.partition(": ")
        if stage != self.stage:
            self.close()
            self.stage = stage
            if self.enabled:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=stage, unit="", leave=False, file=sys.stderr)
        if self.bar is not None:
            if total != self.bar.total:
                self.bar.total = total
            self.bar.n = done
            self.bar.set_postfix_str(detail[:40], refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
