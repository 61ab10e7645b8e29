"""`journal-pipeline rollback` and `repost`: an outlet-day reversed, or posted again.

Both first make a `Plan` (what would be reversed and created, with totals) that changes
nothing; `apply` then writes the decisions, the outlet-day's mark and the audit entries in
one transaction (`storage.revisions`), builds the day again (which queues the reversals and
new revisions in the outbox like any document) and posts it. Keys are deterministic and the
decisions are written once, so a crash at any point is finished by running the command again,
and a second run finds nothing left to do.

- **rollback**: every revision booked on the outlet-day and still live is reversed on that
  day (what its refunds already returned is not returned again); the outlet-day is marked
  rolled back, so its own documents are held until a repost.
  Receive payments posted on the outlet-day for invoices of other days are reversed too
  (`sync.payment_rollback`).
- **repost**: every revision booked on the outlet-day that the current config and order would
  book differently is reversed, and the order is posted as its next revision on that day;
  orders and payments reversed by a rollback are posted again. The mark becomes ``reposted``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from journal_pipeline.accounting import revisions as rules
from journal_pipeline.accounting.daily_summary import is_summary_id
from journal_pipeline.accounting.documents import (
    RECEIVE_PAYMENT,
    SALES_INVOICE,
    split_revision,
)
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.payment_reversals import is_payment_key
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage import tables
from journal_pipeline.storage.revisions import RevisionChange, RevisionStore
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync import payment_rollback, returns, revisions, summary_members
from journal_pipeline.sync.customers import sync_day_customers
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.revisions import OrderView, decide
from journal_pipeline.sync.rolled_back_days import ROLLED_BACK

ROLLBACK, REPOST = "rollback", "repost"


@dataclass
class Plan:
    action: str  # rollback | repost
    day: date
    outlet: str
    command: str  # the command line and who ran it, for the audit trail
    steps: list[str] = field(default_factory=list)  # one line per order, for the listing
    blocked: list[str] = field(default_factory=list)  # orders that cannot be done, and why
    changes: list[RevisionChange] = field(default_factory=list)
    reversed_total: int = 0
    created_total: int = 0
    marked: dict[str, Any] | None = None  # the outlet-day's mark before the command
    refused: str | None = None  # why the outlet-day cannot be done at all (nothing is)

    @property
    def empty(self) -> bool:
        return not self.changes

    def listing(self) -> list[str]:
        head = f"{self.action.capitalize()} of outlet {self.outlet}, {self.day.isoformat()}:"
        if self.refused is not None:
            return [head, f"  REFUSED: {self.refused}"]
        lines = [head, *(f"  {s}" for s in self.steps), *(f"  NOT DONE {b}" for b in self.blocked)]
        if self.empty:
            lines.append(f"  nothing to {self.action}{self._state()}.")
            return lines
        lines.append(
            f"  {len(self.changes)} order(s) or payment(s): "
            f"{format_idr(self.reversed_total)} reversed, "
            f"{format_idr(self.created_total)} posted again."
        )
        return lines

    def _state(self) -> str:
        if self.marked is None:
            return ""
        at = self.marked["at"].strftime("%Y-%m-%d %H:%M UTC") if self.marked.get("at") else "?"
        return f" (the outlet-day was {self.marked['state'].replace('_', ' ')} on {at})"


@dataclass(frozen=True)
class LiveInvoice:
    """An invoice booked on the outlet-day whose revision is not reversed yet; an order a
    daily summary carries is one too (``summary_no``: that summary invoice's number), its
    reversal a return against the summary's lines (`sync.revisions.decide`)."""

    source_id: str
    source_reference: str
    transaction_no: str
    posted_total: int | None
    summary_no: str | None = None


def _live_invoices(store: StagingStore, day: date, outlet: str) -> list[LiveInvoice]:
    """Posted invoices booked on the outlet-day whose revision is not reversed yet, each order
    of a posted daily summary among them."""
    t = tables.outbox
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                t.c.doc_key, t.c.source_id, t.c.source_reference, t.c.transaction_no,
                t.c.posted_total,
            )
            .where(
                t.c.business_date == day,
                t.c.outlet_code == outlet,
                t.c.doc_type == SALES_INVOICE,
                t.c.status == "posted",
            )
            .order_by(t.c.transaction_no)
        ).all()  # fmt: skip
    found = [
        LiveInvoice(r.source_id, r.source_reference, r.transaction_no, r.posted_total)
        for r in rows
        if not is_summary_id(str(r.source_id))
    ]
    summaries = {r.doc_key: r.transaction_no for r in rows if is_summary_id(str(r.source_id))}
    found += _summarised(store, summaries)
    revisions = RevisionStore(store.engine).of_orders(split_revision(r.source_id)[0] for r in found)
    live = []
    for row in found:
        order_id, revision = split_revision(row.source_id)
        mine = [r for r in revisions.get(order_id, []) if r.revision == revision]
        if (mine and mine[0].reversed_on is None) or (not mine and revision == 0):
            live.append(row)
    return live


