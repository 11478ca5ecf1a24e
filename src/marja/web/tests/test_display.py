"""How values read on Persian pages."""

import datetime as dt

import pytest
from django.utils import translation

from marja.common.display import cell


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1402, "۱۴۰۲"),  # a year is read whole
        (-9999, "-۹۹۹۹"),
        (10000, "۱۰٬۰۰۰"),
        (13267637, "۱۳٬۲۶۷٬۶۳۷"),
        (12.5, "۱۲٫۵"),
        (None, "—"),
        (True, "بله"),
        (dt.date(2023, 11, 8), "۱۴۰۲/۰۸/۱۷"),
    ],
)
def test_cells_read_as_persian_readers_expect(value: object, shown: str) -> None:
    with translation.override("fa"):
        assert cell(value) == shown
