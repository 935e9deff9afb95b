"""The office imports its spreadsheet in the console: upload, a dry run that shows every change,
then apply exactly what was shown.

The same import as ``alliance import`` (:mod:`alliance_portal.registry.importer`): each row is
merged over the stored profile, validated, written through the registry's one write path
(previous version kept, atomic, under the alliance's lock) and audited as the office. The
uploaded file waits in ``var/office-imports/`` (mode 0600) between the preview and the apply;
the apply re-runs the dry run and goes ahead only if it still shows the same changes (an
alliance may have saved in between), otherwise it shows the new preview. Every file the office
uploads is untrusted: the spreadsheet reader bounds its size, rows and columns. A PI's e-mail
column is the office's record of where the personal links go, not a profile field: it is
previewed and recorded beside the profiles (:mod:`alliance_portal.intake.office.import_pi`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from alliance_portal.intake.auth_views import office_required
from alliance_portal.intake.messages import PROFILE_FIELDS, Text
from alliance_portal.intake.office.import_pi import PiAddress, pi_column, plan_pi_addresses
from alliance_portal.intake.office.registry_views import shown_value
from alliance_portal.intake.security import client_address
from alliance_portal.intake.services import services
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.importer import ImportResult, import_table
from alliance_portal.registry.spreadsheet import ImportFileError, read_table
from alliance_portal.registry.writer import Actor

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/office/import")

#: The spreadsheet kinds the office's Excel and form exports come in.
SUFFIXES = (".xlsx", ".csv", ".tsv")
FOLDER = "office-imports"
OFFICE_ACTOR = "office"

LABELS = {spec.key: spec.label for spec in PROFILE_FIELDS} | {"active": Text("啟用", "Active")}
ACTIONS = {
    "create": Text("新增", "new"),
    "update": Text("更新", "update"),
    "unchanged": Text("不變", "no change"),
    "error": Text("有問題，不匯入", "problem, not imported"),
}


def _folder() -> Path:
    return services().config.var_dir / FOLDER


def _plan(result: ImportResult, pis: list[PiAddress]) -> str:
    """A fingerprint of what the dry run shows: the apply goes ahead only on the same plan."""
    rows = [
        [o.row, o.slug, o.action, [[c.field, repr(c.old), repr(c.new)] for c in o.changes]]
        for o in result.outcomes
    ]
    rows += [[p.row, p.slug, "pi", p.old, p.new] for p in pis]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


@dataclass(slots=True)
class _Run:
    """One run of the import: the registry's outcome and the PI addresses it records."""

    result: ImportResult
    pis: list[PiAddress]
    pi_header: str | None

    @property
    def changes(self) -> int:
        """How many writes the apply makes: profiles created or updated, PI addresses set."""
        writes = self.result.count("create") + self.result.count("update")
        return writes + sum(1 for p in self.pis if p.new)


def _run(path: Path, *, dry_run: bool, pis: list[PiAddress] | None = None) -> _Run:
    """Import ``path`` (a dry run, or for real recording the previewed ``pis``)."""
    svc = services()
    who = Actor(OFFICE_ACTOR, client_address(), OFFICE_ACTOR)
    table = read_table(path)
    result = import_table(table, path, svc.store.writer, actor=who, dry_run=dry_run)
    if dry_run:
        pis = plan_pi_addresses(table, result, svc.people)
    return _Run(result, pis or [], pi_column(table))


def _record_pi_addresses(run: _Run, name: str) -> None:
    """Record each previewed PI address, as the people page's 儲存 does, audited as the office."""
    svc = services()
    for planned in run.pis:
        if not planned.new:
            continue
        pi = svc.people.set_pi(planned.slug, planned.new, by=OFFICE_ACTOR)
        svc.audit.record(
            actor=OFFICE_ACTOR,
            action="people.pi",
            slug=planned.slug,
            remote_addr=client_address(),
            detail=f"{pi.label} from {name} row {planned.row}",
        )


