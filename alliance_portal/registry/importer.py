"""Import alliance profiles from a spreadsheet (CSV or XLSX), one row per alliance.

The office keeps its master list in Excel and collects updates through form exports; this
turns such a file into ``content/alliances/<slug>.toml`` profiles without hand-editing TOML.

Rules (see docs/import.md for the column-name table):

* Each row is merged into the existing profile: a cell left empty never erases a field.
* Each merged profile is validated with :func:`alliance_portal.registry.profiles.validate_profile`;
  a row with any error is not written, and its errors name the row and the column header.
  Other rows are written, so one typo does not block a 200-row import.
* Before a profile is replaced, the previous version is kept under
  ``content/.history/<slug>/`` (:mod:`alliance_portal.registry.history`). Unchanged profiles are not
  rewritten.
* Row numbers are the spreadsheet's own (the header row is row 1 unless title rows precede it),
  so the office can jump straight to the cell.

Exceptions::

    ValueError
     └── ImportFileError   the file as a whole cannot be imported (nothing is written)
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import tomllib
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.history import keep_previous_version, profile_history_dir
from alliance_portal.registry.profiles import (
    closest,
    dump_profile,
    validate_profile,
)
from alliance_portal.registry.site_settings import (
    DEFAULT_INDUSTRIES,
    KNOWN_KEYS,
    SLUG_PATTERN,
    Industry,
)
from alliance_portal.registry.years import parse_year

#: Accepted column headers for each profile key, besides the key itself. Matching ignores
#: case, spaces, "_", "-", "*", ":" and a "(必填)"/"(選填)" marker, and treats full-width
#: characters as half-width. Keep docs/import.md in step with this table.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "slug": ("代號", "聯盟代號", "英文代號", "網址代號", "識別碼"),
    "name": ("聯盟名稱", "名稱", "中文名稱", "聯盟中文名稱", "小聯盟名稱", "產學小聯盟名稱"),
    "name_en": ("英文名稱", "聯盟英文名稱", "English name"),
    "university": (
        "學校",
        "學校名稱",
        "校名",
        "大學",
        "執行學校",
        "主持學校",
        "執行單位",
        "school",
    ),
    "university_en": ("學校英文名稱", "英文校名"),
    "industry": ("產業別", "產業", "產業類別", "產業領域", "領域", "領域別"),
    "website": ("網站", "網址", "聯盟網站", "聯盟網址", "網站網址", "官網", "url"),
    "pi": ("主持人", "計畫主持人", "聯盟主持人"),
    "pi_en": ("主持人英文姓名", "主持人英文名"),
    "intro": ("簡介", "聯盟簡介", "中文簡介"),
    "intro_en": ("英文簡介", "English intro"),
    "active": ("啟用", "是否啟用", "上架", "是否上架", "公開"),
    "since": ("成立年", "成立年度", "成立年份", "起始年度"),
    "contact_email": (
        "Email",
        "電子郵件",
        "電子信箱",
        "聯絡信箱",
        "聯絡Email",
        "聯絡人Email",
        "信箱",
    ),
}
SLUG_KEY = "slug"
#: How many leading rows may be titles before the header row (offices like a title row).
MAX_TITLE_ROWS = 10
#: Encodings tried for CSV files without a BOM, in order, with the name shown to the user.
CSV_ENCODINGS: tuple[tuple[str, str], ...] = (
    ("utf-8", "UTF-8"),
    ("cp950", "cp950 (Big5, as Excel on Traditional Chinese Windows saves CSV)"),
    ("big5hkscs", "Big5-HKSCS"),
)
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "啟用", "上架", "公開", "v", "✓", "o"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "停用", "下架", "不公開", "x", "✗"})

Action = Literal["create", "update", "unchanged", "error"]
_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")


class ImportFileError(ValueError):
    """The file cannot be imported at all (unreadable, no header, no slug column...)."""


@dataclass(frozen=True, slots=True)
class Table:
    """Cells of a spreadsheet: the header row and the data rows, with their row numbers."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    header_row: int = 1
    encoding: str | None = None


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
    errors: list[str] = field(default_factory=list)
    path: Path | None = None
    kept: Path | None = None


#: Called with each row written and the profile bytes written for it.
WriteHook = Callable[[RowOutcome, bytes], None]


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


