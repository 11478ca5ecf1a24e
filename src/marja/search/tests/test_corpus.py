"""The Persian test corpus: each normalisation, on SQLite and on PostgreSQL alike.

The whole suite runs once per database; ``corpus_results.json`` holds the ordered results
of every query, so both databases must return the same datasets in the same order.
Regenerate it (after a deliberate ranking change) with MARJA_UPDATE_SEARCH_RESULTS=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from marja.catalog.demo import DemoResult
from marja.search.selectors import SearchRequest, search
from marja.search.tests.corpus import CASES, Case, load_corpus

RESULTS = Path(__file__).parent / "data" / "corpus_results.json"


@pytest.fixture
def corpus(demo: DemoResult) -> None:
    load_corpus()


def found(query: str) -> list[str]:
    results = search(AnonymousUser(), SearchRequest(query))
    return [d.slug for d in results.page(0, 1000)]


def test_the_corpus_has_thirty_persian_cases() -> None:
    assert len(CASES) >= 30
    assert len({c.query for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.why or c.query for c in CASES])
def test_case(corpus: None, case: Case) -> None:
    slugs = found(case.query)
    if case.first:
        assert case.first in slugs[: case.within], (case.query, slugs[:5])
    assert not set(case.never) & set(slugs)


def _all_results() -> dict[str, Any]:
    answers = {}
    for case in CASES:
        results = search(AnonymousUser(), SearchRequest(case.query))
        answers[case.query] = {
            "matched": results.matched,
            "count": results.count,
            "slugs": [d.slug for d in results.page(0, 1000)],
        }
    return answers


def test_same_results_on_every_database(corpus: None) -> None:
    answers = _all_results()
    if os.environ.get("MARJA_UPDATE_SEARCH_RESULTS"):
        RESULTS.write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n", "utf-8")
    assert answers == json.loads(RESULTS.read_text("utf-8"))