def _page(run: _Run | None = None, **context: Any) -> str:
    if run is not None:
        context |= {
            "result": run.result,
            "pis": {p.row: p for p in run.pis},
            "n_changes": run.changes,
            "ignored": [h for h in run.result.ignored if h != run.pi_header],
        }
    return render_template(
        "office_import.html", labels=LABELS, actions=ACTIONS, shown=shown_value, **context
    )


def _file_problem(exc: ImportFileError, stored: Path, name: str) -> Text:
    """The refusal in both languages, naming the file as the office uploaded it (once: the
    Chinese half already opens with the name, so the reason's own leading name is dropped)."""
    zh, en = (text.replace(str(stored), name) for text in (exc.text.zh, exc.text.en))
    zh = zh.removeprefix(f"{name}：")
    return Text(f"無法匯入「{name}」，沒有任何變更：{zh}", f"{en}; nothing was imported")


#: An upload never applied is forgotten after a day (the preview said nothing was written).
KEEP_UPLOADS_SECONDS = 24 * 3600


def _forget_old_uploads() -> None:
    now = time.time()
    for path in _folder().glob("*"):
        try:
            if path.is_file() and now - path.stat().st_mtime > KEEP_UPLOADS_SECONDS:
                path.unlink()
        except OSError:
            continue


@bp.get("")
@office_required
def page() -> str:
    return _page()


@bp.post("")
@office_required
def preview() -> tuple[str, int] | str:
    upload = request.files.get("file")
    name = Path(upload.filename or "").name if upload else ""
    suffix = Path(name).suffix.lower()
    if upload is None or not name:
        problem = Text("請選擇要匯入的檔案。", "Choose the file to import.")
        return _page(problem=problem), 422
    if suffix not in SUFFIXES:
        problem = Text(
            f"「{name}」不是 .xlsx 或 .csv 檔；請在 Excel 另存為「Excel 活頁簿 (.xlsx)」或「CSV UTF-8」。",
            f"{name} is not an .xlsx or .csv file; save it from Excel as an Excel Workbook (.xlsx) "
            "or CSV UTF-8.",
        )
        return _page(problem=problem), 422
    _forget_old_uploads()
    token = secrets.token_urlsafe(16)
    stored = _folder() / f"{token}{suffix}"
    atomic_write(stored, upload.read(), mode=0o600)
    try:
        run = _run(stored, dry_run=True)
    except ImportFileError as exc:
        stored.unlink(missing_ok=True)
        return _page(problem=_file_problem(exc, stored, name)), 422
    return _page(run, token=token, suffix=suffix, name=name, plan=_plan(run.result, run.pis))


@bp.post("/apply")
@office_required
def apply() -> Response | tuple[str, int] | str:
    svc = services()
    token, suffix = request.form.get("token", ""), request.form.get("suffix", "")
    name = Path(request.form.get("name", "")).name
    if not token.replace("-", "").replace("_", "").isalnum() or suffix not in SUFFIXES:
        return _page(
            problem=Text(
                "這次匯入已失效，請重新上傳檔案。", "This import expired; upload the file again."
            )
        ), 422
    stored = _folder() / f"{token}{suffix}"
    if not stored.is_file():
        problem = Text(
            "這次匯入已套用或已失效，請重新上傳檔案。",
            "This import was applied already or expired; upload the file again.",
        )
        return _page(problem=problem), 422
    try:
        again = _run(stored, dry_run=True)
        if _plan(again.result, again.pis) != request.form.get("plan"):
            changed = Text(
                "預覽之後資料已有變動（例如聯盟剛好儲存），以下是最新的預覽；請再檢查一次後套用。",
                "The registry changed since the preview (an alliance saved, say); this is the new "
                "preview: check it again, then apply.",
            )
            return _page(
                again,
                token=token,
                suffix=suffix,
                name=name,
                plan=_plan(again.result, again.pis),
                problem=changed,
            ), 409
        done = _run(stored, dry_run=False, pis=again.pis)
    except ImportFileError as exc:
        return _page(problem=_file_problem(exc, stored, name)), 422
    stored.unlink(missing_ok=True)
    _record_pi_addresses(done, name)
    if done.result.count("create") or done.result.count("update"):
        svc.rebuilder.request()
    return _page(done, applied=True, name=name)
