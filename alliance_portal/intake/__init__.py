"""The intake web app: alliances update their profile and banner through a personal link.

Public API::

    from alliance_portal.intake import IntakeConfig, create_app

``alliance intake serve`` runs it under waitress; see docs/guide-office.md.
"""

from alliance_portal.intake.app import create_app
from alliance_portal.intake.config import IntakeConfig

__all__ = ["IntakeConfig", "create_app"]