def _summarised(store: StagingStore, summaries: dict[str, str]) -> list[LiveInvoice]:
    """The orders the summary invoices (doc key → number) carry, as their invoices were
    summarised: each reversed as its own, against the summary's lines."""
    members = summary_members.members_of(store.engine, summaries)
    raws = revisions.as_booked(store, store.orders_by_id([order_id for order_id, _ in members]))
    orders = order_frames(raws).orders.set_index("order_id")
    found = []
    for order_id, key in members:
        known = order_id in orders.index
        reference = str(orders.at[order_id, "order_reference"]) if known else order_id
        total = int(orders.at[order_id, "total_amount"]) if known else None
        found.append(LiveInvoice(order_id, reference, reference, total, summaries[key]))
    return found


def _named(row: LiveInvoice) -> str:
    total = format_idr(int(row.posted_total or 0))
    if row.summary_no is None:
        return f"invoice {row.transaction_no} ({total})"
    return f"order {row.source_reference} ({total}) of summary invoice {row.summary_no}"


def _reversal_text(change: RevisionChange) -> str:
    documents = (change.reversal or {}).get("documents", [])
    named = " and ".join(
        f"{d['doc_type'].replace('_', ' ')} {d['transaction_no']} "
        f"({format_idr(d['expected_total'])})"
        for d in documents
    )
    return named or "nothing left to return"


def _summary_refusal(
    store: StagingStore, live: list[LiveInvoice], day: date, outlet: str
) -> str | None:
    """Why an outlet-day whose orders a daily summary still carries is not posted again: a
    repost compares each order's invoice with what the current config books, and a summarised
    order has none of its own in Jurnal. A rollback reverses them (each against the summary's
    lines); a repost after it posts each order again on an invoice of its own."""
    if all(row.summary_no is None for row in live):
        return None
    t = tables.outbox
    query = sa.select(t.c.transaction_no).where(
        t.c.business_date == day,
        t.c.outlet_code == outlet,
        t.c.doc_type == SALES_INVOICE,
        t.c.source_id.like("summary:%"),
        t.c.status == "posted",
    )
    with store.engine.connect() as conn:
        summaries = sorted(conn.execute(query).scalars())
    return (
        f"outlet {outlet}, {day.isoformat()} is posted as a daily summary "
        f"({', '.join(summaries)}), and repost compares orders with invoices of their own: "
        "nothing of the outlet-day was changed. Run `journal-pipeline rollback --date "
        f"{day.isoformat()} --outlet {outlet}` first (it reverses each order of the summary "
        "against the summary's lines); a repost then posts each order again on an invoice of "
        "its own (docs/posting-model.md, daily summary)."
    )


