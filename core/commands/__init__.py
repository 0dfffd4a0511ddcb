"""Subcommands of the ``avhd`` command line (see ``core.cli``)."""
