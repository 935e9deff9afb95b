"""Subcommands of the ``alliance`` CLI, one module per feature (see alliance_portal.cli)."""