def plan_rollback(
    store: StagingStore, config: MerchantConfig, day: date, outlet: str, command: str
) -> Plan:
    marked = RevisionStore(store.engine).marks(day).get(outlet)
    plan = Plan(ROLLBACK, day, outlet, command, marked=marked)
    live = _live_invoices(store, day, outlet)
    for row in live:
        order_id, _ = split_revision(row.source_id)
        decided = decide(
            store, config, order_id, day, raw=None, reverse=True,
            reason=f"outlet {outlet}, {day} rolled back", command=command,
        )  # fmt: skip
        if isinstance(decided, str):
            plan.blocked.append(f"{_named(row)}: {decided}")
            continue
        plan.changes.append(decided)
        plan.reversed_total += int(row.posted_total or 0)
        plan.steps.append(f"reverse {_named(row)} by {_reversal_text(decided)}")
    reason = f"outlet {outlet}, {day} rolled back"
    payments = payment_rollback.rollback_payments(store, config, day, outlet, reason, command)
    _add_payments(plan, payments)
    return plan


def _add_payments(plan: Plan, steps: list[payment_rollback.PaymentStep]) -> None:
    """Receive payments of the outlet-day that settle invoices of other days."""
    for step in steps:
        if step.change is None:
            plan.blocked.append(step.text)
            continue
        plan.changes.append(step.change)
        plan.steps.append(step.text)
        if plan.action == ROLLBACK:
            plan.reversed_total += step.amount
        else:
            plan.created_total += step.amount


def plan_repost(
    store: StagingStore, config: MerchantConfig, day: date, outlet: str, command: str
) -> Plan:
    revisions = RevisionStore(store.engine)
    plan = Plan(REPOST, day, outlet, command, marked=revisions.marks(day).get(outlet))
    reason = f"outlet {outlet}, {day} posted again from the current config"
    live = _live_invoices(store, day, outlet)
    plan.refused = _summary_refusal(store, live, day, outlet)
    if plan.refused is not None:
        return plan
    for row in live:
        order_id, revision = split_revision(row.source_id)
        current = _current(store, order_id)
        sale = current if current is not None and current.get("status") == "completed" else None
        if sale is not None:
            candidate = _candidate(config, sale, day, revision + 1)
            posted = _posted_documents(store, row.source_reference, row.transaction_no)
            same = not isinstance(candidate, Hold) and rules.same_booking(
                candidate.documents, posted
            )
            if same:
                continue  # Jurnal already has what the current config books
        decided = decide(
            store, config, order_id, day, raw=sale, reverse=True, reason=reason, command=command
        )
        _add(plan, row.transaction_no, int(row.posted_total or 0), decided, config, day)
    for order_id in _rolled_back_orders(store, day, outlet):
        current = _current(store, order_id)
        if current is None or current.get("status") != "completed":
            continue
        decided = decide(
            store, config, order_id, day, raw=current, reverse=False, reason=reason, command=command
        )
        _add(plan, None, 0, decided, config, day)
    payments = payment_rollback.repost_payments(store, config, day, outlet, reason, command)
    _add_payments(plan, payments)
    return plan


def _add(
    plan: Plan,
    reversed_no: str | None,
    reversed_total: int,
    decided: RevisionChange | str,
    config: MerchantConfig,
    day: date,
) -> None:
    if isinstance(decided, str):
        plan.blocked.append(f"{reversed_no or 'order'}: {decided}")
        return
    plan.changes.append(decided)
    parts = []
    if reversed_no is not None:
        named = _reversal_text(decided)
        parts.append(f"reverse invoice {reversed_no} ({format_idr(reversed_total)}) by {named}")
        plan.reversed_total += reversed_total
    if decided.new_raw is not None and decided.new_revision is not None:
        made = _candidate(config, decided.new_raw, day, decided.new_revision)
        if isinstance(made, Hold):
            parts.append(f"post order {decided.order_reference} again: HELD, {made.reason}")
        else:
            invoice = made.documents[0]
            total = invoice.expected_total or 0  # an invoice always states its total
            parts.append(f"post invoice {invoice.transaction_no} ({format_idr(total)})")
            plan.created_total += total
    plan.steps.append("; ".join(parts))


def _candidate(
    config: MerchantConfig, raw: dict[str, Any], day: date, revision: int
) -> rules.Booked | Hold:
    view = OrderView(raw, config)
    return rules.revision_sale(view.order, view.lines, view.payments, config, day, revision)


