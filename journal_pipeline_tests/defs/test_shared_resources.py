"""The runs of one command (`defs.resources.shared_for_command`: a backfill run here) open the
staging database, the rate limiter and the merchant config once; outside it each run opens
its own, and a config edited meanwhile is read again."""

from __future__ import annotations

import os
import shutil

from journal_pipeline.defs.resources import (
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
    shared_for_command,
    staging_store,
)
from journal_sandbox.defaults import DEMO_CONFIG


def _jurnal() -> JurnalResource:
    return JurnalResource(
        base_url="http://127.0.0.1:9/public/jurnal/api/v1", client_id="id", client_secret="s"
    )


def test_the_runs_of_a_command_share_the_store_limiter_and_config(tmp_path):
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    with shared_for_command():
        stores = [StagingResource(url=url).store for _ in range(2)]
        limiters = [_jurnal().client(s).limiter for s in stores]
        configs = [MerchantConfigResource(path=str(DEMO_CONFIG)).config for _ in range(2)]
        other = StagingResource(url=f"sqlite:///{tmp_path / 'other.db'}").store

    assert stores[0] is stores[1] and other is not stores[0]
    assert limiters[0] is limiters[1]
    assert configs[0] is configs[1]


def test_outside_a_command_each_run_opens_its_own(tmp_path):
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    first, second = StagingResource(url=url).store, StagingResource(url=url).store
    assert first is not second
    assert _jurnal().client(first).limiter is not _jurnal().client(first).limiter
    assert staging_store(url) is not staging_store(url)


def test_a_config_edited_during_the_command_is_read_again(tmp_path):
    path = tmp_path / "merchant.yaml"
    shutil.copy(DEMO_CONFIG, path)
    with shared_for_command():
        before = MerchantConfigResource(path=str(path)).config
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("posting_mode: per_order", "posting_mode: daily_summary"))
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        after = MerchantConfigResource(path=str(path)).config

    assert after is not before
    assert "posting_mode: per_order" in text
    assert after.posting_mode != before.posting_mode
