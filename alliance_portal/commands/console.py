"""The office console's hooks: the monitor's and the portal's functions, wired for the form.

The intake (form + console) never imports the monitor or the portal (docs/architecture.md);
``alliance intake serve`` and ``make demo`` call :func:`office_hooks` here, in the composition
root, and hand the result to ``create_app``. Each hook turns the monitor's records into the
console's plain records (:mod:`alliance_portal.intake.office_hooks`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alliance_portal.commands.update_links import PiLinks, link_maker
from alliance_portal.intake.office_hooks import (
    MonthCrawl,
    NoticeBatch,
    NoticePreview,
    OfficeHooks,
    Progress,
    PublishRecord,
    RecheckOutcome,
    SentNotice,
)
from alliance_portal.portal.publish import PublishLog, PublishSettings
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.report_contract import STATUS_WORDS

if TYPE_CHECKING:
    from alliance_portal.registry.settings import MonitorSettings
    from alliance_portal.registry.site_settings import Industry, PortalIdentity


@dataclass(frozen=True, slots=True)
class ConsoleSetup:
    """Where everything is, for one served console."""

    content_dir: Path
    banners_dir: Path
    output_dir: Path
    var_dir: Path
    #: The settings (alliance.toml and the environment): ``paths.content``,
    #: ``paths.db`` and ``paths.reports`` are the registry, database and reports folder.
    monitor: MonitorSettings
    settings_file: Path | None = None
    #: the industry groups in force (``[portal] industries``; None: from settings_file)
    industries: tuple[Industry, ...] | None = None
    #: the portal's name and tagline (``[portal] name``, ``tagline``; None: the built-in ones)
    identity: PortalIdentity | None = None
    publish_target: PublishSettings | None = None
    #: The PI's link for a notice to the PI's address (None: no public address, no links).
    update_link: PiLinks | None = None
    #: The office's contact line printed in every notice ("" for the settings' reply-to).
    office_contact: str = ""
    search: bool = True


def office_hooks(setup: ConsoleSetup) -> OfficeHooks:
    """Every hook the console can use with this setup."""
    publish_log = PublishLog(setup.var_dir)
    target = setup.publish_target

    def last_published() -> PublishRecord | None:
        entry = publish_log.last()
        return _record(entry) if entry else None

    def last_good_publish() -> PublishRecord | None:
        entry = publish_log.last_good()
        return _record(entry) if entry else None

    def publish(actor: str, progress: Progress) -> PublishRecord:
        from alliance_portal.commands.publish import publish_portal

        assert target is not None
        entry = publish_portal(
            content_dir=setup.content_dir,
            banners_dir=setup.banners_dir,
            output_dir=setup.output_dir,
            var_dir=setup.var_dir,
            target=target,
            actor=actor,
            settings_file=setup.settings_file,
            industries=setup.industries,
            identity=setup.identity,
            search=setup.search,
            step=progress,
        )
        return _record(entry)

    return OfficeHooks(
        reports_dir=setup.monitor.paths.reports,
        recheck=lambda slug, progress: recheck(setup, slug, progress),
        crawl_month=lambda progress: _crawl_month(setup, progress),
        notices=lambda month, send, actor: notices(setup, month, send=send),
        notices_sent=lambda slug: notices_sent(setup, slug),
        publish=publish if target is not None else None,
        last_published=last_published,
        last_good_publish=last_good_publish,
        auto_publish=target is not None and target.auto,
        publish_target=target.target if target is not None else "",
    )


def _record(entry: Any) -> PublishRecord:
    return PublishRecord(
        time=entry.time,
        actor=entry.actor,
        target=entry.target,
        ok=entry.ok,
        message=entry.message,
        files=entry.files,
        started=entry.started,
    )


def _crawl_month(setup: ConsoleSetup, progress: Progress) -> MonthCrawl:
    from alliance_portal.commands.month_crawl import crawl_month

    return crawl_month(
        content_dir=setup.content_dir,
        var_dir=setup.var_dir,
        monitor=setup.monitor,
        progress=progress,
    )


def recheck(setup: ConsoleSetup, slug: str, progress: Progress) -> RecheckOutcome:
    """Crawl one alliance now, in a child process, and rewrite its month's report files.

    The crawl runs outside the form's server (:mod:`alliance_portal.commands.recheck_process`):
    a hostile website can kill the child, not the server. Its run is a ``recheck`` run, which
    never counts as the month's crawl.
    """
    from alliance_portal.commands.recheck_process import RecheckFailed, recheck_in_child
    from alliance_portal.commands.reports import write_month_with_registry
    from monitor.store import Store

    settings = setup.monitor
    today = dt.date.today()
    progress(Bilingual(f"正在檢查 {slug} 的網站", f"checking the website of {slug}"))
    try:
        run_id = recheck_in_child(
            settings.paths, settings.crawl, slug, today, industries=settings.portal.industries
        )
    except RecheckFailed as exc:
        Store(settings.paths.db).close_interrupted()  # its run is over: never resumed
        progress(Bilingual("檢查未完成，本月結果不變", f"the check did not finish: {exc}"))
        raise
    store = Store(settings.paths.db)
    run = store.run(run_id)
    results = store.results(run_id)
    if run is None or not results:
        raise RecheckFailed(
            Bilingual(
                f"{slug} 的檢查沒有存下結果（第 {run_id} 次執行），請查看紀錄",
                f"the check of {slug} stored no result (run {run_id}); see the log",
            )
        )
    result = results[0]
    progress(
        Bilingual(
            f"檢查完成：{STATUS_WORDS[result.overall].zh}，正在更新 {run.month} 報告",
            f"checked: {result.overall}; updating the {run.month} report",
        )
    )
    write_month_with_registry(store, run.month, settings)
    progress(Bilingual("報告已更新", "report updated"))
    return RecheckOutcome(
        slug=slug,
        month=run.month,
        overall=result.overall,
        statuses={
            "loads": result.loads.status,
            "credit": result.credit.status,
            "updates": result.updates.status,
        },
    )


def _cannot_send(setup: ConsoleSetup) -> Bilingual | None:
    """Why sending is impossible here (None when it is possible), in each language."""
    from alliance_portal.registry.settings import ConfigError, check_for_sending

    try:
        check_for_sending(setup.monitor.smtp)
    except ConfigError as exc:
        return Bilingual(
            "無法寄送：寄信設定（alliance.toml 的 [smtp]，或環境變數 ALLIANCE_SMTP_*）還不完整，"
            "請系統管理者補上。下方的預覽已寫成草稿（.eml），放在該月報告的 notices/ 資料夾。",
            f"Cannot send: {exc}. The previews below are written as drafts (.eml) into the"
            " month's notices/ folder.",
        )
    return None


def notices(setup: ConsoleSetup, month: str, *, send: bool) -> NoticeBatch:
    """The month's notices; with ``send``, really send the ones not sent yet."""
    from alliance_portal.commands.reports import publish_notices
    from monitor.notices.send import SentLog
    from monitor.reports.month import ReportError
    from monitor.store import Store

    cannot_send = _cannot_send(setup)
    store = Store(setup.monitor.paths.db)
    try:
        plan, result = publish_notices(
            store,
            month,
            setup.monitor,
            send=send and not cannot_send,
            update_link=setup.update_link,
        )
    except ReportError:
        # No finished crawl of this month (none yet, or a restored database without it).
        return NoticeBatch(
            month,
            (),
            unavailable=Bilingual(
                f"{month} 沒有完成的網站檢查，所以沒有通知可預覽或寄出。請先執行當月的檢查"
                "（alliance crawl），或選擇其他月份。",
                f"{month} has no finished website check, so there are no notices to preview or"
                " send. Run that month's check first (alliance crawl), or pick another month.",
            ),
        )
    sent_log = SentLog(store)
    previews = []
    for notice in [*plan.notices, *plan.missing_contact]:
        message = notice.message
        state = sent_log.state(month, notice.slug)
        sender, subject, body = _as_read(message) if message is not None else ("", "", "")
        previews.append(
            NoticePreview(
                slug=notice.slug,
                name=notice.name,
                recipient=notice.recipient,
                subject=subject,
                body=body,
                state="no-contact" if message is None else (state or "to-send"),  # type: ignore[arg-type]
                update_link=notice.update_link,
                sender=sender,
            )
        )
    previews.sort(key=lambda n: n.slug)
    if result is None:
        return NoticeBatch(month, previews, cannot_send=cannot_send)
    return NoticeBatch(
        month,
        previews,
        sent=tuple(result.sent),
        already_sent=tuple(result.already_sent),
        failed=dict(result.failed),
        cannot_send=cannot_send,
    )


