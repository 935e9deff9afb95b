"""The office's portal settings (Pelican): what this portal changes from the built-in ones.

Every default (paths, URLs, the theme, no blog) is in ``alliance_portal/portal/pelicanconf.py``,
imported first; write here only Pelican's own settings that differ. The industry groups and the
other office settings are in ``alliance.toml`` (``[portal] industries``; docs/operations.md); an
older copy of this file that still sets INDUSTRIES keeps working, and each command says how to
move them. publishconf.py overrides this for production. Build with `alliance build` (it
validates the registry first), not with plain `pelican`.
"""

from alliance_portal.portal.pelicanconf import *  # noqa: F403

SITENAME = "產學小聯盟入口網"
