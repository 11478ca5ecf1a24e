"""The shape of the code: dependencies point web → domain apps → common → core."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "marja"
DOMAIN_APPS = ["accounts", "ledger", "catalog", "ingest", "query", "search", "indicators"]


def imported_modules(package: Path) -> set[tuple[str, str]]:
    found = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update((str(path.relative_to(SRC)), a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add((str(path.relative_to(SRC)), node.module))
    return found


def test_core_never_imports_django() -> None:
    offenders = {(f, m) for f, m in imported_modules(SRC / "core") if m.split(".")[0] == "django"}
    assert not offenders


def test_core_imports_nothing_else_of_marja() -> None:
    offenders = {
        (f, m)
        for f, m in imported_modules(SRC / "core")
        if m.startswith("marja.") and not m.startswith("marja.core")
    }
    assert not offenders


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_domain_apps_do_not_import_the_web_layer(app: str) -> None:
    offenders = {
        (f, m)
        for f, m in imported_modules(SRC / app)
        if m.startswith(("marja.web", "marja.api", "marja.cli"))
    }
    assert not offenders


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [
        ("ledger", ("marja.catalog", "marja.ingest", "marja.search")),
        ("catalog", ("marja.ingest", "marja.search")),
        ("ingest", ("marja.search", "marja.query")),
        ("query", ("marja.search",)),
    ],
)
def test_lower_apps_do_not_depend_on_higher_ones(app: str, forbidden: tuple[str, ...]) -> None:
    """The ledger records for everyone; the catalog knows nothing of publishing (ingest
    adds its panel to the dataset page through catalog.panels) nor of search (search
    follows the catalog's changes through signals)."""
    assert not {(f, m) for f, m in imported_modules(SRC / app) if m.startswith(forbidden)}


def test_accounts_does_not_depend_on_catalog() -> None:
    assert not {
        (f, m) for f, m in imported_modules(SRC / "accounts") if m.startswith("marja.catalog")
    }


def test_no_module_is_too_long() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert not long


def test_core_is_importable_without_django_settings() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import marja.core.text, marja.core.jalali; "
        "assert 'django' not in sys.modules, 'core pulled in django'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PATH": ""})
