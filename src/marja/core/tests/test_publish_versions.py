"""Versions: diff against the previous one, deterministic Parquet, the object store, stats."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from marja.core.publish import BuildResult, Previous
from marja.core.schema import Schema
from marja.core.store import LocalObjectStore, ObjectMissingError, StoredObject, sha256_of
from marja.core.tests.publish_support import publish, rows

KEYED = Schema.from_dict(
    {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "name"},
            {"name": "value", "type": "integer"},
        ],
        "primary_key": ["id"],
    }
)
V1 = "id,name,value\n1,a,10\n2,b,20\n3,c,30\n5,e,50\n"
V2 = "id,name,value\n1,a,10\n2,b,25\n4,d,40\n5,E,\n"


def _previous(result: BuildResult) -> Previous:
    assert result.parquet is not None and result.schema is not None
    return Previous(result.parquet, result.schema)


def test_diff_by_primary_key(tmp_path: Path) -> None:
    first = publish(tmp_path, V1, declared=KEYED)
    second = publish(tmp_path, V2, declared=KEYED, previous=_previous(first))
    assert second.diff == {
        "columns_added": [],
        "columns_removed": [],
        "by": "key",
        "key": ["id"],
        "added": 1,
        "removed": 1,
        "changed": 2,
        "unchanged": 1,
        "samples": {
            "added": [{"id": 4, "name": "d", "value": 40}],
            "removed": [{"id": 3, "name": "c", "value": 30}],
            "changed": [
                {"key": {"id": 2}, "fields": {"value": [20, 25]}},
                {"key": {"id": 5}, "fields": {"name": ["e", "E"], "value": [50, None]}},
            ],
        },
    }


def test_diff_by_composite_key_with_county_codes(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {
            "fields": [
                {"name": "county", "type": "county"},
                {"name": "year", "type": "integer"},
                {"name": "pop", "type": "integer"},
            ],
            "primary_key": ["county", "year"],
        }
    )
    old = "county,year,pop\nتهران,1400,100\nری,1400,50\nتهران,1401,110\n"
    # Same counties written differently: only real value changes count.
    new = "county,year,pop\nTehran,۱۴۰۰,100\nrey,1400,55\nری,1401,60\nتهران,1401,110\n"
    first = publish(tmp_path, old, declared=schema)
    second = publish(tmp_path, new, declared=schema, previous=_previous(first))
    diff = second.diff
    assert diff is not None
    assert (diff["by"], diff["key"]) == ("key", ["county", "year"])
    assert (diff["added"], diff["removed"], diff["changed"], diff["unchanged"]) == (1, 0, 1, 2)
    assert diff["samples"]["added"] == [{"county": "rey", "year": 1401, "pop": 60}]
    assert diff["samples"]["changed"] == [
        {"key": {"county": "rey", "year": 1400}, "fields": {"pop": [50, 55]}}
    ]


def test_diff_samples_are_capped_but_counts_are_not(tmp_path: Path) -> None:
    old = "id,name,value\n" + "".join(f"{i},n{i},{i}\n" for i in range(40))
    new = "id,name,value\n" + "".join(f"{i},n{i},{i + (i % 2)}\n" for i in range(40))
    new += "".join(f"{i},n{i},{i}\n" for i in range(100, 130))
    first = publish(tmp_path, old, declared=KEYED)
    second = publish(tmp_path, new, declared=KEYED, previous=_previous(first))
    diff = second.diff
    assert diff is not None
    assert (diff["added"], diff["removed"], diff["changed"], diff["unchanged"]) == (30, 0, 20, 20)
    assert len(diff["samples"]["added"]) == 10
    assert [c["key"]["id"] for c in diff["samples"]["changed"]] == list(range(1, 21, 2))
    assert all(
        c["fields"] == {"value": [c["key"]["id"], c["key"]["id"] + 1]}
        for c in diff["samples"]["changed"]
    )


def test_diff_by_whole_row_without_key(tmp_path: Path) -> None:
    first = publish(tmp_path, V1)
    assert first.schema is not None and first.schema.primary_key == ()
    second = publish(tmp_path, V2, previous=_previous(first))
    diff = second.diff
    assert diff is not None
    assert (diff["by"], diff["key"]) == ("row", [])
    assert (diff["added"], diff["removed"], diff["changed"], diff["unchanged"]) == (3, 3, 0, 1)
    assert sorted(r["id"] for r in diff["samples"]["added"]) == [2, 4, 5]
    assert sorted(r["id"] for r in diff["samples"]["removed"]) == [2, 3, 5]
    assert {"id": 5, "name": "E", "value": None} in diff["samples"]["added"]


def test_diff_by_row_counts_duplicate_rows(tmp_path: Path) -> None:
    first = publish(tmp_path, "a,b\n1,x\n1,x\n2,y\n")
    second = publish(tmp_path, "a,b\n1,x\n2,y\n2,y\n2,y\n", previous=_previous(first))
    diff = second.diff
    assert diff is not None
    assert (diff["added"], diff["removed"], diff["unchanged"]) == (2, 1, 2)


def test_diff_columns_added_and_removed(tmp_path: Path) -> None:
    first = publish(tmp_path, "id,name,value\n1,a,10\n2,b,20\n", declared=KEYED)
    schema = Schema.from_dict(
        {
            "fields": [
                {"name": "id", "type": "integer"},
                {"name": "name"},
                {"name": "unit"},
            ],
            "primary_key": ["id"],
        }
    )
    second = publish(
        tmp_path,
        "id,name,unit\n1,a,kg\n2,bb,kg\n3,c,kg\n",
        declared=schema,
        previous=_previous(first),
    )
    diff = second.diff
    assert diff is not None
    assert diff["columns_added"] == ["unit"]
    assert diff["columns_removed"] == ["value"]
    # Rows are compared on the columns both versions have.
    assert (diff["by"], diff["added"], diff["removed"], diff["changed"], diff["unchanged"]) == (
        "key",
        1,
        0,
        1,
        1,
    )
    assert diff["samples"]["changed"] == [{"key": {"id": 2}, "fields": {"name": ["b", "bb"]}}]


def test_diff_by_row_when_the_key_column_is_new(tmp_path: Path) -> None:
    first = publish(tmp_path, "name,value\na,10\nb,20\n")
    second = publish(
        tmp_path, "id,name,value\n1,a,10\n2,b,21\n", declared=KEYED, previous=_previous(first)
    )
    diff = second.diff
    assert diff is not None
    assert diff["by"] == "row"
    assert diff["columns_added"] == ["id"]
    assert (diff["added"], diff["removed"], diff["unchanged"]) == (1, 1, 1)


def test_republishing_identical_input_gives_identical_parquet(tmp_path: Path) -> None:
    text = "شناسه,نام,مقدار,تاریخ,شهرستان,فعال\n" + "".join(
        f"{i},نام {i % 37},{i * 1.25},1402/{1 + i % 12:02d}/{1 + i % 28:02d},"
        f"{'تهران' if i % 3 else 'ری'},{'بله' if i % 2 else 'خیر'}\n"
        for i in range(1000)
    )
    first = publish(tmp_path, text, "v1.csv")
    second = publish(tmp_path, text, "other-name.csv")
    assert first.parquet is not None and second.parquet is not None
    assert first.parquet != second.parquet
    assert sha256_of(first.parquet) == sha256_of(second.parquet)
    assert first.source is not None and second.source is not None
    assert first.source.sha256 == second.source.sha256
    # And the diff of the re-publication says nothing changed.
    third = publish(tmp_path, text, "v3.csv", previous=_previous(first))
    diff = third.diff
    assert diff is not None
    assert (diff["added"], diff["removed"], diff["changed"], diff["unchanged"]) == (0, 0, 0, 1000)
    assert sha256_of(third.parquet) == sha256_of(first.parquet)  # type: ignore[arg-type]


def test_same_data_in_another_encoding_or_delimiter_gives_identical_parquet(
    tmp_path: Path,
) -> None:
    text = "id,name\n1,پژوهشگاه\n2,کرج\n3,گچ‌ساران\n"
    variants = [
        (text.encode(), "a.csv"),
        (text.encode("utf-8-sig"), "b.csv"),
        (text.encode("cp1256"), "c.csv"),
        (text.replace(",", "\t").encode(), "d.tsv"),
        (text.replace(",", ";").replace("\n", "\r\n").encode(), "e.csv"),
    ]
    digests = set()
    for data, name in variants:
        result = publish(tmp_path, data, name)
        assert result.parquet is not None
        digests.add(sha256_of(result.parquet))
    assert len(digests) == 1


def test_identical_parquet_with_valid_rows_only_after_rejection(tmp_path: Path) -> None:
    schema = Schema.from_dict({"fields": [{"name": "n", "type": "integer"}, {"name": "t"}]})
    clean = publish(tmp_path, "n,t\n1,a\n2,b\n", declared=schema)
    partial = publish(tmp_path, "n,t\n1,a\nx,z\n2,b\n", declared=schema, valid_rows_only=True)
    assert rows(clean) == rows(partial)
    assert sha256_of(clean.parquet) == sha256_of(partial.parquet)  # type: ignore[arg-type]


def test_stats(tmp_path: Path) -> None:
    text = "n,x,d,t,b\n5,1.5,1402/08/17,b,بله\n,-2,1402/01/01,a,خیر\n7,,,b,بله\n5,3,1403/12/30,,\n"
    result = publish(tmp_path, text)
    assert result.stats == [
        {"field": "n", "nulls": 1, "min": 5, "max": 7, "distinct": 2},
        {"field": "x", "nulls": 1, "min": -2.0, "max": 3.0, "distinct": 3},
        {"field": "d", "nulls": 1, "min": "2023-03-21", "max": "2025-03-20", "distinct": 3},
        {"field": "t", "nulls": 1, "min": "a", "max": "b", "distinct": 2},
        {"field": "b", "nulls": 1, "min": False, "max": True, "distinct": 2},
    ]
    assert result.row_count == 4
    assert result.report.rows_total == 4
    assert rows(result)[0]["d"] == dt.date(2023, 11, 8)


# --- The object store --------------------------------------------------------------------


@pytest.fixture
def parquet_file(tmp_path: Path) -> Path:
    result = publish(tmp_path, "id,name\n1,a\n2,b\n")
    assert result.parquet is not None
    return result.parquet


def test_store_put_layout_and_read_only(tmp_path: Path, parquet_file: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    digest = sha256_of(parquet_file)
    content = parquet_file.read_bytes()
    stored = store.put(parquet_file)
    key = f"objects/sha256/{digest[:2]}/{digest[2:]}.parquet"
    assert stored == StoredObject(digest, len(content), key)
    path = store.open(digest)
    assert path == tmp_path / "store" / key
    assert path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert store.exists(digest)
    assert list(store) == [digest]


def test_store_dedupes_identical_content(tmp_path: Path, parquet_file: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    first = store.put(parquet_file)
    copy = tmp_path / "copy.parquet"
    copy.write_bytes(parquet_file.read_bytes())
    second = store.put(copy, sha256_of(copy))
    assert first == second
    folder = store.path_for(first.sha256).parent
    assert [p.name for p in folder.iterdir()] == [f"{first.sha256[2:]}.parquet"]  # no temp files
    assert list(store) == [first.sha256]


def test_store_keeps_different_contents_apart(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    a = publish(tmp_path, "x\n1\n")
    b = publish(tmp_path, "x\n2\n")
    assert a.parquet is not None and b.parquet is not None
    stored = {store.put(a.parquet).sha256, store.put(b.parquet).sha256}
    assert len(stored) == 2
    assert sorted(store) == sorted(stored)


def test_store_missing_object_and_bad_keys(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    with pytest.raises(ObjectMissingError):
        store.open("0" * 64)
    assert not store.exists("0" * 64)
    for bad in ("abc", "A" * 64, "g" * 64, "../" + "0" * 61):
        with pytest.raises(ValueError, match="SHA-256"):
            store.key_for(bad)
    assert list(store) == []
