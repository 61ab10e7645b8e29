"""Where the built-in sandboxes listen, and the environment that points the pipeline at them.

The pipeline never falls back to these: its connections come only from the environment.
`journal-pipeline sandbox --print-env` prints `sandbox_env()` as `export` lines, and
`journal-pipeline dev`, the tests and the benchmarks set the same variables explicitly.
"""

from __future__ import annotations

from pathlib import Path

HOST = "127.0.0.1"
ISELLER_PORT = 8701
JURNAL_PORT = 8702
JURNAL_PREFIX = "/public/jurnal/api/v1"

ISELLER_CLIENT_ID = "sandbox-iseller-client"
ISELLER_CLIENT_SECRET = "sandbox-iseller-secret"  # published sandbox credential
JURNAL_CLIENT_ID = "sandbox-jurnal-client"
JURNAL_CLIENT_SECRET = "sandbox-jurnal-secret"  # published sandbox credential

#: The config of the demo merchant the iSeller sandbox serves (outlets, account mapping).
DEMO_CONFIG = Path(__file__).resolve().with_name("demo_config.yaml")


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
    """Every variable the pipeline needs to run against the sandboxes and the demo merchant."""
    return {
        **iseller_env(iseller_url),
        **jurnal_env(jurnal_url),
        "JOURNAL_PIPELINE_CONFIG": str(DEMO_CONFIG),
    }
