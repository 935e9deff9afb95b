"""``alliance notify``: e-mail each alliance whose website needs work, in zh-TW and English.

A notice says what failed, the evidence, how to fix it and when the next check is. Dry run is
the default: the messages are written as ``.eml`` files into ``reports/<YYYY-MM>/notices/`` for
the office to read (any mail client opens them). ``--send`` delivers them over SMTP and records
each one in table ``notices_sent``; an alliance is never sent the same month's notice twice,
even if the command is run again or crashes half-way:

    row 'sending' committed ─> SMTP accepts ─> row 'sent'
                           └─> SMTP refuses  ─> row deleted (a later run tries again)

A crash between "SMTP accepts" and "row sent" leaves 'sending': the notice *may* have gone out,
so it is not sent again automatically; ``--resend SLUG`` sends it deliberately.

SMTP host, port, user, STARTTLS and sender come from :class:`monitor.config.SmtpSettings`
(``[smtp]`` in monitor.toml or ``ALLIANCE_SMTP_*`` environment variables; the password only
from ``ALLIANCE_SMTP_PASSWORD``).
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, parseaddr
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.profiles import Alliance
from monitor.config import SMTP_PASSWORD_ENV, SmtpSettings
from monitor.model import Code
from monitor.reports.month import (
    CHECK_LABELS,
    CHECKS,
    STATUS_LABELS,
    CheckView,
    MonthReport,
    ReportRow,
)
from monitor.rules.vocabulary import UPDATE_PASS_DAYS
from monitor.store import Store

log = logging.getLogger(__name__)

DEFAULT_SENDER = "產學小聯盟計畫辦公室 <alliance-monitor@localhost>"
NOTICE_DIR = "notices"
SENT_TABLE = "notices_sent"


# -- how to fix ---------------------------------------------------------------------------

_FIX_SERVER = Bilingual(
    "請確認網站主機正常運作、網域未過期，且首頁有實際內容（不是伺服器預設頁或網域停放頁）。"
    "若網址已變更，請更新登錄的網站網址。",
    "Make sure the web server is running, the domain has not expired and the homepage has"
    " real content (not a server default page or a parked domain). If the address changed,"
    " update the website in your profile.",
)
_FIX_TLS = Bilingual(
    "請更新網站的 HTTPS 憑證並安裝完整的中繼憑證，且憑證名稱須與網址相符。",
    "Renew the site's HTTPS certificate, install the full intermediate chain and make"
    " sure the certificate matches the address.",
)
_FIX_CONTENT = Bilingual(
    "首頁目前是空白頁、伺服器預設頁或檔案目錄清單：請放上聯盟網站的首頁內容。"
    "若網址已變更，請更新登錄的網站網址。",
    "The homepage is empty, a server default page or a directory listing: put the alliance's"
    " homepage online. If the address changed, update the website in your profile.",
)
_FIX_BY_HAND = Bilingual(
    "本次無法自動判定，計畫辦公室會以人工確認；若網站需要特殊瀏覽方式才能顯示內容，請回覆本信說明。",
    "This could not be judged automatically; the programme office will look by hand. If your"
    " site needs anything special to show its content, please reply to this e-mail.",
)

#: The advice in a notice, chosen by the finding's code (never by its wording).
ADVICE: dict[Code, Bilingual] = {
    **dict.fromkeys(
        (
            Code.DNS,
            Code.REFUSED,
            Code.RESET,
            Code.TIMEOUT,
            Code.CONNECTION,
            Code.BLOCKED,
            Code.HTTP_ERROR,
            Code.REDIRECT_LOOP,
            Code.TOO_MANY_REDIRECTS,
            Code.BAD_REDIRECT,
            Code.BAD_URL,
            Code.BAD_ENCODING,
            Code.NOT_HTML,
            Code.PARKED,
            Code.STOPPED,
        ),
        _FIX_SERVER,
    ),
    **dict.fromkeys(
        (
            Code.TLS_FAILED,
            Code.TLS_EXPIRED,
            Code.TLS_NOT_YET_VALID,
            Code.TLS_SELF_SIGNED,
            Code.TLS_HOSTNAME,
            Code.TLS_UNTRUSTED,
            Code.TLS_REVOKED,
            Code.TLS_INVALID,
        ),
        _FIX_TLS,
    ),
    **dict.fromkeys((Code.EMPTY_PAGE, Code.DEFAULT_PAGE, Code.DIRECTORY_LISTING), _FIX_CONTENT),
    Code.OTHER_HOST: Bilingual(
        "首頁會轉址到其他網站。若網址已變更，請透過資料更新連結更新登錄的網站網址；否則請移除轉址。",
        "The homepage redirects to another site. If your address changed, update the"
        " website in your profile (use your personal update link); otherwise remove the redirect.",
    ),
    **dict.fromkeys(
        (Code.SCHEME_CHANGED, Code.HTTPS_TO_HTTP),
        Bilingual(
            "請確認登錄的網址（http 或 https）與實際可連線的網址一致。",
            "Make sure the registered address (http or https) is the one that works.",
        ),
    ),
    **dict.fromkeys((Code.NOT_RENDERED, Code.INTERNAL_ERROR, Code.NOT_CHECKED), _FIX_BY_HAND),
    Code.CREDIT_NONE: Bilingual(
        "請在首頁（例如頁尾）以文字加上「科技部計畫補助」或「國科會補助」字樣。",
        'Add the words 「科技部計畫補助」 (or 「國科會補助」, "Sponsored by NSTC") to the'
        " homepage as text, for example in the footer.",
    ),
    Code.CREDIT_IMAGE_ONLY: Bilingual(
        "補助標示目前只在圖片中，請以文字標示，或為圖片加上替代文字（alt）「科技部計畫補助」。",
        "The credit is only inside an image: add it as text, or give the image the alt text"
        " 「科技部計畫補助」.",
    ),
    Code.CREDIT_OTHER_PAGE: Bilingual(
        "補助標示目前只出現在其他頁面，請放在首頁（例如頁尾）。",
        "The credit is only on another page: put it on the homepage, for example in the footer.",
    ),
    Code.CREDIT_NAME_ONLY: Bilingual(
        "首頁只出現機關名稱（例如「科技部產學小聯盟」），請加上補助字樣，例如「科技部計畫補助」。",
        "The homepage names the funder without saying it funds you (e.g. only the programme"
        ' name): add a phrase such as 「科技部計畫補助」 or "Sponsored by NSTC".',
    ),
}

#: Advice for a stored result without a code (before codes existed): one per check.
FALLBACK_ADVICE: dict[str, Bilingual] = {
    "loads": _FIX_SERVER,
    "credit": ADVICE[Code.CREDIT_NONE],
}


def _updates_advice(view: CheckView) -> Bilingual:
    """Post dated news: the same advice for every updates finding, with the newest date found."""
    latest = view.fact("latest_date")
    return Bilingual(
        "請在首頁或首頁連結的「最新消息」頁張貼附日期的消息（例如 2026-05-03 或 115年5月3日），並定期更新"
        f"（最新消息在 {UPDATE_PASS_DAYS} 天內即通過）。"
        + (
            f"目前找到的最新日期為 {latest}。"
            if latest
            else "目前在首頁與最新消息頁找不到任何日期。"
        ),
        "Post news with a date (e.g. 2026-05-03 or 115年5月3日) on the homepage or on the news"
        " page it links to (最新消息 / News), and keep it up to date (news at most"
        f" {UPDATE_PASS_DAYS} days old passes). "
        + (
            f"The newest date we found is {latest}."
            if latest
            else "We found no dates on the homepage or the news page."
        ),
    )


def advice(view: CheckView) -> Bilingual:
    """The advice for one warn/fail check, chosen by its code."""
    if view.code in ADVICE:
        return ADVICE[view.code]
    if view.name == "updates":
        return _updates_advice(view)
    return FALLBACK_ADVICE.get(view.name, _FIX_BY_HAND)


# -- messages -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One warn/fail check as the e-mail shows it."""

    label_zh: str
    label_en: str
    status_zh: str
    status_en: str
    code: Code
    reason: Bilingual  # the finding, each language in its own section
    evidence: str
    facts: tuple[tuple[str, str, str], ...]  # (zh-TW label, English label, value)
    fix: Bilingual


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice for one alliance; ``message`` is None when there is nobody to send it to."""

    slug: str
    name: str
    recipient: str
    message: EmailMessage | None
    problems: tuple[Problem, ...]


@dataclass(slots=True)
class NoticePlan:
    """Every notice of a month, and the alliances we cannot reach."""

    month: str
    notices: list[Notice] = field(default_factory=list)
    missing_contact: list[Notice] = field(default_factory=list)  # warn/fail, no contact_email

    @property
    def sendable(self) -> list[Notice]:
        return [n for n in self.notices if n.message is not None]


@cache
def _template() -> Any:
    env = Environment(
        autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    text = (
        resources.files("monitor.reports.templates")
        .joinpath("notice.txt")
        .read_text(encoding="utf-8")
    )
    return env.from_string(text)


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def site_down(row: ReportRow) -> bool:
    """The homepage did not load, so credit and updates could not really be checked."""
    return row.checks["loads"].status == "fail"


def problems_of(row: ReportRow) -> tuple[Problem, ...]:
    """The checks to explain. When the site is down only that is explained: advice about the
    funding credit or news for a page nobody could read would only confuse."""
    out = []
    for name in ("loads",) if site_down(row) else CHECKS:
        view = row.checks[name]
        if view.status == "pass":
            continue
        out.append(
            Problem(
                label_zh=CHECK_LABELS[name][0],
                label_en=CHECK_LABELS[name][1],
                status_zh=STATUS_LABELS[view.status][0],
                status_en=STATUS_LABELS[view.status][1],
                code=view.code,
                reason=Bilingual(_one_line(view.message.zh), _one_line(view.message.en)),
                evidence=_one_line(view.evidence) if view.evidence != view.reason else "",
                facts=tuple((f.label.zh, f.label.en, _one_line(f.value, 200)) for f in view.facts),
                fix=advice(view),
            )
        )
    return tuple(out)


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def build_message(
    report: MonthReport,
    row: ReportRow,
    problems: tuple[Problem, ...],
    *,
    recipient: str,
    sender: str,
    reply_to: str = "",
    next_check: date | None,
) -> EmailMessage:
    """One bilingual plain-text notice (plain text: evidence from the internet stays inert)."""
    body = _template().render(
        r=report,
        row=row,
        name_en=row.name_en or row.name,
        problems=problems,
        passed=[CHECK_LABELS[c] for c in CHECKS if row.checks[c].status == "pass"],
        site_down=site_down(row),
        next_check=next_check.isoformat() if next_check else "下個月 next month",
    )
    msg = EmailMessage()
    worst = "未通過" if row.overall == "fail" else "待確認"
    worst_en = "action needed" if row.overall == "fail" else "please check"
    msg["Subject"] = (
        f"【產學小聯盟網站檢查】{row.name} {report.month} 結果：{worst}"
        f" / Alliance website check {report.month}: {worst_en}"
    )
    msg["From"] = sender
    msg["To"] = recipient
    if reply_to:
        msg["Reply-To"] = reply_to
    digest = hashlib.sha256(f"{report.month}\n{row.slug}\n{body}".encode()).hexdigest()[:16]
    msg["Message-ID"] = f"<notice.{report.month}.{row.slug}.{digest}@{_domain(sender)}>"
    msg["X-Alliance-Notice"] = f"{report.month} {row.slug}"
    msg.set_content(body, charset="utf-8")
    msg["Content-Language"] = "zh-TW, en"  # after set_content, which resets Content-* headers
    return msg


def plan_notices(
    report: MonthReport,
    alliances: Mapping[str, Alliance],
    *,
    sender: str = "",
    reply_to: str = "",
    next_check: date | None = None,
    only: Iterable[str] | None = None,
) -> NoticePlan:
    """A notice for every alliance with a warn or fail in ``report``."""
    wanted = set(only) if only else None
    plan = NoticePlan(report.month)
    for row in report.rows:
        if row.overall == "pass" or (wanted is not None and row.slug not in wanted):
            continue
        problems = problems_of(row)
        profile = alliances.get(row.slug)
        recipient = profile.contact_email if profile else ""
        if not recipient:
            plan.missing_contact.append(Notice(row.slug, row.name, "", None, problems))
            continue
        message = build_message(
            report,
            row,
            problems,
            recipient=recipient,
            sender=sender or DEFAULT_SENDER,
            reply_to=reply_to,
            next_check=next_check if next_check is not None else report.next_check,
        )
        plan.notices.append(Notice(row.slug, row.name, recipient, message, problems))
    return plan


def eml_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=SMTP_POLICY)


def write_drafts(plan: NoticePlan, month_dir: Path) -> Path:
    """Dry run: every notice as ``notices/<slug>.eml`` plus ``notices/README.txt`` listing them."""
    folder = month_dir / NOTICE_DIR
    lines = [
        f"產學小聯盟網站檢查通知（草稿） Alliance website notices (drafts) {plan.month}",
        "",
        f"將寄出 To be sent: {len(plan.sendable)}",
    ]
    for notice in plan.sendable:
        assert notice.message is not None
        atomic_write(folder / f"{notice.slug}.eml", eml_bytes(notice.message))
        lines.append(f"  {notice.slug}.eml  {notice.name} <{notice.recipient}>")
    lines += [
        "",
        f"缺少聯絡信箱，無法寄送 No contact e-mail, cannot be sent: {len(plan.missing_contact)}",
    ]
    for notice in plan.missing_contact:
        checks = ", ".join(f"{p.label_en} {p.status_en}" for p in notice.problems)
        lines.append(f"  {notice.slug}  {notice.name}  ({checks})")
    if plan.missing_contact:
        lines.append(
            "  → 請在 content/alliances/<slug>.toml 加上 contact_email。"
            " Add contact_email to content/alliances/<slug>.toml."
        )
    atomic_write(folder / "README.txt", ("\n".join(lines) + "\n").encode("utf-8"))
    return folder


# -- sending --------------------------------------------------------------------------------


class SentLog:
    """Table ``notices_sent``: one row per alliance and month that was (being) sent."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.connect() as db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {SENT_TABLE} ("
                " month TEXT NOT NULL, slug TEXT NOT NULL, recipient TEXT NOT NULL,"
                " message_id TEXT NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL,"
                " PRIMARY KEY (month, slug))"
            )

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).replace(microsecond=0).isoformat()

    def state(self, month: str, slug: str) -> str | None:
        with self.store.connect() as db:
            row = db.execute(
                f"SELECT state FROM {SENT_TABLE} WHERE month = ? AND slug = ?", (month, slug)
            ).fetchone()
        return row["state"] if row else None

    def claim(self, month: str, slug: str, recipient: str, message_id: str, *, force: bool) -> bool:
        """Record 'sending' unless a row exists (or ``force``). True if we may send now."""
        with self.store.connect() as db:
            if force:
                db.execute(f"DELETE FROM {SENT_TABLE} WHERE month = ? AND slug = ?", (month, slug))
            cur = db.execute(
                f"INSERT OR IGNORE INTO {SENT_TABLE} (month, slug, recipient, message_id, state, updated_at)"
                " VALUES (?, ?, ?, ?, 'sending', ?)",
                (month, slug, recipient, message_id, self._now()),
            )
        return cur.rowcount == 1

    def mark_sent(self, month: str, slug: str) -> None:
        with self.store.connect() as db:
            db.execute(
                f"UPDATE {SENT_TABLE} SET state = 'sent', updated_at = ? WHERE month = ? AND slug = ?",
                (self._now(), month, slug),
            )

    def release(self, month: str, slug: str) -> None:
        with self.store.connect() as db:
            db.execute(f"DELETE FROM {SENT_TABLE} WHERE month = ? AND slug = ?", (month, slug))

    def rows(self, month: str) -> list[dict[str, str]]:
        with self.store.connect() as db:
            rows = db.execute(
                f"SELECT * FROM {SENT_TABLE} WHERE month = ? ORDER BY slug", (month,)
            ).fetchall()
        return [dict(r) for r in rows]


