"""Production settings: absolute URLs under the portal's public address.

Set SITEURL to where the portal is published (env ALLIANCE_SITEURL overrides it), then run
`alliance build --settings publishconf.py`.
"""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("ALLIANCE_SITEURL", "https://alliances.example.org.tw")
RELATIVE_URLS = False
