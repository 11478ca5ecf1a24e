"""The ``marja`` command: serve, worker, import, export, load-demo, create-user, verify,
verify-receipt, check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marja.settings")
    import django
    from django.utils import translation

    django.setup()
    # The command line speaks English (its --help is English); pages are Persian.
    translation.activate("en")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="marja")
def main() -> None:
    """marja: the integrated information system of a province.

    Settings come from the environment (MARJA_DATA_DIR, DATABASE_URL, ...); see
    docs/settings.md.
    """


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _load_demo_and_report(*, with_data: bool = True) -> None:
    from django.conf import settings

    from marja.catalog.demo import load_demo, write_credentials
    from marja.indicators.demo import load_demo_plan
    from marja.ingest.demo import publish_demo_data

    result = load_demo()
    credentials = settings.DATA_DIR / "demo-credentials.txt"
    write_credentials(credentials, result.created_users)
    click.echo(
        f"demo province loaded: {result.counties} counties, {result.organisations} "
        f"organisations, {result.datasets} datasets"
    )
    if with_data:
        published = publish_demo_data(progress=lambda slug: click.echo(f"  publishing {slug}"))
        click.echo(f"demo data published through the pipeline: {published} new versions")
    plan = load_demo_plan()
    click.echo(f"demo plan loaded: {plan.name_fa}, {plan.indicators.count()} indicators")
    from marja.budget.demo import load_demo_budget, write_council_credentials

    cycle = load_demo_budget()
    council = settings.DATA_DIR / "demo-council-credentials.txt"
    if write_council_credentials(council):
        click.echo(
            f"demo council and stakeholder accounts created; their passwords are in {council}"
        )
    if cycle is not None:
        click.echo(
            f"demo budget loaded: {cycle.programme_fa} {cycle.year}, "
            f"{cycle.scenarios.count()} scenarios"
        )
    if result.created_users:
        click.echo(f"demo accounts created; their passwords are in {credentials}")


@main.command("load-demo")
@click.option(
    "--without-data",
    is_flag=True,
    help="Load the catalog, organisations and accounts but publish no dataset versions.",
)
def load_demo_command(without_data: bool) -> None:
    """Load (or refresh) the demo province: counties, agencies, datasets, accounts.

    Idempotent: a second run changes nothing. Passwords of accounts it creates are
    written to MARJA_DATA_DIR/demo-credentials.txt (readable by the owner only).
    """
    _setup_django()
    _migrate()
    _load_demo_and_report(with_data=not without_data)


@main.command("create-user")
@click.argument("username")
@click.option("--email", default="", help="E-mail address.")
@click.option("--first-name", default="", help="Given name (Persian).")
@click.option("--last-name", default="", help="Family name (Persian).")
@click.option(
    "--organisation",
    "organisation_slug",
    default="",
    help="Organisation identifier (slug) to join.",
)
@click.option(
    "--role",
    type=click.Choice(["admin", "editor", "viewer"]),
    default="viewer",
    show_default=True,
    help="Role in --organisation.",
)
@click.option("--superuser", is_flag=True, help="Make a system administrator.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of asking.",
)
def create_user_command(
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    organisation_slug: str,
    role: str,
    superuser: bool,
    password_stdin: bool,
) -> None:
    """Create the account USERNAME; the password is asked for (or read from stdin)."""
    _setup_django()
    from django.core.exceptions import ValidationError

    from marja.accounts.models import Organisation, User
    from marja.accounts.services import create_user

    if User.objects.filter(username__iexact=username).exists():
        raise click.ClickException(f"a user named {username!r} already exists (ignoring case)")
    if role != "viewer" and not organisation_slug:
        raise click.ClickException("--role needs --organisation: a role is held in an organisation")
    memberships: list[tuple[Organisation, str]] = []
    if organisation_slug:
        organisation = Organisation.objects.filter(slug=organisation_slug).first()
        if organisation is None:
            raise click.ClickException(f"no organisation with identifier {organisation_slug!r}")
        memberships.append((organisation, role))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            username,
            password,
            email=email,
            first_name=first_name,
            last_name=last_name,
            superuser=superuser,
            memberships=memberships,
        )
    except ValidationError as exc:
        raise click.ClickException("; ".join(exc.messages)) from None
    click.echo(f"created user {user.username}")


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", "slug", required=True, help="Identifier (slug) of the dataset.")
@click.option(
    "--org",
    "organisation",
    default=None,
    help="Organisation publishing it; a dataset that does not exist yet is created under it.",
)
@click.option("--title", default=None, help="Persian title of a dataset created by this import.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "tsv", "xlsx", "xls", "json", "ndjson", "parquet"]),
    default=None,
    help="File format (default: detected).",
)
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "utf-8-sig", "windows-1256"]),
    default=None,
    help="Text encoding (default: detected).",
)
@click.option("--delimiter", default=None, help="CSV delimiter (default: detected).")
@click.option("--sheet", default=None, help="Excel sheet (default: the first).")
@click.option("--note", default="", help="Note stored with the version.")
@click.option(
    "--valid-rows-only", is_flag=True, help="Publish the valid rows and leave out the others."
)
def import_command(
    path: Path,
    slug: str,
    organisation: str | None,
    title: str | None,
    file_format: str | None,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    note: str,
    valid_rows_only: bool,
) -> None:
    """Publish the file PATH as the next version of a dataset.

    Exit status: 0 published (or identical to the current version), 1 refused by
    validation (the problems are printed), 2 failed.
    """
    _setup_django()
    _migrate()
    from marja.core.sources import ReadOptions
    from marja.ingest.cli import CommandError, dataset_for_import, import_file

    try:
        dataset = dataset_for_import(slug, organisation, title)
        with click.progressbar(length=100, label=f"publishing {path.name}") as bar:
            done = [0]

            def advance(stage: str, fraction: float) -> None:
                step = int(fraction * 100) - done[0]
                if step > 0:
                    bar.update(step)
                    done[0] += step

            outcome = import_file(
                path,
                dataset,
                options=ReadOptions(file_format, encoding, _delimiter(delimiter), sheet),
                note=note,
                valid_rows_only=valid_rows_only,
                progress=advance,
            )
            advance("done", 1.0)
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None
    for line in outcome.lines:
        click.echo(line, err=outcome.exit_code != 0)
    sys.exit(outcome.exit_code)


def _delimiter(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = {"tab": "\t", "\\t": "\t"}.get(raw, raw)
    if len(value) != 1:
        raise click.BadParameter("one character, or 'tab'", param_hint="--delimiter")
    return value


@main.command("export")
@click.option("--dataset", "slug", required=True, help="Identifier (slug) of the dataset.")
@click.option(
    "--version", "number", type=int, default=None, help="Version number (default: current)."
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="csv: UTF-8 with BOM, opens right in Excel; parquet: the stored object.",
)
@click.option(
    "-o", "--output", default="", help="File to write, '-' for standard output (default: SLUG-vN)."
)
def export_command(slug: str, number: int | None, file_format: str, output: str) -> None:
    """Write a dataset version to a file."""
    _setup_django()
    from django.http import Http404

    from marja.ingest.cli import CommandError, export_version

    try:
        written = export_version(slug, number, file_format, output)
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None
    except Http404:
        raise click.ClickException(f"dataset {slug!r} has no version {number}") from None
    if written != "-":
        click.echo(f"wrote {written}", err=True)


@main.command()
def worker() -> None:
    """Run background jobs (large publications, scheduled pulls) until stopped.

    `marja serve` starts one; run it separately when serving with --no-worker.
    """
    _setup_django()
    _migrate()
    from marja.ingest.cli import run_worker
    from marja.search.indexing import refresh_upkeep

    run_worker(also=(refresh_upkeep,))


@main.command()
def reindex() -> None:
    """Rebuild the search index from the catalog, in one transaction.

    Searches keep answering from the old index until the new one is committed. Needed
    only after a change made around marja's own code (e.g. SQL typed at the database).
    """
    _setup_django()
    _migrate()
    import time

    from marja.search.indexing import rebuild

    started = time.perf_counter()
    count = rebuild()
    click.echo(f"indexed {count} datasets in {time.perf_counter() - started:.1f} s")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
def verify(as_json: bool) -> None:
    """Verify the ledger's chain, its signed checkpoints and every stored object.

    Names each problem found (an entry altered, removed, inserted or reordered; an
    object missing or changed). Exit status 0 when all holds, 1 otherwise.
    """
    _setup_django()
    _migrate()
    import json

    from marja.ledger.messages import problem_text
    from marja.ledger.verification import run_verification

    verification = run_verification(through="cli")
    report = verification.report
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    elif "error" in report:
        click.echo(f"ERR the verification could not finish: {report['error']}", err=True)
    else:
        codes = [str(p["code"]) for p in report["problems"]]

        def mark(*prefixes: str) -> str:
            """ERR on the line whose part is at fault, ok on the others."""
            if not prefixes:
                faulty = any(
                    not c.startswith(("object_", "version_", "final_allocation_")) for c in codes
                )
            else:
                faulty = any(c.startswith(prefixes) for c in codes)
            return "ERR" if faulty else "ok "

        click.echo(
            f"{mark()} ledger: {report['entries']} entries, {report['checkpoints']} checkpoints, "
            f"{report['unsigned_entries']} entries after the last checkpoint"
        )
        click.echo(
            f"{mark('object_', 'version_')} objects: {report.get('objects', 0)} objects of "
            f"{report.get('versions', 0)} versions, {report.get('bytes', 0) / 1e6:.1f} MB hashed "
            f"in {report['seconds']:.1f} s"
        )
        click.echo(
            f"{mark('final_allocation_')} budget: {report.get('final_allocations', 0)} final "
            "allocations checked against their digests and the ledger"
        )
        for problem in report["problems"]:
            click.echo(f"ERR {problem_text(problem)}", err=True)
        click.echo(
            "marja verify: everything holds"
            if not report["problems"]
            else f"marja verify: {len(report['problems'])} problems found",
            err=bool(report["problems"]),
        )
    sys.exit(0 if verification.status == "passed" else 1)


def _words_without_a_database() -> None:
    """Enough of Django for messages (English), without settings, data folder or database:
    whoever checks a receipt offline has none of them."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)


