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
from journal_pipeline.storage import tables
from journal_pipeline.storage.revisions import RevisionChange, RevisionStore
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync import payment_rollback, returns
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.revisions import ROLLED_BACK, OrderView, decide

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


def _live_invoices(store: StagingStore, day: date, outlet: str) -> list[Any]:
    """Posted invoices booked on the outlet-day whose revision is not reversed yet."""
    t = tables.outbox
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.source_id, t.c.source_reference, t.c.transaction_no, t.c.posted_total)
            .where(
                t.c.business_date == day,
                t.c.outlet_code == outlet,
                t.c.doc_type == SALES_INVOICE,
                t.c.status == "posted",
            )
            .order_by(t.c.transaction_no)
        ).all()
    revisions = RevisionStore(store.engine).of_orders(split_revision(r.source_id)[0] for r in rows)
    live = []
    for row in rows:
        order_id, revision = split_revision(row.source_id)
        mine = [r for r in revisions.get(order_id, []) if r.revision == revision]
        if (mine and mine[0].reversed_on is None) or (not mine and revision == 0):
            live.append(row)
    return live


def _reversal_text(change: RevisionChange) -> str:
    documents = (change.reversal or {}).get("documents", [])
    named = " and ".join(
        f"{d['doc_type'].replace('_', ' ')} {d['transaction_no']} "
        f"({format_idr(d['expected_total'])})"
        for d in documents
    )
    return named or "nothing left to return"


def _summary_refusal(live: list[Any], action: str, day: date, outlet: str) -> str | None:
    """Why an outlet-day posted as a daily summary is not rolled back or posted again: a
    summary invoice carries many orders, and reversing it as one order would book the money
    it was paid with to rounding. Nothing of the outlet-day is done, so it is not left half
    reversed."""
    summaries = [row.transaction_no for row in live if is_summary_id(str(row.source_id))]
    if not summaries:
        return None
    return (
        f"outlet {outlet}, {day.isoformat()} was posted as a daily summary "
        f"({', '.join(summaries)}), and {action} reverses invoices of single orders only: "
        "nothing of the outlet-day was changed. A change made in iSeller to an order of the "
        "summary is still corrected against the summary on the day of the change "
        "(docs/posting-model.md, daily summary); to undo the whole outlet-day, reverse the "
        "summary in Jurnal with a sales return and a journal entry of its own."
    )


def plan_rollback(
    store: StagingStore, config: MerchantConfig, day: date, outlet: str, command: str
) -> Plan:
    marked = RevisionStore(store.engine).marks(day).get(outlet)
    plan = Plan(ROLLBACK, day, outlet, command, marked=marked)
    live = _live_invoices(store, day, outlet)
    plan.refused = _summary_refusal(live, ROLLBACK, day, outlet)
    if plan.refused is not None:
        return plan
    for row in live:
        order_id, _ = split_revision(row.source_id)
        decided = decide(
            store, config, order_id, day, raw=None, reverse=True,
            reason=f"outlet {outlet}, {day} rolled back", command=command,
        )  # fmt: skip
        if isinstance(decided, str):
            plan.blocked.append(f"{row.transaction_no}: {decided}")
            continue
        plan.changes.append(decided)
        plan.reversed_total += int(row.posted_total or 0)
        named = _reversal_text(decided)
        plan.steps.append(
            f"reverse invoice {row.transaction_no} ({format_idr(int(row.posted_total or 0))}) "
            f"by {named}"
        )
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
    plan.refused = _summary_refusal(live, REPOST, day, outlet)
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
        invoices = outbox.post_pending(day, client)
        for posted in (invoices, returns.post_corrections(outbox, day, client)):
            result.posted += posted.posted
            result.duplicates_resolved += posted.duplicates_resolved
            result.failed += posted.failed
            result.failures.extend(posted.failures)
            result.interrupted = result.interrupted or posted.interrupted
        result.held += int((outbox.documents(day)["status"] == "held").sum())
    return result
