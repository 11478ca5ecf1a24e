"""Forms of publishing: the upload, the schema, the scheduled pull."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marja.core.schema import FIELD_NAME, Field, FieldType, Schema
from marja.core.sources import FORMATS, ReadOptions
from marja.ingest.messages import TYPE_NAMES
from marja.ingest.models import DatasetSource
from marja.ingest.services import PublishRequest

AUTO = ""
FORMAT_CHOICES = [(AUTO, _("detect")), *((f, f.upper()) for f in FORMATS)]
ENCODING_CHOICES = [
    (AUTO, _("detect")),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", _("UTF-8 with BOM")),
    ("windows-1256", _("Windows-1256 (Arabic/Persian Excel)")),
]
DELIMITER_CHOICES = [
    (AUTO, _("detect")),
    (",", _("comma (,)")),
    (";", _("semicolon (;)")),
    ("\t", _("tab")),
    ("|", _("vertical bar (|)")),
]
REFERENCE_CHOICES = [
    ("", _("none")),
    ("counties", _("counties of the province")),
    ("organisations", _("organisations")),
]


class PublishForm(forms.Form):
    file = forms.FileField(label=_("File"), required=False)
    upload_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note for this version"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    valid_rows_only = forms.BooleanField(
        label=_("Publish the valid rows only"),
        required=False,
        help_text=_(
            "By default a file with any error is refused as a whole. With this option, rows "
            "with errors are left out and the version says how many."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES, required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITER_CHOICES, required=False)
    sheet = forms.CharField(
        label=_("Excel sheet"),
        required=False,
        max_length=100,
        help_text=_("Empty: the first sheet."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not data.get("upload_id"):
            self.add_error("file", _("Choose a file to publish."))
        return data

    def publish_request(self, *, channel: str) -> PublishRequest:
        """What the publisher asked for besides the file (after ``is_valid()``)."""
        data = self.cleaned_data
        return PublishRequest(
            options=ReadOptions(
                format=data.get("format") or None,
                encoding=data.get("encoding") or None,
                delimiter=data.get("delimiter") or None,
                sheet=data.get("sheet") or None,
            ),
            note=data.get("note", ""),
            valid_rows_only=bool(data.get("valid_rows_only")),
            channel=channel,
        )


def _decimal_or_none(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


class FieldForm(forms.Form):
    """One field of the schema."""

    name = forms.CharField(
        label=_("Name"),
        max_length=63,
        help_text=_("Lower-case Latin letters, digits and _; starts with a letter."),
    )
    label_fa = forms.CharField(label=_("Persian label"), max_length=200, required=False)
    label_en = forms.CharField(label=_("English label"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=[(t.value, TYPE_NAMES[t]) for t in FieldType])
    unit = forms.CharField(label=_("Unit"), max_length=60, required=False)
    description = forms.CharField(label=_("Description"), max_length=1000, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    unique = forms.BooleanField(label=_("Unique"), required=False)
    minimum = forms.FloatField(label=_("Minimum"), required=False)
    maximum = forms.FloatField(label=_("Maximum"), required=False)
    allowed = forms.CharField(
        label=_("Allowed values"),
        required=False,
        max_length=4000,
        help_text=_("Separated by commas; empty: any value."),
    )
    reference = forms.ChoiceField(
        label=_("Codes must exist in"), choices=REFERENCE_CHOICES, required=False
    )
    in_key = forms.BooleanField(label=_("Part of the primary key"), required=False)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not FIELD_NAME.match(name):
            raise forms.ValidationError(
                _("Use lower-case Latin letters, digits and _, starting with a letter.")
            )
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum"), data.get("maximum")
        kind = data.get("type")
        if (low is not None or high is not None) and kind not in ("integer", "number"):
            self.add_error("minimum", _("Minimum and maximum apply to numbers only."))
        if low is not None and high is not None and low > high:
            self.add_error("maximum", _("The maximum is below the minimum."))
        return data

    def to_field(self) -> Field:
        data = self.cleaned_data
        allowed = tuple(v.strip() for v in str(data.get("allowed") or "").split(",") if v.strip())
        return Field(
            name=data["name"],
            type=FieldType(data["type"]),
            label_fa=data.get("label_fa", ""),
            label_en=data.get("label_en", ""),
            unit=data.get("unit", ""),
            description=data.get("description", ""),
            required=bool(data.get("required")),
            unique=bool(data.get("unique")),
            minimum=_decimal_or_none(data.get("minimum")),
            maximum=_decimal_or_none(data.get("maximum")),
            allowed=allowed,
            reference=data.get("reference") or None,
        )


class BaseFieldFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        if any(self.errors):
            return
        names = [f.cleaned_data.get("name") for f in self.forms]
        repeated = {n for n in names if names.count(n) > 1}
        if repeated:
            raise forms.ValidationError(
                _("Field names must differ; repeated: %(names)s")
                % {"names": ", ".join(sorted(repeated))}
            )

    def to_schema(self, missing_values: tuple[str, ...]) -> Schema:
        fields = tuple(f.to_field() for f in self.forms)
        key = tuple(f.cleaned_data["name"] for f in self.forms if f.cleaned_data.get("in_key"))
        return Schema(fields=fields, primary_key=key, missing_values=missing_values)


FieldFormSet = forms.formset_factory(FieldForm, formset=BaseFieldFormSet, extra=0, max_num=1000)


def initial_fields(schema: Schema) -> list[dict[str, Any]]:
    rows = []
    for item in schema.fields:
        data = item.to_dict()
        data["allowed"] = ", ".join(item.allowed)
        data["reference"] = item.reference or ""
        data["in_key"] = item.name in schema.primary_key
        rows.append(data)
    return rows


class MissingValuesForm(forms.Form):
    missing_values = forms.CharField(
        label=_("Values that mean «no data»"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, e.g. -, NA. An empty cell always means no data."),
    )

    def values(self) -> tuple[str, ...]:
        raw = str(self.cleaned_data.get("missing_values") or "")
        return ("", *(v.strip() for v in raw.split(",") if v.strip()))


class SourceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DatasetSource
        fields = ["url", "format", "schedule"]
        field_classes = {"url": forms.CharField}
        widgets = {
            "format": forms.Select(
                choices=[(AUTO, _("detect")), ("csv", "CSV"), ("json", "JSON"), ("xlsx", "XLSX")]
            )
        }

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        if not url.startswith(("http://", "https://")):
            raise forms.ValidationError(_("Only http:// and https:// addresses can be pulled."))
        return url
