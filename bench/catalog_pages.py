"""Benchmark: catalog pages with the demo province and with 5,000 datasets.

Prints the median time of each page and its ratio to a baseline measured in the same run
(the not-found page: the page shell with no catalog query), so figures compare across noisy
machines. Run with `make bench`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

os.environ["MARJA_DATA_DIR"] = tempfile.mkdtemp(prefix="marja-bench-")
os.environ.setdefault("DATABASE_URL", "")
os.environ["MARJA_ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
sys.path.insert(0, os.getcwd())

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from marja.accounts.models import Organisation, User  # noqa: E402
from marja.catalog.demo import load_demo  # noqa: E402
from marja.catalog.models import Dataset, Licence, Theme  # noqa: E402
from marja.search.indexing import rebuild  # noqa: E402

PAGES = {
    "home": "/",
    "list": "/datasets/",
    "search": "/datasets/?q=%D8%AC%D9%85%D8%B9%DB%8C%D8%AA",
    "facet": "/datasets/?theme=health&county=tehran",
    "dataset": "/datasets/county-population-1395/",
}


def median_ms(get: Callable[[], object], repeat: int = 30) -> float:
    get()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(client: Client, label: str) -> dict[str, float]:
    assert client.get("/no-such-page/").status_code == 404
    baseline = median_ms(lambda: client.get("/no-such-page/"))
    print(f"\n{label}: baseline (not-found page: the shell, no catalog query) {baseline:.1f} ms")
    results = {}
    for name, url in PAGES.items():
        assert client.get(url).status_code == 200, url
        ms = median_ms(lambda url=url: client.get(url))
        results[name] = ms
        print(f"  {name:8s} {ms:7.1f} ms   {ms / baseline:5.1f}× baseline")
    return results


def add_synthetic(count: int) -> None:
    publishers = list(Organisation.objects.all())
    themes = list(Theme.objects.all())
    licence = Licence.objects.first()
    rows = []
    for i in range(count):
        title = f"مجموعه‌دادهٔ آزمایشی شماره {i}"
        rows.append(
            Dataset(
                slug=f"synthetic-{i}",
                title_fa=title,
                publisher=publishers[i % len(publishers)],
                theme=themes[i % len(themes)],
                licence=licence,
                access=["public", "internal", "restricted"][i % 3],
                status="published",
                frequency="yearly",
            )
        )
    Dataset.objects.bulk_create(rows, batch_size=500)
    rebuild()  # bulk_create sends no signal: index them as `marja reindex` does


def main() -> None:
    call_command("migrate", verbosity=0)
    load_demo()
    anonymous, official = Client(), Client()
    official.force_login(User.objects.get(username="mpo.editor"))
    small = measure(anonymous, "demo province (14 datasets), anonymous")
    add_synthetic(5000)
    large = measure(anonymous, "5,014 datasets, anonymous")
    measure(official, "5,014 datasets, government user")
    print("\ngrowth from 14 to 5,014 datasets (same page, anonymous):")
    for name in PAGES:
        print(f"  {name:8s} {large[name] / small[name]:5.1f}×")


if __name__ == "__main__":
    main()
