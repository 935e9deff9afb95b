"""The notices of a month: one bilingual plain-text e-mail per alliance with a warn or fail,
and the ``.eml`` drafts the office reads before anything is sent."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.profiles import Alliance
from alliance_portal.registry.report_contract import NOTICES_DIR, STATUS_WORDS
from alliance_portal.registry.smtp import header_text
from monitor.model import Code
from monitor.notices.advice import advice
from monitor.notices.findings import found, where
from monitor.reports.labels import CHECK_LABELS, CHECKS, STATUS_LABELS
from monitor.reports.view import MonthReport, ReportRow

DEFAULT_SENDER = "產學小聯盟計畫辦公室 <alliance-monitor@localhost>"
#: The result in the subject line: the report's status word in Chinese, what to do in English.
_SUBJECT_RESULT = {
    "fail": Bilingual(STATUS_WORDS["fail"].zh, "action needed"),
    "warn": Bilingual(STATUS_WORDS["warn"].zh, "please check"),
}
_NEXT_MONTH = Bilingual("下個月", "next month")
#: The drafts' README.txt: its headings, each "中文 English" on one line.
_DRAFTS_TITLE = Bilingual("產學小聯盟網站檢查通知（草稿）", "Alliance website notices (drafts)")
_TO_BE_SENT = Bilingual("將寄出", "To be sent:")
_NO_CONTACT = Bilingual("缺少聯絡信箱，無法寄送", "No contact e-mail, cannot be sent:")
_ADD_CONTACT = Bilingual(
    "→ 請在 content/alliances/<slug>.toml 加上 contact_email。",
    "Add contact_email to content/alliances/<slug>.toml.",
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One warn/fail check as the e-mail shows it: what was found (by its code, in words a
    professor understands), where, and what to do. The check's machine evidence is not here:
    it stays in the office's report (see :mod:`monitor.notices.findings`)."""

    label: Bilingual  # the check's name
    status: Bilingual  # its status word
    code: Code
    found: Bilingual  # what was found, each language in its own half
    where: str  # the URL it is about
    fix: Bilingual


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice for one alliance; ``message`` is None when there is nobody to send it to."""

    slug: str
    name: str
    recipient: str
    message: EmailMessage | None
    problems: tuple[Problem, ...]
    update_link: str = ""  # the PI's own link to the form, only in a notice to the PI


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
                label=CHECK_LABELS[name],
                status=STATUS_LABELS[view.status],
                code=view.code,
                found=found(view),
                where=where(view, row.url, row.final_url if name == "loads" else None),
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
    update_link: str = "",
    contact: str = "",
) -> EmailMessage:
    """One bilingual plain-text notice (plain text: evidence from the internet stays inert).

    ``update_link`` is the PI's own link to the form, given only for a notice to the PI's
    address (otherwise the notice says the PI can update with their link); ``contact`` is the
    office's contact line, left out when empty. Names are made one line (:func:`header_text`):
    a profile from before validation may hold a line break, which no header may."""
    body = _template().render(
        update_link=update_link,
        contact=contact,
        r=report,
        row=row,
        name=header_text(row.name),
        name_en=header_text(row.name_en),
        contact_address=parseaddr(contact)[1] or contact,
        problems=problems,
        passed=[CHECK_LABELS[c] for c in CHECKS if row.checks[c].status == "pass"],
        site_down=site_down(row),
        next_check=Bilingual.same(next_check.isoformat()) if next_check else _NEXT_MONTH,
    )
    msg = EmailMessage()
    worst = _SUBJECT_RESULT["fail" if row.overall == "fail" else "warn"]
    # each half names the alliance in its own language (the English name when the profile has
    # one), so a reader of either half knows which alliance the letter is about
    name_en = header_text(row.name_en)
    subject = Bilingual(
        f"【產學小聯盟網站檢查】{header_text(row.name)} {report.month} 結果：{worst.zh}",
        f"Alliance website check {report.month}{', ' + name_en if name_en else ''}: {worst.en}",
    )
    msg["Subject"] = subject.joined()
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
    update_link: Callable[[str, str], str] | None = None,
    contact: str = "",
) -> NoticePlan:
    """A notice for every active alliance with a warn or fail in ``report``.

    ``update_link(slug, recipient)`` gives the PI's personal link when ``recipient`` is the
    PI's own address as the office recorded it, else "" (the composition root makes it from
    the form's links; the monitor never imports the form): a notice goes to the profile's
    ``contact_email``, which the alliance edits, so it must not carry the PI's rights to
    whoever set that address. ``contact`` is the office's contact line; by default the
    Reply-To address, else the sender's. An alliance the office made inactive is never
    written to."""
    wanted = set(only) if only else None
    contact = contact or reply_to or sender or ""
    plan = NoticePlan(report.month)
    for row in report.rows:
        if row.overall == "pass" or (wanted is not None and row.slug not in wanted):
            continue
        profile = alliances.get(row.slug)
        if profile is not None and not profile.active:
            continue  # taken off the portal: never written to
        problems = problems_of(row)
        recipient = profile.contact_email.strip() if profile else ""
        if not recipient:
            plan.missing_contact.append(Notice(row.slug, row.name, "", None, problems))
            continue
        link = update_link(row.slug, recipient) if update_link else ""
        message = build_message(
            report,
            row,
            problems,
            recipient=recipient,
            sender=sender or DEFAULT_SENDER,
            reply_to=reply_to,
            next_check=next_check if next_check is not None else report.next_check,
            update_link=link,
            contact=contact,
        )
        plan.notices.append(Notice(row.slug, row.name, recipient, message, problems, link))
    return plan


def eml_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=SMTP_POLICY)


def write_drafts(plan: NoticePlan, month_dir: Path) -> Path:
    """Dry run: every notice as ``notices/<slug>.eml`` plus ``notices/README.txt`` listing them."""
    folder = month_dir / NOTICES_DIR
    lines = [
        f"{_DRAFTS_TITLE.joined(' ')} {plan.month}",
        "",
        f"{_TO_BE_SENT.joined(' ')} {len(plan.sendable)}",
    ]
    for notice in plan.sendable:
        assert notice.message is not None
        atomic_write(folder / f"{notice.slug}.eml", eml_bytes(notice.message))
        lines.append(f"  {notice.slug}.eml  {notice.name} <{notice.recipient}>")
    lines += [
        "",
        f"{_NO_CONTACT.joined(' ')} {len(plan.missing_contact)}",
    ]
    for notice in plan.missing_contact:
        checks = ", ".join(f"{p.label.en} {p.status.en}" for p in notice.problems)
        lines.append(f"  {notice.slug}  {notice.name}  ({checks})")
    if plan.missing_contact:
        lines.append(f"  {_ADD_CONTACT.joined(' ')}")
    atomic_write(folder / "README.txt", ("\n".join(lines) + "\n").encode("utf-8"))
    return folder
