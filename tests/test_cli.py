"""The `marja` command, run as a person runs it: a real process and a real SQLite file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

MARJA = [sys.executable, "-m", "marja"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "MARJA_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MARJA, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_help_lists_every_command(env: dict[str, str]) -> None:
    result = run(env, "--help")
    assert result.returncode == 0
    for command in ("serve", "worker", "import", "export", "load-demo", "create-user", "check"):
        assert command in result.stdout
        sub = run(env, command, "--help")
        assert sub.returncode == 0 and "Usage:" in sub.stdout


def test_check_reports_an_unmigrated_database_then_passes(env: dict[str, str]) -> None:
    before = run(env, "check")
    assert before.returncode == 1
    assert "migrations not applied" in before.stderr
    assert run(env, "load-demo", "--without-data").returncode == 0
    after = run(env, "check")
    assert after.returncode == 0, after.stderr
    assert "everything in order" in after.stdout
    key = Path(env["MARJA_DATA_DIR"]) / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MARJA_DEBUG", "maybe"),
        ("MARJA_TIME_ZONE", "Mars/Base"),
        ("DATABASE_URL", "garbage"),
        ("MARJA_LOG_LEVEL", "LOUD"),
        ("MARJA_LOGIN_FAILURE_LIMIT", "0"),
        ("MARJA_ALLOWED_HOSTS", ""),
    ],
)
def test_check_names_a_bad_setting_without_a_traceback(
    env: dict[str, str], name: str, value: str
) -> None:
    result = run({**env, name: value}, "check")
    assert result.returncode == 1
    assert f"ERR {name}" in result.stderr
    assert "Traceback" not in result.stderr


def test_load_demo_is_idempotent_and_keeps_passwords_private(env: dict[str, str]) -> None:
    first = run(env, "load-demo")
    assert first.returncode == 0, first.stderr
    assert "16 counties" in first.stdout and "20 datasets" in first.stdout
    assert "19 new versions" in first.stdout
    credentials = Path(env["MARJA_DATA_DIR"]) / "demo-credentials.txt"
    lines = credentials.read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "admin", "mpo.editor", "tums.admin", "governorate.viewer", "varamin.viewer",
    ]  # fmt: skip
    assert credentials.stat().st_mode & 0o777 == 0o600
    for line in lines:
        assert line.split("\t")[1] not in first.stdout
    second = run(env, "load-demo")
    assert second.returncode == 0
    assert "20 datasets" in second.stdout and "0 new versions" in second.stdout
    assert credentials.read_text(encoding="utf-8").splitlines() == lines


def test_create_user(env: dict[str, str]) -> None:
    assert run(env, "load-demo", "--without-data").returncode == 0
    ok = run(
        env, "create-user", "reza", "--organisation", "education", "--role", "editor",
        "--password-stdin", stdin="a sufficiently long passphrase\n",
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    again = run(env, "create-user", "REZA", "--password-stdin", stdin="whatever else 123\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    roleless = run(env, "create-user", "tara", "--role", "admin", "--password-stdin", stdin="x\n")
    assert roleless.returncode == 1 and "--role needs --organisation" in roleless.stderr
    weak = run(env, "create-user", "nima", "--password-stdin", stdin="123\n")
    assert weak.returncode == 1
    assert "This password is too short" in weak.stderr
    assert "Traceback" not in weak.stderr
    unknown = run(
        env, "create-user", "sima", "--organisation", "nope", "--password-stdin", stdin="x\n"
    )
    assert unknown.returncode == 1 and "no organisation" in unknown.stderr
    # The weak and unknown attempts stored nothing: creating them properly still works.
    fine = run(env, "create-user", "nima", "--password-stdin", stdin="now a proper passphrase\n")
    assert fine.returncode == 0, fine.stderr


def test_import_and_export_through_the_pipeline(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "load-demo", "--without-data").returncode == 0
    good = tmp_path / "schools.csv"
    # As Excel in Iran saves it: Windows-1256, where ی is stored as the Arabic ي.
    good.write_text("شهرستان;مدارس\nتهران;12,345\nري;40\n", encoding="cp1256")
    first = run(env, "import", str(good), "--dataset", "cli-schools", "--org", "education")
    assert first.returncode == 0, first.stderr
    assert "published cli-schools version 1: 2 rows" in first.stdout
    same = run(env, "import", str(good), "--dataset", "cli-schools")
    assert same.returncode == 0 and "no new version" in same.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("شهرستان;مدارس\nتهران;بسیار\nکرج;3\n", encoding="utf-8")
    refused = run(env, "import", str(bad), "--dataset", "cli-schools")
    assert refused.returncode == 1
    assert "Row 2, column «مدارس»: «بسیار» is not a valid whole number." in refused.stderr
    assert "Row 3, column «شهرستان»: «کرج» is not in the reference list" in refused.stderr
    assert "Traceback" not in refused.stderr
    out = tmp_path / "out.csv"
    exported = run(env, "export", "--dataset", "cli-schools", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert out.read_text(encoding="utf-8-sig").splitlines()[1:] == ["tehran,12345", "rey,40"]
    parquet = subprocess.run(
        [*MARJA, "export", "--dataset", "cli-schools", "--format", "parquet", "-o", "-"],
        env=env, capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert parquet.stdout.startswith(b"PAR1") and parquet.stdout.endswith(b"PAR1")
    missing = run(env, "import", str(good), "--dataset", "nowhere")
    assert missing.returncode == 1 and "give --org to create it" in missing.stderr
