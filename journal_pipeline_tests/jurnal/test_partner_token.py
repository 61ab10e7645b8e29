"""The client on Jurnal's legacy partner flavour: ``JURNAL_ACCESS_TOKEN`` sent as a bearer token
to ``/partner/core/api/v1``, against the emulator over HTTP."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from journal_pipeline.defs.resources import JurnalResource
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.errors import JurnalAuthError, JurnalConfigError
from journal_pipeline.jurnal.settings import JurnalSettings
from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
)

TOKEN = "partner-token-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def jurnal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    state = Path(tmp_path_factory.mktemp("jurnal-partner-client"))
    with running_jurnal_sandbox(state, access_token=TOKEN) as handle:
        yield handle


def partner_env(jurnal: JurnalSandboxHandle, token: str = TOKEN) -> dict[str, str]:
    return {
        "JURNAL_BASE_URL": jurnal.partner_url,
        "JURNAL_ACCESS_TOKEN": token,
        "JURNAL_RATE_LIMIT_WINDOW_SCALE": str(jurnal.sandbox.time_scale),
    }


def test_the_token_posts_documents_one_by_one_and_in_batches(jurnal: JurnalSandboxHandle):
    client = JurnalClient.from_env(partner_env(jurnal))
    assert client.settings.auth_mode == "bearer"
    assert client.list_accounts()
    one = client.create_sales_invoice(invoice_body())
    # posting it again finds it by its custom_id instead of a second invoice
    assert client.create_sales_invoice(invoice_body(custom_id=one["custom_id"]))["id"] == one["id"]
    results = client.batch_create_sales_invoices([invoice_body(), invoice_body()])
    assert [r.status for r in results] == [201, 201]
    assert jurnal.sandbox.traffic()["bearer"]["requests"] == client.calls


def test_the_resource_takes_the_token(jurnal: JurnalSandboxHandle):
    resource = JurnalResource(base_url=jurnal.partner_url, access_token=TOKEN)
    settings = resource.settings()
    assert settings.auth_mode == "bearer"
    assert TOKEN not in repr(settings)
    # a credential of its own in the shared rate limit, apart from the others'
    apikey = JurnalSettings(base_url=jurnal.partner_url, api_key=TOKEN)
    assert settings.credential_key() != apikey.credential_key()


def test_a_refused_token_never_shows(jurnal: JurnalSandboxHandle, caplog):
    wrong = "wrong-" + uuid.uuid4().hex
    client = JurnalClient.from_env(partner_env(jurnal, wrong), max_attempts=1)
    caplog.set_level(logging.DEBUG, logger="journal_pipeline.jurnal")
    with pytest.raises(JurnalAuthError) as caught:
        client.list_accounts()
    assert caught.value.status == 401
    for text in (str(caught.value), repr(caught.value), repr(client), caplog.text):
        assert wrong not in text
    assert "***" in caplog.text  # the Authorization header was logged, redacted


def test_each_credential_goes_to_its_flavours_url_unless_told():
    def url(**env: str) -> str:
        return JurnalSettings.from_env(env).base_url

    assert url(JURNAL_CLIENT_ID="c", JURNAL_CLIENT_SECRET="s") == (
        "https://api.mekari.com/public/jurnal/api/v1"
    )
    assert url(JURNAL_API_KEY="k") == "https://api.jurnal.id/core/api/v1"
    assert url(JURNAL_ACCESS_TOKEN=TOKEN) == "https://api.jurnal.id/partner/core/api/v1"
    assert url(JURNAL_ACCESS_TOKEN=TOKEN, JURNAL_BASE_URL="http://x/y") == "http://x/y"
    assert JurnalResource(api_key="k").settings().base_url == "https://api.jurnal.id/core/api/v1"
    described = JurnalSettings.from_env({"JURNAL_ACCESS_TOKEN": TOKEN}).describe()
    assert described == "partner app token at https://api.jurnal.id/partner/core/api/v1"
    assert TOKEN not in described


def test_the_gateway_url_with_a_token_names_the_fix():
    settings = JurnalSettings.from_env(
        {
            "JURNAL_ACCESS_TOKEN": TOKEN,
            "JURNAL_BASE_URL": "https://api.mekari.com/public/jurnal/api/v1",
        }
    )
    with pytest.raises(JurnalConfigError) as caught:
        JurnalClient(settings)
    message = str(caught.value)
    assert "JURNAL_BASE_URL" in message
    assert "https://api.jurnal.id/partner/core/api/v1" in message
    assert TOKEN not in message


def test_no_credential_names_every_style():
    with pytest.raises(JurnalConfigError) as caught:
        JurnalClient(JurnalSettings.from_env({}))
    for name in ("JURNAL_CLIENT_ID", "JURNAL_API_KEY", "JURNAL_ACCESS_TOKEN"):
        assert name in str(caught.value)
