"""Hand edits of a project applied to highlights read from disk (``avhd export``, ``find``).

The editor's kept, discarded, added and trimmed segments live in the library's
``avhd_project.json``, not in the ``NAME.highlights.json`` files; commands that export those
files look for the project beside them (the folder itself, then up to two folders above:
``FOLDER/avhd_highlights`` belongs to ``FOLDER``) and take each hand-edited video's segments.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.project import PROJECT_FILENAME, Project, ProjectError

log = logging.getLogger(__name__)


def find_project(start: str | Path) -> Path | None:
    """The nearest ``avhd_project.json`` at ``start`` or up to two folders above it."""
    p = Path(start).resolve()
    folder = p if p.is_dir() else p.parent
    for d in [folder, *list(folder.parents)[:2]]:
        if (d / PROJECT_FILENAME).is_file():
            return d / PROJECT_FILENAME
    return None


def apply_project_edits(highlights: list, project_path: str | Path | None) -> int:
    """Replace the segments of every hand-edited video by the project's; returns how many.

    A project that cannot be read is reported with a warning and changes nothing.
    """
    if project_path is None:
        return 0
    try:
        project = Project.load(project_path)
    except ProjectError as exc:
        log.warning("hand edits not used: %s", exc)
        return 0
    n = 0
    for hl in highlights:
        state = project.videos.get(project.key(hl.path))
        if state is not None and state.edited:
            hl.segments = list(state.segments)
            n += 1
    return n
