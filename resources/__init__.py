"""AVHD's bundled data: model weights, icons, style sheets and the demo library.

The repository keeps this folder as ``resources/``; it installs as the package
``avhd_resources`` (``[tool.setuptools.package-dir]`` in pyproject.toml), so it never claims
the generic name ``resources`` in site-packages. Code finds it with :mod:`core.resources`.
"""

AVHD_RESOURCES = True  # marks this folder as AVHD's (core.resources checks it)
