"""The declared shape of a dataset: its fields, their types and rules, its primary key.

A schema is inferred from the first upload, then edited and stored by the publisher;
every later upload is validated against it. It is plain data (``to_dict``/``from_dict``)
so that it can be kept in the catalog and in each immutable version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

from marja.core.text import normalize, search_key


class FieldType(StrEnum):
    INTEGER = "integer"
    NUMBER = "number"
    STRING = "string"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    JALALI_DATE = "jalali_date"
    COUNTY = "county"


#: Types whose values are ordered numbers or dates, so minimum and maximum apply.
ORDERED_TYPES: Final = frozenset(
    {FieldType.INTEGER, FieldType.NUMBER, FieldType.DATE, FieldType.JALALI_DATE}
)
#: The reference list a county field's codes must exist in.
COUNTY_LIST: Final = "counties"
#: Field names are lower-case identifiers usable unquoted in SQL and URLs.
FIELD_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class SchemaError(ValueError):
    """A schema that cannot be used; ``code`` names the problem, ``params`` its details."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = FieldType.STRING
    label_fa: str = ""
    label_en: str = ""
    unit: str = ""
    description: str = ""
    required: bool = False
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] = ()
    reference: str | None = None

    @property
    def reference_list(self) -> str | None:
        """The reference list whose codes this field's values must be, if any."""
        return COUNTY_LIST if self.type is FieldType.COUNTY else self.reference

    def match_keys(self) -> set[str]:
        """Folded names a file's column header may use for this field."""
        return {search_key(k) for k in (self.name, self.label_fa, self.label_en) if k}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.value,
            "label_fa": self.label_fa,
            "label_en": self.label_en,
            "unit": self.unit,
            "description": self.description,
            "required": self.required,
            "unique": self.unique,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "allowed": list(self.allowed),
            "reference": self.reference,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Field:
        try:
            kind = FieldType(data.get("type", "string"))
        except ValueError:
            raise SchemaError(
                "unknown_type", field=data.get("name"), type=data.get("type")
            ) from None
        return cls(
            name=str(data["name"]),
            type=kind,
            label_fa=str(data.get("label_fa") or ""),
            label_en=str(data.get("label_en") or ""),
            unit=str(data.get("unit") or ""),
            description=str(data.get("description") or ""),
            required=bool(data.get("required", False)),
            unique=bool(data.get("unique", False)),
            minimum=_optional_number(data.get("minimum")),
            maximum=_optional_number(data.get("maximum")),
            allowed=tuple(str(v) for v in data.get("allowed") or ()),
            reference=data.get("reference") or None,
        )


def _optional_number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


@dataclass(frozen=True)
class Schema:
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    missing_values: tuple[str, ...] = ("",)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)

    def replace_field(self, new: Field) -> Schema:
        return replace(self, fields=tuple(new if f.name == new.name else f for f in self.fields))

    def check(self) -> None:
        """Raise :class:`SchemaError` when the schema contradicts itself."""
        seen: set[str] = set()
        for item in self.fields:
            if not FIELD_NAME.match(item.name):
                raise SchemaError("bad_field_name", field=item.name)
            if item.name in seen:
                raise SchemaError("duplicate_field", field=item.name)
            seen.add(item.name)
            if (item.minimum is not None or item.maximum is not None) and (
                item.type not in {FieldType.INTEGER, FieldType.NUMBER}
            ):
                raise SchemaError("range_needs_number", field=item.name)
            if (
                item.minimum is not None
                and item.maximum is not None
                and item.minimum > item.maximum
            ):
                raise SchemaError("minimum_above_maximum", field=item.name)
        for name in self.primary_key:
            if name not in seen:
                raise SchemaError("unknown_key_field", field=name)
        if not self.fields:
            raise SchemaError("no_fields")

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": [f.to_dict() for f in self.fields],
            "primary_key": list(self.primary_key),
            "missing_values": list(self.missing_values),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        return cls(
            fields=tuple(Field.from_dict(f) for f in data.get("fields", ())),
            primary_key=tuple(data.get("primary_key") or ()),
            missing_values=tuple(data.get("missing_values", ("",))),
        )


# Persian letters to Latin, for deriving a field name from a Persian column header.
_TRANSLITERATION: Final = str.maketrans(
    {
        "ا": "a", "آ": "a", "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "ch",
        "ح": "h", "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ز": "z", "ژ": "zh", "س": "s",
        "ش": "sh", "ص": "s", "ض": "z", "ط": "t", "ظ": "z", "ع": "a", "غ": "gh", "ف": "f",
        "ق": "gh", "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n", "و": "v", "ه": "h",
        "ی": "i", "ء": "", "ئ": "y", "ؤ": "v", "\u200c": "_",
    }
)  # fmt: skip


# Words common in the headers of Iranian government tables, named in English; other
# Persian words are transliterated.
_WORDS: Final = {
    "کد": "code", "شناسه": "id", "نام": "name", "عنوان": "title", "نوع": "type",
    "شهرستان": "county", "استان": "province", "شهر": "city", "بخش": "district",
    "دهستان": "rural_district", "روستا": "village", "سال": "year", "ماه": "month",
    "فصل": "season", "تاریخ": "date", "روز": "day", "جمعیت": "population",
    "خانوار": "households", "تعداد": "count", "مبلغ": "amount", "درصد": "percent",
    "نسبت": "ratio", "میانگین": "average", "کل": "total", "جمع": "sum", "مرد": "male",
    "زن": "female", "مردان": "men", "زنان": "women", "ردیف": "row", "شماره": "number",
    "اعتبار": "credit", "بودجه": "budget", "ریال": "rial", "درآمد": "revenue",
    "هزینه": "cost", "تخت": "beds", "بیمارستان": "hospital", "مدرسه": "school",
    "مدارس": "schools", "دانش‌آموز": "students", "دانش‌آموزان": "students",
    "کلاس": "classes", "معلم": "teachers", "تصادف": "accidents", "تصادفات": "accidents",
    "فوتی": "deaths", "مجروح": "injured", "مشترک": "subscribers", "مشترکین": "subscribers",
    "مشترکان": "subscribers", "آب": "water", "برق": "electricity", "گاز": "gas",
    "مجوز": "permits", "مجوزهای": "permits", "صادره": "issued", "شاخص": "index",
    "کیفیت": "quality", "هوا": "air", "محصول": "crop", "تولید": "production",
    "سطح": "area", "هکتار": "hectare", "تن": "tonnes", "وضعیت": "status",
    "پروژه": "project", "طرح": "project", "پیشرفت": "progress", "نرخ": "rate",
    "بیکاری": "unemployment", "باسوادی": "literacy", "واکسن": "vaccine", "پوشش": "coverage",
}  # fmt: skip


def field_name_for(header: str, position: int, taken: Iterable[str] = ()) -> str:
    """A field name for a column header: «تعداد دانش‌آموز» -> ``count_students``.

    Latin headers are lower-cased and their punctuation becomes ``_``; common Persian
    words are named in English and the rest transliterated letter by letter. The
    publisher renames fields in the schema page.
    """
    words = normalize(header).casefold().split()
    text = " ".join(_WORDS.get(word, word) for word in words).translate(_TRANSLITERATION)
    name = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:60]
    if not name:
        name = f"column_{position}"
    elif not name[0].isalpha():
        name = f"f_{name}"[:60]
    used = set(taken)
    candidate, number = name, 2
    while candidate in used:
        suffix = f"_{number}"
        candidate, number = f"{name[: 63 - len(suffix)]}{suffix}", number + 1
    return candidate


def is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)
