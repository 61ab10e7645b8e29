"""What an alert says, and the scrubbing that keeps customer data and secrets out of it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from journal_pipeline.environment import DAGSTER_WEBSERVER_URL

# an alert goes to chat rooms and inboxes: no customer contact details, no credentials
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Indonesian mobile numbers (+62 8…, 62 8…, 08…); dates, amounts and ids do not start so
_PHONE = re.compile(r"(?<![\w/.-])(?:\+62|62|0)[ -]?8\d(?:[ -]?\d){6,11}(?![\w/.-])")
# a credential named by its key (``client_secret=…``, ``"access_token": "…"``, ``apikey: …``)
_SECRET = re.compile(
    r"(?i)(?<![a-z])((?:[a-z]+[_-])*(?:token|secret|password|passwd|api[_-]?key|apikey|signature))"
    r"(\"?\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s&,;]+)"
)
# an Authorization header's value (``Bearer …``, ``Basic …``, ``hmac username=…, signature=…``)
_AUTHORIZATION = re.compile(r"(?i)\b(authorization\"?\s*[:=]\s*)[^\n]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[\w\-.~+/]+=*")
# the password of a URL (``postgresql://user:password@host``)
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@]*:)[^\s/@]+@")
MAX_LINES = 20  # longer alerts name how many more there are; the UI and `status` list them all


def scrub(text: str) -> str:
    """The text with e-mail addresses, phone numbers and credential values masked."""
    text = _AUTHORIZATION.sub(lambda m: f"{m.group(1)}[hidden]", text)
    text = _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}[hidden]", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} [hidden]", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}[hidden]@", text)
    text = _EMAIL.sub("[e-mail hidden]", text)
    return _PHONE.sub("[phone hidden]", text)


def run_url(run_id: str, webserver_url: str | None = None) -> str:
    return f"{(webserver_url or DAGSTER_WEBSERVER_URL).rstrip('/')}/runs/{run_id}"


@dataclass(frozen=True)
class Alert:
    """One alert: a title line, then one line per record or detail."""

    merchant: str
    subject: str  # e.g. "run failed", "2 records held"
    day: str | None  # the business date (partition), when there is one
    lines: list[str] = field(default_factory=list)
    link: str | None = None  # the run in the Dagster UI

    @property
    def title(self) -> str:
        day = f" {self.day}" if self.day else ""
        return scrub(f"[{self.merchant}]{day}: {self.subject}")

    @property
    def text(self) -> str:
        shown = [f"- {scrub(line)}" for line in self.lines[:MAX_LINES]]
        if len(self.lines) > MAX_LINES:
            shown.append(f"- … and {len(self.lines) - MAX_LINES} more")
        if self.link:
            shown.append(f"Run: {self.link}")
        return "\n".join([self.title, *shown])
