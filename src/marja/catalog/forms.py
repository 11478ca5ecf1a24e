"""The dataset form: what a publisher fills in, in Persian, with Jalali dates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.catalog.models import County, Dataset, Licence, Theme
from marja.catalog.services import DatasetIn
from marja.common.forms import IdentifierField, JalaliDateField, NormalizedCharField
from marja.common.validators import validate_plain_text
from marja.core.text import normalize

_TITLE_MAX = Dataset._meta.get_field("title_fa").max_length


class DatasetForm(forms.Form):
    slug = IdentifierField(
        label=_("identifier"),
        max_length=100,
        help_text=_(
            "Latin letters, digits and hyphens; used in the address. Cannot be changed later."
        ),
    )
    title_fa = NormalizedCharField(
        label=_("title (Persian)"), max_length=_TITLE_MAX, validators=[validate_plain_text]
    )
    title_en = NormalizedCharField(
        label=_("title (English)"),
        max_length=_TITLE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
        validators=[validate_plain_text],
    )
    description_fa = NormalizedCharField(
        label=_("description (Persian)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=10000,
    )
    description_en = NormalizedCharField(
        label=_("description (English)"),
        widget=forms.Textarea(attrs={"rows": 5, "dir": "ltr"}),
        required=False,
        max_length=10000,
    )
    publisher = forms.ModelChoiceField(label=_("publisher"), queryset=Organisation.objects.none())
    theme = forms.ModelChoiceField(label=_("theme"), queryset=Theme.objects.all())
    tags = forms.CharField(
        label=_("tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas (, or ،)."),
        validators=[validate_plain_text],
    )
    licence = forms.ModelChoiceField(label=_("licence"), queryset=Licence.objects.all())
    access = forms.ChoiceField(label=_("access level"), choices=Dataset.Access.choices)
    status = forms.ChoiceField(label=_("status"), choices=Dataset.Status.choices)
    frequency = forms.ChoiceField(label=_("update frequency"), choices=Dataset.Frequency.choices)
    temporal_start = JalaliDateField(label=_("covers from"), required=False)
    temporal_end = JalaliDateField(label=_("covers until"), required=False)
    counties = forms.ModelMultipleChoiceField(
        label=_("counties covered"), queryset=County.objects.all(), required=False
    )
    contact_name = NormalizedCharField(
        label=_("contact person"), max_length=120, required=False, validators=[validate_plain_text]
    )
    contact_email = forms.EmailField(label=_("contact e-mail"), required=False)

    def __init__(
        self, *args: Any, publishers: QuerySet[Organisation], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        publisher_field = self.fields["publisher"]
        assert isinstance(publisher_field, forms.ModelChoiceField)  # noqa: S101
        publisher_field.queryset = publishers
        if not self.is_bound and "publisher" not in self.initial and len(publishers) == 1:
            self.initial["publisher"] = publishers[0].pk
        if editing:
            self.fields["slug"].disabled = True

    def clean_tags(self) -> list[str]:
        raw = normalize(self.cleaned_data.get("tags", ""), digits="keep").replace("،", ",")
        tags = [tag.strip() for tag in raw.split(",") if tag.strip()]
        too_long = [tag for tag in tags if len(tag) > 60]
        if too_long:
            raise ValidationError(
                _("A tag may have at most 60 characters: “%(tag)s”."),
                code="tag_too_long",
                params={"tag": too_long[0]},
            )
        return list(dict.fromkeys(tags))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("temporal_start"), cleaned.get("temporal_end")
        if start and end and start > end:
            self.add_error(
                "temporal_end",
                ValidationError(
                    _("The end of the coverage comes before its start."), code="coverage_order"
                ),
            )
        return cleaned

    def to_dataset_in(self) -> DatasetIn:
        data = self.cleaned_data
        return DatasetIn(
            slug=data["slug"],
            title_fa=data["title_fa"],
            title_en=data["title_en"],
            description_fa=data["description_fa"],
            description_en=data["description_en"],
            publisher=data["publisher"],
            theme=data["theme"],
            licence=data["licence"],
            access=data["access"],
            status=data["status"],
            frequency=data["frequency"],
            temporal_start=data["temporal_start"],
            temporal_end=data["temporal_end"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            tags=data["tags"],
            counties=list(data["counties"]),
        )

    @staticmethod
    def initial_for(dataset: Dataset) -> dict[str, Any]:
        return {
            "slug": dataset.slug,
            "title_fa": dataset.title_fa,
            "title_en": dataset.title_en,
            "description_fa": dataset.description_fa,
            "description_en": dataset.description_en,
            "publisher": dataset.publisher_id,
            "theme": dataset.theme_id,
            "licence": dataset.licence_id,
            "access": dataset.access,
            "status": dataset.status,
            "frequency": dataset.frequency,
            "temporal_start": dataset.temporal_start,
            "temporal_end": dataset.temporal_end,
            "counties": list(dataset.counties.values_list("pk", flat=True)),
            "contact_name": dataset.contact_name,
            "contact_email": dataset.contact_email,
            "tags": "، ".join(dataset.tags.values_list("name", flat=True)),
        }
