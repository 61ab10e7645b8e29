"""The pipeline's Dagster resources pointed at the two emulators and a staging database."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)


def sandbox_resources(
    staging_url: str,
    config_path: Path,
    iseller_env: Mapping[str, str],
    jurnal_env: Mapping[str, str],
) -> dict[str, Any]:
    """``resources`` for `dagster.materialize`: the env dicts are the emulators' handles'
    (``ISELLER_*`` of `iseller_fixtures`, ``JURNAL_*`` of `jurnal_fixtures`)."""
    return {
        "staging": StagingResource(url=staging_url),
        "merchant": MerchantConfigResource(path=str(config_path)),
        "iseller": ISellerResource(
            token_url=iseller_env["ISELLER_TOKEN_URL"],
            client_id=iseller_env["ISELLER_CLIENT_ID"],
            client_secret=iseller_env["ISELLER_CLIENT_SECRET"],
        ),
        "jurnal": JurnalResource(
            base_url=jurnal_env["JURNAL_BASE_URL"],
            client_id=jurnal_env["JURNAL_CLIENT_ID"],
            client_secret=jurnal_env["JURNAL_CLIENT_SECRET"],
        ),
    }
