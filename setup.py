"""Package list for setuptools (everything else is in pyproject.toml).

``core`` and ``avhd_gui`` (with every sub-package, found automatically) and ``avhd``
install under their own names; the repository's ``resources/`` folder installs as
``avhd_resources`` (pyproject.toml's ``[tool.setuptools.package-dir]``), so nothing lands in
site-packages under the generic name ``resources``. pyproject.toml's ``packages`` cannot
combine a search with a renamed folder, hence this file.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["core", "core.*", "avhd_gui", "avhd_gui.*", "avhd"]),
        "avhd_resources",
    ],
)
