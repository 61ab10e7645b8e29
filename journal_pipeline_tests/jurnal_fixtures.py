"""The Jurnal emulator on loopback, for tests.

``jurnal_sandbox`` (session scope) starts one `JurnalSandbox` with ``time_scale=60`` (a
rate-limit "minute" lasts one real second) on a free port and yields a handle with ``.url``
(the base URL including ``/public/jurnal/api/v1``), ``.legacy_url`` (``/core/api/v1``),
``.sandbox``, ``.server``, ``.env`` (the ``JURNAL_*`` variables of a client pointed at it) and
``.api_key``. ``running_jurnal_sandbox`` starts a private one (fresh state) for tests that
need exact ledgers, counters or restarts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.sandbox.http import SandboxServer
from journal_pipeline.sandbox.jurnal_app import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    LEGACY_PREFIX,
    MAG_PREFIX,
    JurnalSandbox,
)


@dataclass
class JurnalSandboxHandle:
    sandbox: JurnalSandbox
    server: SandboxServer
    url: str
    legacy_url: str
    env: dict[str, str] = field(default_factory=dict)
    api_key: str = DEFAULT_API_KEY

    def client(self, **kwargs: Any) -> JurnalClient:
        """A client of this sandbox (HMAC); keyword arguments go to `JurnalClient`."""
        return JurnalClient(JurnalSettings.from_env(self.env), **kwargs)


@contextmanager
def running_jurnal_sandbox(state_dir: Path, **kwargs: Any) -> Iterator[JurnalSandboxHandle]:
    """A started `JurnalSandbox` over ``state_dir``; stopped (state kept) on exit."""
    kwargs.setdefault("time_scale", 60.0)
    sandbox = JurnalSandbox(state_dir, **kwargs)
    server = sandbox.serve().start()
    url = f"{server.url}{MAG_PREFIX.rstrip('/')}"
    env = {
        "JURNAL_BASE_URL": url,
        "JURNAL_CLIENT_ID": kwargs.get("client_id", DEFAULT_CLIENT_ID),
        "JURNAL_CLIENT_SECRET": kwargs.get("client_secret", DEFAULT_CLIENT_SECRET),
    }
    try:
        yield JurnalSandboxHandle(
            sandbox=sandbox,
            server=server,
            url=url,
            legacy_url=f"{server.url}{LEGACY_PREFIX.rstrip('/')}",
            env=env,
            api_key=kwargs.get("api_key", DEFAULT_API_KEY),
        )
    finally:
        server.stop()
        sandbox.close()


@pytest.fixture(scope="session")
def jurnal_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path_factory.mktemp("jurnal-sandbox")) as handle:
        yield handle
