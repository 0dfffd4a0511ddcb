import os

import pytest

from core.fileio import atomic_path, write_json_atomic


def test_atomic_write_leaves_target_untouched_on_error(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_atomic_write_uses_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_json_atomic(tmp_path / "a" / "b.json", {"x": 1})
    finally:
        os.umask(old)
    assert path.read_text().strip().startswith("{")
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
