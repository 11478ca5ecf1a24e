"""A grant's shared part in words a reader knows: column labels, county names."""

from __future__ import annotations

from dataclasses import dataclass

from marja.catalog.models import County, DatasetGrant
from marja.common.language import in_request_language
from marja.core.schema import FieldType, Schema


@dataclass(frozen=True)
class Column:
    name: str
    label: str


@dataclass(frozen=True)
class SharedPart:
    """What a grant shares: ``columns`` empty is every column; ``row_column`` None is
    every row, else only rows whose ``row_column`` is one of ``row_values``."""

    columns: list[Column]
    row_column: Column | None
    row_values: list[str]


def shared_part(grant: DatasetGrant, schema: Schema | None) -> SharedPart:
    """The shared part of ``grant`` read against ``schema``, the dataset's columns now (a
    column gone from it keeps its name as label)."""
    fields = {f.name: f for f in schema.fields} if schema is not None else {}

    def column(name: str) -> Column:
        field = fields.get(name)
        label = in_request_language(field.label_fa, field.label_en) if field else ""
        return Column(name, label or name)

    row_column = column(grant.row_column) if grant.row_column else None
    values = [str(v) for v in grant.row_values]
    by_county = fields.get(grant.row_column)
    if row_column is not None and by_county is not None and by_county.type == FieldType.COUNTY:
        names = {c.code: c.name for c in County.objects.filter(code__in=values)}
        values = [names.get(v, v) for v in values]
    return SharedPart([column(n) for n in grant.columns], row_column, values)
