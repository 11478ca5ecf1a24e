"""The form of a new grant, offering the dataset's own columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.catalog.grants import ROW_LIMIT_TYPES, GrantIn
from marja.catalog.models import Dataset
from marja.common.forms import JalaliDateField, NormalizedCharField
from marja.common.validators import validate_plain_text
from marja.core.schema import Schema

DEFAULT_GRANT_DAYS = 365


class GrantForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("The organisation whose members may read the data."),
    )
    purpose = NormalizedCharField(
        label=_("purpose"),
        max_length=300,
        validators=[validate_plain_text],
        help_text=_("What the data is shared for, as the agreement states it."),
    )
    expires_on = JalaliDateField(
        label=_("valid through"),
        help_text=_("The last day the grant works; it can be given again."),
    )
    columns = forms.MultipleChoiceField(
        label=_("columns shared"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Leave all unticked to share every column. Ticked columns only are shared; "
            "columns added to the dataset later stay hidden."
        ),
    )
    row_column = forms.ChoiceField(
        label=_("rows limited by"),
        required=False,
        help_text=_("Share only the rows whose value in this column is one of the values below."),
    )
    row_values = forms.CharField(
        label=_("rows shared"),
        required=False,
        max_length=2000,
        help_text=_("Values separated by commas; counties by name or code, e.g. ورامین."),
    )

    def __init__(self, *args: Any, dataset: Dataset, schema: Schema | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = Organisation.objects.exclude(pk=dataset.publisher_id).order_by("name_fa")
        names = schema.fields if schema is not None else ()
        self.fields["columns"].choices = [  # type: ignore[attr-defined]
            (f.name, f"{f.label_fa or f.label_en or f.name} ({f.name})") for f in names
        ]
        self.fields["row_column"].choices = [  # type: ignore[attr-defined]
            ("", _("every row")),
            *(
                (f.name, f"{f.label_fa or f.name} ({f.name})")
                for f in names
                if f.type in ROW_LIMIT_TYPES
            ),
        ]
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(
            days=DEFAULT_GRANT_DAYS
        )

    def terms(self) -> GrantIn:
        data = self.cleaned_data
        values = [v.strip() for v in data["row_values"].replace("،", ",").split(",")]
        return GrantIn(
            organisation=data["organisation"],
            purpose=data["purpose"],
            expires_on=data["expires_on"],
            columns=list(data["columns"]),
            row_column=data["row_column"],
            row_values=[v for v in values if v],
        )
