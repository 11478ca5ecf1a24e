"""The object store: immutable files named by the SHA-256 of their content.

Layout: ``objects/sha256/ab/cdef….parquet`` under the store's root. A file is written
to a temporary name beside its final place and renamed into it, so a reader never sees
half an object, and storing the same content twice keeps one copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_CHUNK: Final = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredObject:
    sha256: str
    size: int
    key: str


class ObjectMissingError(FileNotFoundError):
    """No object with that hash is in the store."""


class LocalObjectStore:
    """A content-addressed store in a local folder."""

    def __init__(self, root: Path, suffix: str = ".parquet") -> None:
        self.root = root
        self.suffix = suffix

    def key_for(self, sha256: str) -> str:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return f"objects/sha256/{sha256[:2]}/{sha256[2:]}{self.suffix}"

    def path_for(self, sha256: str) -> Path:
        return self.root / self.key_for(sha256)

    def put(self, source: Path, sha256: str | None = None) -> StoredObject:
        """Store a copy of ``source``; its hash is computed unless given."""
        digest = sha256 or sha256_of(source)
        target = self.path_for(digest)
        size = source.stat().st_size
        if target.exists() and target.stat().st_size == size:
            return StoredObject(digest, size, self.key_for(digest))
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            os.link(source, temporary)  # same file system: no copy of a large file
        except OSError:
            shutil.copyfile(source, temporary)
        os.chmod(temporary, 0o444)
        os.replace(temporary, target)
        return StoredObject(digest, size, self.key_for(digest))

    def open(self, sha256: str) -> Path:
        path = self.path_for(sha256)
        if not path.exists():
            raise ObjectMissingError(sha256)
        return path

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def __iter__(self) -> Iterator[str]:
        base = self.root / "objects" / "sha256"
        for path in sorted(base.glob(f"*/*{self.suffix}")):
            yield path.parent.name + path.name.removesuffix(self.suffix)
