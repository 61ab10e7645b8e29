"""MAG HMAC signing and the legacy API key, checked against hand-computed values."""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from journal_pipeline.jurnal.auth import (
    JurnalApiKeyAuth,
    JurnalBearerAuth,
    JurnalHmacAuth,
    body_digest,
    http_date,
    redact_headers,
    sign,
    signing_string,
)
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.errors import JurnalAuthError, JurnalError, JurnalRetryableError
from journal_pipeline.jurnal.settings import JurnalSettings
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox

CLIENT_ID = "vector-client"
SECRET = "sandbox-jurnal-secret"
DATE = "Tue, 24 Aug 2021 02:18:19 GMT"
DATE_TS = calendar.timegm((2021, 8, 24, 2, 18, 19, 0, 0, 0))
PATH = "/public/jurnal/api/v1/sales_invoices?page=1&page_size=100"
# base64(HMAC-SHA256("sandbox-jurnal-secret",
#   "date: Tue, 24 Aug 2021 02:18:19 GMT\nGET <PATH> HTTP/1.1"))
EXPECTED_SIGNATURE = "SOMh02ZNNu7pwvOxKj9EzowMDHIf/U7fEQOTo7vrTho="


def hand_signature(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_signing_string_is_date_line_then_request_line() -> None:
    assert signing_string(DATE, "get", PATH) == f"date: {DATE}\nGET {PATH} HTTP/1.1"


def test_known_vector() -> None:
    message = f"date: {DATE}\nGET {PATH} HTTP/1.1"
    assert hand_signature(SECRET, message) == EXPECTED_SIGNATURE
    assert sign(SECRET, DATE, "GET", PATH) == EXPECTED_SIGNATURE


def test_http_date_is_imf_fixdate_gmt() -> None:
    assert http_date(DATE_TS) == DATE
    assert re.fullmatch(
        r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", http_date(0)
    )


def test_auth_signs_the_prepared_request_with_its_query() -> None:
    prepared = requests.Request(
        "get",
        "https://api.mekari.com/public/jurnal/api/v1/sales_invoices",
        params={"page": 1, "page_size": 100},
    ).prepare()
    JurnalHmacAuth(CLIENT_ID, SECRET, clock=lambda: DATE_TS)(prepared)
    assert prepared.headers["Date"] == DATE
    assert prepared.headers["Authorization"] == (
        f'hmac username="{CLIENT_ID}", algorithm="hmac-sha256", '
        f'headers="date request-line", signature="{EXPECTED_SIGNATURE}"'
    )
    assert "Digest" not in prepared.headers  # no body, no digest


def test_method_is_upper_case_and_body_gets_a_digest() -> None:
    body = b'{"hello": "world"}'
    prepared = requests.Request(
        "post", "https://api.mekari.com/foo/bar?hello=world", data=body
    ).prepare()
    JurnalHmacAuth(CLIENT_ID, SECRET, clock=lambda: DATE_TS)(prepared)
    expected = hand_signature(SECRET, f"date: {DATE}\nPOST /foo/bar?hello=world HTTP/1.1")
    assert prepared.headers["Authorization"].endswith(f'signature="{expected}"')
    # The Mekari knowledge base's own example value for this body.
    assert prepared.headers["Digest"] == "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
    assert body_digest(body) == prepared.headers["Digest"]


def test_digest_can_be_switched_off() -> None:
    prepared = requests.Request("post", "https://example.test/x", data=b"{}").prepare()
    JurnalHmacAuth(CLIENT_ID, SECRET, send_digest=False)(prepared)
    assert "Digest" not in prepared.headers


def test_api_key_auth_sets_the_apikey_header() -> None:
    prepared = requests.Request("get", "https://api.jurnal.id/core/api/v1/accounts").prepare()
    JurnalApiKeyAuth("k-123")(prepared)
    assert prepared.headers["apikey"] == "k-123"
    assert "Authorization" not in prepared.headers


def test_bearer_auth_sets_the_authorization_header() -> None:
    prepared = requests.Request("get", "https://api.jurnal.id/partner/core/api/v1/x").prepare()
    JurnalBearerAuth("t-123")(prepared)
    assert prepared.headers["Authorization"] == "Bearer t-123"
    assert "apikey" not in prepared.headers and "Date" not in prepared.headers
    assert "t-123" not in repr(JurnalBearerAuth("t-123"))
    assert redact_headers(prepared.headers)["Authorization"] == "***"


def test_reprs_and_logged_headers_hide_credentials() -> None:
    assert SECRET not in repr(JurnalHmacAuth(CLIENT_ID, SECRET))
    assert "k-123" not in repr(JurnalApiKeyAuth("k-123"))
    headers = {"Authorization": "hmac signature=abc", "apikey": "k-123", "Date": DATE}
    assert redact_headers(headers) == {"Authorization": "***", "apikey": "***", "Date": DATE}


# --- an outage is no refusal of the credentials --------------------------------------------
# Jurnal has no token endpoint: every request is signed on its own, so a refused signature is
# a 401/403 of that request. A gateway failing (503 "upstream reset" in plain text, a dropped
# connection) is a retryable error, never a reason to check JURNAL_CLIENT_ID/SECRET.


@pytest.fixture
def jurnal(tmp_path: Path) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


@pytest.mark.parametrize(("mode", "status"), [("status", 503), ("status", 502), ("drop", 503)])
def test_a_gateway_outage_is_retryable_not_an_auth_error(
    jurnal: JurnalSandboxHandle, mode: str, status: int
) -> None:
    client = jurnal.client(max_attempts=3, sleep=lambda _: None)
    jurnal.sandbox.inject_fault(mode=mode, status=status, times=3)
    with pytest.raises(JurnalError) as caught:
        client.list_accounts()
    assert type(caught.value) is JurnalRetryableError, caught.value
    assert "credentials" not in str(caught.value)
    assert client.list_accounts()  # Jurnal answers again: the same client goes on


def test_a_wrong_secret_is_an_auth_error(jurnal: JurnalSandboxHandle) -> None:
    client = JurnalClient(
        JurnalSettings.from_env({**jurnal.env, "JURNAL_CLIENT_SECRET": "not-the-secret"}),
        max_attempts=3,
        sleep=lambda _: None,
    )
    with pytest.raises(JurnalAuthError) as caught:
        client.list_accounts()
    assert caught.value.status == 401
    assert "check the Jurnal credentials" in str(caught.value)
    assert client.calls == 1  # a refusal is not retried
