"""The office's portal settings (Pelican): what this portal changes from the built-in ones.

Every default (paths, URLs, the theme, no blog) is in ``alliance_portal/portal/pelicanconf.py``,
imported first; write here only what differs. The office edits INDUSTRIES here: (key used in
profiles and URLs, zh-TW name, English name). publishconf.py overrides this for production.
Build with `alliance build` (it validates the registry first), not with plain `pelican`.
"""

from alliance_portal.portal.pelicanconf import *  # noqa: F403

SITENAME = "產學小聯盟入口網"
SITENAME_EN = "Industry-Academia Alliances Portal"

INDUSTRIES = [
    ("biomed", "生醫", "Biomedicine"),
    ("chemistry", "民生化工", "Consumer & Chemical"),
    ("mechatronics", "機電材料", "Mechatronics & Materials"),
    ("civil-energy", "土木能環", "Civil, Energy & Environment"),
    ("ict", "資通訊", "Information & Communications"),
    ("electronics", "電子光電", "Electronics & Optoelectronics"),
]
