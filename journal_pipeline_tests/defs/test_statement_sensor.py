"""The bank statement sensor stages a new file once and asks for the days it may settle."""

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


def test_a_new_file_is_staged_once_and_its_days_are_requested(tmp_path):
    folder = tmp_path / "bank_statements"
    folder.mkdir()
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["reconciliation"]["statement_folder"] = str(folder)
    data["start_date"] = "2026-11-01"
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    resources = {"staging": staging, "merchant": MerchantConfigResource(path=str(config_path))}
    sensor = build_statement_sensor(JOB)

    empty = sensor(dg.build_sensor_context(resources=resources))
    assert isinstance(empty, dg.SkipReason)

    (folder / "mutasi_rekening_20261123.csv").write_text(STATEMENT, encoding="utf-8")
    context = dg.build_sensor_context(resources=resources)
    requests = sensor(context)
    days = [r.partition_key for r in requests]
    # the longest lag is 2 business days, the match window 3: the 16th up to the 23rd
    assert days[0] == "2026-11-16" and days[-1] == "2026-11-23" and "2026-11-20" in days
    assert len(statement_lines(staging.store, date(2026, 11, 23), date(2026, 11, 23))) == 2

    # the same file again (same name, time and size): nothing read, nothing requested
    again = sensor(dg.build_sensor_context(resources=resources, cursor=context.cursor))
    assert isinstance(again, dg.SkipReason)

    # a copy under another name is read, but stages no line twice
    (folder / "copy.csv").write_text(STATEMENT, encoding="utf-8")
    sensor(dg.build_sensor_context(resources=resources, cursor=context.cursor))
    assert len(statement_lines(staging.store, date(2026, 11, 23), date(2026, 11, 23))) == 2


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
    result = build_statement_sensor(JOB)(dg.build_sensor_context(resources=resources))
    assert isinstance(result, dg.SkipReason)
    assert "Bank statement export.csv" in (result.skip_message or "")
