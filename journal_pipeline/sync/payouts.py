"""Payouts end to end: the settlements a business day's reconciliation matched become bank
transfers from clearing to the bank (`accounting.payouts`), built per day the money arrived,
queued in the outbox and posted once.

Payouts are built apart from the day's sales (document type ``payout``, journal part
``payout``). A receipt day's payouts are rebuilt whole from every staged reconciliation row
paid that day, whatever business day the row is of, so running any day again never posts a
receipt twice and withdraws an unposted payout whose line no row claims any more. A posted
payout whose line no row claims any more is held on its receipt day for a person, and blocks a
second payout of its row (`accounting.payouts.StandingPayout`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from journal_pipeline.accounting.documents import PAYOUT
from journal_pipeline.accounting.holds import BY_HAND, Hold
from journal_pipeline.accounting.payouts import (
    NUMBER_PREFIX,
    PAID_STATUSES,
    PAYMENT_ROLE,
    STANDING,
    PayoutBuild,
    Receipt,
    StandingPayout,
    TakingsKey,
    booked_accounts,
    payout_entries,
    payout_key,
    whole_line,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage import tables
from journal_pipeline.storage.reconciliation import receipt_days, received_on
from journal_pipeline.storage.store import StagingStore, loads
from journal_pipeline.sync.outbox import Outbox, PostResult
from journal_pipeline.sync.outbox_building import OPEN_STATES
from journal_pipeline.sync.ports import JurnalWriter


def build_payouts(store: StagingStore, config: MerchantConfig, receipt_day: date) -> PayoutBuild:
    """The payouts of the settlements whose money arrived on ``receipt_day``, each out of the
    clearing account its takings were booked into."""
    receipts = [Receipt.from_row(row) for row in received_on(store, receipt_day)]
    booked = booked_clearing(store, receipts)
    return payout_entries(receipts, config, receipt_day, booked, standing_payouts(store))


def standing_payouts(store: StagingStore) -> list[StandingPayout]:
    """Payouts posted for bank lines that no staged reconciliation row holds any more, less
    those a person has settled (their hold resolved by hand)."""
    t, recon = tables.outbox, tables.cash_bank_reconciliation
    with store.engine.connect() as conn:
        posted = conn.execute(
            sa.select(t).where(t.c.doc_type == PAYOUT, t.c.status == "posted")
        ).all()
        lines = tables.bank_statement_lines
        rows = conn.execute(
            sa.select(
                recon.c.line_key,
                recon.c.received,
                lines.c.amount,
                recon.c.business_date,
                recon.c.outlet_code,
                recon.c.payment_method,
            )
            .outerjoin(lines, lines.c.line_key == recon.c.line_key)
            .where(
                recon.c.row_kind == "settlement",
                recon.c.line_key.is_not(None),
                recon.c.status.in_(PAID_STATUSES),
            )
        ).all()
        settled = set(
            conn.execute(
                sa.select(t.c.source_id).where(
                    t.c.doc_type == PAYOUT,
                    t.c.status == BY_HAND,
                    t.c.source_id.startswith(STANDING),
                )
            ).scalars()
        )
    rows_of_line = Counter(row.line_key for row in rows)
    held = {
        payout_key(
            str(row.line_key),
            rows_of_line[row.line_key] == 1
            and whole_line(_decimal(row.received), _decimal(row.amount)),
            row.business_date,
            str(row.outlet_code),
            str(row.payment_method),
        )
        for row in rows
    }
    standing = []
    for row in posted:
        line_key = str(row.source_id).removeprefix(NUMBER_PREFIX)
        if line_key in held or f"{STANDING}{line_key}" in settled:
            continue
        body = loads(row.payload or "{}").get("bank_transfer", {})
        standing.append(
            StandingPayout(
                line_key=line_key,
                number=str(row.transaction_no),
                amount=int(row.expected_total or 0),
                received_date=row.business_date,
                outlet_code=str(row.outlet_code or ""),
                clearing=str(body.get("refund_from_name", "")),
                bank_account=str(body.get("deposit_to_name", "")),
                memo=str(body.get("memo", "")),
                jurnal_id=None if row.jurnal_id is None else int(row.jurnal_id),
            )
        )
    return standing


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def booked_clearing(store: StagingStore, receipts: Iterable[Receipt]) -> dict[TakingsKey, str]:
    """(outlet, method, takings day) → the clearing account the canonical journal booked the
    receipts' takings into (`accounting.payouts.booked_accounts`)."""
    wanted = {(r.outlet_code, r.method, r.takings_date) for r in receipts}
    if not wanted:
        return {}
    t = tables.journal_lines
    query = (
        sa.select(t.c.outlet_code, t.c.account_role, t.c.business_date, t.c.account_name)
        .add_columns(sa.func.sum(t.c.debit).label("debit"))
        .where(
            t.c.business_date.in_({day for _, _, day in wanted}),
            sa.func.lower(t.c.account_role).in_(
                {f"{PAYMENT_ROLE}{method}".lower() for _, method, _ in wanted}
            ),
            t.c.debit > 0,
        )
        .group_by(t.c.outlet_code, t.c.account_role, t.c.business_date, t.c.account_name)
    )
    with store.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(query)]
    return booked_accounts(rows, wanted)


