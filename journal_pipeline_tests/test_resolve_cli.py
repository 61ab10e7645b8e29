"""`journal-pipeline resolve`: records booked by hand in Jurnal, run as a user runs it, against
the sandboxes over HTTP. The day is in a closed period (``lock_date``), so the pipeline holds
every sale of it; once they are resolved the day's checks pass, a re-run posts nothing for
them, and ``--undo`` opens one again."""

from __future__ import annotations

import os
import re

import sqlalchemy as sa

from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.cli_process import run_cli
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

DAY = "2026-11-17"
RECORD = re.compile(r"^    (held|failed|by_hand) (\S+) \(")


def _env(iseller_sandbox, jurnal_sandbox, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.pop("DAGSTER_HOME", None)
    env.update(iseller_sandbox.env)
    env.update(jurnal_sandbox.env)
    config = tmp_path / "config.yaml"
    config.write_text(f"lock_date: {DAY}\n" + DEMO_CONFIG.read_text())
    env["JOURNAL_PIPELINE_CONFIG"] = str(config)
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    return env


def _records(env, tmp_path) -> dict[str, str]:
    """doc key → status of the day's held, failed and by-hand records, as `status` lists them."""
    shown = run_cli(["status", "--date", DAY, "--records"], env, tmp_path)
    assert shown.returncode == 0, shown.stderr[-2000:]
    found = [RECORD.match(line) for line in shown.stdout.splitlines()]
    return {m.group(2): m.group(1) for m in found if m}


def _statuses(env) -> dict[str, str]:
    store = StagingStore(env["STAGING_DATABASE_URL"])
    t = tables.outbox
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.doc_key, t.c.status)).all()
    return {r.doc_key: r.status for r in rows}


def _log(env, key: str) -> list[tuple[str, str]]:
    store = StagingStore(env["STAGING_DATABASE_URL"])
    t = tables.outbox_log
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.event, t.c.message).where(t.c.doc_key == key).order_by(t.c.id)
        ).all()
    return [(r.event, r.message or "") for r in rows]


def test_records_resolved_by_hand_stay_unposted_and_the_day_passes(iseller_sandbox, tmp_path):
    # a Jurnal of its own: no other test posts the same demo day into it
    with running_jurnal_sandbox(tmp_path / "jurnal") as jurnal:
        _resolved_by_hand(iseller_sandbox, jurnal, tmp_path)


def _resolved_by_hand(iseller_sandbox, jurnal_sandbox, tmp_path):
    env = _env(iseller_sandbox, jurnal_sandbox, tmp_path)
    first = run_cli(["sync", "--date", DAY], env, tmp_path)
    assert "every_record_posted" in first.stdout, first.stdout  # a warning: the day is locked
    held = _records(env, tmp_path)
    assert held and set(held.values()) == {"held"}, held
    keys = sorted(held)

    # nothing that is not held or failed is resolved; an unknown key is named
    posted = [k for k, s in _statuses(env).items() if s == "posted"]
    refused = run_cli(["resolve", "no-such-record", *posted[:1], "--note", "x"], env, tmp_path)
    assert refused.returncode == 1
    assert "no-such-record: no such record in the outbox" in refused.stdout
    if posted:
        assert f"{posted[0]}: is posted by the pipeline" in refused.stdout
    assert run_cli(["resolve", keys[0]], env, tmp_path).returncode == 2  # a note is required

    note = "entered by hand in Jurnal as INV/2026/11/0042"
    done = run_cli(["resolve", *keys, "--note", note], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("held → by_hand") == len(keys)
    assert set(_records(env, tmp_path).values()) == {"by_hand"}
    events = _log(env, keys[0])
    assert events[-1][0] == "resolved_by_hand" and note in events[-1][1]
    again = run_cli(["resolve", keys[0], "--note", note], env, tmp_path)
    assert (again.returncode, f"{keys[0]}: is done by hand already") == (
        1,
        again.stdout.strip(),
    )

    # the day again: the records stay by hand, nothing of them reaches Jurnal, the checks pass
    rerun = run_cli(["sync", "--date", DAY], env, tmp_path)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-2000:]
    assert "every_record_posted" not in rerun.stdout, rerun.stdout
    assert {k: _statuses(env)[k] for k in keys} == dict.fromkeys(keys, "by_hand")
    client = JurnalClient(JurnalSettings.from_env(jurnal_sandbox.env))
    in_jurnal = {i["custom_id"] for i in client.iter_list("sales_invoices", "sales_invoices")}
    resolved = _source_ids(env, keys)
    assert len(resolved) == len(keys) and not (resolved & in_jurnal)

    # undone, the next run of the day holds it again, for the reason it had
    undone = run_cli(["resolve", "--undo", keys[0]], env, tmp_path)
    assert undone.returncode == 0 and "by_hand → held" in undone.stdout, undone.stdout
    run_cli(["sync", "--date", DAY], env, tmp_path)
    assert _records(env, tmp_path)[keys[0]] == "held"
    assert all(_statuses(env)[k] == "by_hand" for k in keys[1:])


def _source_ids(env, keys) -> set[str]:
    store = StagingStore(env["STAGING_DATABASE_URL"])
    t = tables.outbox
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.source_id).where(t.c.doc_key.in_(keys))).all()
    return {r.source_id for r in rows}
