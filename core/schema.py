"""Strict reading of the JSON files AVHD reads back from disk.

Every JSON reader of AVHD (highlights, projects, reel plans, the model facts a project keeps)
parses with :func:`read_json` and checks each field with the typed accessors below, so a
file edited by hand or damaged on disk gives one line saying which field is wrong instead of
a traceback or a silently wrong value.

Hand-written checks rather than a JSON Schema library: the rules that matter here are ones
JSON Schema does not express or that Python's parser hides from it (``NaN`` and ``Infinity``
are refused while parsing; ``1e999`` becomes ``inf``; ``true`` is not a number; times are
finite, bounded and ordered; segments are checked against the probed media), and the
accessors convert while they check, in one pass that stays fast on a 27 MB project.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.errors import AvhdError

#: Longest time AVHD accepts in a file (seconds): 1000 hours.
MAX_SECONDS = 3.6e6
#: Deepest nesting accepted in free-form parts of a file (settings dictionaries).
MAX_DEPTH = 32
_MISSING = object()


class SchemaError(AvhdError):
    """A JSON file AVHD reads does not have the expected shape or values."""


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number AVHD accepts")


def parse_json(text: str, constants: bool = False) -> Any:
    """Parse ``text`` strictly: ``NaN``/``Infinity`` and runaway nesting are refused.

    ``constants=True`` lets ``NaN``/``Infinity`` through as floats, for readers that refuse
    them field by field (so one bad value drops one entry, not the whole file).

    Raises:
        SchemaError: one line saying what is wrong.
    """
    try:
        return json.loads(text, parse_constant=None if constants else _refuse_constant)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SchemaError("nested too deeply to be an AVHD file") from None
    except ValueError as exc:  # NaN/Infinity, or an integer with thousands of digits
        raise SchemaError(f"bad value: {str(exc).splitlines()[0]}") from None


def read_json(path: str | Path, what: str = "file", constants: bool = False) -> Any:
    """Read and strictly parse the JSON file ``path`` (``what`` names it in messages).

    ``constants``: as for :func:`parse_json`.

    Raises:
        SchemaError: the file is missing, unreadable or not strict JSON (one line).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(f"{what} {p.name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise SchemaError(f"{what} {p.name}: cannot read it ({reason})") from None
    try:
        return parse_json(text, constants)
    except SchemaError as exc:
        raise SchemaError(f"{what} {p.name}: {exc}") from None


def describe(value: Any) -> str:
    """A short rendering of ``value`` for messages."""
    text = json.dumps(value) if isinstance(value, (str, bool, type(None))) else repr(value)
    if isinstance(value, (dict, list)):
        text = f"a {'list' if isinstance(value, list) else 'dictionary'}"
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(where: str, expected: str, value: Any) -> SchemaError:
    return SchemaError(f"{where}: expected {expected}, got {describe(value)}")


def get(d: dict, key: str, where: str, default: Any = _MISSING) -> Any:
    """``d[key]``; a missing key is an error unless ``default`` is given."""
    if key in d:
        return d[key]
    if default is _MISSING:
        raise SchemaError(f"{where}: missing {key!r}")
    return default


def obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, "a dictionary", value)
    return value


def array(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise _fail(where, "a list", value)
    return value


def string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, "a string", value)
    return value


def boolean(value: Any, where: str) -> bool:
    """Only JSON ``true``/``false``: the string ``"false"`` is not a boolean."""
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


def number(value: Any, where: str, lo: float = -math.inf, hi: float = math.inf) -> float:
    """A finite JSON number in ``[lo, hi]`` as a float (``true`` is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(where, "a number", value)
    if isinstance(value, int) and abs(value) > 1e300:
        raise _fail(where, "a number of sensible size", value)
    f = float(value)
    if not math.isfinite(f):
        raise _fail(where, "a finite number", value)
    if not lo <= f <= hi:
        raise SchemaError(f"{where}: {f:g} is outside [{lo:g}, {hi:g}]")
    return f


def integer(value: Any, where: str, lo: int = -(2**53), hi: int = 2**53) -> int:
    """A JSON integer in ``[lo, hi]`` (``2.0`` is accepted, ``2.5`` and ``true`` are not)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "a whole number", value)
    if not lo <= value <= hi:
        raise SchemaError(f"{where}: {value} is outside [{lo}, {hi}]")
    return value


def seconds(value: Any, where: str) -> float:
    """A time or duration in seconds: finite, not negative, at most :data:`MAX_SECONDS`."""
    return number(value, where, 0.0, MAX_SECONDS)


def span(start: Any, end: Any, where: str) -> tuple[float, float]:
    """A ``start < end`` pair of times in seconds."""
    s, e = seconds(start, f"{where}.start"), seconds(end, f"{where}.end")
    if not e > s:
        raise SchemaError(f"{where}: end {e:g} s is not after start {s:g} s")
    return s, e


def shallow(value: Any, where: str, limit: int = MAX_DEPTH) -> Any:
    """``value`` unchanged when it nests at most ``limit`` levels (checked without recursion)."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if depth > limit:
            raise SchemaError(f"{where}: nested deeper than {limit} levels")
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
    return value


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (nested uses are fine).

    Reading a large file makes millions of small objects; each time their number grows by a
    quarter, CPython scans all of them again, which made a 27 MB project take most of its
    opening time in the collector. Nothing read here forms reference cycles.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
