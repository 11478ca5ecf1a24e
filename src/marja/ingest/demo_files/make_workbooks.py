"""Make the demo's shipped workbooks; run once after changing their rows, and commit them.

    .venv/bin/python -m marja.ingest.demo_files.make_workbooks

openpyxl is a development dependency: runtime code only copies the files made here.
The workbooks are built as an agency clerk would: a first sheet of notes, then the
table with a bold header row and widened columns. The rows come from the same seeded
builders as the rest of the demo, so running this again makes the same tables.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from marja.ingest.demo_files.common import DEMO_DIR, SYNTHETIC_NOTE, Row, headers
from marja.ingest.demo_files.planning import (
    CREDIT_SHEET,
    CREDITS_WORKBOOK,
    capital_credit_rows,
    capital_credits,
)
from marja.ingest.demo_files.services import (
    SCHOOLS_WORKBOOK,
    school_rows,
    schools_and_students,
)


def _table(book: Workbook, title: str, names: list[str], rows: list[Row], first: bool) -> None:
    sheet = book.active if first else book.create_sheet(title)
    assert sheet is not None  # noqa: S101 (a new workbook has an active sheet)
    sheet.title = title
    sheet.sheet_view.rightToLeft = True
    sheet.append(names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, name in enumerate(names):
        sheet.column_dimensions[chr(ord("A") + index)].width = max(12, len(name) + 4)


def _save(book: Workbook, path: Path) -> None:
    book.properties.creator = "marja demo"
    book.save(path)


def make_capital_credits(path: Path) -> None:
    """Two sheets: notes first (so the publisher must name the data sheet), then the table."""
    book = Workbook()
    notes = book.active
    assert notes is not None  # noqa: S101
    notes.title = "راهنما"
    notes.sheet_view.rightToLeft = True
    for line in (
        "اعتبارات تملک دارایی‌های سرمایه‌ای استانی به تفکیک شهرستان و فصل",
        "ارقام به میلیون ریال است.",
        SYNTHETIC_NOTE,
        f"داده‌ها در برگهٔ «{CREDIT_SHEET}» است.",
    ):
        notes.append([line])
    names = headers(capital_credits().schema)
    _table(book, CREDIT_SHEET, names, capital_credit_rows(), first=False)
    _save(book, path)


def make_schools(path: Path) -> None:
    book = Workbook()
    names = headers(schools_and_students().schema)
    _table(book, "مدارس", names, school_rows(), first=True)
    _save(book, path)


def main() -> None:
    make_capital_credits(DEMO_DIR / CREDITS_WORKBOOK)
    make_schools(DEMO_DIR / SCHOOLS_WORKBOOK)
    print(f"wrote {CREDITS_WORKBOOK} and {SCHOOLS_WORKBOOK} in {DEMO_DIR}")


if __name__ == "__main__":
    main()
