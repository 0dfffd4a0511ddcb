"""Argparse value types: every option value is checked while the command line is parsed, so
a bad value exits with status 2 and a usage message before any work starts."""

from __future__ import annotations

import argparse
import re


def _number(text: str, kind=float):
    try:
        return kind(text)
    except ValueError:
        name = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"not {name}: {text!r}") from None


def positive_float(text: str) -> float:
    """A number > 0 (durations, frame rates, learning rates)."""
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A number >= 0 (padding, fades)."""
    value = _number(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def fraction(text: str) -> float:
    """A share of a whole: 0 < value <= 1."""
    value = _number(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a fraction in (0, 1], got {text}")
    return value


def unit_interval(text: str) -> float:
    """A weight from 0 to 1, both included."""
    value = _number(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (epochs, frames, jobs)."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (rounds)."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def seed(text: str) -> int:
    """A random seed: an integer from 0 to 2**32 - 1 (what NumPy accepts)."""
    value = _number(text, int)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 4294967295, got {text}")
    return value


def frame_size(text: str) -> str:
    """``WxH``, each at least 16 (what the reel renderer accepts)."""
    m = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"must be WIDTHxHEIGHT, e.g. 1280x720, got {text!r}")
    if int(m[1]) < 16 or int(m[2]) < 16:
        raise argparse.ArgumentTypeError(f"width and height must be 16 or more, got {text!r}")
    return f"{int(m[1])}x{int(m[2])}"


def choice(names, what: str):
    """A type that accepts one of ``names`` (a list or a zero-argument callable giving it,
    called only when the option is used) and lists them when it does not."""

    def check(text: str) -> str:
        valid = list(names() if callable(names) else names)
        if text not in valid:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {text!r}; choose from {', '.join(valid)}"
            )
        return text

    check.__name__ = what  # argparse names the type in its messages
    return check
