"""A run's resources read the ``ISELLER_*`` and ``JURNAL_*`` variables as the commands do
(`journal-pipeline check`, `mapping init`): the same values, trimmed the same way."""

from __future__ import annotations

import pytest

from journal_pipeline.defs.resources import resources_from_environment
from journal_pipeline.iseller.settings import ISellerSettings
from journal_pipeline.jurnal.settings import JurnalSettings
from journal_sandbox.defaults import DEMO_CONFIG

PASTED = {  # values pasted with a space or a newline around them, as happens
    "ISELLER_CLIENT_ID": " iseller-client ",
    "ISELLER_CLIENT_SECRET": "iseller-secret \n",
    "ISELLER_TOKEN_URL": " https://toko.isellershop.test/oauth/token\n",
    "ISELLER_RESOURCE_URL": "https://toko.isellershop.test ",
    "ISELLER_REFRESH_TOKEN": "\trefresh-token ",
    "JURNAL_CLIENT_ID": "jurnal-client ",
    "JURNAL_CLIENT_SECRET": "jurnal-secret\n",
    "JURNAL_BASE_URL": " https://api.mekari.test/public/jurnal/api/v1 ",
    "JURNAL_RATE_LIMIT_PER_MINUTE": " 20 ",
    "JOURNAL_PIPELINE_CONFIG": str(DEMO_CONFIG),
}


@pytest.fixture
def pasted(monkeypatch):
    for name in ("JURNAL_API_KEY", "JURNAL_ACCESS_TOKEN", "STAGING_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in PASTED.items():
        monkeypatch.setenv(name, value)


def test_a_run_reads_the_jurnal_variables_as_check_does(pasted):
    run = resources_from_environment()["jurnal"].process_config_and_initialize().settings()
    check = JurnalSettings.from_env()
    assert run == check
    assert (run.client_id, run.client_secret) == ("jurnal-client", "jurnal-secret")
    assert run.base_url == "https://api.mekari.test/public/jurnal/api/v1"
    assert run.rate_limit_per_minute == 20 and run.auth_mode == "hmac"


def test_a_run_reads_the_iseller_variables_as_check_does(pasted):
    run = resources_from_environment()["iseller"].process_config_and_initialize().settings
    check = ISellerSettings.from_env()
    assert run == check
    assert (run.client_id, run.client_secret) == ("iseller-client", "iseller-secret")
    assert run.token_url == "https://toko.isellershop.test/oauth/token"
    assert run.resource_url == "https://toko.isellershop.test"
    assert run.refresh_token == "refresh-token"


def test_a_variable_of_spaces_only_is_unset():
    settings = JurnalSettings(client_id="id", client_secret=" ", api_key=" \n")
    assert (settings.client_secret, settings.api_key, settings.auth_mode) == (None, None, None)
    assert (
        ISellerSettings(client_id=" x ", client_secret="s", resource_url=" ").resource_url is None
    )
