"""Helpers shared by the publishing pipeline tests (not a test module itself)."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from marja.core.convert import reference_aliases
from marja.core.problems import Problem
from marja.core.publish import BuildResult, build_version
from marja.core.schema import Field

COUNTIES = reference_aliases({"tehran": ("تهران", "Tehran"), "rey": ("ری", "Rey")})
REFERENCES = {"counties": COUNTIES}

_runs = itertools.count(1)


def publish(
    tmp_path: Path, content: bytes | str, name: str = "data.csv", **kwargs: Any
) -> BuildResult:
    """Write ``content`` to a fresh folder as ``name`` and run the pipeline on it.

    Every call gets its own input folder and workdir, so one test may publish many times.
    The county reference list is passed unless the test gives ``references`` itself.
    """
    run = tmp_path / f"run{next(_runs)}"
    run.mkdir()
    source = run / name
    source.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    kwargs.setdefault("references", REFERENCES)
    return build_version(source, name, run / "work", **kwargs)


def rows(result: BuildResult) -> list[dict[str, Any]]:
    """The published rows, in order."""
    assert result.parquet is not None, result.report.to_dict()
    published: list[dict[str, Any]] = pq.read_table(result.parquet).to_pylist()
    return published


def header_of(field: Field) -> str:
    """The column header an inferred field came from (its label, else its name)."""
    return field.label_fa or field.label_en or field.name


def header_rows(result: BuildResult) -> list[dict[str, Any]]:
    """The published rows keyed by the file's column headers instead of field names.

    Field names derived from Persian headers are a naming policy that may change; the
    values under each header are what these tests are about.
    """
    assert result.schema is not None
    headers = {f.name: header_of(f) for f in result.schema.fields}
    return [{headers[k]: v for k, v in row.items()} for row in rows(result)]


def column(result: BuildResult, header: str) -> list[Any]:
    """The published values of the column with that header (or field name)."""
    return [row[header] for row in header_rows(result)]


def types(result: BuildResult) -> dict[str, str]:
    """Inferred type per column header."""
    assert result.schema is not None
    return {header_of(f): f.type.value for f in result.schema.fields}


def problems(result: BuildResult) -> set[tuple[str, int | None, str | None, str | None]]:
    """(rule, row, column, value) of every kept problem."""
    return {(p.rule, p.row, p.column, p.value) for p in result.report.problems}


def only_problem(result: BuildResult) -> Problem:
    """The single problem of a rejected file."""
    assert result.parquet is None
    assert len(result.report.problems) == 1, result.report.to_dict()
    return result.report.problems[0]


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An XLSX workbook with the given sheets (in order) and rows."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, sheet_rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in sheet_rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
