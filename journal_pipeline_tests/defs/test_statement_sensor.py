"""The bank statement sensor stages a new file once and asks for the days it may settle."""

import os
from datetime import date

import dagster as dg
import yaml

from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.defs.statement_sensor import build_statement_sensor
from journal_pipeline.storage.bank_statements import statement_lines
from journal_sandbox.defaults import DEMO_CONFIG

STATEMENT = """Tanggal,Keterangan,Referensi,Mutasi,Jenis,Saldo
23/11/2026,ISELLER PAY PAYOUT JKT 20261120,IPP-JKT-20261120,"89,300.00",CR,"89,300.00"
23/11/2026,BIAYA ADM,ADM-1123,"15,000.00",DB,"74,300.00"
"""


@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2026-11-01"))
def cash_bank_reconciliation() -> None: ...


JOB = dg.define_asset_job("recon_job", selection=[cash_bank_reconciliation])
CU = "journal_pipeline/catch_up"


def _config(tmp_path, folder, **automation):
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["reconciliation"]["statement_folder"] = str(folder)
    data["start_date"] = "2026-11-01"
    data["automation"] = automation
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return MerchantConfigResource(path=str(config_path))


def test_a_new_file_is_staged_once_and_its_days_are_requested(tmp_path):
    folder = tmp_path / "bank_statements"
    folder.mkdir()
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    resources = {"staging": staging, "merchant": _config(tmp_path, folder, max_catch_up_runs=10)}
    sensor = build_statement_sensor(JOB)
    instance = dg.DagsterInstance.ephemeral()

    empty = sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert isinstance(empty, dg.SkipReason)

    (folder / "mutasi_rekening_20261123.csv").write_text(STATEMENT, encoding="utf-8")
    context = dg.build_sensor_context(instance=instance, resources=resources)
    requests = sensor(context)
    days = [r.partition_key for r in requests]
    # the longest lag is 2 business days, the match window 3: the 16th up to the 23rd
    assert days[0] == "2026-11-16" and days[-1] == "2026-11-23" and "2026-11-20" in days
    assert len(statement_lines(staging.store, date(2026, 11, 23), date(2026, 11, 23))) == 2

    # the same file again (same name, time and size): nothing read, nothing requested
    again = sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=context.cursor)
    )
    assert isinstance(again, dg.SkipReason)

    # written again with the same content (a new modification time): not new either
    path = folder / "mutasi_rekening_20261123.csv"
    path.write_text(STATEMENT, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    context = dg.build_sensor_context(instance=instance, resources=resources, cursor=context.cursor)
    assert isinstance(sensor(context), dg.SkipReason)

    # its content changed (a line added during the day): read, its days asked for again
    path.write_text(
        STATEMENT + '23/11/2026,SETORAN TUNAI JKT 20261122,ST-1,"10,000.00",CR,"84,300.00"\n',
        encoding="utf-8",
    )
    changed = dg.build_sensor_context(instance=instance, resources=resources, cursor=context.cursor)
    assert [r.partition_key for r in sensor(changed)] == days
    assert len(statement_lines(staging.store, date(2026, 11, 23), date(2026, 11, 23))) == 3

    # a copy under another name is read, but stages no line twice
    (folder / "copy.csv").write_text(STATEMENT, encoding="utf-8")
    sensor(dg.build_sensor_context(instance=instance, resources=resources, cursor=changed.cursor))
    assert len(statement_lines(staging.store, date(2026, 11, 23), date(2026, 11, 23))) == 3


def test_many_days_are_queued_a_few_per_tick_oldest_first_and_tagged(tmp_path, capsys):
    folder = tmp_path / "bank_statements"
    folder.mkdir()
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    resources = {"staging": staging, "merchant": _config(tmp_path, folder, max_catch_up_runs=3)}
    sensor = build_statement_sensor(JOB)
    instance = dg.DagsterInstance.ephemeral()
    # the 17th has run before (a reconciliation of it is in the instance)
    instance.report_runless_asset_event(
        dg.AssetMaterialization("cash_bank_reconciliation", partition="2026-11-17")
    )
    # the 17th and the 20th are synced: their sales are in the journal
    for day in ("2026-11-17", "2026-11-20"):
        instance.report_runless_asset_event(
            dg.AssetMaterialization("journal_entries", partition=day)
        )
    (folder / "mutasi_rekening_20261123.csv").write_text(STATEMENT, encoding="utf-8")

    ticks, cursor = [], None
    for _ in range(4):
        context = dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor)
        ticks.append(sensor(context))
        cursor = context.cursor
    # the 16th up to the 23rd are 8 days: 3, 3, 2, then nothing left
    first, second, third, last = ticks
    assert [r.partition_key for r in first] == ["2026-11-16", "2026-11-17", "2026-11-18"]
    assert [r.partition_key for r in second] == ["2026-11-19", "2026-11-20", "2026-11-21"]
    assert [r.partition_key for r in third] == ["2026-11-22", "2026-11-23"]
    assert isinstance(last, dg.SkipReason)
    for request in (*first, *second, *third):
        assert request.tags["journal_pipeline/requested_by"].startswith("bank_statement_sensor")
        ran_before = request.partition_key == "2026-11-17"
        assert ("journal_pipeline/catch_up" in request.tags) is not ran_before
        assert ("dagster/priority" in request.tags) is not ran_before
        assert request.tags.get("journal_pipeline/catch_up", "true") == "true"
        # a synced day is reconciled again; a day never synced runs whole (its sales first)
        if request.partition_key in ("2026-11-17", "2026-11-20"):
            assert request.asset_selection == [
                dg.AssetKey("cash_bank_reconciliation"),
                dg.AssetKey("jurnal_payouts"),
            ]
        else:
            assert request.asset_selection is None
    # the queue launches the oldest day first, whichever tick asked for it; after the schedules
    priorities = [int(r.tags["dagster/priority"]) for r in (*third, *first) if r.tags.get(CU)]
    days = [r.partition_key for r in (*third, *first) if r.tags.get(CU)]
    launched = [d for _, d in sorted(zip(priorities, days, strict=True), reverse=True)]
    assert launched == sorted(days) and max(priorities) < 0
    # the tick's log (the UI shows it with the tick; here Dagster's console copy of it)
    queued = [line for line in capsys.readouterr().err.splitlines() if "queued" in line]
    assert len(queued) == 3, queued
    assert "queued 3 of 8 days (limit 3); the rest follow on the next ticks" in queued[0]
    assert "2 of them never ran before; 2 never synced, run whole" in queued[0]
    assert "queued 2 of 2 days (limit 3); 2 of them never ran before" in queued[2]


def test_a_file_nobody_can_read_is_skipped_naming_it(tmp_path):
    folder = tmp_path / "bank_statements"
    folder.mkdir()
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["reconciliation"]["statement_folder"] = str(folder)
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    resources = {"staging": staging, "merchant": MerchantConfigResource(path=str(config_path))}
    (folder / "export.csv").write_text("what,is,this\n1,2,3\n", encoding="utf-8")
    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), resources=resources)
    result = build_statement_sensor(JOB)(context)
    assert isinstance(result, dg.SkipReason)
    assert "Bank statement export.csv" in (result.skip_message or "")
