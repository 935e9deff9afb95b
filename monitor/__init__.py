"""The monthly website monitor: fetch every alliance's homepage and judge it against RULES.md.

Modules, one concern each: ``model`` (result records and the JSON shape), ``fetch`` (HTTP with
retries, caps, TLS classification and the SSRF guard), ``text`` (decoding and visible text),
``credit``, ``dates``, ``updates``, ``loads`` (the three checks), ``store`` (SQLite history),
``crawl`` (running a whole crawl), ``commands`` (the CLI).
"""
