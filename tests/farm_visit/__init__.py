"""Realistic alliance websites for "judge what a visitor sees" (issue 10), served on loopback.

Each builder returns the route table of one :class:`tests.farm.Site`: pages built the way real
university sites are (an RPage-like CMS with menus, a news list of ``div.mtitle`` rows, a footer
with address, phone and a visitor counter, noise dates that must not win), wrapped in the way
that makes them hard to judge: a splash page, a frameset, a one-iframe wrapper, a firewall that
refuses non-browsers, a session-cookie redirect, a footer and news list filled in by script, a
credit hidden by a stylesheet, a script that hangs the browser. Nothing here loads anything from
another host. See tests/test_realistic_visit.py for what each is expected to give.
"""

from tests.farm_visit.sites import SITES, VisitSite

__all__ = ["SITES", "VisitSite"]
