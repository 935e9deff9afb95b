"""Production settings: absolute URLs under the portal's public address.

Set SITEURL to where the portal is published (env ALLIANCE_SITEURL overrides it), then run
`alliance build --settings publishconf.py`.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("ALLIANCE_SITEURL", "https://alliances.example.org.tw")
RELATIVE_URLS = False
