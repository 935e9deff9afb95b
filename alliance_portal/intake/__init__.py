"""The intake web app: alliances update their profile and banner through a personal link.

Public API::

    from alliance_portal.intake import IntakeConfig, create_app

``alliance intake serve`` runs it under waitress; see docs/guide-office.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alliance_portal.intake.app import create_app
    from alliance_portal.intake.config import IntakeConfig

__all__ = ["IntakeConfig", "create_app"]


def __getattr__(name: str) -> Any:
    """Flask loads on first use: the commands that only name the intake's plain records
    (``alliance crawl``, ``alliance schedule``) do not start it."""
    if name == "create_app":
        from alliance_portal.intake.app import create_app

        return create_app
    if name == "IntakeConfig":
        from alliance_portal.intake.config import IntakeConfig

        return IntakeConfig
    raise AttributeError(f"module 'alliance_portal.intake' has no attribute {name!r}")
