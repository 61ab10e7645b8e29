"""Where alerts go: a webhook (Slack incoming-webhook JSON), e-mail through SMTP, and a Slack
channel through Slack's Web API (``chat.postMessage`` with a bot token; the client is
``slack_sdk``'s ``WebClient``, the one `dagster-slack`'s ``SlackResource`` hands out, used here
without Dagster so that the alerts stay outside the Dagster wiring).

A channel that cannot be reached does not stop the others; `send` returns what went wrong.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from journal_pipeline.alerts.message import Alert, scrub
from journal_pipeline.environment import (
    ALERT_EMAIL_FROM_ENV,
    ALERT_EMAIL_TO_ENV,
    ALERT_SMTP_HOST_ENV,
    ALERT_SMTP_PASSWORD_ENV,
    ALERT_SMTP_PORT_ENV,
    ALERT_SMTP_USER_ENV,
    ALERT_WEBHOOK_URL_ENV,
)

# Slack: a bot token (xoxb-…) with chat:write, and the channel to post in (#name or id).
ALERT_SLACK_TOKEN_ENV = "ALERT_SLACK_TOKEN"
ALERT_SLACK_CHANNEL_ENV = "ALERT_SLACK_CHANNEL"
ALERT_SLACK_API_URL_ENV = "ALERT_SLACK_API_URL"  # another Web API base (a test server, a proxy)
SLACK_API_URL = "https://slack.com/api/"

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
class SlackChannel:
    """Posts the alert's text to a Slack channel as the bot whose token is given."""

    token: str = field(repr=False)
    channel: str
    api_url: str = SLACK_API_URL
    name: str = "slack"

    def send(self, alert: Alert) -> None:
        client = WebClient(token=self.token, base_url=self.api_url, timeout=TIMEOUT_SECONDS)
        client.chat_postMessage(channel=self.channel, text=alert.text, unfurl_links=False)


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
    if value(ALERT_SLACK_TOKEN_ENV) and value(ALERT_SLACK_CHANNEL_ENV):
        api_url = value(ALERT_SLACK_API_URL_ENV) or SLACK_API_URL
        channels.append(
            SlackChannel(
                value(ALERT_SLACK_TOKEN_ENV),
                value(ALERT_SLACK_CHANNEL_ENV),
                api_url if api_url.endswith("/") else api_url + "/",
            )
        )
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
        except (
            OSError,
            requests.RequestException,
            smtplib.SMTPException,
            SlackClientError,
        ) as exc:
            problems.append(scrub(f"{channel.name}: {type(exc).__name__}: {exc}"))
    return problems
