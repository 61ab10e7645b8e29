"""Where alerts go: a webhook (Slack incoming-webhook JSON) and e-mail through SMTP.

A channel that cannot be reached does not stop the others; `send` returns what went wrong.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import requests

from journal_pipeline.alerts.message import Alert
from journal_pipeline.environment import (
    ALERT_EMAIL_FROM_ENV,
    ALERT_EMAIL_TO_ENV,
    ALERT_SMTP_HOST_ENV,
    ALERT_SMTP_PASSWORD_ENV,
    ALERT_SMTP_PORT_ENV,
    ALERT_SMTP_USER_ENV,
    ALERT_WEBHOOK_URL_ENV,
)

TIMEOUT_SECONDS = 10
SMTP_SSL_PORT = 465


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, alert: Alert) -> None: ...


@dataclass(frozen=True)
class WebhookChannel:
    """POSTs ``{"text": ...}``: Slack's incoming webhooks, Google Chat and most others."""

    url: str
    name: str = "webhook"

    def send(self, alert: Alert) -> None:
        response = requests.post(self.url, json={"text": alert.text}, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()


@dataclass(frozen=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = None
    name: str = "email"

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = alert.title
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(alert.text)
        if self.port == SMTP_SSL_PORT:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        with smtp:
            smtp.ehlo()
            if self.port != SMTP_SSL_PORT and smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


def channels_from_environment(environ: Mapping[str, str] | None = None) -> list[Channel]:
    """Every channel whose variables are set (none: alerts are only logged)."""
    env = os.environ if environ is None else environ

    def value(name: str) -> str:
        return (env.get(name) or "").strip()

    channels: list[Channel] = []
    if value(ALERT_WEBHOOK_URL_ENV):
        channels.append(WebhookChannel(value(ALERT_WEBHOOK_URL_ENV)))
    recipients = tuple(a.strip() for a in value(ALERT_EMAIL_TO_ENV).split(",") if a.strip())
    if value(ALERT_SMTP_HOST_ENV) and recipients:
        channels.append(
            EmailChannel(
                host=value(ALERT_SMTP_HOST_ENV),
                port=int(value(ALERT_SMTP_PORT_ENV) or 587),
                sender=value(ALERT_EMAIL_FROM_ENV) or "journal-pipeline@localhost",
                recipients=recipients,
                user=value(ALERT_SMTP_USER_ENV) or None,
                password=value(ALERT_SMTP_PASSWORD_ENV) or None,
            )
        )
    return channels


def send(alert: Alert, channels: Sequence[Channel]) -> list[str]:
    """Send to every channel; one line per channel that failed (the others still get it)."""
    problems = []
    for channel in channels:
        try:
            channel.send(alert)
        except (OSError, requests.RequestException, smtplib.SMTPException) as exc:
            problems.append(f"{channel.name}: {type(exc).__name__}: {exc}")
    return problems
