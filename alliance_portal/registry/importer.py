"""Import alliance profiles from a spreadsheet (CSV or XLSX), one row per alliance.

The office keeps its master list in Excel and collects updates through form exports; this
turns such a file into ``content/alliances/<slug>.toml`` profiles without hand-editing TOML.

Rules (see docs/import.md for the column-name table):

* Each row is merged into the existing profile: a cell left empty never erases a field.
* Each merged profile is validated with :func:`alliance_portal.registry.profiles.validate_profile`;
  a row with any error is not written, and its errors name the row and the column header.
  Other rows are written, so one typo does not block a 200-row import.
* Every row is written through the registry's one write path
  (:class:`alliance_portal.registry.writer.RegistryWriter`): under the upload form's
  per-alliance lock, the previous version is kept under ``content/.history/<slug>/``, the
  file is written atomically and the audit log names the actor. Unchanged profiles are not
  rewritten.
* Reading the file and naming its columns is :mod:`alliance_portal.registry.spreadsheet`.
* Row numbers are the spreadsheet's own (the header row is row 1 unless title rows precede it),
  so the office can jump straight to the cell.

Exceptions: :class:`~alliance_portal.registry.spreadsheet.ImportFileError` (re-exported here)
when the file as a whole cannot be imported (nothing is written).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.profiles import (
    Problem,
    validate_profile,
)
from alliance_portal.registry.sheet_cells import CellError, cell_text, convert_cell
from alliance_portal.registry.site_settings import (
    KNOWN_KEYS,
    SLUG_PATTERN,
    Industry,
)
from alliance_portal.registry.spreadsheet import (
    SLUG_KEY,
    Table,
    is_blank,
    map_columns,
    read_table,
)
from alliance_portal.registry.writer import Actor, RegistryWriter, Stored

Action = Literal["create", "update", "unchanged", "error"]
_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    old: Any
    new: Any


@dataclass(slots=True)
class RowOutcome:
    """What happened (or, in a dry run, would happen) to one row."""

    row: int
    slug: str
    action: Action
    changes: list[Change] = field(default_factory=list)
    #: Why the row is not imported, in both languages (the CLI prints the English).
    errors: list[Bilingual] = field(default_factory=list)
    path: Path | None = None
    kept: Path | None = None


@dataclass(slots=True)
class ImportResult:
    """Everything the import did, for the CLI to print."""

    source: Path
    encoding: str | None
    columns: dict[str, str]
    ignored: list[str]
    outcomes: list[RowOutcome] = field(default_factory=list)
    dry_run: bool = False

    def count(self, action: Action) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def failed(self) -> bool:
        return any(o.action == "error" for o in self.outcomes)


def suggest_slug(text: str) -> str | None:
    """A valid slug close to ``text`` ("Smart Motor" -> "smart-motor"), if there is one."""
    guess = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKC", text).lower()).strip("-")
    return guess if guess and _SLUG_RE.match(guess) else None


# --- the import ----------------------------------------------------------------------------


class _Unreadable(ValueError):
    """The stored profile cannot be read; the row is refused (raised inside the write path)."""


def _row_slug(
    cells: Sequence[Any], mapping: dict[int, str], column_of: dict[str, str], outcome: RowOutcome
) -> str | None:
    """The row's slug, or None with the reason in ``outcome.errors``."""
    header = column_of[SLUG_KEY]
    where = f"column {header!r}"
    if not outcome.slug:
        outcome.errors.append(
            Bilingual(
                f"「{header}」欄是空的：每個聯盟都需要代號（即檔名），例如 smart-motor",
                f"{where} is empty: give every alliance a slug (its file name), e.g. smart-motor",
            )
        )
        return None
    if not _SLUG_RE.match(outcome.slug):
        guess = suggest_slug(outcome.slug)
        hint = f"did you mean {guess!r}?" if guess else "e.g. smart-motor"
        hint_zh = f"是不是 {guess}？" if guess else "例如 smart-motor"
        outcome.errors.append(
            Bilingual(
                f"「{header}」欄：{outcome.slug!r} 不是有效的代號；只能用小寫英文、數字與連字號（{hint_zh}）",
                f"{where}: {outcome.slug!r} is not a valid slug; use lowercase letters, digits and "
                f"hyphens ({hint})",
            )
        )
        return None
    return outcome.slug


def _problem_errors(
    problems: Iterable[Problem],
    updates: dict[str, Any],
    existing: dict[str, Any],
    column_of: dict[str, str],
    path: Path,
) -> list[Bilingual]:
    """The registry's problems in the spreadsheet's words (column headers, not keys)."""
    errors: list[Bilingual] = []
    for problem in problems:
        fld = problem.field
        message, zh = problem.message.en, problem.message.zh
        # a hint the message already says (the fix of a bad website) is not said twice
        hint = f" ({problem.hint.en})" if problem.hint.en not in message else ""
        hint_zh = f"（{problem.hint.zh}）" if problem.hint.zh not in zh else ""
        if fld in updates:
            errors.append(
                Bilingual(
                    f"「{column_of[fld]}」欄：{zh}{hint_zh}",
                    f"column {column_of[fld]!r} ({fld}): {message}{hint}",
                )
            )
        elif fld is not None and fld in column_of:
            errors.append(
                Bilingual(
                    f"「{column_of[fld]}」欄是空的：{zh}",
                    f"column {column_of[fld]!r} ({fld}) is empty: {message}",
                )
            )
        elif fld is not None and fld in existing:
            errors.append(
                Bilingual(
                    f"{fld}：現有的資料檔 {path} {zh}{hint_zh}；請在表格填入這一格以取代它，或修正該檔案",
                    f"{fld}: {message} in the existing profile {path}{hint}; fill in the "
                    "cell to replace it, or fix the file",
                )
            )
        elif fld is not None:
            errors.append(
                Bilingual(
                    f"{fld}：{zh}；請加一欄「{fld}」並填入這一列",
                    f"{fld}: {message}; add a column {fld!r} and fill it in for this row",
                )
            )
        else:
            errors.append(Bilingual(f"{zh}{hint_zh}", f"{message}{hint}"))
    return errors