def normalise_header(text: str) -> str:
    """Fold a header to the form used for matching (see :data:`HEADER_ALIASES`)."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    folded = re.sub(r"\((?:必填|選填|required|optional)\)", "", folded)
    return re.sub(r"[\s_\-*:：]+", "", folded)


def header_lookup() -> dict[str, str]:
    """Map every normalised accepted header to its profile key."""
    lookup: dict[str, str] = {}
    for key in (SLUG_KEY, *KNOWN_KEYS):
        lookup[normalise_header(key)] = key
        for alias in HEADER_ALIASES.get(key, ()):
            lookup[normalise_header(alias)] = key
    return lookup


# --- reading files -------------------------------------------------------------------------


def _decode_csv(raw: bytes, shown: str) -> tuple[str, str]:
    """Text and the name of the encoding that worked."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16 (Excel Unicode text)"
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{shown}: starts like UTF-8 but byte {exc.start + 3} is not UTF-8; "
                "save it again as CSV UTF-8"
            ) from exc
    for codec, name in CSV_ENCODINGS:
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        f"{shown}: the text is neither UTF-8 nor Big5 (cp950); in Excel choose "
        "'Save As' > 'CSV UTF-8 (comma delimited)'"
    )


def _read_csv(path: Path) -> tuple[list[tuple[int, list[Any]]], str]:
    text, encoding = _decode_csv(path.read_bytes(), str(path))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(f"{path}: not a readable CSV file ({exc})") from exc
    return [(n, list(r)) for n, r in enumerate(records, start=1)], encoding


