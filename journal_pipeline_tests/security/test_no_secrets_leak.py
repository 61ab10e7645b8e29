"""No secret and no customer contact detail in anything a run writes.

One business day is synced through Dagster (`journal-pipeline sync --verbose`, the headless
run) on a real instance (a temporary DAGSTER_HOME with the repo's dagster.yaml, its SQLite
event log and compute logs on disk) against both sandboxes, with DEBUG logging everywhere:
the root Python logger, Dagster's console logger, and our loggers and the HTTP libraries'
captured into the event log. A second run of the same day fails (Jurnal refuses every call)
and its failure alert goes to a local webhook receiver.

Then every place the runs wrote is read back: stdout and stderr, every file under
DAGSTER_HOME (databases read as bytes), the staging database (PostgreSQL, every column of
every table), the alert, and the runs' error text. None may hold: the iSeller client secret,
the Jurnal client secret or API key, the database password, the access and refresh tokens
iSeller issued, the HMAC signatures sent to Jurnal, or a customer's phone number or e-mail
(each also URL-encoded and base64-encoded where a credential could be written so).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote, quote_plus

import dagster as dg
import pytest
import sqlalchemy as sa

from journal_pipeline.alerts.channels import WebhookChannel
from journal_pipeline.defs.alert_sensors import build_run_failure_alert_sensor
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline_tests.alerts.receivers import webhook_receiver
from journal_pipeline_tests.databases import POSTGRES_URL
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS, customers
from journal_sandbox.http import Request, Response
from journal_sandbox.iseller_app import ISellerSandbox
from journal_sandbox.jurnal_app import MAG_PREFIX, JurnalSandbox

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-11-18"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TAG = uuid.uuid4().hex[:12]  # every secret is distinctive: no coincidence can match it
ISELLER_SECRET = f"isl-client-secret-{TAG}"
JURNAL_SECRET = f"jrn-client-secret-{TAG}"
JURNAL_API_KEY = f"jrn-api-key-{TAG}"
JURNAL_ACCESS_TOKEN = f"jrn-access-token-{TAG}"
DB_PASSWORD = f"pg-pass-{TAG}"

# DEBUG everywhere: the root logger to stderr, then the `sync` command (whose --verbose sets
# Dagster's console logger to DEBUG)
DRIVER = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, force=True)
from journal_pipeline.cli import main
main(["sync", "--date", sys.argv[1], "--verbose"], prog_name="journal-pipeline")
"""
# our loggers and the HTTP libraries' captured into the event log at DEBUG as well
PYTHON_LOGS = """
python_logs:
  python_log_level: DEBUG
  managed_python_loggers: [root, journal_pipeline, urllib3, requests, sqlalchemy]
"""


class Recorder:
    """Wraps an emulator's HTTP handler: keeps the tokens it issues and the signatures sent."""

    def __init__(self, app) -> None:
        self.app = app
        self.tokens: set[str] = set()
        self.signatures: set[str] = set()

    def __call__(self, request: Request) -> Response:
        authorization = request.header("authorization") or ""
        self.signatures.update(re.findall(r'signature="([^"]+)"', authorization))
        response = self.app(request)
        if request.path.endswith("/oauth/token") and isinstance(response.body, dict):
            for key in ("access_token", "refresh_token"):
                if response.body.get(key):
                    self.tokens.add(str(response.body[key]))
        return response


@pytest.fixture(scope="module")
def staging_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, reached through a URL that carries a password (the local
    server trusts loopback, so any password is accepted)."""
    schema = f"jp_sec_{uuid.uuid4().hex[:10]}"
    url = sa.make_url(POSTGRES_URL).set(password=DB_PASSWORD)
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    try:
        yield url.render_as_string(hide_password=False) + f"?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


def _forms(value: str, credential: bool) -> set[str]:
    """The ways a value could be written: as is, URL-encoded, and base64 for credentials."""
    forms = {value, quote(value, safe=""), quote_plus(value)}
    if credential:
        forms.add(base64.b64encode(value.encode()).decode())
        forms.add(base64.urlsafe_b64encode(value.encode()).decode().rstrip("="))
    return forms


def _staging_dump(url: str) -> dict[str, bytes]:
    """Every value of every table of the staging database, as text, by table."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(bind=engine)
        assert metadata.tables, "the run wrote no staging table"
        tables = {}
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                rows = conn.execute(sa.select(table))
                text = "\n".join(" | ".join(str(v) for v in row) for row in rows)
                tables[f"staging table {table.name}"] = text.encode()
        return tables
    finally:
        engine.dispose()


def _files_under(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*") if p.is_file()}


def _sync(env: dict[str, str], out: Path, name: str) -> int:
    with (out / f"{name}.stdout").open("wb") as stdout, (out / f"{name}.stderr").open("wb") as err:
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, DAY],
            env=env,
            cwd=out,
            stdout=stdout,
            stderr=err,
            timeout=600,
        )
    return done.returncode


def _alert_of_last_failed_run(home: Path, staging_url: str) -> list[dict]:
    """The run-failure alert of the failed run on the instance, sent to a webhook receiver."""
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        failed = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        assert failed, "the second run did not fail"
        run = failed[0]
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
        ).records
        event = records[-1].event_log_entry.dagster_event
        with webhook_receiver() as (url, posted):
            sensor = build_run_failure_alert_sensor(channels=[WebhookChannel(url)])
            context = dg.build_run_status_sensor_context(
                sensor_name=sensor.name,
                dagster_instance=instance,
                dagster_run=run,
                dagster_event=event,
                resources={
                    "merchant": MerchantConfigResource(path=str(DEMO_CONFIG)),
                    "staging": StagingResource(url=staging_url),
                },
            ).for_run_failure()
            sensor(context)
        return list(posted)
    finally:
        instance.dispose()