def _as_read(message: Any) -> tuple[str, str, str]:
    """Sender, subject and body of a notice as its recipient reads it: the bytes that are sent,
    parsed back (so the console's preview is the letter, not a second rendering)."""
    from email import message_from_bytes
    from email.policy import default

    from monitor.notices.compose import eml_bytes

    parsed = message_from_bytes(eml_bytes(message), policy=default)
    part = parsed.get_body(("plain",))  # type: ignore[attr-defined]
    body = str(part.get_content()) if part is not None else ""
    return str(parsed["From"] or ""), str(parsed["Subject"] or ""), body


def notices_sent(setup: ConsoleSetup, slug: str) -> Sequence[SentNotice]:
    from monitor.notices.send import SentLog
    from monitor.store import Store

    if not setup.monitor.paths.db.exists():
        return []
    store = Store(setup.monitor.paths.db)
    log = SentLog(store)
    out = []
    for month in reversed(store.months()):
        for row in log.rows(month):
            if row["slug"] == slug:
                out.append(SentNotice(month, row["recipient"], row["state"], row["updated_at"]))
    return out


def add_console_options(parser: Any) -> None:
    """Options of ``alliance intake serve`` for the office console's reports and publishing
    (the monitor settings file is serve's ``--config``, the public address ``--public-url``)."""
    parser.add_argument(
        "--reports",
        type=Path,
        default=None,
        metavar="DIR",
        help="monthly reports folder shown in the console (default: [paths] reports, reports/)",
    )
    parser.add_argument(
        "--publish-config",
        type=Path,
        default=None,
        metavar="FILE",
        help="where `publish` puts the portal (default: $ALLIANCE_PUBLISH_CONFIG, else [publish] of"
        " the settings file, else ./publish.toml when it exists; without one the console's"
        " publish button is off)",
    )


