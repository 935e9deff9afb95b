"""Portal side of the alliance project: registry of profiles, banner rules, Pelican plugin, CLI.

Public API::

    from alliance_portal import load_registry, Alliance, Problem, Industry
"""

from alliance_portal.registry.profiles import Alliance, Problem, RegistryResult, load_registry
from alliance_portal.registry.site_settings import DEFAULT_INDUSTRIES, Industry

__all__ = [
    "DEFAULT_INDUSTRIES",
    "Alliance",
    "Industry",
    "Problem",
    "RegistryResult",
    "load_registry",
]
