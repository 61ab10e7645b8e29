"""Connections come only from the environment: a missing variable is named, never defaulted."""

from __future__ import annotations

import pytest

from journal_pipeline.defs.resources import resources_from_environment
from journal_pipeline.environment import (
    MissingEnvironmentError,
    missing_variables,
    require_environment,
)
from journal_sandbox.defaults import sandbox_env


def test_nothing_set_names_every_required_variable():
    missing = missing_variables({})
    assert missing == [
        "ISELLER_CLIENT_ID",
        "ISELLER_CLIENT_SECRET",
        "JURNAL_CLIENT_ID and JURNAL_CLIENT_SECRET (or JURNAL_API_KEY, or JURNAL_ACCESS_TOKEN)",
        "JOURNAL_PIPELINE_CONFIG",
    ]


def test_the_sandbox_environment_is_complete():
    assert missing_variables(sandbox_env()) == []


def test_a_legacy_api_key_stands_for_the_hmac_pair():
    env = {k: v for k, v in sandbox_env().items() if not k.startswith("JURNAL_CLIENT")}
    assert missing_variables({**env, "JURNAL_API_KEY": "k"}) == []
    assert missing_variables({**env, "JURNAL_ACCESS_TOKEN": "t"}) == []
    assert missing_variables({**env, "JURNAL_CLIENT_ID": "id"}) == ["JURNAL_CLIENT_SECRET"]


def test_the_message_names_the_variable_the_readme_and_the_sandbox():
    env = {k: v for k, v in sandbox_env().items() if k != "ISELLER_CLIENT_SECRET"}
    with pytest.raises(MissingEnvironmentError) as raised:
        require_environment({**env, "ISELLER_CLIENT_ID": "  "})  # blank counts as missing
    message = str(raised.value)
    assert "ISELLER_CLIENT_ID, ISELLER_CLIENT_SECRET" in message
    assert "README.md" in message
    assert "journal-pipeline sandbox --print-env" in message


def test_resources_refuse_to_build_without_credentials(monkeypatch, sandbox_environment):
    monkeypatch.delenv("JURNAL_CLIENT_SECRET")
    with pytest.raises(MissingEnvironmentError, match="JURNAL_CLIENT_SECRET"):
        resources_from_environment()


def test_resources_take_their_fields_from_the_environment(sandbox_environment):
    resources = resources_from_environment()
    # unresolved EnvVar fields: Dagster reads them when a run starts and never shows them
    assert resources["iseller"].client_secret == "ISELLER_CLIENT_SECRET"
    assert type(resources["iseller"].client_secret).__name__ == "EnvVar"
    assert resources["jurnal"].api_key is None  # not set: no EnvVar, no local default
    assert resources["jurnal"].access_token is None
    assert resources["merchant"].path == "JOURNAL_PIPELINE_CONFIG"
