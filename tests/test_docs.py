"""Documentation that is tested: every setting and CLI command is documented."""

from pathlib import Path

import pytest

from marja import config
from marja.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("option", config.ALL_OPTIONS, ids=lambda o: o.name)
def test_every_setting_is_documented(option: config.Option[object]) -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert f"`{option.name}`" in text, f"{option.name} is missing from docs/settings.md"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_cli_command_is_documented(command: str) -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert f"marja {command}" in text, f"`marja {command}` is missing from docs/cli.md"


def test_readme_gives_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    ci = (DOCS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_every_ledger_event_is_documented() -> None:
    from marja.ledger.events import EVENTS

    text = (DOCS / "events.md").read_text(encoding="utf-8")
    missing = [event for event in EVENTS if f"`{event}`" not in text]
    assert not missing, f"undocumented ledger events: {missing}"


def test_every_publishing_address_is_documented() -> None:
    from django.urls import get_resolver

    text = (DOCS / "publishing.md").read_text(encoding="utf-8")
    patterns = get_resolver().url_patterns
    ingest = next(p for p in patterns if getattr(p, "namespace", None) == "ingest")
    for pattern in ingest.url_patterns:
        route = str(pattern.pattern)
        shown = route.replace("<slug:slug>", "SLUG").replace("<uuid:pk>", "ID")
        shown = shown.replace("<int:number>", "N").replace("<int:pk>", "ID")
        assert f"/{shown}" in text, f"/{shown} is missing from docs/publishing.md"


def _api_operations() -> list[tuple[str, str]]:
    from marja.api.main import api

    schema = api.get_openapi_schema()
    return sorted(
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    )


@pytest.mark.parametrize(("method", "path"), _api_operations())
def test_every_api_endpoint_is_documented(method: str, path: str) -> None:
    """docs/api.md names every operation of the JSON API, as `METHOD /path`."""
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    assert f"{method} {path}" in text, f"`{method} {path}` is missing from docs/api.md"
