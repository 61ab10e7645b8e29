"""Resources: the staging database, the two API clients and the merchant config.

Each resource *is* its connection settings: its fields come from environment variables
(``dg.EnvVar``, resolved when a run starts and never shown in the UI) and it builds its
client from them. `resources_from_environment` refuses to build anything while a required
variable is missing, with one message naming each (`journal_pipeline.environment`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import dagster as dg
import requests
from pydantic import PrivateAttr

from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.core.processes import process_tags
from journal_pipeline.environment import (
    CONFIG_ENV,
    ISELLER_TOKEN_URL,
    STAGING_URL_ENV,
    is_set,
    require_environment,
)
from journal_pipeline.iseller.client import ISellerClient, ISellerSettings
from journal_pipeline.iseller.client_tokens import SharedTokenSource
from journal_pipeline.iseller.token_keeper import REFRESH_TOKEN_MARK, keeper_scope
from journal_pipeline.jurnal import master_data
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.jurnal.errors import JurnalConfigError
from journal_pipeline.storage.store import StagingStore, default_staging_url

T = TypeVar("T")

# What the runs of one command share (`shared_for_command`): a stack, innermost last.
_command: list[dict[tuple[Any, ...], Any]] = []


@contextmanager
def shared_for_command() -> Iterator[None]:
    """Inside: the runs of this process (the days of a backfill run here) open the staging
    database (and its migrations check), the rate limiter's tables and the merchant config
    once, not once per run and step, and their Jurnal clients share Jurnal's reference lists
    (`jurnal.master_data`). Outside, every run opens its own, as before."""
    _command.append({})
    try:
        with master_data.shared_listings():
            yield
    finally:
        _command.pop()


def _reused(key: tuple[Any, ...], make: Callable[[], T]) -> T:
    if not _command:
        return make()
    shared = _command[-1]
    if key not in shared:
        shared[key] = make()
    found: T = shared[key]
    return found


def staging_store(url: str | None = None) -> StagingStore:
    """The staging store of ``url`` (the environment's by default), shared inside
    `shared_for_command`."""
    url = url or default_staging_url()
    return _reused(("staging", url), lambda: StagingStore(url))


class StagingResource(dg.ConfigurableResource):
    """The staging database (SQLAlchemy URL; a SQLite file beside the instance by default)."""

    url: str | None = None
    _store: StagingStore | None = PrivateAttr(default=None)

    @property
    def store(self) -> StagingStore:
        if self._store is None:
            self._store = staging_store(self.url)
        return self._store


class MerchantConfigResource(dg.ConfigurableResource):
    """The merchant config file ($JOURNAL_PIPELINE_CONFIG)."""

    path: str
    _config: MerchantConfig | None = PrivateAttr(default=None)

    @property
    def config(self) -> MerchantConfig:
        if self._config is None:
            try:
                stat = os.stat(self.path)
                # the file as it is now: one edited meanwhile is read (and checked) again
                key: tuple[Any, ...] = ("config", self.path, stat.st_mtime_ns, stat.st_size)
            except OSError:
                key = ("config", self.path, None, None)  # load_config says what is wrong
            self._config = _reused(key, lambda: load_config(self.path))
        return self._config


class ISellerResource(dg.ConfigurableResource):
    """The merchant's iSeller app (OAuth client credentials, or a refresh token). A refresh
    token iSeller rotates is kept in the staging database (``staging_url``, the environment's
    by default) for the next runs (I-2)."""

    client_id: str
    client_secret: str
    token_url: str = ISELLER_TOKEN_URL
    resource_url: str | None = None
    refresh_token: str | None = None
    staging_url: str | None = None

    @property
    def settings(self) -> ISellerSettings:
        return ISellerSettings(
            token_url=self.token_url,
            resource_url=self.resource_url or None,
            client_id=self.client_id,
            client_secret=self.client_secret,
            refresh_token=self.refresh_token or None,
        )

    def client(self, session: requests.Session | None = None) -> ISellerClient:
        """A client whose access token is shared with the other clients this process makes
        with the same credentials (each step of each run makes one), until it expires."""
        return iseller_client(self.settings, self.staging_url, session)


def iseller_client(
    settings: ISellerSettings, staging_url: str | None, session: requests.Session | None = None
) -> ISellerClient:
    """A client sharing its access token within the process and keeping a refresh token
    iSeller rotates in the staging database at ``staging_url`` (None: the default one), as
    every run and command does, so that none of them spends a token the others still hold."""
    keeper = MarkKeeper(staging_url, REFRESH_TOKEN_MARK, keeper_scope(settings))
    tokens = functools.partial(SharedTokenSource, keeper=keeper)
    return ISellerClient(settings, session, tokens=tokens)


def iseller_client_from_env(env: Mapping[str, str]) -> ISellerClient:
    """`iseller_client` of the ``ISELLER_*`` variables of ``env`` (the commands outside a
    run); a missing or malformed variable raises, naming itself."""
    return iseller_client(ISellerSettings.from_env(env), env.get(STAGING_URL_ENV) or None)


class MarkKeeper:
    """One text value kept as a staging mark (an `iseller.token_keeper.TokenKeeper`); the
    store is opened on first use."""

    def __init__(self, url: str | None, name: str, scope: str):
        self._url, self._name, self._scope = url, name, scope
        self._store: StagingStore | None = None

    def __repr__(self) -> str:
        return f"MarkKeeper(name={self._name!r})"

    @property
    def store(self) -> StagingStore:
        if self._store is None:
            self._store = staging_store(self._url)
        return self._store

    def load(self) -> str | None:
        found = self.store.mark(self._name, self._scope)
        return found[0] if found is not None and isinstance(found[0], str) else None

    def save(self, value: str) -> None:
        self.store.set_mark(self._name, self._scope, value)


class JurnalResource(dg.ConfigurableResource):
    """The merchant's Jurnal company: HMAC credentials (or a legacy API key, or a legacy
    partner app's access token) and rate limit."""

    base_url: str = ""  # empty: where the credential's flavour is served (jurnal/settings.py)
    client_id: str | None = None
    client_secret: str | None = None
    api_key: str | None = None
    access_token: str | None = None
    rate_limit_per_minute: int = 30
    rate_limit_per_hour: int = 1800
    rate_limit_margin: str = "0"  # share of the budget left unused, e.g. "0.1"
    rate_limit_window_scale: str = "1"  # >1 shortens the windows (sandbox time scale)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        name_the_run_process(context)

    def settings(self) -> JurnalSettings:
        return JurnalSettings(
            base_url=self.base_url,
            client_id=self.client_id or None,
            client_secret=self.client_secret or None,
            api_key=self.api_key or None,
            access_token=self.access_token or None,
            rate_limit_per_minute=self.rate_limit_per_minute,
            rate_limit_per_hour=self.rate_limit_per_hour,
            rate_limit_margin=_number("JURNAL_RATE_LIMIT_MARGIN", self.rate_limit_margin),
            rate_window_scale=_number(
                "JURNAL_RATE_LIMIT_WINDOW_SCALE", self.rate_limit_window_scale
            ),
        )

    def client(self, store: StagingStore | None = None) -> JurnalClient:
        """A client; given the staging store, its requests share the per-credential rate
        limit with every other run and process using the same staging database. Inside
        `jurnal.master_data.shared_listings` (a backfill run here) it shares Jurnal's reference
        lists with the other clients of the command."""
        settings = self.settings()
        if store is None:
            client = JurnalClient(settings)
        else:
            key = (
                "limiter",
                str(store.engine.url),
                settings.credential_key(),
                settings.rate_limit_per_minute,
                settings.rate_limit_per_hour,
                settings.rate_limit_margin,
                settings.rate_window_scale,
            )
            limiter = _reused(key, lambda: settings.rate_limiter(store.engine))
            client = JurnalClient(settings, limiter=limiter)
        client.master_data = master_data.shared_for(settings.base_url, settings.credential_key())
        return client


def name_the_run_process(context: dg.InitResourceContext) -> None:
    """Tag the run with the process that runs it (`core.processes.process_tags`) before any of
    its steps claims a slot of the Jurnal pool (every step of that pool needs this resource).

    A run launched by the daemon, a backfill or the UI runs in a run worker that nothing else
    names: killed while it holds the slot (SIGKILL, out of memory), it kept the pool taken
    until Dagster's run monitoring freed it minutes later. Named, the next command finds it
    dead at once (`runs.recover_dead_runs`). The jobs run every step in the run's own process
    (the in-process executor, `definitions.py`), so this process is the run's."""
    run, instance = context.run, context.instance
    if run is None or instance is None:
        return  # resources built for a schedule's or a sensor's look, not for a run
    tags = process_tags(run.run_id)
    if all(run.tags.get(key) == value for key, value in tags.items()):
        return  # started in this process, already named (`journal-pipeline sync`)
    try:
        instance.add_run_tags(run.run_id, tags)
    except Exception as exc:  # a run that cannot be named still runs; monitoring covers it
        if context.log is not None:
            context.log.warning(f"Could not tag run {run.run_id} with its process: {exc}")


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise JurnalConfigError(f"{name} must be a number") from None


def _env(name: str) -> dg.EnvVar:
    return dg.EnvVar(name)


def _optional(name: str, field: str | None = None, *, integer: bool = False) -> dict:
    """``{field: EnvVar}`` for a variable that is set; an unset one keeps the field default.
    The field is the variable's name without its service prefix unless given."""
    if not is_set(name):
        return {}
    field = field or name.split("_", 1)[1].lower()
    return {field: dg.EnvVar.int(name) if integer else dg.EnvVar(name)}


def resources_from_environment() -> dict[str, dg.ConfigurableResource]:
    """The resources of a run, every connection setting an ``EnvVar``; raises
    `MissingEnvironmentError` (naming each variable) when a required one is not set."""
    require_environment()
    return {
        "staging": StagingResource(**_optional(STAGING_URL_ENV, "url")),
        "merchant": MerchantConfigResource(path=_env(CONFIG_ENV)),
        "iseller": ISellerResource(
            client_id=_env("ISELLER_CLIENT_ID"),
            client_secret=_env("ISELLER_CLIENT_SECRET"),
            **_optional("ISELLER_TOKEN_URL"),
            **_optional("ISELLER_RESOURCE_URL"),
            **_optional("ISELLER_REFRESH_TOKEN"),
            **_optional(STAGING_URL_ENV, "staging_url"),
        ),
        "jurnal": JurnalResource(
            **_optional("JURNAL_BASE_URL"),
            **_optional("JURNAL_CLIENT_ID"),
            **_optional("JURNAL_CLIENT_SECRET"),
            **_optional("JURNAL_API_KEY"),
            **_optional("JURNAL_ACCESS_TOKEN"),
            **_optional("JURNAL_RATE_LIMIT_PER_MINUTE", integer=True),
            **_optional("JURNAL_RATE_LIMIT_PER_HOUR", integer=True),
            **_optional("JURNAL_RATE_LIMIT_MARGIN"),
            **_optional("JURNAL_RATE_LIMIT_WINDOW_SCALE"),
        ),
    }
