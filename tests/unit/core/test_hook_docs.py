"""Every hook is documented in docs/hooks.md, and every documented hook exists."""

from __future__ import annotations

import re
from pathlib import Path

from core.hookspecs import spec_names

DOC = Path(__file__).resolve().parents[3] / "docs" / "hooks.md"


def test_every_hook_is_documented_and_no_ghosts():
    """A plugin author finds each hook on docs/hooks.md, and nothing there that does not exist."""
    documented = re.findall(r"^### (\w+)$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert sorted(documented) == sorted(spec_names())


def test_every_hookspec_has_a_docstring():
    """Each hookspec says when it fires and what it may do."""
    import core.hookspecs as hs

    for name in spec_names():
        assert (getattr(hs, name).__doc__ or "").strip(), name
