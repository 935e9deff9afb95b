"""Templates and static assets of the monitor's reports and notices (package data, no code).

A package so that ``importlib.resources`` finds them in an installed wheel as well as in a
checkout: ``report.html``, ``months.html``, ``report.css``, ``report.js``, ``notice.txt``.
"""
