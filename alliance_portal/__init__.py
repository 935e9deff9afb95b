"""Portal side of the alliance project: registry of profiles, banner rules, Pelican plugin, CLI.

Public API::

    from alliance_portal import load_registry, Alliance, Problem, Industry

The names load on first use (:func:`__getattr__`): the registry loads Pillow for the banner
rules, and a command that never reads a profile (``alliance crawl --help``, ``alliance
schedule``) should not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alliance_portal.registry.profiles import Alliance, Problem, RegistryResult, load_registry
    from alliance_portal.registry.site_settings import DEFAULT_INDUSTRIES, Industry

_PUBLIC = {
    "Alliance": "alliance_portal.registry.profiles",
    "Problem": "alliance_portal.registry.profiles",
    "RegistryResult": "alliance_portal.registry.profiles",
    "load_registry": "alliance_portal.registry.profiles",
    "DEFAULT_INDUSTRIES": "alliance_portal.registry.site_settings",
    "Industry": "alliance_portal.registry.site_settings",
}

__all__ = [
    "DEFAULT_INDUSTRIES",
    "Alliance",
    "Industry",
    "Problem",
    "RegistryResult",
    "load_registry",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'alliance_portal' has no attribute {name!r}")
