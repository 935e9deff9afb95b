"""``alliance notify``: e-mail each alliance whose website needs work, in zh-TW and English.

A notice says, in each language purely, what was found (in words a professor understands, by
the finding's code: :mod:`monitor.notices.findings`), where, how to fix it and when the next
check is; the machine evidence stays in the office's report. Dry run is
the default: the messages are written as ``.eml`` files into ``reports/<YYYY-MM>/notices/`` for
the office to read (any mail client opens them). ``--send`` delivers them over SMTP and records
each one in table ``notices_sent``; an alliance is never sent the same month's notice twice,
even if the command is run again or crashes half-way:

    row 'sending' committed ─> SMTP accepts ─> row 'sent'
                           └─> SMTP refuses  ─> row deleted (a later run tries again)

A crash between "SMTP accepts" and "row sent" leaves 'sending': the notice *may* have gone out,
so it is not sent again automatically; ``--resend SLUG`` sends it deliberately.

SMTP host, port, user, STARTTLS and sender come from :class:`alliance_portal.registry.settings.SmtpSettings`
(``[smtp]`` in monitor.toml or ``ALLIANCE_SMTP_*`` environment variables; the password only
from ``ALLIANCE_SMTP_PASSWORD``).

The modules: :mod:`monitor.notices.findings` (what was found, by code),
:mod:`monitor.notices.advice` (what to do, chosen by the finding's code),
:mod:`monitor.notices.compose` (the e-mails and their drafts), :mod:`monitor.notices.send`
(SMTP, once per alliance and month).
"""
