"""The environment the pipeline runs in: where its connections and its config come from.

Connections come only from environment variables; nothing falls back to a local address. A
run with a variable missing stops before any work, with one message that names every missing
variable, where the README explains it, and how to try the pipeline on the local sandboxes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

CONFIG_ENV = "JOURNAL_PIPELINE_CONFIG"
STAGING_URL_ENV = "STAGING_DATABASE_URL"
STOCK_EXPORT_DIR_ENV = "STOCK_EXPORT_DIR"  # stock comparison CSVs (default: beside staging)
RECON_EXPORT_DIR_ENV = "RECON_EXPORT_DIR"  # reconciliation CSVs (default: beside staging)

# Alerts (optional; every channel that is set receives each alert: `journal_pipeline.alerts`)
ALERT_WEBHOOK_URL_ENV = "ALERT_WEBHOOK_URL"  # Slack incoming-webhook JSON {"text": ...}
ALERT_SMTP_HOST_ENV = "ALERT_SMTP_HOST"
ALERT_SMTP_PORT_ENV = "ALERT_SMTP_PORT"  # 465: SSL; otherwise STARTTLS when the server offers it
ALERT_SMTP_USER_ENV = "ALERT_SMTP_USER"
ALERT_SMTP_PASSWORD_ENV = "ALERT_SMTP_PASSWORD"
ALERT_EMAIL_FROM_ENV = "ALERT_EMAIL_FROM"
ALERT_EMAIL_TO_ENV = "ALERT_EMAIL_TO"  # comma-separated
DAGSTER_WEBSERVER_URL_ENV = "DAGSTER_WEBSERVER_URL"  # alerts link runs here
DAGSTER_WEBSERVER_URL = "http://127.0.0.1:3000"

ISELLER_TOKEN_URL = "https://isellershop.com/oauth/token"
#: Each stands for the HMAC pair: a legacy company API key, a legacy partner app's token.
JURNAL_ALTERNATIVES = ("JURNAL_API_KEY", "JURNAL_ACCESS_TOKEN")
JURNAL_CREDENTIALS = (
    "JURNAL_CLIENT_ID and JURNAL_CLIENT_SECRET (or JURNAL_API_KEY, or JURNAL_ACCESS_TOKEN)"
)

README_SECTION = 'README.md, section "Pointing it at real iSeller and Jurnal accounts"'
TRY_LOCALLY = 'eval "$(journal-pipeline sandbox --print-env)"'


class MissingEnvironmentError(RuntimeError):
    """Required environment variables are not set; the message names each and the fix."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        names = ", ".join(missing)
        super().__init__(
            f"Not set: {names}. The pipeline takes its connections and its config only from "
            f"the environment (see {README_SECTION}). To try it on the local sandboxes "
            f"instead, run `journal-pipeline sandbox` and, in this shell, {TRY_LOCALLY}"
        )


def _given(environ: Mapping[str, str], name: str) -> bool:
    return bool((environ.get(name) or "").strip())


def missing_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """The required variables that are unset or empty (descriptions where one of two serves)."""
    env = os.environ if environ is None else environ
    missing = [
        name for name in ("ISELLER_CLIENT_ID", "ISELLER_CLIENT_SECRET") if not _given(env, name)
    ]
    if not any(_given(env, name) for name in JURNAL_ALTERNATIVES):
        pair = [n for n in ("JURNAL_CLIENT_ID", "JURNAL_CLIENT_SECRET") if not _given(env, n)]
        if len(pair) == 2:
            missing.append(JURNAL_CREDENTIALS)
        else:
            missing.extend(pair)
    if not _given(env, CONFIG_ENV):
        missing.append(CONFIG_ENV)
    return missing


def require_environment(environ: Mapping[str, str] | None = None) -> None:
    """Raise `MissingEnvironmentError` unless every required variable is set."""
    missing = missing_variables(environ)
    if missing:
        raise MissingEnvironmentError(missing)


def is_set(name: str, environ: Mapping[str, str] | None = None) -> bool:
    return _given(os.environ if environ is None else environ, name)
