"""The PI's e-mail column of the office's spreadsheet, recorded by the console's import.

The office's list names each PI's own address (主持人Email), and a PI's personal link goes
only to the address the office recorded on 帳號與權限, never to the profile's contact_email,
which the alliance edits itself. Without this the import listed that column as unused and the
office typed some 200 addresses by hand before the kick-off meeting. The column is the office's
own word, so it is recorded exactly as the people page's 儲存 records one: previewed with the
rest of the import, written only on apply, audited as the office.

A row that is not imported (a problem in its profile) records no address either; an empty cell
never erases a recorded address; an address that is not one is named with its row and column
and left out, the rest of the row still imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance_portal.intake.messages import Text
from alliance_portal.intake.people import People, PeopleError, normalise_email
from alliance_portal.registry.importer import ImportResult
from alliance_portal.registry.sheet_cells import cell_text
from alliance_portal.registry.spreadsheet import Table, is_blank, normalise_header

#: Headers the office's lists use for the PI's own address (matched as the import matches its
#: headers: case, spaces, ``-``, ``_`` and full-width forms ignored). A bare "Email" or 信箱
#: stays the profile's contact e-mail, as docs/import.md says.
PI_EMAIL_HEADERS = (
    "PI email",
    "PI e-mail",
    "pi_email",
    "主持人Email",
    "主持人E-mail",
    "主持人信箱",
    "主持人電子郵件",
    "主持人電子信箱",
    "計畫主持人Email",
    "計畫主持人E-mail",
    "計畫主持人信箱",
    "計畫主持人電子郵件",
    "計畫主持人電子信箱",
)
_WANTED = frozenset(normalise_header(h) for h in PI_EMAIL_HEADERS)


@dataclass(frozen=True, slots=True)
class PiAddress:
    """One row's PI address: what is recorded now and what the import records (or why not)."""

    row: int
    slug: str
    old: str
    new: str  # the address to record; "" when ``problem`` says why there is none
    problem: Text | None = None


def pi_column(table: Table) -> str | None:
    """The header of the PI's e-mail column, if the sheet has one."""
    for header in table.headers:
        if header and normalise_header(header) in _WANTED:
            return header
    return None


def plan_pi_addresses(table: Table, result: ImportResult, people: People) -> list[PiAddress]:
    """Every imported row whose PI address cell would change what the office recorded."""
    header = pi_column(table)
    if header is None:
        return []
    index = table.headers.index(header)
    cells_of = dict(table.rows)
    planned: list[PiAddress] = []
    for outcome in result.outcomes:
        if outcome.action == "error":
            continue  # the row is not imported; its problems are shown already
        cells = cells_of.get(outcome.row, [])
        raw = cells[index] if index < len(cells) else None
        text = "" if is_blank(raw) else cell_text(raw)
        if not text:
            continue  # an empty cell never erases the recorded address
        pi = people.pi(outcome.slug)
        old = pi.email if pi is not None else ""
        try:
            new = normalise_email(text)
        except PeopleError:
            problem = Text(
                f"「{header}」欄：{text!r} 不是電子郵件地址，計畫主持人信箱未記錄；"
                "請寫成 name@example.edu.tw 的形式後再匯入一次（這一列的其他資料照常匯入）。",
                f"column {header!r}: {text!r} is not an e-mail address, so the PI's address was "
                "not recorded; write it like name@example.edu.tw and import again (the rest of "
                "the row is imported).",
            )
            planned.append(PiAddress(outcome.row, outcome.slug, old, "", problem))
            continue
        if new.lower() != old.lower():
            planned.append(PiAddress(outcome.row, outcome.slug, old, new))
    return planned
