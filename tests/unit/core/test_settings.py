"""Settings come from the environment only; bad values stop start-up with one line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.settings import Settings, SettingsError, normalize_database_url


def test_embedded_defaults_generate_and_keep_secrets(tmp_path):
    """With nothing set: SQLite under the var dir, secrets generated once and reused on the next start."""
    first = Settings.from_env({"SCRUM_VAR_DIR": str(tmp_path)})
    assert first.database_url == f"sqlite+aiosqlite:///{tmp_path.as_posix()}/scrum.db"
    assert first.redis_url is None
    assert len(first.secret_key) >= 32
    assert first.jwt_secret_key == first.secret_key
    assert first.plugins is None
    second = Settings.from_env({"SCRUM_VAR_DIR": str(tmp_path)})
    assert second.secret_key == first.secret_key


def test_plugins_setting_unset_empty_and_list(tmp_path):
    """Unset = all installed (None), empty = none, a list = exactly those."""
    base = {"SCRUM_VAR_DIR": str(tmp_path)}
    assert Settings.from_env(base).plugins is None
    assert Settings.from_env({**base, "SCRUM_PLUGINS": ""}).plugins == ()
    assert Settings.from_env({**base, "SCRUM_PLUGINS": "github, ml"}).plugins == ("github", "ml")


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"SCRUM_ENV": "staging"}, "SCRUM_ENV"),
        ({"JWT_ACCESS_TOKEN_LIFETIME": "soon"}, "JWT_ACCESS_TOKEN_LIFETIME"),
        ({"JWT_REFRESH_TOKEN_LIFETIME": "0"}, "JWT_REFRESH_TOKEN_LIFETIME"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"JWT_ALGORITHM": "none"}, "JWT_ALGORITHM"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"SCRUM_ENV": "production", "DATABASE_URL": "postgresql://db/x"}, "SECRET_KEY"),
        ({"SCRUM_ENV": "production", "SECRET_KEY": "k" * 40}, "DATABASE_URL"),
        ({"SCRUM_ENV": "production", "DATABASE_URL": "postgresql://db/x", "SECRET_KEY": "short"}, "SECRET_KEY"),
    ],
)
def test_invalid_values_name_the_variable(tmp_path, env, name):
    """Each invalid value raises an error that names its variable."""
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"SCRUM_VAR_DIR": str(tmp_path), **env})


def test_database_url_forms_are_normalised():
    """The usual URL spellings get the async drivers."""
    assert normalize_database_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalize_database_url("sqlite:///var/x.db") == "sqlite+aiosqlite:///var/x.db"


def test_startup_with_a_bad_setting_prints_one_line(tmp_path):
    """Building the app with a bad variable exits non-zero with a single line naming it, no traceback."""
    code = "from core.app import create_app; create_app()"
    env = {"SCRUM_VAR_DIR": str(tmp_path), "JWT_ACCESS_TOKEN_LIFETIME": "soon", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["configuration error: JWT_ACCESS_TOKEN_LIFETIME must be a whole number, got 'soon'"]


def test_startup_with_an_unknown_plugin_prints_one_line(tmp_path):
    """``SCRUM_PLUGINS`` naming an uninstalled plugin stops start-up with one line."""
    code = "from core.app import create_app; create_app()"
    env = {"SCRUM_VAR_DIR": str(tmp_path), "SCRUM_PLUGINS": "nope", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("configuration error: SCRUM_PLUGINS names unknown plugin(s): nope")
