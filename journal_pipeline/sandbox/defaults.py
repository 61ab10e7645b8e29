"""Where the built-in sandboxes listen and how the pipeline finds them when nothing is set.

With no ISELLER_* (or no JURNAL_*) variable in the environment, the pipeline talks to the
local sandbox of that service, so `make dev` and the tests need no accounts. Setting any
variable of a service switches that service to the real defaults of ARCHITECTURE.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

HOST = "127.0.0.1"
ISELLER_PORT = 8701
JURNAL_PORT = 8702
JURNAL_PREFIX = "/public/jurnal/api/v1"

ISELLER_CLIENT_ID = "sandbox-iseller-client"
ISELLER_CLIENT_SECRET = "sandbox-iseller-secret"  # published sandbox credential
JURNAL_CLIENT_ID = "sandbox-jurnal-client"
JURNAL_CLIENT_SECRET = "sandbox-jurnal-secret"  # published sandbox credential

ISELLER_VARS = (
    "ISELLER_TOKEN_URL",
    "ISELLER_RESOURCE_URL",
    "ISELLER_CLIENT_ID",
    "ISELLER_CLIENT_SECRET",
    "ISELLER_REFRESH_TOKEN",
)
JURNAL_VARS = ("JURNAL_BASE_URL", "JURNAL_CLIENT_ID", "JURNAL_CLIENT_SECRET", "JURNAL_API_KEY")


def iseller_env(url: str) -> dict[str, str]:
    return {
        "ISELLER_TOKEN_URL": f"{url}/oauth/token",
        "ISELLER_CLIENT_ID": ISELLER_CLIENT_ID,
        "ISELLER_CLIENT_SECRET": ISELLER_CLIENT_SECRET,
    }


def jurnal_env(url: str) -> dict[str, str]:
    return {
        "JURNAL_BASE_URL": f"{url}{JURNAL_PREFIX}",
        "JURNAL_CLIENT_ID": JURNAL_CLIENT_ID,
        "JURNAL_CLIENT_SECRET": JURNAL_CLIENT_SECRET,
    }


def sandbox_env(
    iseller_url: str = f"http://{HOST}:{ISELLER_PORT}",
    jurnal_url: str = f"http://{HOST}:{JURNAL_PORT}",
) -> dict[str, str]:
    return {**iseller_env(iseller_url), **jurnal_env(jurnal_url)}


def effective_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment, plus the local sandbox settings of any service left unconfigured."""
    env = dict(os.environ if environ is None else environ)
    defaults = sandbox_env()
    if not any(env.get(name) for name in ISELLER_VARS):
        env.update({k: v for k, v in defaults.items() if k.startswith("ISELLER_")})
    if not any(env.get(name) for name in JURNAL_VARS):
        env.update({k: v for k, v in defaults.items() if k.startswith("JURNAL_")})
    return env
