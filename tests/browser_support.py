"""What the browser tests share: Debian's chromium, the screenshots folder, the mark."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = Path(os.environ.get("MARJA_TEST_OUTPUT", "test-output")) / "screenshots"
PASSWORD = "browser test passphrase"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
        reason="Debian's chromium is not installed (make test installs it)",
    ),
]
