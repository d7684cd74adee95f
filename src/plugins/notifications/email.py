"""Email: templates (HTML and plain text) and the three ways out.

* ``console`` (default): the message is written to the log. In production mode only the recipient and subject
  are logged, never the body (it may carry a password-reset link).
* ``smtp`` (``SMTP_HOST`` set): ``smtplib`` in a worker thread, with STARTTLS or implicit TLS and optional login.
* ``ses`` (``NOTIFICATIONS_EMAIL_BACKEND=ses``): AWS SES through boto3 (credentials from the usual AWS chain).
"""

from __future__ import annotations

import asyncio
import html
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from string import Template
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plugins.notifications.settings import NotificationsSettings

__all__ = ("Email", "EmailError", "render", "send")

logger = logging.getLogger("scrum.notifications.email")


class EmailError(RuntimeError):
    """The mail server or service refused or could not be reached (the job retries)."""


@dataclass(frozen=True, slots=True)
class Email:
    """A rendered message."""

    to: str
    subject: str
    text: str
    html: str


_LAYOUT = Template(
    """<!DOCTYPE html>
<html><body style="font-family: Arial, sans-serif; color: #1f2937; max-width: 600px; margin: 0 auto;">
<h2 style="color: #1d4ed8;">$title</h2>
$body
<p style="color: #6b7280; font-size: 12px;">FICCT-SCRUM</p>
</body></html>"""
)
_BUTTON = Template(
    '<p><a href="$url" style="background: #2563eb; color: #fff; padding: 10px 16px; border-radius: 6px; '
    'text-decoration: none;">$label</a></p><p style="font-size: 12px;">$url</p>'
)

# name -> (subject, text body, HTML body); $placeholders are filled by ``render`` (HTML values escaped).
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "notification": (
        "$title",
        "$message\n\n$link_text\n",
        "<p>$message</p>$button",
    ),
    "invitation": (
        "You are invited to join $organization on FICCT-SCRUM",
        (
            "You have been invited to join $organization as $role.\n\nAccept the invitation: $url\n\n"
            "The link expires on $expires.\n"
        ),
        (
            "<p>You have been invited to join <strong>$organization</strong> as $role.</p>$button"
            "<p>The link expires on $expires.</p>"
        ),
    ),
    "password_reset": (
        "Reset your FICCT-SCRUM password",
        (
            "Someone asked to reset the password of this account.\n\nReset it here: $url\n\n"
            "The link expires on $expires and works once. If it was not you, ignore this email.\n"
        ),
        (
            "<p>Someone asked to reset the password of this account.</p>$button"
            "<p>The link expires on $expires and works once. If it was not you, ignore this email.</p>"
        ),
    ),
    "digest": (
        "Your FICCT-SCRUM digest: $count new notification(s)",
        "Here is what happened:\n\n$items_text\n\nSee them all: $url\n",
        "<p>Here is what happened:</p><ul>$items_html</ul>$button",
    ),
}
_BUTTON_LABELS = {"notification": "Open", "invitation": "Accept invitation", "password_reset": "Reset password"}


def render(template: str, to: str, **values: Any) -> Email:
    """Fill template ``template`` for ``to``. ``values`` are plain text; the HTML part escapes them.

    ``url`` (optional) becomes a button in HTML and a plain link in text. ``items`` (digest) is a list of
    ``(title, message)`` pairs.
    """
    subject_t, text_t, html_t = TEMPLATES[template]
    url = str(values.get("url") or values.get("link") or "")
    items: list[tuple[str, str]] = list(values.pop("items", []) or [])
    text_values = {key: str(value) for key, value in values.items()}
    text_values["link_text"] = url
    text_values["items_text"] = "\n".join(f"- {title}: {message}" for title, message in items)
    text_values["count"] = str(len(items))
    html_values = {key: html.escape(value) for key, value in text_values.items()}
    html_values["items_html"] = "".join(
        f"<li><strong>{html.escape(title)}</strong>: {html.escape(message)}</li>" for title, message in items
    )
    html_values["button"] = (
        _BUTTON.substitute(url=html.escape(url), label=_BUTTON_LABELS.get(template, "Open")) if url else ""
    )
    subject = Template(subject_t).safe_substitute(text_values).replace("\n", " ").strip()[:200]
    body = Template(html_t).safe_substitute(html_values)
    return Email(
        to=to,
        subject=subject,
        text=Template(text_t).safe_substitute(text_values),
        html=_LAYOUT.substitute(title=html.escape(subject), body=body),
    )


def _mime(message: Email, sender: str) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Message-ID"] = make_msgid(domain="ficct-scrum")
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    return mime


def _send_smtp(settings: NotificationsSettings, message: Email) -> None:
    host = settings.smtp_host or "localhost"
    context = ssl.create_default_context()
    try:
        if settings.smtp_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, settings.smtp_port, timeout=settings.smtp_timeout, context=context
            )
        else:
            client = smtplib.SMTP(host, settings.smtp_port, timeout=settings.smtp_timeout)
        with client:
            client.ehlo()
            if settings.smtp_starttls and not settings.smtp_ssl and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password or "")
            client.send_message(_mime(message, settings.email_from))
    except (OSError, smtplib.SMTPException) as exc:
        msg = f"SMTP delivery to {host}:{settings.smtp_port} failed: {exc}"
        raise EmailError(msg) from exc


def _send_ses(settings: NotificationsSettings, message: Email) -> None:
    import boto3

    client = boto3.client("ses", region_name=settings.ses_region, endpoint_url=settings.ses_endpoint_url)
    try:
        client.send_email(
            Source=settings.email_from,
            Destination={"ToAddresses": [message.to]},
            Message={
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": message.text, "Charset": "UTF-8"},
                    "Html": {"Data": message.html, "Charset": "UTF-8"},
                },
            },
        )
    except Exception as exc:  # botocore's ClientError and connection errors alike
        msg = f"SES delivery failed: {exc}"
        raise EmailError(msg) from exc


async def send(settings: NotificationsSettings, message: Email, *, production: bool = False) -> None:
    """Send ``message`` through the configured backend.

    Raises:
        EmailError: the message could not be handed over (a job retries it).
    """
    if settings.email_backend == "smtp":
        await asyncio.to_thread(_send_smtp, settings, message)
    elif settings.email_backend == "ses":
        await asyncio.to_thread(_send_ses, settings, message)
    elif production:
        logger.info(
            "email to %s: %s (body not logged; configure SMTP_HOST or SES to deliver it)", message.to, message.subject
        )
    else:
        logger.info("email to %s: %s\n%s", message.to, message.subject, message.text)
