"""The README documents every environment variable the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_every_setting_is_documented():
    """An operator finds each variable the service reads in the README's configuration table."""
    source = (ROOT / "src" / "core" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', source))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []
