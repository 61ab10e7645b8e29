"""A started iSeller emulator for tests, with the environment its client reads (the iSeller
side of `jurnal_fixtures.running_jurnal_sandbox`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from journal_sandbox.iseller_app import ISellerSandbox


@dataclass
class ISellerSandboxHandle:
    sandbox: ISellerSandbox
    server: Any
    env: dict[str, str]  # ISELLER_TOKEN_URL and the client's credentials

    @property
    def url(self) -> str:
        return str(self.server.url)


@contextmanager
def running_iseller_sandbox(state_dir: Path, **options: Any) -> Iterator[ISellerSandboxHandle]:
    """A started `ISellerSandbox` over ``state_dir``; without injected faults and in the
    documented dialect (whatever SANDBOX_ISELLER_FAULTS / _DIALECT say) unless ``options``
    name them; stopped on exit."""
    options.setdefault("faults", "")
    options.setdefault("dialect", "")
    sandbox = ISellerSandbox(state_dir, **options)
    server = sandbox.serve().start()
    env = {
        "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
        "ISELLER_CLIENT_ID": "sandbox-iseller-client",
        "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
    }
    try:
        yield ISellerSandboxHandle(sandbox, server, env)
    finally:
        server.stop()
        sandbox.close()


def read_all(handle: ISellerSandboxHandle, name: str, key: str, **params: Any) -> list[Any]:
    """Every item of a v2 list endpoint of the sandbox, page by page, under its own token."""
    token = requests.post(
        f"{handle.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": handle.env["ISELLER_CLIENT_ID"],
            "client_secret": handle.env["ISELLER_CLIENT_SECRET"],
        },
        timeout=10,
    ).json()["access_token"]
    items, page = [], 1
    while True:
        body = requests.post(
            f"{handle.url}/api/v2/{name}",
            data={**params, "page": page},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        assert body["status"] is True, body
        items.extend(body[key])
        if not body["has_next_item"]:
            return items
        page += 1
