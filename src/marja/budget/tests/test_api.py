"""The budget API: reading cycles and scenarios, creating one from datasets, the vote,
and each refusal answered with its code and a message in Persian and English."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from marja.accounts.models import User
from marja.budget.models import AllocationScenario, CouncilSession, FinalAllocation

pytestmark = pytest.mark.django_db
BASE = "/api/v1/budget/cycles/capital-1403"


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_scenario_as_json(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    assert Client().get(BASE).status_code == 404  # undecided: not public
    body = client_as("governorate.viewer").get(f"{BASE}/scenarios/1").json()
    counties = body["result"]["counties"]
    assert len(counties) == 16
    assert sum(c["amount"] for c in counties) == scenario.cycle.total
    assert {c["source"]["dataset"] for c in body["definition"]["criteria"]} == {
        "hospital-beds",
        "county-population-1395",
    }
    assert body["problem"] is None
    cycle = client_as("governorate.viewer").get(BASE).json()
    assert cycle["total"] == scenario.cycle.total and cycle["scenarios"][0]["number"] == 1


def _criteria() -> list[dict[str, Any]]:
    return [
        {
            "code": "beds",
            "name_fa": "تخت",
            "direction": "lower",
            "weight": 0.7,
            "source": {
                "dataset": "hospital-beds",
                "measure": "sum:active_beds",
                "county_column": "county",
                "year_column": "year",
                "year": 1402,
                "filters": [["quarter", "1"]],
                "absent_is_zero": True,
            },
        },
        {
            "code": "people",
            "name_fa": "جمعیت",
            "direction": "higher",
            "weight": 0.3,
            "source": {
                "dataset": "county-population-1395",
                "measure": "sum:population",
                "county_column": "county",
            },
        },
    ]


def test_create_a_scenario_from_datasets(cycle: object, client_as: Callable[[str], Client]) -> None:
    response = post(
        client_as("mpo.editor"),
        f"{BASE}/scenarios",
        {
            "name_fa": "از API",
            "criteria": _criteria(),
            "method": "topsis",
            "normalisation": "vector",
            "weighting": "mix",
            "pace_percent": 10,
            "draws": 200,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["problem"] is None
    assert body["result"]["sensitivity"]["draws"] == 200
    assert all(w["entropy_weight"] is not None for w in body["result"]["weights"])


def test_refusals_name_the_problem_in_both_languages(
    cycle: object, client_as: Callable[[str], Client]
) -> None:
    editor = client_as("mpo.editor")
    bad = _criteria()
    bad[0]["weight"] = 0.2
    weights = post(editor, f"{BASE}/scenarios", {"name_fa": "وزن", "criteria": bad})
    assert weights.status_code == 400
    error = weights.json()["error"]
    assert error["params"]["fields"] == ["criteria"]
    assert "۰٫۵" in error["message_fa"] and "0.5" in error["message_en"]
    floor = post(
        editor, f"{BASE}/scenarios", {"name_fa": "کف", "criteria": _criteria(), "floor": 10**12}
    )
    assert floor.status_code == 400
    assert floor.json()["error"]["params"]["fields"] == ["floor"]
    assert "billion rials" in floor.json()["error"]["message_en"]
    assert "میلیارد ریال" in floor.json()["error"]["message_fa"]
    unknown = post(
        editor,
        f"{BASE}/scenarios",
        {"name_fa": "x", "criteria": [{**_criteria()[0], "source": {"dataset": "nope"}}]},
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "dataset_not_found"
    assert unknown.json()["error"]["params"]["fields"] == ["criteria.0.source"]
    restricted = post(
        editor,
        f"{BASE}/scenarios",
        {
            "name_fa": "x",
            "criteria": [
                {
                    **_criteria()[0],
                    "source": {
                        "dataset": "unfinished-projects",
                        "measure": "count",
                        "county_column": "county",
                    },
                }
            ],
        },
    )
    assert restricted.status_code == 400
    assert restricted.json()["error"]["params"]["fields"] == ["criteria.0"]
    for rules in (
        {"cap_percent": 150},
        {"pace_percent": 0},
        {"change_limit_percent": -10},
        {"need_exponent": 1000},
        {"mix_percent": 120},
    ):
        refused = post(
            editor, f"{BASE}/scenarios", {"name_fa": "x", "criteria": _criteria(), **rules}
        )
        assert refused.status_code == 400, rules
        assert refused.json()["error"]["params"]["fields"] == [next(iter(rules))]
    viewer = post(
        client_as("governorate.viewer"),
        f"{BASE}/scenarios",
        {"name_fa": "x", "criteria": _criteria()},
    )
    assert viewer.status_code == 403
    assert not AllocationScenario.objects.exists()


def test_votes_through_the_api(scenario: AllocationScenario, council: dict[str, User]) -> None:
    chair = login(council["admin"])
    opened = post(chair, f"{BASE}/scenarios/1/session", {})
    assert opened.status_code == 201
    session = opened.json()["id"]
    observer = post(
        login(council["mp.observer"]), f"/api/v1/budget/sessions/{session}/votes", {"choice": "for"}
    )
    assert observer.status_code == 403
    assert observer.json()["error"]["code"] == "not_a_voting_member"
    for name in ("admin", "mpo.editor", "council.a"):
        voted = post(
            login(council[name]), f"/api/v1/budget/sessions/{session}/votes", {"choice": "for"}
        )
        assert voted.status_code == 201
    again = post(
        login(council["council.a"]),
        f"/api/v1/budget/sessions/{session}/votes",
        {"choice": "against"},
    )
    assert again.status_code == 400
    assert again.json()["error"]["params"]["fields"] == ["choice"]
    closed = post(chair, f"/api/v1/budget/sessions/{session}/close", {})
    assert closed.json()["outcome"] == "adopted"
    assert CouncilSession.objects.get().tally == {"for": 3, "against": 0, "abstain": 0}
    public = Client().get(BASE).json()
    final = FinalAllocation.objects.get()
    assert public["final"]["digest"] == final.digest
    assert public["scenarios"] == []
    recompute = post(
        login(User.objects.get(username="mpo.editor")), f"{BASE}/scenarios/1/compute", {}
    )
    assert recompute.status_code == 400
    assert FinalAllocation.objects.get().digest == final.digest


def test_a_comment_on_an_unknown_county_is_refused(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    import datetime as dt

    from django.utils import timezone

    from marja.budget import decision
    from marja.budget.models import Comment

    closes = timezone.localdate() + dt.timedelta(days=3)
    decision.open_consultation(
        scenario, ["mps"], closes, actor=User.objects.get(username="mpo.editor")
    )
    mp = login(council["stakeholder"])
    refused = post(mp, f"{BASE}/scenarios/1/comments", {"text": "x", "county": "nowhere"})
    assert refused.status_code == 400 and refused.json()["error"]["params"]["fields"] == ["county"]
    made = post(
        mp, f"{BASE}/scenarios/1/comments", {"text": "سهم دربارهٔ ورامین", "county": "varamin"}
    )
    assert made.status_code == 201 and made.json()["text"] == "سهم دربارهٔ ورامین"
    assert Comment.objects.count() == 1
    seen = login(council["admin"]).get(f"{BASE}/scenarios/1").json()
    assert [c["county"] for c in seen["comments"]] == ["varamin"]
