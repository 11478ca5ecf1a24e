"""Problem codes of :mod:`marja.core.problems` as sentences, in Persian and English."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marja.core.problems import Problem
from marja.core.schema import Field, FieldType
from marja.core.text import to_persian_digits

TYPE_NAMES: dict[str, Promise] = {
    FieldType.INTEGER: gettext_lazy("whole number"),
    FieldType.NUMBER: gettext_lazy("number"),
    FieldType.STRING: gettext_lazy("text"),
    FieldType.BOOLEAN: gettext_lazy("yes/no value"),
    FieldType.DATE: gettext_lazy("Gregorian date (YYYY-MM-DD)"),
    FieldType.DATETIME: gettext_lazy("date and time"),
    FieldType.JALALI_DATE: gettext_lazy("Jalali date (e.g. 1402/08/17)"),
    FieldType.COUNTY: gettext_lazy("county code"),
}

RULE_NAMES: dict[str, Promise] = {
    "type": gettext_lazy("wrong type"),
    "required": gettext_lazy("missing value"),
    "minimum": gettext_lazy("below minimum"),
    "maximum": gettext_lazy("above maximum"),
    "allowed": gettext_lazy("not an allowed value"),
    "reference": gettext_lazy("unknown code"),
    "unique": gettext_lazy("repeated value"),
    "primary_key": gettext_lazy("repeated key"),
    "ragged_row": gettext_lazy("wrong number of fields"),
    "malformed_line": gettext_lazy("unreadable line"),
    "missing_column": gettext_lazy("missing column"),
    "unknown_column": gettext_lazy("column not in schema"),
}


def _templates() -> dict[str, str]:
    """Sentence per rule, in the active language (read at call time)."""
    return {
        "type": _("Row %(row)s, column «%(column)s»: «%(value)s» is not a valid %(type)s."),
        "required": _("Row %(row)s, column «%(column)s»: a value is required."),
        "minimum": _(
            "Row %(row)s, column «%(column)s»: %(value)s is below the minimum %(minimum)s."
        ),
        "maximum": _(
            "Row %(row)s, column «%(column)s»: %(value)s is above the maximum %(maximum)s."
        ),
        "allowed": _(
            "Row %(row)s, column «%(column)s»: «%(value)s» is not one of the allowed values "
            "(%(allowed)s)."
        ),
        "reference": _(
            "Row %(row)s, column «%(column)s»: «%(value)s» is not in the reference list «%(list)s»."
        ),
        "unique": _(
            "Row %(row)s, column «%(column)s»: «%(value)s» repeats row %(first_row)s; values "
            "must be unique."
        ),
        "primary_key": _(
            "Row %(row)s: the key (%(column)s) «%(value)s» repeats row %(first_row)s."
        ),
        "ragged_row": _("Row %(row)s has %(found)s fields where the header has %(expected)s."),
        "malformed_line": _("Row %(row)s cannot be read as CSV (%(detail)s)."),
        "missing_column": _("The schema's column «%(column)s» is missing from the file."),
        "unknown_column": _(
            "Column «%(column)s» (position %(position)s) is not in the dataset's schema: add it "
            "to the schema first, or remove it from the file."
        ),
        "empty_file": _("The file is empty."),
        "binary": _(
            "The file is not text (it looks binary). Upload CSV, TSV, Excel, JSON or Parquet."
        ),
        "utf16": _("The file is in UTF-16; save it as UTF-8 (in Excel: «CSV UTF-8»)."),
        "bad_encoding": _("The file cannot be read as %(encoding)s (at byte %(position)s)."),
        "unknown_format": _("Unknown format «%(format)s»."),
        "unknown_encoding": _("Unknown encoding «%(encoding)s»."),
        "no_header": _("The file has no header row."),
        "line_too_long": _(
            "Row %(row)s is longer than %(limit)s bytes, the most a line may have. Check "
            "that its quotes are closed."
        ),
        "too_many_columns": _("The file has %(found)s columns; at most %(limit)s are accepted."),
        "empty_header": _("Column %(column)s has no name in the header row."),
        "duplicate_header": _(
            "Column %(column)s has the same name «%(value)s» as column %(first)s."
        ),
        "corrupt_workbook": _("The Excel file is damaged or is not a workbook (%(detail)s)."),
        "zip_bomb": _(
            "The Excel file would unpack from %(packed)s to %(unpacked)s bytes; it is refused as "
            "a possible zip bomb."
        ),
        "password_protected": _(
            "The Excel file is password-protected: remove the password and upload it again."
        ),
        "no_sheets": _("The workbook has no sheets."),
        "unknown_sheet": _("The workbook has no sheet «%(sheet)s»; its sheets are: %(sheets)s."),
        "json_not_array": _(
            "The JSON file must be an array of objects, or one object per line (NDJSON)."
        ),
        "json_not_objects": _("The JSON array must hold objects, one per row."),
        "bad_json": _("The JSON cannot be read: %(detail)s"),
        "bad_parquet": _("The Parquet file cannot be read: %(detail)s"),
        "unreadable": _("The file cannot be read: %(detail)s"),
        "no_rows": _("The file has a header but no data rows."),
        "no_valid_rows": _("No row passed validation, so there is nothing to publish."),
    }


def _values(problem: Problem, persian: bool, isolate: bool = False) -> dict[str, Any]:
    column = problem.column or ""
    value = problem.value if problem.value is not None else ""
    if isolate:
        # First-strong isolates keep a Persian header inside an English sentence (and a
        # Latin value inside a Persian one) from reordering its neighbours on a page.
        column, value = f"\u2068{column}\u2069", f"\u2068{value}\u2069"
    values: dict[str, Any] = {
        "row": problem.row,
        "column": column,
        "value": value,
        **problem.params,
    }
    if "type" in values and values["type"] in TYPE_NAMES:
        values["type"] = str(TYPE_NAMES[values["type"]])
    if persian:
        for key, value in values.items():
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if numeric or key in {"minimum", "maximum", "first_row"}:
                values[key] = to_persian_digits(str(value))
    return values


def message(problem: Problem, *, isolate: bool = False) -> str:
    """The problem as a sentence in the active language (``isolate``: for a web page)."""
    template = _templates().get(problem.rule)
    persian = translation.get_language() == "fa"
    if template is None:
        return problem.rule
    try:
        return template % _values(problem, persian, isolate)
    except (KeyError, TypeError, ValueError):
        return f"{problem.rule}: {problem.params}"


def messages_both(problem: Problem, *, isolate: bool = False) -> dict[str, str]:
    result = {}
    for language in ("fa", "en"):
        with translation.override(language):
            result[language] = message(problem, isolate=isolate)
    return result


def rule_name(rule: str) -> str:
    name = RULE_NAMES.get(rule)
    return str(name) if name is not None else message(Problem(rule))


REFERENCE_NAMES: dict[str, Promise] = {
    "counties": gettext_lazy("counties of the province"),
    "organisations": gettext_lazy("organisations"),
}


def rule_labels(field: Field, key: tuple[str, ...] = ()) -> list[str]:
    """A field's rules as short phrases for the schema table: «required», «0 to 100»…"""
    from marja.core.text import format_number

    persian = translation.get_language() != "en"

    def number(value: float) -> str:
        return format_number(value, persian=persian, decimals=0 if value.is_integer() else 2)

    labels = []
    if field.name in key:
        labels.append(_("primary key"))
    if field.required:
        labels.append(_("required"))
    if field.unique:
        labels.append(_("unique"))
    if field.minimum is not None:
        labels.append(_("at least %(n)s") % {"n": number(field.minimum)})
    if field.maximum is not None:
        labels.append(_("at most %(n)s") % {"n": number(field.maximum)})
    if field.allowed:
        labels.append(_("one of: %(values)s") % {"values": "، ".join(field.allowed)})
    reference = field.reference_list
    if reference and field.type is not FieldType.COUNTY:
        name = REFERENCE_NAMES.get(reference, reference)
        labels.append(_("a code in %(list)s") % {"list": name})
    return labels
