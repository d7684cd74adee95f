"""Settings read from environment variables only, with safe defaults for the embedded mode.

Embedded mode (the default) runs on a SQLite file under ``./var/`` with in-process channels and jobs, and
generates its secrets on first start. Production mode (``SCRUM_ENV=production``) refuses to start without
explicit secrets. An invalid value stops start-up with one line naming the variable (:class:`SettingsError`).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ("Settings", "SettingsError", "env_bool", "env_int", "get_settings", "normalize_database_url")

_MODES = ("embedded", "production")
_JOB_BACKENDS = ("auto", "redis", "in-process")
_MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot start with."""


def normalize_database_url(url: str) -> str:
    """Return ``url`` with the async driver SQLAlchemy needs (``asyncpg`` or ``aiosqlite``).

    Accepts the usual ``postgres://``, ``postgresql://`` and ``sqlite:///`` forms.
    """
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    return url


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    """A whole-number variable (``default`` when unset).

    Raises:
        SettingsError: not a whole number, or below ``minimum``.
    """
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        msg = f"{name} must be a whole number, got {raw!r}"
        raise SettingsError(msg) from None
    if value < minimum:
        msg = f"{name} must be at least {minimum}, got {value}"
        raise SettingsError(msg)
    return value


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A true/false variable (``default`` when unset).

    Raises:
        SettingsError: not one of 1/0, true/false, yes/no, on/off.
    """
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    msg = f"{name} must be true or false, got {raw!r}"
    raise SettingsError(msg)


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _secret(env: Mapping[str, str], name: str, var_dir: Path, production: bool) -> str:
    """Read a secret; in embedded mode generate one once and keep it under ``var_dir``."""
    value = env.get(name, "").strip()
    if value:
        if production and len(value) < _MIN_SECRET_LENGTH:
            msg = f"{name} must be at least {_MIN_SECRET_LENGTH} characters in production"
            raise SettingsError(msg)
        return value
    if production:
        msg = f"{name} is required when SCRUM_ENV=production"
        raise SettingsError(msg)
    path = var_dir / f"{name.lower()}.txt"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the core reads from the environment. Plugins own their own settings."""

    mode: str = "embedded"
    var_dir: Path = Path("var")
    database_url: str = "sqlite+aiosqlite:///var/scrum.db"
    database_echo: bool = False
    database_pool_size: int = 10
    redis_url: str | None = None
    secret_key: str = ""
    jwt_secret_key: str = ""
    jwt_algorithm: str = "HS256"
    jwt_access_token_lifetime: int = 1440
    jwt_refresh_token_lifetime: int = 10080
    cors_allowed_origins: tuple[str, ...] = ("*",)
    plugins: tuple[str, ...] | None = None
    trace_plugins: bool = False
    frontend_url: str = "http://localhost:4200"
    password_reset_lifetime: int = 60
    login_rate_per_ip: int = 30
    login_rate_per_account: int = 10
    login_rate_window: int = 300
    log_level: str = "INFO"
    event_sweep_interval: float = 60.0
    attachment_max_mb: int = 50
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    jobs_backend: str = "auto"
    jobs_worker_in_server: bool = False
    jobs_concurrency: int = 10
    jobs_sweep_interval: int = 60
    read_cache_mb: int = 64

    @property
    def is_production(self) -> bool:
        """True when running with ``SCRUM_ENV=production``."""
        return self.mode == "production"

    @property
    def jobs_on_redis(self) -> bool:
        """True when background jobs go through the SAQ queue on Redis (else they run in-process)."""
        return self.jobs_backend == "redis" or (self.jobs_backend == "auto" and self.redis_url is not None)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database."""
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``).

        Raises:
            SettingsError: a variable has a value the service cannot start with.
        """
        env = os.environ if env is None else env
        mode = env.get("SCRUM_ENV", "embedded").strip().lower() or "embedded"
        if mode not in _MODES:
            msg = f"SCRUM_ENV must be one of {', '.join(_MODES)}, got {mode!r}"
            raise SettingsError(msg)
        production = mode == "production"
        var_dir = Path(env.get("SCRUM_VAR_DIR", "").strip() or "var")

        database_url = normalize_database_url(env.get("DATABASE_URL", "").strip())
        if not database_url:
            if production:
                msg = "DATABASE_URL is required when SCRUM_ENV=production"
                raise SettingsError(msg)
            var_dir.mkdir(parents=True, exist_ok=True)
            database_url = f"sqlite+aiosqlite:///{(var_dir / 'scrum.db').as_posix()}"
        if not database_url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            msg = f"DATABASE_URL must be a postgresql:// or sqlite:/// URL, got {database_url.split(':', 1)[0]!r}"
            raise SettingsError(msg)

        redis_url = env.get("REDIS_URL", "").strip() or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            msg = "REDIS_URL must start with redis://, rediss:// or unix://"
            raise SettingsError(msg)

        secret_key = _secret(env, "SECRET_KEY", var_dir, production)
        jwt_secret = env.get("JWT_SECRET_KEY", "").strip() or secret_key
        algorithm = env.get("JWT_ALGORITHM", "HS256").strip().upper()
        if algorithm not in {"HS256", "HS384", "HS512"}:
            msg = f"JWT_ALGORITHM must be HS256, HS384 or HS512, got {algorithm!r}"
            raise SettingsError(msg)

        plugins_raw = env.get("SCRUM_PLUGINS")
        log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            msg = f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {log_level!r}"
            raise SettingsError(msg)
        origins = _csv(env.get("CORS_ALLOWED_ORIGINS", "")) or (() if production else ("*",))
        jobs_backend = env.get("SCRUM_JOBS_BACKEND", "auto").strip().lower() or "auto"
        if jobs_backend not in _JOB_BACKENDS:
            msg = f"SCRUM_JOBS_BACKEND must be one of {', '.join(_JOB_BACKENDS)}, got {jobs_backend!r}"
            raise SettingsError(msg)
        if jobs_backend == "redis" and not redis_url:
            msg = "SCRUM_JOBS_BACKEND=redis needs REDIS_URL"
            raise SettingsError(msg)

        return cls(
            mode=mode,
            var_dir=var_dir,
            database_url=database_url,
            database_echo=env_bool(env, "DATABASE_ECHO", default=False),
            database_pool_size=env_int(env, "DATABASE_POOL_SIZE", 10),
            redis_url=redis_url,
            secret_key=secret_key,
            jwt_secret_key=jwt_secret,
            jwt_algorithm=algorithm,
            jwt_access_token_lifetime=env_int(env, "JWT_ACCESS_TOKEN_LIFETIME", 1440),
            jwt_refresh_token_lifetime=env_int(env, "JWT_REFRESH_TOKEN_LIFETIME", 10080),
            cors_allowed_origins=origins,
            plugins=None if plugins_raw is None else _csv(plugins_raw),
            trace_plugins=env_bool(env, "SCRUM_TRACE_PLUGINS", default=False),
            frontend_url=env.get("FRONTEND_URL", "http://localhost:4200").strip().rstrip("/"),
            password_reset_lifetime=env_int(env, "PASSWORD_RESET_TOKEN_LIFETIME", 60),
            login_rate_per_ip=env_int(env, "LOGIN_RATE_LIMIT_PER_IP", 30),
            login_rate_per_account=env_int(env, "LOGIN_RATE_LIMIT_PER_ACCOUNT", 10),
            login_rate_window=env_int(env, "LOGIN_RATE_LIMIT_WINDOW", 300),
            log_level=log_level,
            event_sweep_interval=float(env_int(env, "SCRUM_EVENT_SWEEP_INTERVAL", 60)),
            attachment_max_mb=env_int(env, "ATTACHMENT_MAX_MB", 50),
            s3_bucket=env.get("S3_BUCKET", "").strip() or None,
            s3_prefix=env.get("S3_PREFIX", "").strip(),
            s3_endpoint_url=env.get("S3_ENDPOINT_URL", "").strip() or None,
            s3_region=env.get("S3_REGION", "").strip() or None,
            jobs_backend=jobs_backend,
            jobs_worker_in_server=env_bool(env, "SCRUM_JOBS_WORKER_IN_SERVER", default=False),
            jobs_concurrency=env_int(env, "SCRUM_JOBS_CONCURRENCY", 10),
            jobs_sweep_interval=env_int(env, "SCRUM_JOBS_SWEEP_INTERVAL", 60),
            read_cache_mb=env_int(env, "SCRUM_READ_CACHE_MB", 64, minimum=0),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once from the environment."""
    return Settings.from_env()
