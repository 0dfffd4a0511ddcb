"""Shared test fixtures.

* Every test gets its own empty feature cache (``AVHD_CACHE_DIR``), so tests never touch
  the user's real cache.
* A test fails when it leaves a non-daemon thread running, or when something logs at
  ERROR level (mark a test ``@pytest.mark.allow_error_log`` when that is expected).
* ``synth_media(name, **kwargs)`` makes a synthetic video once per session (see
  ``tests/synth.py``) and returns its path.
* ``shared_media`` is the folder of real clips (``../shared/media``); tests using it skip
  when it is absent.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:  # ``import synth`` works under any import mode
    sys.path.insert(0, str(TESTS_DIR))

SHARED_MEDIA = TESTS_DIR.parent.parent / "shared" / "media"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_error_log: the test may log at ERROR level without failing"
    )


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AVHD_CACHE_DIR", str(tmp_path_factory.mktemp("avhd-cache")))


@pytest.fixture(autouse=True)
def _no_dangling_threads():
    before = set(threading.enumerate())
    yield
    left = [
        t
        for t in threading.enumerate()
        if t not in before and not t.daemon and t is not threading.current_thread()
    ]
    for t in left:
        t.join(timeout=5)
    alive = [t.name for t in left if t.is_alive()]
    if alive:
        pytest.fail(f"test left non-daemon threads running: {', '.join(alive)}")


class _ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _no_error_logs(request: pytest.FixtureRequest):
    handler = _ErrorCollector()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("allow_error_log") is None:
        msgs = "; ".join(f"{r.name}: {r.getMessage()}" for r in handler.records[:3])
        pytest.fail(f"unexpected ERROR log: {msgs}")


@pytest.fixture(scope="session")
def synth_media(tmp_path_factory: pytest.TempPathFactory):
    """Factory ``synth_media(filename, **make_video_kwargs) -> Path``, cached per session."""
    from synth import make_video

    folder = tmp_path_factory.mktemp("synth-media")
    made: dict[tuple, Path] = {}

    def make(filename: str, **kwargs) -> Path:
        key = (filename, tuple(sorted(kwargs.items())))
        if key not in made:
            sub = folder / f"v{len(made)}"
            made[key] = make_video(sub / filename, **kwargs)
        return made[key]

    return make


@pytest.fixture
def test_extractors(monkeypatch):
    """Register the small real extractors of ``tests/synth.py`` under their names."""
    from core import features

    monkeypatch.setitem(features._VISUAL, "test-colorhist", "synth:ColorHistogram")
    monkeypatch.setitem(features._AUDIO, "test-bandenergy", "synth:BandEnergy")


@pytest.fixture(scope="session")
def shared_media() -> Path:
    """``../shared/media`` (real clips); skips the test when it is absent."""
    if not SHARED_MEDIA.is_dir():
        pytest.skip("../shared/media is not available")
    return SHARED_MEDIA