def _read_xlsx(path: Path, sheet: str | None) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # only the import command needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ImportFileError(
            f"{path}: not a readable Excel workbook ({exc}); save it again as .xlsx"
        ) from exc
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise ImportFileError(
                    f"{path}: no sheet named {sheet!r}; sheets: {', '.join(book.sheetnames)}"
                )
            ws = book[sheet]
        else:
            ws = book.active or book.worksheets[0]
        return [
            (n, list(values)) for n, values in enumerate(ws.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """Read a CSV/TSV or XLSX file into a :class:`Table`, finding the header row.

    The header row is the first of the first :data:`MAX_TITLE_ROWS` rows with at least two
    recognised column names (so a title row above the table is skipped).
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportFileError(f"{path}: file not found")
    encoding: str | None = None
    if suffix in (".xlsx", ".xlsm"):
        records = _read_xlsx(path, sheet)
    elif suffix == ".xls":
        raise ImportFileError(
            f"{path}: the old Excel 97-2003 format is not supported; save it as .xlsx or CSV UTF-8"
        )
    elif suffix in (".csv", ".tsv", ".txt"):
        records, encoding = _read_csv(path)
    else:
        raise ImportFileError(f"{path}: unknown file type {suffix!r}; use a .csv or .xlsx file")
    lookup = header_lookup()
    non_blank = [(n, r) for n, r in records if not all(_is_blank(c) for c in r)]
    if not non_blank:
        raise ImportFileError(f"{path}: the file has no rows")
    header_row, headers = non_blank[0]
    for n, cells in non_blank[:MAX_TITLE_ROWS]:
        known = sum(1 for c in cells if not _is_blank(c) and normalise_header(str(c)) in lookup)
        if known >= 2:
            header_row, headers = n, cells
            break
    clean_headers = ["" if _is_blank(h) else str(h).strip().lstrip("\ufeff") for h in headers]
    rows = [(n, r) for n, r in records if n > header_row]
    return Table(clean_headers, rows, header_row, encoding)


# --- mapping columns -----------------------------------------------------------------------


def map_columns(
    headers: Sequence[str], slug_column: str | None
) -> tuple[dict[int, str], list[str]]:
    """Column index -> profile key, and the headers that are ignored.

    Raises :class:`ImportFileError` when there is no slug column or two columns mean the
    same field.
    """
    lookup = header_lookup()
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    wanted_slug = normalise_header(slug_column) if slug_column else None
    for index, header in enumerate(headers):
        if not header:
            continue
        norm = normalise_header(header)
        if wanted_slug is not None:
            if norm == wanted_slug:
                mapping[index] = SLUG_KEY
                continue
            key = lookup.get(norm)
            if key == SLUG_KEY:  # the named column wins; a second slug column is just data
                ignored.append(header)
                continue
        else:
            key = lookup.get(norm)
        if key is None:
            ignored.append(header)
            continue
        mapping[index] = key
    by_key: dict[str, list[str]] = {}
    for index, key in mapping.items():
        by_key.setdefault(key, []).append(headers[index])
    for key, names in by_key.items():
        if len(names) > 1:
            quoted = " and ".join(repr(n) for n in names)
            raise ImportFileError(
                f"columns {quoted} both mean {key!r}: remove or rename one of them"
            )
    if SLUG_KEY not in by_key:
        shown = ", ".join(repr(h) for h in headers if h) or "(none)"
        if slug_column:
            raise ImportFileError(f"no column named {slug_column!r}; the columns are: {shown}")
        raise ImportFileError(
            "no slug column: add a column 'slug' (or '代號') holding each alliance's file name, "
            f"e.g. smart-motor, or name the column with --slug-column; the columns are: {shown}"
        )
    return mapping, ignored


# --- converting cells ----------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def convert_cell(key: str, value: Any) -> Any:
    """A spreadsheet cell as a profile value. Raises ValueError with a spreadsheet-friendly
    explanation for ``active`` and ``since`` values that cannot be understood."""
    if key == "active":
        if isinstance(value, bool):
            return value
        word = _cell_text(value).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{_cell_text(value)!r} is not yes or no: write 是/否 (or yes/no)")
    if key == "since":
        year = parse_year(value if isinstance(value, int | float) else _cell_text(value))
        if year is None:
            text = unicodedata.normalize("NFKC", _cell_text(value))
            raise ValueError(
                f"{text!r} is not a year: write a year such as 2021 (or the ROC year 110)"
            )
        return year
    return _cell_text(value)


def suggest_slug(text: str) -> str | None:
    """A valid slug close to ``text`` ("Smart Motor" -> "smart-motor"), if there is one."""
    guess = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKC", text).lower()).strip("-")
    return guess if guess and _SLUG_RE.match(guess) else None


# --- the import ----------------------------------------------------------------------------


def _load_existing(path: Path) -> dict[str, Any]:
    """The existing profile's raw data (empty when new). Raises ValueError if unreadable."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"is not valid TOML ({exc})") from exc


def _import_row(
    row: int,
    cells: Sequence[Any],
    mapping: dict[int, str],
    headers: Sequence[str],
    *,
    content_dir: Path,
    industries: tuple[Industry, ...],
) -> tuple[RowOutcome, dict[str, Any] | None]:
    """Validate one row against the existing profile. Returns the outcome and, when the
    row is valid and changes something, the profile fields to write."""
    column_of = {key: headers[i] for i, key in mapping.items()}
    values = {key: cells[i] if i < len(cells) else None for i, key in mapping.items()}
    raw_slug = values.pop(SLUG_KEY)
    slug = "" if _is_blank(raw_slug) else _cell_text(raw_slug)
    outcome = RowOutcome(row, slug, "error")
    where = f"column {column_of[SLUG_KEY]!r}"
    if not slug:
        outcome.errors.append(
            f"{where} is empty: give every alliance a slug (its file name), e.g. smart-motor"
        )
        return outcome, None
    if not _SLUG_RE.match(slug):
        guess = suggest_slug(slug)
        hint = f"did you mean {guess!r}?" if guess else "e.g. smart-motor"
        outcome.errors.append(
            f"{where}: {slug!r} is not a valid slug; use lowercase letters, digits and "
            f"hyphens ({hint})"
        )
        return outcome, None

    updates: dict[str, Any] = {}
    for key, value in values.items():
        if _is_blank(value):
            continue  # an empty cell never erases a field
        try:
            updates[key] = convert_cell(key, value)
        except ValueError as exc:
            outcome.errors.append(f"column {column_of[key]!r} ({key}): {exc}")
    path = content_dir / "alliances" / f"{slug}.toml"
    outcome.path = path
    try:
        existing = _load_existing(path)
    except ValueError as exc:
        outcome.errors.append(
            f"the existing profile {path} {exc}: fix or remove it, then import again"
        )
        return outcome, None

    merged = existing | updates
    clean, problems = validate_profile(slug, merged, path=str(path), industries=industries)
    for problem in problems:
        fld = problem.field
        hint = f" ({problem.hint})" if problem.hint else ""
        if fld in updates:
            outcome.errors.append(f"column {column_of[fld]!r} ({fld}): {problem.message}{hint}")
        elif fld is not None and fld in column_of:
            outcome.errors.append(f"column {column_of[fld]!r} ({fld}) is empty: {problem.message}")
        elif fld is not None and fld in existing:
            outcome.errors.append(
                f"{fld}: {problem.message} in the existing profile {path}{hint}; fill in the "
                "cell to replace it, or fix the file"
            )
        elif fld is not None:
            outcome.errors.append(
                f"{fld}: {problem.message}; add a column {fld!r} and fill it in for this row"
            )
        else:
            outcome.errors.append(f"{problem.message}{hint}")
    if outcome.errors:
        return outcome, None

    # Compare normalised values, so "資通訊" on disk and "ict" in the sheet are no change; a
    # field the old file had wrong is compared (and shown) as it was written.
    old_clean = validate_profile(slug, existing, path=str(path), industries=industries)[0]
    for key in KNOWN_KEYS:
        old = old_clean.get(key, existing.get(key))
        new = clean.get(key)
        if old != new:
            outcome.changes.append(Change(key, old, new))
    if not existing:
        outcome.action = "create"
    elif outcome.changes:
        outcome.action = "update"
    else:
        outcome.action = "unchanged"
        return outcome, None
    return outcome, clean


def _import_and_write(
    row: int,
    cells: Sequence[Any],
    mapping: dict[int, str],
    headers: Sequence[str],
    *,
    content_dir: Path,
    industries: tuple[Industry, ...],
    first_row: dict[str, int],
    dry_run: bool,
    now: dt.datetime | None,
    on_write: WriteHook | None = None,
) -> RowOutcome:
    outcome, clean = _import_row(
        row, cells, mapping, headers, content_dir=content_dir, industries=industries
    )
    if outcome.slug and outcome.slug in first_row:
        outcome.action = "error"
        outcome.changes.clear()
        outcome.errors = [
            f"slug {outcome.slug!r} already appears in row {first_row[outcome.slug]}; "
            "each alliance may appear only once (merge the rows)"
        ]
        return outcome
    if outcome.slug:
        first_row[outcome.slug] = row
    if clean is not None and not dry_run:
        assert outcome.path is not None
        outcome.kept = keep_previous_version(
            outcome.path, profile_history_dir(content_dir, outcome.slug), now=now
        )
        data = dump_profile(clean).encode("utf-8")
        atomic_write(outcome.path, data)
        if on_write is not None:
            on_write(outcome, data)
    return outcome


def import_table(
    table: Table,
    source: Path,
    content_dir: Path,
    *,
    slug_column: str | None = None,
    dry_run: bool = False,
    industries: Iterable[Industry] = DEFAULT_INDUSTRIES,
    lock_dir: Path | None = None,
    now: dt.datetime | None = None,
    on_write: WriteHook | None = None,
) -> ImportResult:
    """Create or update one profile per row of ``table``; see the module docstring.

    ``lock_dir`` is the upload form's lock folder (``var/intake-locks``): each profile is
    read, merged and written under the same per-slug lock the form uses. ``on_write`` is
    called, still under that lock, with each written row and the bytes written (the CLI
    appends it to the upload form's audit log).
    """
    industries = tuple(industries)
    mapping, ignored = map_columns(table.headers, slug_column)
    columns = {table.headers[i]: key for i, key in sorted(mapping.items())}
    result = ImportResult(source, table.encoding, columns, ignored, dry_run=dry_run)
    first_row: dict[str, int] = {}
    slug_index = next(i for i, key in mapping.items() if key == SLUG_KEY)
    for row, cells in table.rows:
        if all(_is_blank(cells[i]) for i in mapping if i < len(cells)):
            continue  # a blank line between blocks of data
        raw_slug = cells[slug_index] if slug_index < len(cells) else None
        slug = "" if _is_blank(raw_slug) else _cell_text(raw_slug)
        lock: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
        if lock_dir is not None and _SLUG_RE.match(slug) and not dry_run:
            # Imported here: the intake package brings Flask, which only locking needs.
            from alliance_portal.registry.locking import file_lock

            lock = file_lock(lock_dir / f"{slug}.lock")
        with lock:  # the upload form takes the same lock around its read-merge-write
            outcome = _import_and_write(
                row,
                cells,
                mapping,
                table.headers,
                content_dir=content_dir,
                industries=industries,
                first_row=first_row,
                dry_run=dry_run,
                now=now,
                on_write=on_write,
            )
        result.outcomes.append(outcome)
    return result


def import_file(
    path: Path,
    content_dir: Path,
    *,
    slug_column: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    industries: Iterable[Industry] = DEFAULT_INDUSTRIES,
    lock_dir: Path | None = None,
    now: dt.datetime | None = None,
    on_write: WriteHook | None = None,
) -> ImportResult:
    """Read ``path`` (CSV or XLSX) and import it into ``content_dir``."""
    table = read_table(path, sheet=sheet)
    return import_table(
        table,
        path,
        content_dir,
        slug_column=slug_column,
        dry_run=dry_run,
        industries=industries,
        lock_dir=lock_dir,
        now=now,
        on_write=on_write,
    )


def suggest_column(header: str) -> str | None:
    """The accepted header closest to an ignored one, for "did you mean" hints."""
    names = [SLUG_KEY, *KNOWN_KEYS, *(a for aliases in HEADER_ALIASES.values() for a in aliases)]
    return closest(header, names)
