"""What the ``marja import``, ``export`` and ``worker`` commands do, once Django is set up.

The click commands in :mod:`marja.cli` parse arguments and call these functions, so the
command line goes through the same services as the pages.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import override

from marja.accounts.models import Organisation
from marja.catalog.models import Dataset, Licence, Theme
from marja.catalog.services import DatasetIn, create_dataset
from marja.core.problems import Report
from marja.core.sources import ReadOptions
from marja.ingest import services
from marja.ingest.messages import message
from marja.ingest.models import Publication
from marja.ingest.selectors import current_version, version_of
from marja.ingest.storage import object_store


class CommandError(Exception):
    """A problem the command reports in one line, with exit status 1."""


@dataclass(frozen=True)
class ImportOutcome:
    publication: Publication
    lines: list[str]

    @property
    def exit_code(self) -> int:
        status = self.publication.status
        if status in (Publication.Status.PUBLISHED, Publication.Status.UNCHANGED):
            return 0
        return 1 if status == Publication.Status.REJECTED else 2


def dataset_for_import(slug: str, organisation: str | None, title: str | None) -> Dataset:
    """The dataset ``slug``; created as a draft under ``organisation`` if it is new."""
    dataset = Dataset.objects.filter(slug=slug).select_related("publisher").first()
    if dataset is not None:
        if organisation and dataset.publisher.slug != organisation:
            raise CommandError(
                f"dataset {slug!r} belongs to {dataset.publisher.slug!r}, not {organisation!r}"
            )
        return dataset
    if not organisation:
        raise CommandError(f"no dataset {slug!r}; give --org to create it")
    publisher = Organisation.objects.filter(slug=organisation).first()
    if publisher is None:
        raise CommandError(f"no organisation {organisation!r}")
    theme, licence = Theme.objects.order_by("position").first(), Licence.objects.first()
    if theme is None or licence is None:
        raise CommandError("no themes or licences yet: run `marja load-demo` or add them first")
    data = DatasetIn(
        slug=slug,
        title_fa=title or slug,
        publisher=publisher,
        theme=theme,
        licence=licence,
        frequency=Dataset.Frequency.IRREGULAR,
    )
    from django.core.exceptions import ValidationError

    try:
        return create_dataset(data, actor=None)
    except ValidationError as exc:
        raise CommandError("; ".join(exc.messages)) from None


def import_file(
    path: Path,
    dataset: Dataset,
    *,
    options: ReadOptions,
    note: str,
    valid_rows_only: bool,
    progress: Callable[[str, float], None],
) -> ImportOutcome:
    if not path.is_file():
        raise CommandError(f"{path} is not a file")
    try:
        upload = services.upload_from_path(path, actor=None, original_name=path.name)
    except services.UploadTooLargeError:
        raise CommandError(f"{path} is larger than MARJA_MAX_UPLOAD_MB") from None
    request = services.PublishRequest(
        options=options, note=note, valid_rows_only=valid_rows_only, channel="cli"
    )
    publication = services.request_publication(
        dataset, upload, actor=None, request=request, background=False, progress=progress
    )
    return ImportOutcome(publication, describe(publication))


def describe(publication: Publication, shown: int = 20) -> list[str]:
    """The outcome in English, for the terminal."""
    status = publication.status
    if status == Publication.Status.PUBLISHED and publication.version is not None:
        version = publication.version
        lines = [
            f"published {publication.dataset.slug} version {version.number}: "
            f"{version.row_count} rows, sha256 {version.sha256}"
        ]
        if version.excluded_rows:
            lines.append(f"{version.excluded_rows} rows with errors were left out")
        if version.diff:
            diff = version.diff
            lines.append(
                f"changes: +{diff['added']} -{diff['removed']} ~{diff['changed']} "
                f"={diff['unchanged']}"
            )
        return lines
    if status == Publication.Status.UNCHANGED:
        return ["the file holds exactly the current version's data; no new version"]
    if status == Publication.Status.FAILED:
        return [f"publication failed on an internal error ({publication.error}); nothing stored"]
    report = Report.from_dict(publication.report or {})
    lines = [f"refused: {report.total} problems; nothing was published"]
    with override("en"):
        lines += [
            f"  {rule} {column or ''}: {count}" for (rule, column), count in report.counts.items()
        ]
        lines += [message(p) for p in report.sorted_problems()[:shown]]
    if report.total > shown:
        lines.append(f"... see the full report on the publication's page ({publication.pk})")
    return lines


def export_version(slug: str, number: int | None, fmt: str, target: str) -> str:
    """Write a version to ``target`` ('-' for standard output); returns where it went."""
    import duckdb

    from marja.core.convert import quote_literal

    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is None:
        raise CommandError(f"no dataset {slug!r}")
    version = current_version(dataset) if number is None else version_of(dataset, number)
    if version is None:
        raise CommandError(f"dataset {slug!r} has no published version")
    source = object_store().open(version.sha256)
    name = target or f"{slug}-v{version.number}.{fmt}"
    if fmt == "parquet":
        if name == "-":
            with source.open("rb") as handle:
                shutil.copyfileobj(handle, sys.stdout.buffer)
        else:
            shutil.copyfile(source, name)
        return name
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "export.csv"
        con = duckdb.connect()
        try:
            con.execute(
                f"COPY (SELECT * FROM read_parquet({quote_literal(str(source))})) "
                f"TO {quote_literal(str(plain))} (HEADER, DELIMITER ',')"
            )
        finally:
            con.close()
        with plain.open("rb") as src:
            out = sys.stdout.buffer if name == "-" else Path(name).open("wb")  # noqa: SIM115
            try:
                out.write(b"\xef\xbb\xbf")  # Excel reads UTF-8 only after a BOM
                shutil.copyfileobj(src, out)
            finally:
                if name != "-":
                    out.close()
    return name


def run_worker(schedule_every: float = 60.0, also: tuple[Callable[[], object], ...] = ()) -> None:
    """Run queued jobs, queue due scheduled pulls and sign the ledger hourly, until stopped;
    ``also`` runs with them every ``schedule_every`` seconds (other apps' upkeep)."""
    from django.core.management import call_command

    from marja.ingest.pulls import enqueue_due_pulls
    from marja.ledger.services import sign_if_stale

    resumed = services.resume_interrupted()
    if resumed:
        print(f"queued again {len(resumed)} publications a stopped worker left running")

    def schedule() -> None:
        while True:
            try:
                enqueue_due_pulls()
                services.prune_stale_uploads()
                sign_if_stale()  # the ledger's hourly checkpoint, even when nothing happens
                for job in also:
                    job()
            except Exception as exc:  # keep scheduling after a database hiccup
                print(f"scheduling pulls failed: {exc}", file=sys.stderr)
            time.sleep(schedule_every)

    threading.Thread(target=schedule, name="marja-scheduler", daemon=True).start()
    call_command("db_worker", interval=1.0)
