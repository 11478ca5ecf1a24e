"""The shape of an API token: how one is made, checked and hashed (docs/api-tokens.md).

``marja_pat_`` + 40 random base62 characters + a 6-character base62 CRC32 of the random
part. The fixed prefix lets secret scanners find a leaked token; the checksum lets them
(and marja, before any database lookup) tell a real token from a look-alike. Only an
HMAC-SHA256 of the whole token, keyed with the instance's secret key, is stored.
"""

from __future__ import annotations

import re
import secrets
import string
import zlib

from django.utils.crypto import salted_hmac

TOKEN_TYPE = "marja_pat_"  # noqa: S105 (the public type marker, not a secret)
RANDOM_LENGTH = 40
CHECKSUM_LENGTH = 6
#: Characters of a token shown in lists to recognise it: the type and 6 random ones.
PREFIX_LENGTH = len(TOKEN_TYPE) + 6
#: The documented pattern of a token (docs/api-tokens.md); scanners may use it.
TOKEN_PATTERN = re.compile(
    rf"{TOKEN_TYPE}[0-9A-Za-z]{{{RANDOM_LENGTH}}}[0-9A-Za-z]{{{CHECKSUM_LENGTH}}}"
)

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_HASH_SALT = "marja.accounts.ApiToken"


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(random_part: str) -> str:
    """The base62 CRC32 of a token's random part, 6 characters."""
    return _base62(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LENGTH)


def generate() -> str:
    """A new token (about 238 random bits)."""
    random_part = "".join(secrets.choice(_BASE62) for _ in range(RANDOM_LENGTH))
    return TOKEN_TYPE + random_part + checksum(random_part)


def is_well_formed(text: str) -> bool:
    """Whether ``text`` has a token's shape and a matching checksum (no database needed)."""
    if not TOKEN_PATTERN.fullmatch(text):
        return False
    random_part = text[len(TOKEN_TYPE) : len(TOKEN_TYPE) + RANDOM_LENGTH]
    return secrets.compare_digest(text[-CHECKSUM_LENGTH:], checksum(random_part))


def key_hash(text: str) -> str:
    """What is stored of a token: HMAC-SHA256 keyed with the secret key, 64 hex digits."""
    return salted_hmac(_HASH_SALT, text, algorithm="sha256").hexdigest()


def prefix_of(text: str) -> str:
    return text[:PREFIX_LENGTH]
