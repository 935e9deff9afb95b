"""The monthly website monitor: fetch every alliance's homepage and judge it against docs/RULES.md.

Modules, one concern each (docs/architecture.md draws the whole map): ``model`` (typed findings
and the JSON shape), ``config`` (settings), ``crawl`` (one month's crawl), ``visit`` and
``homepage`` (one site's check: fetch, follow, render, judge), ``store`` (SQLite history),
``backups`` and ``db_health`` (the database kept safe), and the packages ``fetching`` (HTTP with
deadlines, the SSRF guard, TLS diagnosis, the Chromium renderer), ``rules`` (the three checks:
loads, credit, updates), ``reports`` (the month's files), ``notices`` (e-mails to professors)
and ``schedule`` (the monthly job). The command line is in ``alliance_portal/commands/``.
"""
