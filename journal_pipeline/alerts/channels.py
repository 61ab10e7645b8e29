"""Where alerts go: a webhook (Slack incoming-webhook JSON), e-mail through SMTP, and a Slack
channel through Slack's Web API (``chat.postMessage`` with a bot token; the client is
``slack_sdk``'s ``WebClient``, the one `dagster-slack`'s ``SlackResource`` hands out, used here
without Dagster so that the alerts stay outside the Dagster wiring).

A channel that cannot be reached does not stop the others; `send` returns what went wrong,
with every configured credential (a webhook's URL, a token, a password) masked by its value: a
webhook URL is itself a secret (Slack's ``hooks.slack.com/services/T…/B…/<secret>``), so a
refused or unreachable webhook is named by its host and status only. A channel whose variables
are malformed is left out, saying so (`read_channels`), and the others still send.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import urlsplit

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
SMTP_DEFAULT_PORT = 587
HIDDEN = "[hidden]"
_SHORTEST_SECRET = 6  # a shorter value ("/", "a") would mask ordinary text


class DeliveryError(Exception):
    """A channel refused or could not take an alert; the message carries no secret."""


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, alert: Alert) -> None: ...


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "the webhook"
    except ValueError:
        return "the webhook"


@dataclass(frozen=True)
class WebhookChannel:
    """POSTs ``{"text": ...}``: Slack's incoming webhooks, Google Chat and most others. The URL
    is a credential: it stays out of ``repr`` and of every error."""

    url: str = field(repr=False)
    name: str = "webhook"

    def send(self, alert: Alert) -> None:
        host = _host(self.url)
        try:
            response = requests.post(self.url, json={"text": alert.text}, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            # requests names the URL (its secret path) in the message: say only what and where
            raise DeliveryError(f"{type(exc).__name__} reaching {host}") from None
        if response.status_code >= 400:
            raise DeliveryError(f"HTTP {response.status_code} from {host}")

    def secrets(self) -> tuple[str, ...]:
        parts = urlsplit(self.url)
        return (self.url, parts.path, parts.query)


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

    def secrets(self) -> tuple[str, ...]:
        return (self.token,)


@dataclass(frozen=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    name: str = "email"

    def secrets(self) -> tuple[str, ...]:
        return (self.password or "",)

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


def _smtp_port(text: str) -> int | None:
    """The port ``ALERT_SMTP_PORT`` gives (unset: 587), or None when it is not one."""
    if not text:
        return SMTP_DEFAULT_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        return None
    return int(text)


def read_channels(environ: Mapping[str, str] | None = None) -> tuple[list[Channel], list[str]]:
    """Every channel whose variables are set (none: alerts are only logged), and one line per
    channel left out because a variable of it is malformed, naming the variable and the fix."""
    env = os.environ if environ is None else environ

    def value(name: str) -> str:
        return (env.get(name) or "").strip()

    channels: list[Channel] = []
    problems: list[str] = []
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
        port = _smtp_port(value(ALERT_SMTP_PORT_ENV))
        if port is None:
            problems.append(
                f"{ALERT_SMTP_PORT_ENV} is {value(ALERT_SMTP_PORT_ENV)[:20]!r}, not a port "
                f"number: e-mail alerts are off. Set {ALERT_SMTP_PORT_ENV} to the SMTP server's "
                f"port ({SMTP_DEFAULT_PORT} for STARTTLS, {SMTP_SSL_PORT} for SSL) or unset it "
                f"for {SMTP_DEFAULT_PORT}"
            )
        else:
            channels.append(
                EmailChannel(
                    host=value(ALERT_SMTP_HOST_ENV),
                    port=port,
                    sender=value(ALERT_EMAIL_FROM_ENV) or "journal-pipeline@localhost",
                    recipients=recipients,
                    user=value(ALERT_SMTP_USER_ENV) or None,
                    password=value(ALERT_SMTP_PASSWORD_ENV) or None,
                )
            )
    return channels, problems


def channels_from_environment(environ: Mapping[str, str] | None = None) -> list[Channel]:
    """Every channel whose variables are set and well formed (`read_channels`)."""
    return read_channels(environ)[0]


def redacted(text: str, channel: object) -> str:
    """``text`` with each configured credential of ``channel`` masked wherever it appears."""
    values = getattr(channel, "secrets", lambda: ())()
    for secret in sorted(values, key=len, reverse=True):
        if len(secret) >= _SHORTEST_SECRET:
            text = text.replace(secret, HIDDEN)
    return text


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
            DeliveryError,
        ) as exc:
            problem = redacted(f"{channel.name}: {type(exc).__name__}: {exc}", channel)
            problems.append(scrub(problem))
    return problems


def deliver(
    alerts: Sequence[Alert], channels: Sequence[Channel] | None, warn: Callable[[str], None]
) -> None:
    """Send each alert to ``channels`` (None: the environment's, `read_channels`); ``warn``
    gets, once, each channel left out for a malformed variable, and each alert not delivered."""
    if not alerts:
        return
    targets, left_out = read_channels() if channels is None else (list(channels), [])
    for problem in left_out:
        warn(f"alert channel left out: {problem}")
    for alert in alerts:
        for problem in send(alert, targets):
            warn(f"alert not delivered: {problem}")
