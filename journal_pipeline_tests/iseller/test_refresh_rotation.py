"""Refresh tokens under both readings of I-2: the iSeller emulator rotating them
(``rotate_refresh_tokens``) or not, each "process" a newly built `ISellerResource` over the
same staging database with the process's shared tokens forgotten, as a new Dagster run has."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from journal_pipeline.defs.resources import ISellerResource, MarkKeeper
from journal_pipeline.iseller.auth import TokenSource
from journal_pipeline.iseller.client import ISellerClient, ISellerSettings
from journal_pipeline.iseller.client_tokens import forget_tokens
from journal_pipeline.iseller.errors import ISellerAuthError
from journal_pipeline.iseller.token_keeper import REFRESH_TOKEN_MARK, keeper_scope
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.iseller_fixtures import ISellerSandboxHandle, running_iseller_sandbox

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)
SECRET = "sandbox-iseller-secret"


@pytest.fixture(params=[True], ids=["rotating"])
def iseller(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ISellerSandboxHandle]:
    with running_iseller_sandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=2,
        history_days=1,
        now=lambda: NOW,
        rotate_refresh_tokens=request.param,
    ) as handle:
        forget_tokens()
        try:
            yield handle
        finally:
            forget_tokens()


@pytest.fixture
def staging_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'staging.db'}"


def _grant(iseller: ISellerSandboxHandle, **data: str) -> requests.Response:
    return requests.post(
        iseller.env["ISELLER_TOKEN_URL"],
        data={"client_id": iseller.env["ISELLER_CLIENT_ID"], "client_secret": SECRET, **data},
        timeout=10,
    )


def _authorise(iseller: ISellerSandboxHandle) -> str:
    """A refresh token, as authorising the app gives one."""
    answer = _grant(iseller, grant_type="client_credentials")
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["refresh_token"]
    return token


def _accepted(iseller: ISellerSandboxHandle, refresh_token: str) -> bool:
    return _grant(iseller, grant_type="refresh_token", refresh_token=refresh_token).ok


def _resource(iseller: ISellerSandboxHandle, staging_url: str, refresh: str) -> ISellerResource:
    return ISellerResource(
        token_url=iseller.env["ISELLER_TOKEN_URL"],
        client_id=iseller.env["ISELLER_CLIENT_ID"],
        client_secret=SECRET,
        refresh_token=refresh,
        staging_url=staging_url,
    )


def _process(iseller: ISellerSandboxHandle, staging_url: str, refresh: str) -> None:
    """One run in a new process: nothing shared in memory, ISELLER_REFRESH_TOKEN as set."""
    forget_tokens()
    info = _resource(iseller, staging_url, refresh).client().get_store_info()
    assert info, "GetStoreInfo read nothing"


def _kept(iseller: ISellerSandboxHandle, staging_url: str) -> dict | None:
    settings = ISellerSettings.from_env(iseller.env)
    found = StagingStore(staging_url).mark(REFRESH_TOKEN_MARK, keeper_scope(settings))
    return None if found is None else json.loads(found[0])


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_rotated_refresh_token_carries_over_to_the_next_processes(
    iseller: ISellerSandboxHandle, staging_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configured = _authorise(iseller)
    seen = [configured]

    for _ in range(3):  # every run starts from the same ISELLER_REFRESH_TOKEN
        _process(iseller, staging_url, configured)
        kept = _kept(iseller, staging_url)
        assert kept is not None
        seen.append(kept["refresh_token"])

    assert len(set(seen)) == 4  # rotated by each run, the newest kept each time
    assert kept == {"rotated_from": _sha256(configured), "refresh_token": seen[-1]}
    assert not _accepted(iseller, configured)  # the emulator did rotate it
    for secret in [*seen, SECRET]:
        assert secret not in caplog.text
    assert "kept for the next runs" in caplog.text


def test_a_refresh_token_set_anew_wins_over_the_kept_one(
    iseller: ISellerSandboxHandle, staging_url: str
) -> None:
    first = _authorise(iseller)
    _process(iseller, staging_url, first)
    kept_before = _kept(iseller, staging_url)
    assert kept_before is not None

    again = _authorise(iseller)  # the operator authorises again and sets the new token
    _process(iseller, staging_url, again)

    kept = _kept(iseller, staging_url)
    assert kept is not None and kept["rotated_from"] == _sha256(again)
    assert not _accepted(iseller, again)  # the new one was used (and rotated) ...
    assert _accepted(iseller, kept_before["refresh_token"])  # ... the kept one was not


def test_a_refused_refresh_token_with_nothing_kept_says_what_to_do(
    iseller: ISellerSandboxHandle, staging_url: str
) -> None:
    configured = _authorise(iseller)
    assert _accepted(iseller, configured)  # spent elsewhere: its successor was not kept

    with pytest.raises(ISellerAuthError) as caught:
        _process(iseller, staging_url, configured)

    message = str(caught.value)
    assert caught.value.error == "invalid_grant"
    assert "the refresh token was refused" in message
    assert "rotated it in an earlier run" in message
    assert "set ISELLER_REFRESH_TOKEN to the new refresh token" in message
    assert configured not in message and SECRET not in message


def test_a_process_whose_refresh_token_another_rotated_reads_the_kept_one(
    iseller: ISellerSandboxHandle, staging_url: str
) -> None:
    """Two processes at once: one holds a refresh token the other has rotated since."""
    configured = _authorise(iseller)
    settings = ISellerSettings.from_env(iseller.env, refresh_token=configured)
    keeper = MarkKeeper(staging_url, REFRESH_TOKEN_MARK, keeper_scope(settings))
    tokens = functools.partial(TokenSource, keeper=keeper)
    first = ISellerClient(settings, tokens=tokens)
    first.get_store_info()
    second = ISellerClient(settings, tokens=tokens)
    second.get_store_info()  # spends the token `first` holds
    iseller.sandbox.expire_access_tokens()

    first.get_store_info()  # its held token refused, the kept one read again

    kept = _kept(iseller, staging_url)
    assert kept is not None and _accepted(iseller, kept["refresh_token"])


@pytest.mark.parametrize("iseller", [False], ids=["not_rotating"], indirect=True)
def test_refresh_tokens_that_do_not_rotate_keep_nothing(
    iseller: ISellerSandboxHandle, staging_url: str
) -> None:
    configured = _authorise(iseller)
    for _ in range(2):
        _process(iseller, staging_url, configured)

    assert _kept(iseller, staging_url) is None
    assert _accepted(iseller, configured)
