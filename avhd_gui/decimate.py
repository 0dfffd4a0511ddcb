"""Per-pixel decimation of clip curves for drawing (pure numpy, no Qt).

A timeline can hold tens of thousands of clips but only has a thousand or so pixel
columns. For the visible time span, :func:`step_polyline` and :func:`line_polyline`
return at most a few points per pixel column: exact steps/lines when zoomed in, and a
min/max envelope per column (which looks the same on screen) when zoomed out.
"""

from __future__ import annotations

import numpy as np

EMPTY = (np.zeros(0), np.zeros(0))


def visible_range(bounds: np.ndarray, x0: float, x1: float) -> tuple[int, int]:
    """Index range ``[i0, i1)`` of the clips overlapping ``[x0, x1]``, plus one each side."""
    n = len(bounds)
    i0 = int(np.searchsorted(bounds[:, 1], x0, side="left")) - 1
    i1 = int(np.searchsorted(bounds[:, 0], x1, side="right")) + 1
    return max(0, i0), min(n, i1)


def _columns(xs: np.ndarray, x0: float, x1: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel column of each x (sorted) and the start index of each run of one column."""
    col = np.clip(np.floor((xs - x0) / (x1 - x0) * columns), -1, columns).astype(np.int64)
    return col, np.flatnonzero(np.r_[True, col[1:] != col[:-1]])


def _envelope(xs: np.ndarray, y: np.ndarray, x0: float, x1: float,
              columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Max then min of ``y`` in each pixel column, as a zig-zag polyline."""
    col, starts = _columns(xs, x0, x1, columns)
    out = np.empty(2 * len(starts))
    out[0::2] = np.fmax.reduceat(y, starts)
    out[1::2] = np.fmin.reduceat(y, starts)
    xc = x0 + (col[starts] + 0.5) * (x1 - x0) / columns  # column centres
    return np.repeat(xc, 2), out


def _upper_steps(xs: np.ndarray, y: np.ndarray, x0: float, x1: float,
                 columns: int) -> tuple[np.ndarray, np.ndarray]:
    """The max of ``y`` in each pixel column, as a step polyline (good for fills)."""
    col, starts = _columns(xs, x0, x1, columns)
    width = (x1 - x0) / columns
    left = x0 + col[starts] * width
    x = np.empty(2 * len(starts))
    x[0::2], x[1::2] = left, left + width
    return x, np.repeat(np.fmax.reduceat(y, starts), 2)


def step_polyline(bounds: np.ndarray, y: np.ndarray, x0: float, x1: float,
                  columns: int) -> tuple[np.ndarray, np.ndarray]:
    """A polyline drawing ``y`` as one flat step per clip over ``[x0, x1]``.

    Zoomed out (more clips than pixel columns), each column shows its highest clip.
    """
    if len(y) == 0 or columns <= 0 or x1 <= x0:
        return EMPTY
    i0, i1 = visible_range(bounds, x0, x1)
    b, v = bounds[i0:i1], np.asarray(y[i0:i1], np.float64)
    if len(v) == 0:
        return EMPTY
    if len(v) <= columns:
        return b.reshape(-1), np.repeat(v, 2)
    return _upper_steps(b.mean(axis=1), v, x0, x1, columns)


def line_polyline(bounds: np.ndarray, y: np.ndarray, x0: float, x1: float,
                  columns: int) -> tuple[np.ndarray, np.ndarray]:
    """A polyline through ``y`` at the clip centres over ``[x0, x1]``."""
    if len(y) == 0 or columns <= 0 or x1 <= x0:
        return EMPTY
    i0, i1 = visible_range(bounds, x0, x1)
    xs, v = bounds[i0:i1].mean(axis=1), np.asarray(y[i0:i1], np.float64)
    if len(v) <= 2 * columns:
        return xs, v
    return _envelope(xs, v, x0, x1, columns)
