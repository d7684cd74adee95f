"""The command line a newcomer and an operator use: migrate, seed demo data, create a superuser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRUM = [sys.executable, "-c", "from core.cli import main; main()"]


def _env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SCRUM_", "DATABASE_", "REDIS_", "JWT_"))}
    return {**keep, "SCRUM_VAR_DIR": str(tmp_path), "SCRUM_PLUGINS": ""}


def test_database_upgrade_seed_demo_and_createsuperuser(tmp_path):
    """``scrum database upgrade``, ``scrum seed-demo`` (twice: nothing duplicated) and ``scrum createsuperuser``."""
    env = _env(tmp_path)
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "check": True, "timeout": 120}
    subprocess.run([*SCRUM, "database", "upgrade", "--no-prompt"], **run)
    first = subprocess.run([*SCRUM, "seed-demo"], **run).stdout
    assert "created user alice@demo.ficct.dev" in first
    assert "created organization FICCT Demo" in first
    assert "6 issues" in first
    assert "active sprint Sprint 1" in first
    second = subprocess.run([*SCRUM, "seed-demo"], **run).stdout
    assert "created" not in second
    assert "exists  user alice@demo.ficct.dev" in second
    assert "exists  organization FICCT Demo" in second
    made = subprocess.run(
        [*SCRUM, "createsuperuser", "--email", "root@example.com", "--password", "Very-secret-pass-1"], **run
    ).stdout
    assert "created superuser root@example.com" in made
