"""A payment whose day runs before its invoice's day: held naming the day to sync, then run
again by the failed-records sensor once the invoice posts, and posted by that run. Over real
HTTP to both emulators and a real SQLite staging database.

The iSeller sandbox of the session sells order #JKT-000004 on 2026-11-17 (10:06 UTC, 17:06 in
Jakarta) on account and takes its payment on 2026-11-18.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest
from click.testing import CliRunner

from journal_pipeline.accounting.documents import Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.cli import main
from journal_pipeline.defs.failed_records_sensor import build_failed_records_sensor
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import by_hand
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.outbox_log_reads import log_after, payment_days
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

SOLD, PAID = "2026-11-17", "2026-11-18"
ORDER = "#JKT-000004"
INVOICE = "ISL/JKT-000004"  # the invoice number drops the "#"
JOB = dg.define_asset_job("iseller_to_jurnal_job")


@pytest.fixture
def staging_url(iseller_sandbox, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
        for name, value in {
            **iseller_sandbox.env,
            **handle.env,
            "JOURNAL_PIPELINE_CONFIG": str(DEMO_CONFIG),
            "STAGING_DATABASE_URL": url,
        }.items():
            monkeypatch.setenv(name, value)
        yield url


def _sync(day: str) -> str:
    result = CliRunner().invoke(main, ["sync", "--date", day])
    assert result.exit_code == 0, result.output
    return result.output


def _one_run(day: str) -> None:
    """The day's run alone, as the daemon launches it (not `sync`, which also runs the days
    whose payments waited for the invoices it posts)."""
    from journal_pipeline import cli

    assert cli._run_day(cli._definitions(), cli._instance(), date.fromisoformat(day))


def _payment(day: str):
    documents = Outbox(StagingStore()).documents(date.fromisoformat(day))
    payments = documents[
        (documents["doc_type"] == "receive_payment") & (documents["source_reference"] == ORDER)
    ]
    assert len(payments) == 1, documents[["doc_key", "source_reference"]]
    return payments.iloc[0]


def test_a_payment_held_for_its_invoice_posts_on_the_run_after_the_invoice(staging_url):
    sensor = build_failed_records_sensor(JOB, channels=[], clock=lambda: datetime.now(UTC))
    instance = dg.DagsterInstance.ephemeral()
    resources = {
        "staging": StagingResource(url=staging_url),
        "merchant": MerchantConfigResource(path=str(DEMO_CONFIG)),
    }

    def tick(cursor):
        context = dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor)
        result = sensor(context)
        return list(result.run_requests or []), result.cursor

    # the payment's day runs first: the payment is held, its reason names the day it was sold
    _sync(PAID)
    held = _payment(PAID)
    assert held["status"] == "held"
    assert f"waits for its invoice {INVOICE}" in held["reason"]
    assert f"the order was sold on {SOLD}. Sync {SOLD}" in held["reason"]
    assert f"{PAID} runs again by itself" in held["reason"]
    requests, cursor = tick(None)
    assert requests == []  # nothing to run while the invoice is not posted

    # the day it was sold runs: its invoice is posted, and the sensor asks for the payment's day
    _one_run(SOLD)
    requests, cursor = tick(cursor)
    assert [r.partition_key for r in requests] == [PAID]
    assert requests[0].tags["journal_pipeline/invoice_posted"] == f"{INVOICE}"
    assert requests[0].run_key.startswith(f"invoice-posted-{PAID}-")
    again, cursor = tick(cursor)
    assert again == []  # once per invoice posting

    # that run posts the payment
    _sync(PAID)
    posted = _payment(PAID)
    assert posted["status"] == "posted", posted["reason"]
    assert tick(cursor)[0] == []


def test_sync_of_the_invoice_s_day_runs_the_waiting_payment_s_day_again(staging_url):
    _sync(PAID)
    assert _payment(PAID)["status"] == "held"
    output = _sync(SOLD)  # no daemon here: the command itself runs the payment's day again
    assert f"{PAID}: 1 held payment(s) can post now (invoice(s) {INVOICE} posted)" in output
    assert f"running {PAID} again" in output
    posted = _payment(PAID)
    assert posted["status"] == "posted", posted["reason"]
    again = _sync(SOLD)  # nothing waits any more: the payment's day is not run again
    assert "can post now" not in again


def _invoice(reference: str, day: date) -> Document:
    number = f"ISL/{reference}"
    body = {"transaction_no": number, "custom_id": f"o-{reference}"}
    return Document(
        doc_key=f"sales_invoice:o-{reference}",
        doc_type="sales_invoice",
        business_date=day,
        outlet_code="JKT",
        source_id=f"o-{reference}",
        source_reference=f"#{reference}",
        transaction_no=number,
        custom_id=f"o-{reference}",
        expected_total=1000,
        payload={"sales_invoice": body},
    )


def _receive_payment(reference: str, day: date) -> Document:
    body = {"records_attributes": [{"transaction_no": f"ISL/{reference}", "amount": 1000}]}
    return Document(
        doc_key=f"receive_payment:t-{reference}",
        doc_type="receive_payment",
        business_date=day,
        outlet_code="JKT",
        source_id=f"t-{reference}",
        source_reference=f"#{reference}",
        transaction_no=f"ISL/{reference}/P1",
        custom_id=f"t-{reference}",
        expected_total=1000,
        payload={"receive_payment": body},
    )


def test_only_held_payments_of_another_day_than_their_invoice_are_run_again(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    outbox = Outbox(store)
    sold, paid = date(2026, 11, 17), date(2026, 11, 18)
    # A: sold on the 17th, paid on the 18th; B: sold and paid on the 17th (its own run
    # posts the payment after the invoice); C: paid on the 18th, its invoice not posted
    outbox.enqueue(
        sold, [_invoice("A", sold), _invoice("B", sold), _receive_payment("B", sold)], []
    )
    outbox.enqueue(paid, [_receive_payment("A", paid), _receive_payment("C", paid)], [])
    for key in ("receive_payment:t-A", "receive_payment:t-B", "receive_payment:t-C"):
        outbox._mark(key, "held", "waits for its invoice", "held")
    for key in ("sales_invoice:o-A", "sales_invoice:o-B"):
        outbox._mark(key, "posted", "Jurnal id 1", "posted")
    entries = log_after(store, 0)
    (due,) = payment_days(store, entries)
    assert (due.day, due.invoices, due.payments) == (paid, ("ISL/A",), ("receive_payment:t-A",))
    posting = next(e for e in entries if e.doc_key == "sales_invoice:o-A" and e.event == "posted")
    assert due.posting_id == posting.id  # the run key names this posting


def _sales_return(reference: str, day: date) -> Document:
    body = {"invoice_no": f"ISL/{reference}", "transaction_no": f"ISL/{reference}/R1"}
    return Document(
        doc_key=f"sales_return:r-{reference}",
        doc_type="sales_return",
        business_date=day,
        outlet_code="JKT",
        source_id=f"r-{reference}",
        source_reference=f"#{reference}",
        transaction_no=f"ISL/{reference}/R1",
        custom_id=f"r-{reference}",
        expected_total=1000,
        payload={"sales_return": body},
    )


def test_a_held_refund_of_another_day_runs_again_once_its_invoice_posts(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    outbox = Outbox(store)
    sold, refunded = date(2026, 11, 17), date(2026, 11, 19)
    outbox.enqueue(sold, [_invoice("D", sold)], [])
    outbox.enqueue(refunded, [_sales_return("D", refunded)], [], doc_types=["sales_return"])
    outbox._mark("sales_return:r-D", "held", "waits for its invoice", "held")
    assert payment_days(store, log_after(store, 0)) == []  # the invoice is not posted yet
    outbox._mark("sales_invoice:o-D", "posted", "Jurnal id 1", "posted")
    (due,) = payment_days(store, log_after(store, 0))
    assert (due.day, due.invoices, due.payments) == (refunded, ("ISL/D",), ("sales_return:r-D",))


def test_a_payment_of_an_invoice_booked_by_hand_is_held_for_a_person(tmp_path):
    """It would wait for ever (the pipeline never posts that invoice): held saying to book it
    by hand too, and resolved the same way."""
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    outbox = Outbox(store)
    sold, paid = date(2026, 11, 17), date(2026, 11, 18)
    held = Hold("order", "o-E", "#E", "JKT", sold, "a locked day: post it by hand")
    outbox.enqueue(sold, [], [held])
    assert by_hand.resolve(store.engine, [held.doc_key], "INV/0099 by hand", "ana")[0].done
    outbox.enqueue(paid, [_receive_payment("E", paid)], [])
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        result = outbox.post_pending(paid, handle.client())
    assert (result.posted, result.waiting) == (0, 1)
    row = outbox.documents(paid).set_index("doc_key").loc["receive_payment:t-E"]
    assert row.status == "held"
    assert "booked by hand in Jurnal" in row.reason
    assert "journal-pipeline resolve receive_payment:t-E" in row.reason
    assert "runs again by itself" not in row.reason  # nothing will post that invoice
    assert by_hand.resolve(store.engine, ["receive_payment:t-E"], "paid by hand", "ana")[0].done