@dataclass(slots=True)
class SendResult:
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)  # 'sending' left by a crash
    failed: dict[str, str] = field(default_factory=dict)  # slug -> why


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.use_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=settings.tls_context()
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=settings.tls_context())
            smtp.ehlo()
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp


def send_notices(
    plan: NoticePlan,
    store: Store,
    settings: SmtpSettings,
    *,
    resend: Iterable[str] = (),
) -> SendResult:
    """Send every sendable notice once over one SMTP connection; record each in the database."""
    settings.check_for_sending()
    sent_log = SentLog(store)
    force = set(resend)
    result = SendResult()
    todo = []
    for notice in plan.sendable:
        state = sent_log.state(plan.month, notice.slug)
        if state is not None and notice.slug not in force:
            (result.already_sent if state == "sent" else result.uncertain).append(notice.slug)
        else:
            todo.append(notice)
    if not todo:
        return result
    try:
        smtp = _connect(settings)
    except smtplib.SMTPAuthenticationError as exc:
        why = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        raise ConnectionError(
            f"the SMTP server {settings.host}:{settings.port} refused the login of user"
            f" {settings.user!r} ({exc.smtp_code} {why});"
            f" check [smtp] user / ALLIANCE_SMTP_USER and {SMTP_PASSWORD_ENV}"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise ConnectionError(
            f"cannot reach the SMTP server {settings.host}:{settings.port} ({exc}); check [smtp] in"
            f" monitor.toml, the ALLIANCE_SMTP_* variables and {SMTP_PASSWORD_ENV}"
        ) from exc
    try:
        for notice in todo:
            message = notice.message
            assert message is not None
            if not sent_log.claim(
                plan.month,
                notice.slug,
                notice.recipient,
                str(message["Message-ID"]),
                force=notice.slug in force,
            ):
                result.already_sent.append(notice.slug)  # another process got there first
                continue
            del message["Date"]
            message["Date"] = formatdate(localtime=True)
            recipients = [addr for _, addr in getaddresses([notice.recipient]) if addr]
            try:
                refused = smtp.send_message(message, to_addrs=recipients)
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPDataError,
                smtplib.SMTPSenderRefused,
            ) as exc:
                sent_log.release(plan.month, notice.slug)
                result.failed[notice.slug] = f"{type(exc).__name__}: {exc}"
                continue
            except (OSError, smtplib.SMTPException) as exc:
                sent_log.release(plan.month, notice.slug)
                result.failed[notice.slug] = f"{type(exc).__name__}: {exc}"
                break  # the connection is gone; the rest stay unsent and are tried next time
            if refused:
                log.warning("%s: server refused %s", notice.slug, refused)
            sent_log.mark_sent(plan.month, notice.slug)
            result.sent.append(notice.slug)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return result