def record_payouts(
    store: StagingStore, outbox: Outbox, receipt_day: date, build: PayoutBuild
) -> dict[str, int]:
    """Replace the receipt day's payout entries and queue its transfers and holds (the day's
    sales, stock, cash counts and fees are left alone)."""
    written = store.replace_journal(receipt_day, build.journal_frame(), part="payout")
    queued = outbox.enqueue(receipt_day, build.documents, build.holds, doc_types=(PAYOUT,))
    return {"journal_lines_written": written, **{f"outbox_{k}": v for k, v in queued.items()}}


def post_payouts(outbox: Outbox, receipt_day: date, client: JurnalWriter) -> PostResult:
    """Post the receipt day's pending bank transfers in batches."""
    result = PostResult()
    outbox._post_rows(PAYOUT, outbox._pending(receipt_day, PAYOUT), client, result)
    return result


def open_payout_days(store: StagingStore) -> set[date]:
    """Receipt days with a payout still to post (pending, held or failed)."""
    t = tables.outbox
    query = sa.select(t.c.business_date).distinct()
    query = query.where(t.c.doc_type == PAYOUT, t.c.status.in_(OPEN_STATES))
    with store.engine.connect() as conn:
        return set(conn.execute(query).scalars())


def payout_days(store: StagingStore, day: date) -> list[date]:
    """The receipt days to build after reconciling ``day``: those its rows were paid on, those
    with a payout still to post, and those of a posted payout whose line no row holds."""
    standing = {old.received_date for old in standing_payouts(store)}
    return sorted(set(receipt_days(store, day)) | open_payout_days(store) | standing)


@dataclass
class PayoutRun:
    """What building and posting the payouts of some receipt days did."""

    days: list[date] = field(default_factory=list)
    builds: list[PayoutBuild] = field(default_factory=list)
    queued: dict[str, int] = field(default_factory=dict)
    posted: PostResult = field(default_factory=PostResult)

    @property
    def holds(self) -> list[Hold]:
        return [hold for build in self.builds for hold in build.holds]


def run_payouts(
    store: StagingStore,
    config: MerchantConfig,
    outbox: Outbox,
    client: JurnalWriter,
    days: Iterable[date],
) -> PayoutRun:
    """Build, queue and post the payouts of each receipt day; stops at the first day whose
    posting was interrupted (the rest stay for the next run)."""
    run = PayoutRun()
    for receipt_day in days:
        build = build_payouts(store, config, receipt_day)
        run.days.append(receipt_day)
        run.builds.append(build)
        for key, value in record_payouts(store, outbox, receipt_day, build).items():
            run.queued[key] = run.queued.get(key, 0) + value
        result = post_payouts(outbox, receipt_day, client)
        _add_result(run.posted, result)
        if result.interrupted:
            break
    return run


def _add_result(total: PostResult, part: PostResult) -> None:
    total.posted += part.posted
    total.duplicates_resolved += part.duplicates_resolved
    total.failed += part.failed
    total.left_pending += part.left_pending
    total.calls += part.calls
    total.failures += part.failures
    total.interrupted = total.interrupted or part.interrupted
