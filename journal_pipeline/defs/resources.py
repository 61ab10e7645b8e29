"""Resources: the staging database, the two API clients and the merchant config.

Connection settings come from the environment at run time (``dg.EnvVar`` when set, so the UI
never shows a secret); with nothing set, the built-in sandboxes are used.
"""

from __future__ import annotations

import os

import dagster as dg
from pydantic import PrivateAttr

from journal_pipeline.config import CONFIG_ENV, MerchantConfig, load_config
from journal_pipeline.iseller.client import ISellerClient, ISellerSettings
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.sandbox.defaults import ISELLER_VARS, JURNAL_VARS, effective_env
from journal_pipeline.storage.store import STAGING_URL_ENV, StagingStore


class StagingResource(dg.ConfigurableResource):
    """The staging database (SQLAlchemy URL; SQLite file by default)."""

    url: str | None = None
    _store: StagingStore | None = PrivateAttr(default=None)

    @property
    def store(self) -> StagingStore:
        if self._store is None:
            self._store = StagingStore(self.url)
        return self._store


class MerchantConfigResource(dg.ConfigurableResource):
    """The merchant config file ($JOURNAL_PIPELINE_CONFIG, else the demo merchant's)."""

    path: str | None = None
    _config: MerchantConfig | None = PrivateAttr(default=None)

    @property
    def config(self) -> MerchantConfig:
        if self._config is None:
            self._config = load_config(self.path)
        return self._config


class ISellerResource(dg.ConfigurableResource):
    token_url: str | None = None
    resource_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    refresh_token: str | None = None

    def client(self) -> ISellerClient:
        env = effective_env()
        env.update({name: value for name, value in self._given().items() if value})
        return ISellerClient(ISellerSettings.from_env(env))

    def _given(self) -> dict[str, str | None]:
        return {
            "ISELLER_TOKEN_URL": self.token_url,
            "ISELLER_RESOURCE_URL": self.resource_url,
            "ISELLER_CLIENT_ID": self.client_id,
            "ISELLER_CLIENT_SECRET": self.client_secret,
            "ISELLER_REFRESH_TOKEN": self.refresh_token,
        }


class JurnalResource(dg.ConfigurableResource):
    base_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    api_key: str | None = None

    def client(self, store: StagingStore | None = None) -> JurnalClient:
        """A client; given the staging store, its requests share the per-credential rate
        limit with every other run and process using the same staging database."""
        env = effective_env()
        env.update({name: value for name, value in self._given().items() if value})
        if store is None:
            return JurnalClient(JurnalSettings.from_env(env))
        return JurnalClient.from_env(env, staging_url=store.engine)

    def _given(self) -> dict[str, str | None]:
        return {
            "JURNAL_BASE_URL": self.base_url,
            "JURNAL_CLIENT_ID": self.client_id,
            "JURNAL_CLIENT_SECRET": self.client_secret,
            "JURNAL_API_KEY": self.api_key,
        }


def _env_var(name: str) -> dg.EnvVar | None:
    """An EnvVar for a variable that is set, so Dagster resolves it at launch and hides it."""
    return dg.EnvVar(name) if os.environ.get(name) else None


def _fields(names: tuple[str, ...], prefix: str) -> dict:
    return {name.removeprefix(prefix).lower(): _env_var(name) for name in names if _env_var(name)}


def default_resources() -> dict[str, dg.ConfigurableResource]:
    return {
        "staging": StagingResource(url=_env_var(STAGING_URL_ENV)),
        "merchant": MerchantConfigResource(path=os.environ.get(CONFIG_ENV)),
        "iseller": ISellerResource(**_fields(ISELLER_VARS, "ISELLER_")),
        "jurnal": JurnalResource(**_fields(JURNAL_VARS, "JURNAL_")),
    }
