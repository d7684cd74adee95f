"""Settings of the notifications plugin, read from the environment only when the plugin is enabled.

Email goes to the console (the log) unless ``SMTP_HOST`` is set (SMTP) or ``NOTIFICATIONS_EMAIL_BACKEND=ses``
(AWS SES through boto3). A bad value stops start-up with one line naming the variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from core.settings import SettingsError, env_bool, env_int

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ("NotificationsSettings", "get_notifications_settings")

_BACKENDS = ("console", "smtp", "ses")
_FROM = "FICCT-SCRUM <no-reply@localhost>"
_DEADLINE_CRON = "0 9 * * *"
_DIGEST_CRON = "0 * * * *"


@dataclass(frozen=True, slots=True)
class NotificationsSettings:
    """How the plugin sends email and Slack messages."""

    email_backend: str = "console"
    email_from: str = _FROM
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_timeout: int = 30
    ses_region: str | None = None
    ses_endpoint_url: str | None = None
    slack_timeout: int = 10
    slack_allowed_hosts: tuple[str, ...] = ("hooks.slack.com",)
    deadline_cron: str = _DEADLINE_CRON
    digest_cron: str = _DIGEST_CRON

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotificationsSettings:
        """Build the settings from ``env`` (default ``os.environ``).

        Raises:
            SettingsError: a variable holds a value the plugin cannot work with.
        """
        env = os.environ if env is None else env
        smtp_host = env.get("SMTP_HOST", "").strip() or None
        backend = env.get("NOTIFICATIONS_EMAIL_BACKEND", "").strip().lower() or ("smtp" if smtp_host else "console")
        if backend not in _BACKENDS:
            msg = f"NOTIFICATIONS_EMAIL_BACKEND must be one of {', '.join(_BACKENDS)}, got {backend!r}"
            raise SettingsError(msg)
        if backend == "smtp" and not smtp_host:
            msg = "NOTIFICATIONS_EMAIL_BACKEND=smtp needs SMTP_HOST"
            raise SettingsError(msg)
        ssl = env_bool(env, "SMTP_SSL", default=False)
        email_from = env.get("NOTIFICATIONS_EMAIL_FROM", "").strip() or _FROM
        if "@" not in email_from:
            msg = f"NOTIFICATIONS_EMAIL_FROM must be an email address, got {email_from!r}"
            raise SettingsError(msg)
        for name, default in (
            ("NOTIFICATIONS_DEADLINE_CRON", _DEADLINE_CRON),
            ("NOTIFICATIONS_DIGEST_CRON", _DIGEST_CRON),
        ):
            _check_cron(name, env.get(name, "").strip() or default)
        return cls(
            email_backend=backend,
            email_from=email_from,
            smtp_host=smtp_host,
            smtp_port=env_int(env, "SMTP_PORT", 465 if ssl else 587),
            smtp_username=env.get("SMTP_USERNAME", "").strip() or None,
            smtp_password=env.get("SMTP_PASSWORD", "") or None,
            smtp_starttls=env_bool(env, "SMTP_STARTTLS", default=not ssl),
            smtp_ssl=ssl,
            smtp_timeout=env_int(env, "SMTP_TIMEOUT", 30),
            ses_region=env.get("SES_REGION", "").strip() or None,
            ses_endpoint_url=env.get("SES_ENDPOINT_URL", "").strip() or None,
            slack_timeout=env_int(env, "NOTIFICATIONS_SLACK_TIMEOUT", 10),
            slack_allowed_hosts=tuple(
                host.strip().lower()
                for host in (env.get("NOTIFICATIONS_SLACK_ALLOWED_HOSTS", "").strip() or "hooks.slack.com").split(",")
                if host.strip()
            ),
            deadline_cron=env.get("NOTIFICATIONS_DEADLINE_CRON", "").strip() or _DEADLINE_CRON,
            digest_cron=env.get("NOTIFICATIONS_DIGEST_CRON", "").strip() or _DIGEST_CRON,
        )


def _check_cron(name: str, value: str) -> None:
    from croniter import croniter

    if not croniter.is_valid(value):
        msg = f"{name} must be a cron expression such as '0 9 * * *', got {value!r}"
        raise SettingsError(msg)


@lru_cache(maxsize=1)
def get_notifications_settings() -> NotificationsSettings:
    """The plugin's settings for this process, read once (only ever called when the plugin is enabled)."""
    return NotificationsSettings.from_env()
