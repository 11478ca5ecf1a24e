"""Is the PostgreSQL server for the second test run reachable?

Exit 0: yes. Exit 3: no, and the PostgreSQL run is skipped with the reason printed.
Exit 2: no, but CI=true: PostgreSQL tests must never be skipped in CI.
"""

from __future__ import annotations

import os
import sys

import psycopg


def main(url: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            version = connection.execute("show server_version").fetchone()
    except psycopg.Error as exc:
        reason = f"no PostgreSQL server reachable at {url}: {exc}".strip()
        if os.environ.get("CI", "").lower() == "true":
            print(f"ERROR: {reason}; CI=true requires the PostgreSQL suite.", file=sys.stderr)
            return 2
        print(f"SKIPPED the PostgreSQL suite: {reason}", file=sys.stderr)
        return 3
    print(f"PostgreSQL {version[0] if version else '?'} at {url}: running the suite on it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
