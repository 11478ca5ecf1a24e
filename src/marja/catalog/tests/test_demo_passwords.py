"""Demo accounts always get a password Django's validators accept."""

from django.contrib.auth.password_validation import validate_password

from marja.accounts.models import User
from marja.catalog.demo import _demo_password


def test_demo_passwords_pass_the_validators_however_the_draw_falls() -> None:
    # A user name whose letters a random password easily shares (the similarity check
    # compares letters, not their order): once a flaky failure of the demo loader.
    item = {"username": "governorate.viewer", "first_name": "", "last_name": ""}
    person = User(username=item["username"])
    for _ in range(500):
        validate_password(_demo_password(item), person)  # raises if one is refused
