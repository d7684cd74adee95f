"""The README documents every environment variable the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# A variable's name where the settings read it: env_int(env, "X", ...), env.get("X"), env["X"], _secret(env, "X").
_ENV_NAME = re.compile(r'(?:\(\s*env,\s*|env\.get\(\s*|env\[\s*)"([A-Z][A-Z0-9_]{2,})"')


def test_every_setting_is_documented():
    """An operator finds each variable the service and its plugins read in the README's configuration tables."""
    sources = [ROOT / "src" / "core" / "settings.py", *sorted((ROOT / "src" / "plugins").glob("*/settings.py"))]
    names = {name for path in sources for name in _ENV_NAME.findall(path.read_text("utf-8"))}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []
