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
