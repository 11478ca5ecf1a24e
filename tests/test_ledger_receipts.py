"""A reader downloads a version's receipt and anyone checks it, offline or online;
forged, edited, replayed and foreign receipts are refused with the reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.test import Client

from marja.core.signing import SigningKey
from marja.ingest.models import DatasetVersion
from marja.ingest.storage import object_store
from tests.ledger_support import BEDS, CENSUS

Versions = dict[str, DatasetVersion]


def receipt(client: Client, slug: str = CENSUS, ref: str = "1") -> dict[str, Any]:
    response = client.get(f"/api/v1/datasets/{slug}/versions/{ref}/receipt")
    assert response.status_code == 200, response.content[:500]
    body: dict[str, Any] = response.json()
    return body


def check_offline(tmp_path: Path, receipt_: Any, *args: str, key: str | None = None) -> Any:
    """``marja verify-receipt`` in a process with no database, settings or data folder."""
    (tmp_path / "r.json").write_text(json.dumps(receipt_), encoding="utf-8")
    key_file = tmp_path / "key.pem"
    if key is not None:
        key_file.write_text(key)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "marja", "verify-receipt", str(tmp_path / "r.json"),
         "--public-key", str(key_file), *args],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip


def test_the_version_page_and_api_show_the_proof(versions: Versions) -> None:
    client = Client()
    body = client.get(f"/api/v1/datasets/{CENSUS}/versions/1").json()
    proof = body["proof"]
    version = versions[CENSUS]
    assert proof["content_hash"] == version.sha256
    assert proof["ledger_entry"]["sequence"] == version.ledger_entry_id
    assert proof["checkpoint"]["sequence"] >= version.ledger_entry_id
    assert proof["receipt_url"].endswith(f"/datasets/{CENSUS}/versions/1/receipt")
    page = client.get(f"/datasets/{CENSUS}/versions/1/").content.decode()
    assert 'data-field="proof"' in page and version.sha256 in page
    assert f"/datasets/{CENSUS}/versions/1/receipt.json" in page
    download = client.get(f"/datasets/{CENSUS}/versions/1/receipt.json")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert download.json()["subject"]["sha256"] == version.sha256


def test_a_receipt_holds_offline_with_the_published_key(versions: Versions, tmp_path: Path) -> None:
    client = Client()
    key = client.get("/.well-known/marja-ledger-key.pem").content.decode()
    data = object_store().path_for(versions[CENSUS].sha256)
    result = check_offline(tmp_path, receipt(client), "--file", str(data), key=key)
    assert result.returncode == 0, result.stderr
    assert "the receipt holds" in result.stdout
    assert f"dataset {CENSUS!r}" in result.stdout


def test_a_forged_receipt_is_refused_offline(versions: Versions, tmp_path: Path) -> None:
    client = Client()
    key = client.get("/.well-known/marja-ledger-key.pem").content.decode()
    forged = receipt(client)
    forged["subject"]["rows"] = 1
    forged["entry"]["payload"]["rows"] = 1
    result = check_offline(tmp_path, forged, key=key)
    assert result.returncode == 1
    assert "was edited" in result.stderr and "the receipt is refused" in result.stderr


def test_a_receipt_replayed_for_another_file_or_version_is_refused(
    versions: Versions, tmp_path: Path
) -> None:
    client = Client()
    key = client.get("/.well-known/marja-ledger-key.pem").content.decode()
    genuine = receipt(client)
    other_file = object_store().path_for(versions[BEDS].sha256)
    result = check_offline(tmp_path, genuine, "--file", str(other_file), key=key)
    assert result.returncode == 1
    assert "genuine receipt presented for something else" in result.stderr
    assert check_offline(tmp_path, genuine, "--dataset", BEDS, key=key).returncode == 1
    other_version = check_offline(tmp_path, genuine, "--version", "2", key=key)
    assert other_version.returncode == 1
    assert "for version 1, not 2" in other_version.stderr  # English, in Latin digits


def test_a_receipt_of_another_instance_is_refused(versions: Versions, tmp_path: Path) -> None:
    other = SigningKey.generate().public.pem()
    result = check_offline(tmp_path, receipt(Client()), key=other)
    assert result.returncode == 1
    assert "issued by another instance" in result.stderr


def test_unreadable_files_are_named_without_a_traceback(versions: Versions, tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text("{not json")
    result = check_offline(tmp_path, None, key="junk")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not an Ed25519 public key" in result.stderr


def test_the_instance_checks_a_receipt_online(versions: Versions) -> None:
    client = Client()
    genuine = receipt(client)

    def verify(body: dict[str, Any]) -> dict[str, Any]:
        response = client.post("/api/v1/receipts/verify", body, content_type="application/json")
        assert response.status_code == 200, response.content[:400]
        answer: dict[str, Any] = response.json()
        return answer

    held = verify({"receipt": genuine})
    assert held["valid"] is True and held["current"] is True
    assert held["dataset"] == CENSUS and held["sha256"] == versions[CENSUS].sha256
    replayed = verify({"receipt": genuine, "sha256": versions[BEDS].sha256})
    assert replayed["valid"] is False
    assert [p["code"] for p in replayed["problems"]] == ["receipt_not_expected"]
    assert replayed["problems"][0]["message_fa"] and replayed["problems"][0]["message_en"]
    forged = json.loads(json.dumps(genuine))
    forged["checkpoint"]["signature"] = SigningKey.generate().sign(b"x")
    assert [p["code"] for p in verify({"receipt": forged})["problems"]] == [
        "receipt_signature_invalid"
    ]
    assert verify({"receipt": {"type": "nope"}})["problems"][0]["code"] == "receipt_malformed"


def test_the_public_key_is_published_at_well_known_addresses(versions: Versions) -> None:
    client = Client()
    pem = client.get("/.well-known/marja-ledger-key.pem")
    assert pem.status_code == 200 and b"BEGIN PUBLIC KEY" in pem.content
    document = client.get("/.well-known/marja-ledger.json").json()
    api = client.get("/api/v1/ledger/key").json()
    assert (
        document["key_id"] == api["key_id"] and document["public_key_pem"] == pem.content.decode()
    )
    checkpoints = client.get("/api/v1/ledger/checkpoints").json()
    assert checkpoints["count"] >= 2
    assert checkpoints["results"][0]["sequence"] == document["latest_checkpoint"]["sequence"]