def _changes(
    slug: str, existing: dict[str, Any], clean: dict[str, Any], industries: tuple[Industry, ...]
) -> list[Change]:
    # Compare normalised values, so "資通訊" on disk and "ict" in the sheet are no change; a
    # field the old file had wrong is compared (and shown) as it was written.
    old_clean = validate_profile(slug, existing, path="", industries=industries)[0]
    changes = []
    for key in KNOWN_KEYS:
        old = old_clean.get(key, existing.get(key))
        new = clean.get(key)
        if old != new:
            changes.append(Change(key, old, new))
    return changes


def _import_row(
    row: int,
    cells: Sequence[Any],
    mapping: dict[int, str],
    headers: Sequence[str],
    *,
    writer: RegistryWriter,
    actor: Actor,
    source: Path,
    first_row: dict[str, int],
    dry_run: bool,
    now: dt.datetime | None,
) -> RowOutcome:
    """Validate one row merged over the stored profile and, when it changes something, write
    it through the registry's write path (history, atomic write, audit, under the lock)."""
    column_of = {key: headers[i] for i, key in mapping.items()}
    values = {key: cells[i] if i < len(cells) else None for i, key in mapping.items()}
    raw_slug = values.pop(SLUG_KEY)
    outcome = RowOutcome(row, "" if is_blank(raw_slug) else cell_text(raw_slug), "error")
    slug = _row_slug(cells, mapping, column_of, outcome)
    if slug is None:
        return outcome
    if slug in first_row:
        outcome.errors = [
            Bilingual(
                f"代號 {slug!r} 已出現在第 {first_row[slug]} 列；每個聯盟只能出現一次（請合併這兩列）",
                f"slug {slug!r} already appears in row {first_row[slug]}; "
                "each alliance may appear only once (merge the rows)",
            )
        ]
        return outcome
    first_row[slug] = row

    updates: dict[str, Any] = {}
    for key, value in values.items():
        if is_blank(value):
            continue  # an empty cell never erases a field
        try:
            updates[key] = convert_cell(key, value)
        except CellError as exc:
            outcome.errors.append(
                Bilingual(
                    f"「{column_of[key]}」欄：{exc.message.zh}",
                    f"column {column_of[key]!r} ({key}): {exc.message.en}",
                )
            )
    outcome.path = path = writer.profile_path(slug)

    def build(stored: Stored) -> dict[str, Any]:
        if stored.unreadable:
            raise _Unreadable(stored.unreadable)
        return stored.values | updates

    def real_change(stored: Stored, clean: dict[str, Any]) -> bool:
        return bool(_changes(slug, stored.values, clean, writer.industries))

    def detail(stored: Stored) -> str:
        return f"{'update' if stored.exists else 'create'} from {source.name} row {row}"

    try:
        done = writer.save_profile(
            slug,
            build,
            actor=actor,
            action="profile.import",
            detail=detail,
            write_if=real_change,
            dry_run=dry_run or bool(outcome.errors),
            now=now,
        )
    except _Unreadable as exc:
        outcome.errors.append(
            Bilingual(
                f"現有的資料檔 {path} 無法讀取（{exc}）：請修正或移除後再匯入",
                f"the existing profile {path} {exc}: fix or remove it, then import again",
            )
        )
        return outcome
    existing = done.stored.values
    outcome.errors += _problem_errors(done.problems, updates, existing, column_of, path)
    if outcome.errors:
        return outcome
    outcome.changes = _changes(slug, existing, done.clean, writer.industries)
    if not done.stored.exists:
        outcome.action = "create"
    elif outcome.changes:
        outcome.action = "update"
    else:
        outcome.action = "unchanged"
    outcome.kept = done.kept
    return outcome


def import_table(
    table: Table,
    source: Path,
    writer: RegistryWriter,
    *,
    actor: Actor,
    slug_column: str | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Create or update one profile per row of ``table``; see the module docstring.

    Each row goes through ``writer``, the registry's one write path: read, merge, validate,
    keep the previous version, write and audit under the same per-alliance lock the upload
    form takes, so an import and a form save never interleave.
    """
    mapping, ignored = map_columns(table.headers, slug_column)
    columns = {table.headers[i]: key for i, key in sorted(mapping.items())}
    result = ImportResult(source, table.encoding, columns, ignored, dry_run=dry_run)
    first_row: dict[str, int] = {}
    for row, cells in table.rows:
        if all(is_blank(cells[i]) for i in mapping if i < len(cells)):
            continue  # a blank line between blocks of data
        outcome = _import_row(
            row,
            cells,
            mapping,
            table.headers,
            writer=writer,
            actor=actor,
            source=source,
            first_row=first_row,
            dry_run=dry_run,
            now=now,
        )
        result.outcomes.append(outcome)
    return result


def import_file(
    path: Path,
    writer: RegistryWriter,
    *,
    actor: Actor,
    slug_column: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Read ``path`` (CSV or XLSX) and import it through ``writer``."""
    table = read_table(path, sheet=sheet)
    return import_table(
        table, path, writer, actor=actor, slug_column=slug_column, dry_run=dry_run, now=now
    )