@dataclass
class Written:
    """What the runs wrote, by place, and the values that must not be in it."""

    places: dict[str, bytes]
    secrets: dict[str, str]
    contacts: dict[str, str]

    def leaks(self, values: dict[str, str], credential: bool) -> list[str]:
        return sorted(
            f"{what} ({form!r}) in {place}"
            for place, content in self.places.items()
            for what, value in values.items()
            for form in _forms(value, credential)
            if form.encode() in content
        )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, staging_url: str) -> Written:
    """A day synced, then run again into a failure that alerts; everything they wrote."""
    tmp_path = tmp_path_factory.mktemp("security")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text() + PYTHON_LOGS)
    out = tmp_path / "out"
    out.mkdir()
    config = tmp_path / "config.yaml"  # the stock comparison reaches the sandbox's fixed days
    config.write_text(
        re.sub(r"(?m)^  comparison_days: \d+", "  comparison_days: 3650", DEMO_CONFIG.read_text())
    )

    iseller = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=8,
        history_days=3,
        now=lambda: NOW,
        client_secret=ISELLER_SECRET,
        faults="",
        dialect="",
    )
    iseller_recorder = Recorder(iseller.app)
    iseller.app = iseller_recorder  # type: ignore[method-assign]
    server = iseller.serve().start()
    try:
        jurnal = JurnalSandbox(
            tmp_path / "jurnal",
            time_scale=60.0,
            client_secret=JURNAL_SECRET,
            api_key=JURNAL_API_KEY,
        )
        jurnal_recorder = Recorder(jurnal.app)
        jurnal.app = jurnal_recorder  # type: ignore[method-assign]
        jurnal_server = jurnal.serve().start()
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
            env.update(
                {
                    "DAGSTER_HOME": str(home),
                    "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
                    "ISELLER_CLIENT_ID": iseller.client_id,
                    "ISELLER_CLIENT_SECRET": ISELLER_SECRET,
                    "JURNAL_BASE_URL": f"{jurnal_server.url}{MAG_PREFIX.rstrip('/')}",
                    "JURNAL_CLIENT_ID": jurnal.client_id,
                    "JURNAL_CLIENT_SECRET": JURNAL_SECRET,
                    "JURNAL_API_KEY": JURNAL_API_KEY,
                    "JURNAL_ACCESS_TOKEN": JURNAL_ACCESS_TOKEN,
                    "JURNAL_RATE_LIMIT_WINDOW_SCALE": str(jurnal.time_scale),
                    "JOURNAL_PIPELINE_CONFIG": str(config),
                    "STAGING_DATABASE_URL": staging_url,
                }
            )
            assert _sync(env, out, "sync") == 0, (out / "sync.stderr").read_text()[-3000:]
            # the same day again while Jurnal refuses every call: a failed run, an alert
            jurnal.inject_fault("status", status=500, times=10_000)
            assert _sync(env, out, "failed") == 1, (out / "failed.stderr").read_text()[-3000:]
            alerts = _alert_of_last_failed_run(home, staging_url)
        finally:
            jurnal_server.stop()
            jurnal.close()
    finally:
        server.stop()
        iseller.close()

    # what there is to find: the day has customers with contact details, tokens were issued
    # and requests signed, so a leak of each would be seen
    day_orders = [
        o
        for outlet in OUTLETS
        for o in iseller.merchant.expected_orders(
            outlet.outlet_code, date.fromisoformat(DAY), as_of=NOW
        )
    ]
    assert any(o.get("customer_email") for o in day_orders)
    assert any(o.get("customer_phone_number") for o in day_orders)
    assert iseller_recorder.tokens and jurnal_recorder.signatures
    assert alerts, "no alert was sent for the failed run"

    secrets = {
        "iSeller client secret": ISELLER_SECRET,
        "Jurnal client secret": JURNAL_SECRET,
        "Jurnal API key": JURNAL_API_KEY,
        "Jurnal access token": JURNAL_ACCESS_TOKEN,
        "database password": DB_PASSWORD,
        **{f"iSeller token {t[:4]}…": t for t in iseller_recorder.tokens},
        **{f"HMAC signature {s[:4]}…": s for s in jurnal_recorder.signatures},
    }
    contacts = {}
    for customer in customers(iseller.merchant.seed):
        contacts[f"phone of {customer['first_name']}"] = customer["phone_number"]
        contacts[f"e-mail of {customer['first_name']}"] = customer["email"]
    places: dict[str, bytes] = {}
    places.update({f"output {p.name}": p.read_bytes() for p in out.iterdir()})
    places.update({f"DAGSTER_HOME/{k}": v for k, v in _files_under(home).items()})
    places.update(_staging_dump(staging_url))
    places["alert"] = json.dumps(alerts).encode()
    # DEBUG lines reached each place they are written to, the failure reached the alert
    assert b"DEBUG" in places["output sync.stderr"]
    assert b"urllib3.connectionpool" in places["output sync.stderr"]
    assert any(b"urllib3.connectionpool" in v for k, v in places.items() if "DAGSTER_HOME" in k)
    assert b"Step jurnal_" in places["alert"], alerts
    return Written(places, secrets, contacts)


def test_no_secret_in_anything_a_run_writes(written: Written):
    leaks = written.leaks(written.secrets, credential=True)
    assert not leaks, "\n".join(leaks[:50])


def test_no_customer_contact_anywhere_it_wrote(written: Written):
    """Not in logs, events, alerts, nor the staging database: staged orders are kept without
    them, and the customer sync asks iSeller again for the customers it creates."""
    leaks = written.leaks(written.contacts, credential=False)
    assert not leaks, "\n".join(leaks[:50])
