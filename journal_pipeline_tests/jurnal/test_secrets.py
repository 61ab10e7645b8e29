"""No Jurnal credential, signature or derived secret ever reaches a log line, an exception (text,
repr, body, pickle), the metadata counters or the shared rate-limit tables, on any error path,
with debug logging on."""

from __future__ import annotations

import logging
import pickle
import re
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.errors import (
    JurnalAuthError,
    JurnalDuplicateError,
    JurnalError,
    JurnalRateLimited,
    JurnalRetryableError,
    JurnalValidationError,
)
from journal_pipeline.jurnal.settings import JurnalSettings
from journal_pipeline_tests.jurnal.test_resources import inject
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.jurnal_app import CUSTOMER_WALK_IN, PRODUCT_SERVICE_CHARGE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def invoice(**overrides: Any) -> dict[str, Any]:
    body = {
        "transaction_date": "2026-11-20",
        "person_name": CUSTOMER_WALK_IN,
        "custom_id": f"ORD-{uuid.uuid4().hex[:8]}",
        "transaction_lines_attributes": [
            {"product_name": PRODUCT_SERVICE_CHARGE, "quantity": 1, "rate": 1000}
        ],
    }
    body.update(overrides)
    return body


def test_no_secret_on_any_error_path(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = "hmac-secret-canary-" + uuid.uuid4().hex
    api_key = "apikey-canary-" + uuid.uuid4().hex
    caplog.set_level(logging.DEBUG)
    sent: list[str] = []

    def session() -> requests.Session:
        s = requests.Session()
        s.hooks["response"].append(
            lambda r, *a, **k: sent.extend(
                r.request.headers.get(h, "") for h in ("Authorization", "apikey")
            )
        )
        return s

    staging = f"sqlite:///{tmp_path / 'staging.db'}"
    errors: list[JurnalError] = []
    clients: list[JurnalClient] = []
    with running_jurnal_sandbox(
        tmp_path / "jurnal", client_secret=secret, api_key=api_key
    ) as handle:

        def client(env: dict[str, str] | None = None, **kwargs: Any) -> JurnalClient:
            made = JurnalClient.from_env(
                {**(env or handle.env), "JURNAL_RATE_LIMIT_WINDOW_SCALE": "60"},
                session=session(),
                staging_url=staging,
                client_options={"backoff_base": 0.0, "sleep": lambda _s: None},
                **kwargs,
            )
            clients.append(made)
            return made

        def expect(error_type: type[JurnalError], call: Any) -> None:
            with pytest.raises(error_type) as caught:
                call()
            errors.append(caught.value)

        good = client()
        assert good.list_accounts()
        wrong_secret = client({**handle.env, "JURNAL_CLIENT_SECRET": secret + "-wrong"})
        expect(JurnalAuthError, wrong_secret.list_accounts)  # 401
        wrong_key = client(
            {"JURNAL_BASE_URL": handle.legacy_url, "JURNAL_API_KEY": api_key + "-wrong"}
        )
        expect(JurnalAuthError, wrong_key.list_accounts)  # 403
        legacy = client({"JURNAL_BASE_URL": handle.legacy_url, "JURNAL_API_KEY": api_key})
        assert legacy.list_warehouses()
        one_try = client(max_attempts=1)
        inject(handle.sandbox, "burst429", "/accounts")
        expect(JurnalRateLimited, one_try.list_accounts)  # 429
        inject(handle.sandbox, "error", "/accounts", status=503)
        expect(JurnalRetryableError, one_try.list_accounts)  # 5xx
        inject(handle.sandbox, "timeout", "/accounts")
        expect(JurnalRetryableError, one_try.list_accounts)  # no answer
        inject(handle.sandbox, "lost", "/warehouses")
        expect(JurnalRetryableError, one_try.list_warehouses)  # lost answer
        expect(JurnalValidationError, lambda: good.create_sales_invoice(invoice(person_name="X")))
        taken = good.create_sales_invoice(invoice(transaction_no="INV-SECRET-TEST"))
        expect(
            JurnalDuplicateError,
            lambda: good.create_sales_invoice(invoice(transaction_no=taken["transaction_no"])),
        )
        nowhere = client(
            {**handle.env, "JURNAL_BASE_URL": f"http://127.0.0.1:{free_port()}/x"},
            max_attempts=2,
        )
        expect(JurnalRetryableError, nowhere.list_accounts)  # connection refused

    signatures = [s for header in sent for s in re.findall(r'signature="([^"]+)"', header)]
    assert len(signatures) > 5
    canaries = [secret, api_key, *signatures]
    texts = [caplog.text]
    for error in errors:
        texts += [str(error), repr(error), repr(error.body), repr(error.__dict__)]
        texts.append(repr(pickle.loads(pickle.dumps(error)).__dict__))
    for made in clients:
        texts += [repr(made), repr(made.settings), repr(made.limiter)]
        texts += [repr(made.stats()), repr(made.metadata())]
        if made.limiter is not None:
            texts.append(repr(made.limiter.stats()))
    engine = sa.create_engine(staging)
    with engine.connect() as conn:
        for table in ("jurnal_rate_limit_slots", "jurnal_rate_limit_state"):
            texts += [repr(tuple(row)) for row in conn.execute(sa.text(f"SELECT * FROM {table}"))]
    engine.dispose()
    assert "***" in caplog.text  # request headers were logged, redacted
    for text in texts:
        for canary in canaries:
            assert canary not in text
    assert not any(
        s in text for s in (secret[:24], api_key[:20]) for text in texts
    )  # not even a prefix


def test_settings_repr_and_errors_name_variables_not_values() -> None:
    secret = "s-" + uuid.uuid4().hex
    settings = JurnalSettings(base_url="http://x", client_id="cid", client_secret=secret)
    assert secret not in repr(settings) and secret not in str(settings)
    assert secret not in repr(settings.auth())
    with pytest.raises(JurnalError) as caught:
        JurnalSettings.from_env({"JURNAL_RATE_LIMIT_PER_MINUTE": secret})
    assert secret not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