def setup_from_args(args: Any, *, secret: bytes, listen_url: str) -> ConsoleSetup:
    """The console's setup from ``alliance intake serve``'s options and the settings files.

    A settings mistake raises ``ConfigError``/``PublishError`` before the server starts; the
    command line prints it as one line.
    """
    from alliance_portal.commands.options import office_settings
    from alliance_portal.commands.publish import (
        CONFIG_ENV,
        default_publish_config,
        target_settings,
    )

    monitor = office_settings(args.config).override(
        paths={"content": args.content, "reports": args.reports}
    )
    publish_config = args.publish_config
    if publish_config is None:
        env = os.environ.get(CONFIG_ENV)
        publish_config = Path(env) if env else default_publish_config(monitor.source)
    target = target_settings(publish_config, None) if publish_config is not None else None
    public_url = args.public_url or monitor.form.public_url
    from alliance_portal.commands.options import office_industries, settings_file

    return ConsoleSetup(
        content_dir=args.content,
        banners_dir=args.banners,
        output_dir=args.output,
        var_dir=args.var,
        monitor=monitor,
        settings_file=settings_file(args),
        industries=office_industries(args, monitor),
        identity=monitor.portal.identity,
        publish_target=target,
        # Only the configured public address (--public-url, else [form] public_url), never the
        # address the server listens on.
        update_link=link_maker(args.var, secret, public_url) if public_url else None,
        office_contact=monitor.form.office_contact,
        search=not args.no_search,
    )


def serve_hooks(args: Any, *, secret: bytes, listen_url: str) -> OfficeHooks:
    """The console's hooks for ``alliance intake serve``'s options (a settings mistake raises
    its :class:`~alliance_portal.registry.errors.AllianceError`, one line from the CLI)."""
    return office_hooks(setup_from_args(args, secret=secret, listen_url=listen_url))