def _current(store: StagingStore, order_id: str) -> dict[str, Any] | None:
    found = store.orders_by_id([order_id])
    return found[0] if found else None


def _posted_documents(store: StagingStore, reference: str, invoice_no: str) -> list[Any]:
    """Payloads of the posted invoice and of the posted receive payments that settle it."""
    payloads = []
    for doc in RevisionStore(store.engine).order_documents(reference):
        payload = doc["payload"] or {}
        if doc["status"] != "posted" or doc["doc_type"] not in (SALES_INVOICE, RECEIVE_PAYMENT):
            continue
        body = payload.get(doc["doc_type"], {})
        named = body.get("transaction_no") if doc["doc_type"] == SALES_INVOICE else None
        settles = [r.get("transaction_no") for r in body.get("records_attributes", [])]
        if named == invoice_no or invoice_no in settles:
            payloads.append(payload)
    return payloads


def _rolled_back_orders(store: StagingStore, day: date, outlet: str) -> list[str]:
    """Orders whose last revision was reversed on the outlet-day and not posted again."""
    found = []
    revisions = RevisionStore(store.engine)
    touching = [
        r
        for r in revisions.touching(day)
        if r.reversed_on == day and not is_payment_key(r.order_id)
    ]
    every = revisions.of_orders(r.order_id for r in touching)
    for order_id, rows in sorted(every.items()):
        last = rows[-1]
        if last.reversed_on == day and (last.outlet_code or "") == outlet:
            found.append(order_id)
    return found


@dataclass
class Applied:
    posted: int = 0
    duplicates_resolved: int = 0
    failed: int = 0
    held: int = 0
    failures: list[str] = field(default_factory=list)
    interrupted: str | None = None


def apply(
    store: StagingStore,
    config: MerchantConfig,
    plans: list[Plan],
    client: Any,
    run_id: str | None = None,
) -> Applied:
    """Write each plan's decisions (one transaction per outlet-day), then build and post the
    day. With nothing decided it still finishes what an interrupted run left pending."""
    if refused := [plan.refused for plan in plans if plan.refused is not None]:
        raise ValueError(f"not applied: {refused[0]}")
    revisions = RevisionStore(store.engine)
    for plan in plans:
        state = ROLLED_BACK if plan.action == ROLLBACK else "reposted"
        was = plan.marked["state"] if plan.marked is not None else None
        if plan.action == ROLLBACK:
            marking = bool(plan.changes) or was != ROLLED_BACK
        else:
            marking = bool(plan.changes) or was == ROLLED_BACK
        mark = (plan.day, plan.outlet, state, plan.command) if marking else None
        summary = "; ".join(plan.steps) or "nothing to do"
        key = f"outlet_day:{plan.day.isoformat()}/{plan.outlet}"
        log = [(key, plan.action, f"{plan.command}: {summary}")]
        if mark is not None or plan.changes:
            revisions.record(plan.changes, mark=mark, log=log, run_id=run_id)
    result = Applied()
    for day in sorted({plan.day for plan in plans}):
        outbox = Outbox(store, run_id)
        journal = day_sync.build_journal(store, config, day)
        day_sync.record_journal(store, outbox, day, journal)
        ensure_products(client, wanted_products(outbox.pending_payloads(day), config))
        # an order posted again on an invoice of its own may name a customer Jurnal lacks (a
        # daily summary names none): created as the sync creates them, without contacts
        customers = sync_day_customers(store, client, config, day)
        result.failures.extend([*customers.conflicts, *customers.failed])
        if customers.conflicts:  # an invoice would land on another customer: none is posted
            result.failed += len(customers.conflicts)
            continue
        invoices = outbox.post_pending(day, client)
        for posted in (invoices, returns.post_corrections(outbox, day, client)):
            result.posted += posted.posted
            result.duplicates_resolved += posted.duplicates_resolved
            result.failed += posted.failed
            result.failures.extend(posted.failures)
            result.interrupted = result.interrupted or posted.interrupted
        result.held += int((outbox.documents(day)["status"] == "held").sum())
    return result
