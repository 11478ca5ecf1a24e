"""A table of rows as a download (CSV, XLSX, JSON) through the one export writer, so
every page's table gets the BOM, neutralised formulas and XLSX limits of every export."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from django.http import HttpResponse

from marja.core.export import FORMATS, ExportFormat, export_chunks
from marja.core.schema import FieldType, Schema

FORMATS_OFFERED = ("csv", "xlsx", "json")
_ARROW = {FieldType.INTEGER: pa.int64(), FieldType.NUMBER: pa.float64()}


def table_download(rows: list[dict[str, Any]], schema: Schema, fmt: str, name: str) -> HttpResponse:
    """``rows`` (dicts keyed by the schema's field names) as ``name.<ext>`` in ``fmt``."""
    kind = ExportFormat(fmt)
    arrays = []
    for column in schema.fields:
        arrow_type = _ARROW.get(column.type, pa.string())
        values = [row.get(column.name) for row in rows]
        if arrow_type == pa.float64():
            values = [float(v) if v is not None else None for v in values]
        elif arrow_type == pa.string():
            values = [None if v is None else str(v) for v in values]
        arrays.append(pa.array(values, type=arrow_type))
    table = pa.table(arrays, names=schema.names)
    body = b"".join(export_chunks(table.to_reader(), kind, schema=schema, row_count=len(rows)))
    info = FORMATS[kind]
    response = HttpResponse(body, content_type=info.media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{info.extension}"'
    return response