@main.command("verify-receipt")
@click.argument("receipt_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The instance's public key (PEM, from /.well-known/marja-ledger-key.pem).",
)
@click.option("--dataset", default=None, help="Refuse a receipt for any other dataset.")
@click.option("--version", "number", type=int, default=None, help="Refuse another version.")
@click.option(
    "--file",
    "data_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A downloaded Parquet file: refuse the receipt unless it is this file's.",
)
def verify_receipt_command(
    receipt_file: Path,
    key_file: Path,
    dataset: str | None,
    number: int | None,
    data_file: Path | None,
) -> None:
    """Check a version's receipt offline, with the instance's public key.

    Needs no database and no network. Exit status 0 when the receipt holds, 1 when it
    is refused (the reason is printed), 2 when a file cannot be read.
    """
    import json

    from marja.core.receipt import Expected, verify_receipt
    from marja.core.signing import PublicKey, SigningKeyError
    from marja.core.store import sha256_of

    _words_without_a_database()
    from marja.ledger.messages import receipt_problem

    try:
        receipt = json.loads(receipt_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        click.echo(f"ERR {receipt_file} is not JSON: {exc}", err=True)
        sys.exit(2)
    try:
        key = PublicKey.from_text(key_file.read_text(encoding="ascii", errors="replace"))
    except SigningKeyError as exc:
        click.echo(f"ERR {key_file}: {exc}", err=True)
        sys.exit(2)
    expected = Expected(
        dataset=dataset,
        version=number,
        sha256=sha256_of(data_file) if data_file is not None else None,
    )
    check = verify_receipt(receipt, key, expected)
    if not check.ok:
        for code, params in check.problems:
            click.echo(f"ERR {receipt_problem(code, params)}", err=True)
        click.echo("the receipt is refused", err=True)
        sys.exit(1)
    subject, entry, checkpoint = check.subject, check.entry, check.checkpoint
    if subject is None or entry is None or checkpoint is None:  # a valid check has all three
        sys.exit(1)
    click.echo(
        f"ok  version {subject.version} of dataset {subject.dataset!r}: SHA-256 "
        f"{subject.sha256}, {subject.size} bytes, {subject.rows} rows"
    )
    click.echo(
        f"ok  published at {entry.recorded_at} as ledger entry {entry.sequence}, "
        f"signed in checkpoint {checkpoint.sequence} at {checkpoint.signed_at} "
        f"by {checkpoint.instance!r} (key {key.key_id[:16]}…)"
    )
    if data_file is not None:
        click.echo(f"ok  {data_file} is that version's data, byte for byte")
    click.echo("the receipt holds")


@main.command()
@click.option(
    "--deploy",
    is_flag=True,
    help="Also report settings unsafe on a production server (debug, HTTPS, cookies, "
    "keys, demo accounts...).",
)
def check(deploy: bool) -> None:
    """Check configuration, database, migrations and storage; exit 1 on a problem."""
    from marja import config

    problems: list[str] = []
    for option in config.ALL_OPTIONS:
        try:
            option.read()
        except config.ConfigError as exc:
            problems.append(str(exc))
    if problems:
        _report(problems, [])
    try:
        _setup_django()
    except Exception as exc:
        _report([f"marja could not start: {exc}"], [])
    problems, facts = _django_checks()
    if deploy:
        from marja.deploy_checks import deployment_findings

        for finding in deployment_findings():
            if finding.unsafe:
                problems.append(f"unsafe for production: {finding.text}")
            else:
                click.echo(f"warn {finding.text}")
    _report(problems, facts)


def _django_checks() -> tuple[list[str], list[str]]:
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core import checks
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    problems: list[str] = []
    facts: list[str] = [f"data folder: {settings.DATA_DIR}"]
    for message in checks.run_checks(include_deployment_checks=False):
        if message.level >= checks.ERROR:
            problems.append(str(message))
    if not os.access(settings.DATA_DIR, os.W_OK):
        problems.append(f"data folder {settings.DATA_DIR} is not writable")
    key = settings.DATA_DIR / "secret_key"
    if key.exists() and key.stat().st_mode & 0o077:
        problems.append(f"{key} is readable by others; run chmod 600 on it")
    try:
        connection.ensure_connection()
        facts.append(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            problems.append(
                f"{len(pending)} database migrations not applied (marja serve applies them)"
            )
        else:
            facts.append("database migrations applied")
    except Exception as exc:
        problems.append(f"database unreachable: {exc}")
    problems_, facts_ = _search_index_checks()
    problems += problems_
    facts += facts_
    from marja.ledger.keys import instance_key

    try:
        facts.append(f"ledger key: {instance_key().key_id[:16]}…")
    except Exception as exc:
        problems.append(f"the ledger key cannot be used: {exc}")
    if finders.find("vendor/vazirmatn/webfonts/Vazirmatn-Regular.woff2"):
        facts.append("Vazirmatn font installed")
    else:
        problems.append("the Vazirmatn font is missing: run `npm ci` in the project folder")
    if settings.DEBUG:
        problems.append("MARJA_DEBUG is on: never in production")
    else:
        facts.append("debug mode off")
    return problems, facts


def _search_index_checks() -> tuple[list[str], list[str]]:
    from marja.search.indexing import index_status

    try:
        status = index_status()
    except Exception as exc:
        return [f"search index unreadable: {exc}"], []
    if not status.complete:
        return [
            f"search index: {status.indexed} of {status.datasets} datasets indexed"
            + ("" if status.structures else ", its full-text index is missing")
            + "; run marja reindex"
        ], []
    return [], [f"search index: all {status.datasets} datasets indexed"]


def _report(problems: list[str], facts: list[str]) -> None:
    for fact in facts:
        click.echo(f"ok  {fact}")
    for problem in problems:
        click.echo(f"ERR {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("marja check: everything in order")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per worker.")
@click.option(
    "--demo-if-empty",
    is_flag=True,
    help="Load the demo province when the database holds no organisation and no county.",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not start the background worker (run `marja worker` elsewhere).",
)
def serve(
    host: str, port: int, workers: int, threads: int, demo_if_empty: bool, no_worker: bool
) -> None:
    """Run marja with gunicorn and a background worker: migrate, collect static, serve."""
    _setup_django()
    from django.core.management import call_command

    from marja.catalog.demo import is_database_empty

    _migrate()
    if demo_if_empty and is_database_empty():
        _load_demo_and_report()
    call_command("collectstatic", interactive=False, verbosity=0)
    click.echo(f"marja is serving on http://{host}:{port}/")
    job_runner = None
    if not no_worker:
        job_runner = subprocess.Popen([sys.executable, "-m", "marja", "worker"])
    try:
        _serve(host, port, workers, threads)
    finally:
        if job_runner is not None:
            job_runner.terminate()
            try:
                job_runner.wait(timeout=30)
            except subprocess.TimeoutExpired:
                job_runner.kill()


def _serve(host: str, port: int, workers: int, threads: int) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            # Small files are published while the browser waits; big ones go to the worker.
            "timeout": 120,
            # Long Persian searches are long once percent-encoded; 8190 is gunicorn's maximum.
            "limit_request_line": 8190,
            "accesslog": "-",
            "errorlog": "-",
            # gunicorn 24+ opens a control socket in ~/.gunicorn; marja does not use it,
            # and two instances on one machine would fight over it.
            "control_socket_disable": True,
        }
    ).run()


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn started from Python, serving marja's WSGI application."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from marja.wsgi import application

        return application


if __name__ == "__main__":
    main()
