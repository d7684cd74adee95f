"""Slack incoming webhooks: a project's notifications posted as JSON to the URL its admins configured."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

__all__ = ("SlackError", "check_webhook_url", "message_payload", "post")


class SlackError(RuntimeError):
    """Slack (or whatever answers at the webhook URL) refused the message or could not be reached."""


def check_webhook_url(url: str, allowed_hosts: tuple[str, ...]) -> str | None:
    """Why ``url`` may not be used as a webhook, or None when it may.

    Only ``https`` URLs on the allowed hosts (default ``hooks.slack.com``), so the server cannot be made to post
    to arbitrary addresses; ``*`` allows any host and plain ``http`` (local tests, self-hosted relays).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter a valid http(s) URL."
    if "*" in allowed_hosts:
        return None
    if parts.scheme != "https":
        return "The webhook URL must use https."
    if parts.hostname.lower() not in allowed_hosts:
        return f"Webhooks may only point to: {', '.join(allowed_hosts)}."
    return None


def message_payload(title: str, message: str, link: str | None = None) -> dict[str, Any]:
    """The JSON Slack expects: a ``text`` fallback and a section block with an optional link."""
    text = f"*{title}*\n{message}" if message else f"*{title}*"
    if link:
        text += f"\n<{link}|Open in FICCT-SCRUM>"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


async def post(url: str, payload: dict[str, Any], seconds: float = 10.0) -> None:
    """POST ``payload`` to the webhook.

    Raises:
        SlackError: a non-2xx answer or a network error.
    """
    try:
        async with httpx.AsyncClient(timeout=seconds, follow_redirects=False) as client:
            response = await client.post(url, json=payload)
    except httpx.HTTPError as exc:
        msg = f"Slack webhook could not be reached: {type(exc).__name__}"
        raise SlackError(msg) from exc
    if response.status_code >= 300:
        msg = f"Slack webhook answered {response.status_code}: {response.text[:200]}"
        raise SlackError(msg)
