"""Daily-summary mode: the day's per-order sales invoices of an outlet folded into summary ones.

What A2X, Amaka and Lightspeed post: per outlet and business day one sales invoice whose lines
are the day's lines aggregated per SKU (same product, price, line discount and tax: quantities
and net amounts add up, so Jurnal still moves stock and books its cost of sales), with the
day's order discounts, service charge, tax and rounding; what was paid at the till as the
deposit of the largest payment method and one receive payment per other method. An order
not paid in full on the day keeps its own invoice, to its customer (`settled_at_sale`).

The summary is built from the per-order documents (`invoices.sales_invoice`), which are already
checked against each order's total, so both modes rest on the same canonical journal: the
summary's total is the sum of its orders' totals exactly, and Jurnal computes its tax on the
same amounts (to a few cents over a day, fitted like one order's, `jurnal_arithmetic.fit_total`).

Jurnal shares an invoice discount over all lines pro rata (J-6) and takes tax after it. Lines
of different tax treatment (taxed, untaxed) would then receive discount that belonged to the
other kind and the tax would move, so an outlet-day with both gets one summary invoice per tax
treatment, each carrying the discount that its lines carried in their orders.

Keys: ``summary:<outlet>:<date>`` (custom id; ``/<n>`` for the n-th summary of a day whose first
was posted before late orders came in, ``:<k>`` for the k-th tax treatment), numbered
``<prefix>S/<outlet>/<yyyymmdd>`` likewise. A later payment or refund of a member order goes
against its summary invoice (`member_invoices`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.documents import (
    RECEIVE_PAYMENT,
    SALES_INVOICE,
    Document,
    split_revision,
)
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.accounting.jurnal_arithmetic import InvoiceLine, fit_total, invoice_totals
from journal_pipeline.accounting.return_arithmetic import invoice_line_facts, invoice_model
from journal_pipeline.accounting.summary_payments import (
    SummaryError,
    summary_documents,
    summary_id,
)
from journal_pipeline.accounting.summary_returns import (
    MergedRefund,
    merged_returns,
    returns_against_summaries,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr, to_rupiah

SUMMARY = "summary"
SUMMARY_FIX = (
    "Find the order that does not add up with `journal-pipeline preview` for the day, or post "
    "the day per order (posting_mode_since)"
)
ZERO = Decimal(0)


def summary_no(
    config: MerchantConfig, outlet: str, day: date, sequence: int = 1, group: int = 1
) -> str:
    number = f"{config.transaction_no_prefix}S/{outlet}/{day.strftime('%Y%m%d')}"
    if sequence > 1:
        number += f"/{sequence}"
    return number if group == 1 else f"{number}-{group}"


def is_summary_id(source_id: str) -> bool:
    return source_id.startswith(f"{SUMMARY}:")


@dataclass(frozen=True)
class Member:
    """An order carried by a summary invoice."""

    order_id: str
    order_invoice_no: str  # the number its own invoice would have had
    summary_key: str  # doc key of the summary invoice that carries it
    invoice_no: str
    outlet_code: str
    business_date: date
    # per line of its own invoice: (summary invoice number, line index there); None: rounding
    line_map: tuple[tuple[str, int] | None, ...] = ()


@dataclass
class Summary:
    """What summarising a day gives: the documents to queue in place of the per-order ones."""

    documents: list[Document]
    members: list[Member]
    holds: list[Hold] = field(default_factory=list)
    # outlet → (summary invoices, orders, total): what the run reports
    outlets: dict[str, dict[str, int]] = field(default_factory=dict)
    merged: list[MergedRefund] = field(default_factory=list)  # refunds in a day's return


@dataclass
class _Group:
    """One summary invoice being built: the lines of one tax treatment of an outlet-day."""

    inclusive: bool
    lines: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    discount: Decimal = ZERO
    target: Decimal = ZERO  # what Jurnal computes for these lines in their own orders
    shipping: Decimal = ZERO
    unpaid: Decimal = ZERO  # what the orders it carries still owe (on account)
    deduction: Decimal = ZERO  # the tills' roundings down deducted (Pemotongan), not owed
    rounding: Decimal = ZERO  # the orders' own rounding lines (a till's rounding up among them)
    orders: set[str] = field(default_factory=set)


def is_summarisable(doc: Document, day: date, outlets: set[str]) -> bool:
    """A per-order sales invoice of a sale of ``day`` at a summarised outlet (a revision after
    posting keeps its own invoice: a correction, posted as in per-order mode)."""
    if doc.doc_type != SALES_INVOICE or doc.business_date != day:
        return False
    _, revision = split_revision(doc.source_id)
    return revision == 0 and doc.outlet_code in outlets and not is_summary_id(doc.source_id)


def settled_at_sale(documents: Iterable[Document], day: date) -> set[str]:
    """Numbers of the day's sales invoices paid in full on the day: their deposit and the day's
    receive payments of them. An order left owing (on account, partly paid) keeps its own
    invoice in daily-summary mode: its receivable stays on its customer, and a refund of
    another order, which lowers a summary invoice's balance in Jurnal, never leaves its later
    payment greater than what its invoice still owes."""
    docs = [d for d in documents if d.business_date == day]
    return settled_numbers(
        [
            (d.transaction_no, d.expected_total, d.payload[SALES_INVOICE])
            for d in docs
            if d.doc_type == SALES_INVOICE
        ],
        [d.payload[RECEIVE_PAYMENT] for d in docs if d.doc_type == RECEIVE_PAYMENT],
    )


def settled_numbers(
    invoices: Iterable[tuple[str, int | None, Mapping[str, Any]]],
    payments: Iterable[Mapping[str, Any]],
) -> set[str]:
    """``invoices``: (number, total, sales invoice body) of a day; ``payments``: the bodies of
    its receive payments. The numbers of the invoices their deposit and payments pay in full."""
    invoices = list(invoices)
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for number, _, body in invoices:
        paid[number] += Decimal(str(body.get("deposit", 0)))
    for body in payments:
        for record in body.get("records_attributes") or []:
            paid[str(record.get("transaction_no"))] += Decimal(str(record.get("amount", 0)))
    return {number for number, total, _ in invoices if total is not None and paid[number] >= total}


def summarise(
    documents: Iterable[Document],
    config: MerchantConfig,
    day: date,
    outlets: set[str],
    *,
    sequence: Mapping[str, int] | None = None,
    earlier_members: Mapping[str, Member] | None = None,
    summary_bodies: Mapping[str, Mapping[str, Any]] | None = None,
    frozen: set[str] | None = None,
    frozen_refunds: set[str] | None = None,
    posted_returns: set[str] | None = None,
    posted_own: set[str] | None = None,
    settled: set[str] | None = None,
) -> Summary:
    """Replace the per-order invoices of ``outlets`` on ``day`` (and the receive payments of
    their split payments) by summary documents; point every other document that pays an
    order's invoice at the summary carrying it (``earlier_members``: order invoice number →
    its member row, for orders summarised on earlier days; ``summary_bodies``: their summary
    invoices' bodies by number, which a refund's sales return is priced from).

    ``sequence``: outlet → the number of this day's summary (2 when a first was posted and
    late orders came in after); ``frozen``: orders already in a summary in Jurnal, whose
    per-order documents are dropped. The day's refunds of summarised sales at ``outlets``
    become one return per summary invoice (`summary_returns.merged_returns`; ``frozen_refunds``
    and ``posted_returns``: those already in Jurnal). An order not paid in full on the day
    (`settled_at_sale`) keeps its own invoice, as does any order whose own invoice is in
    Jurnal already (``posted_own``: their order ids; ``settled``: `settled_at_sale` of the
    documents, when the caller has it)."""
    documents = list(documents)
    sequence = sequence or {}
    frozen = frozen or set()
    posted_own = posted_own or set()
    settled = settled_at_sale(documents, day) if settled is None else settled
    candidates = [
        d
        for d in documents
        if is_summarisable(d, day, outlets)
        and d.source_id not in posted_own
        and (d.transaction_no in settled or d.source_id in frozen)
    ]
    invoices = [d for d in candidates if d.source_id not in frozen]
    numbers = {d.transaction_no: d for d in candidates}
    at_sale = [
        d
        for d in documents
        if d.doc_type == RECEIVE_PAYMENT and d.business_date == day and _paid_invoice(d) in numbers
    ]
    folded = {d.doc_key for d in (*candidates, *at_sale)}
    by_outlet: dict[str, list[Document]] = defaultdict(list)
    for doc in invoices:
        by_outlet[doc.outlet_code].append(doc)
    payments_by_invoice: dict[str, list[Document]] = defaultdict(list)
    for doc in at_sale:  # a frozen order's are dropped with its invoice
        payments_by_invoice[_paid_invoice(doc) or ""].append(doc)

    built: list[Document] = []
    members: list[Member] = []
    holds: list[Hold] = []
    report: dict[str, dict[str, int]] = {}
    carriers = dict(earlier_members or {})
    bodies = dict(summary_bodies or {})
    for outlet in sorted(by_outlet):
        docs = sorted(by_outlet[outlet], key=lambda d: d.transaction_no)
        n = sequence.get(outlet, 1)
        try:
            outlet_docs, outlet_members = _outlet_summary(
                docs, payments_by_invoice, config, day, outlet, n
            )
        except SummaryError as exc:
            key = summary_id(outlet, day, n)
            holds.append(Hold("summary", key, key, outlet, day, f"{exc}. {SUMMARY_FIX}"))
            continue
        built.extend(outlet_docs)
        members.extend(outlet_members)
        carriers.update({m.order_invoice_no: m for m in outlet_members})
        bodies.update(
            {
                d.transaction_no: d.payload[SALES_INVOICE]
                for d in outlet_docs
                if d.doc_type == SALES_INVOICE
            }
        )
        report[outlet] = {
            "summary_invoices": sum(1 for d in outlet_docs if d.doc_type == SALES_INVOICE),
            "orders": len(docs),
            "total": sum(d.expected_total or 0 for d in docs),
        }
    redirect = {number: member.invoice_no for number, member in carriers.items()}
    rest = [_redirected(d, redirect) for d in documents if d.doc_key not in folded]
    rest, return_holds, moved = returns_against_summaries(rest, carriers, bodies, config)
    rest, merged = merged_returns(
        rest,
        moved,
        outlets,
        day,
        bodies,
        config,
        frozen=frozen_refunds,
        posted=posted_returns,
    )
    return Summary([*built, *rest], members, [*holds, *return_holds], report, merged)


def _paid_invoice(doc: Document) -> str | None:
    records = doc.payload[RECEIVE_PAYMENT].get("records_attributes") or []
    return records[0].get("transaction_no") if len(records) == 1 else None


def _redirected(doc: Document, redirect: Mapping[str, str]) -> Document:
    """A receive payment of a member order's invoice, paying its summary invoice instead."""
    if doc.doc_type != RECEIVE_PAYMENT:
        return doc
    body = doc.payload[RECEIVE_PAYMENT]
    records = body.get("records_attributes") or []
    if not any(r.get("transaction_no") in redirect for r in records):
        return doc
    moved = [
        {**r, "transaction_no": redirect.get(r.get("transaction_no"), r.get("transaction_no"))}
        for r in records
    ]
    payload = {RECEIVE_PAYMENT: {**body, "records_attributes": moved}}
    return replace(doc, payload=payload)


def _line_key(line: Mapping[str, Any], inclusive: bool, config: MerchantConfig) -> tuple[Any, ...]:
    if "product_code" not in line and line.get("product_name") == config.service_charge_product:
        return ("charge", line.get("line_tax_name"), inclusive)  # the day's charge: one line
    product = (
        ("code", line["product_code"])
        if "product_code" in line
        else ("name", line.get("product_name"))
    )
    return (
        product,
        str(line.get("rate")),
        str(line.get("discount", 0)),
        line.get("line_tax_name"),
        inclusive,
    )


def _treatment(line: Mapping[str, Any]) -> str | None:
    return line.get("line_tax_name")


def _outlet_summary(
    docs: list[Document],
    payments_by_invoice: Mapping[str, list[Document]],
    config: MerchantConfig,
    day: date,
    outlet: str,
    sequence: int,
) -> tuple[list[Document], list[Member]]:
    """Each order's lines go to the invoice of their tax treatment; the rest of the order (its
    rounding line, shipping and what is still unpaid) to its carrier, the invoice that takes
    most of it, which a later payment of the order then pays."""
    groups: dict[tuple[bool, str | None], _Group] = {}
    placed: dict[str, list[tuple[_Group, tuple[Any, ...]] | None]] = {}
    carrier_of: dict[str, _Group] = {}
    by_account: dict[str, Decimal] = defaultdict(lambda: ZERO)
    method_names: dict[str, str] = {}
    warehouse = term = None
    for doc in docs:
        body = doc.payload[SALES_INVOICE]
        inclusive = bool(body.get("use_tax_inclusive"))
        warehouse = warehouse or body.get("warehouse_name")
        term = term or body.get("term_name")
        facts = invoice_line_facts(
            invoice_model(body, config),
            discount_value=Decimal(str(body.get("discount_unit", 0))),
            tax_inclusive=inclusive,
        )
        where = placed.setdefault(doc.source_id, [])
        parts: dict[int, Decimal] = defaultdict(lambda: ZERO)
        rest = Decimal(str(body.get("shipping_price", 0)))
        for line, fact in zip(body["transaction_lines_attributes"], facts, strict=True):
            if line.get("product_name") == config.rounding_product and "product_code" not in line:
                where.append(None)
                rest += fact.amount - fact.share
                continue
            group = groups.setdefault((inclusive, _treatment(line)), _Group(inclusive))
            key = _add_line(group, line, inclusive, config)
            group.discount += fact.share
            part = fact.amount - fact.share + (ZERO if inclusive else fact.tax)
            group.target += part
            parts[id(group)] += part
            group.orders.add(doc.source_id)
            where.append((group, key))
        carrier = max((g for g in groups.values() if id(g) in parts), key=lambda g: parts[id(g)])
        carrier_of[doc.source_id] = carrier
        carrier.target += rest
        carrier.rounding += rest - Decimal(str(body.get("shipping_price", 0)))
        carrier.shipping += Decimal(str(body.get("shipping_price", 0)))
        paid = _paid_at_sale(body, payments_by_invoice.get(doc.transaction_no, []))
        carrier.unpaid += Decimal(doc.expected_total or 0) - sum((a for _, a, _ in paid), ZERO)
        carrier.deduction += Decimal(str(body.get("witholding_value", 0)))
        for account, amount, method in paid:
            by_account[account] += amount
            if method and account not in method_names:
                method_names[account] = method
    ordered = sorted(groups.values(), key=lambda g: (-g.target, g.inclusive))
    invoices = [
        _summary_invoice(group, config, day, outlet, sequence, position, len(docs), warehouse, term)
        for position, group in enumerate(ordered, start=1)
    ]
    number = {
        id(g): item["body"]["transaction_no"] for g, item in zip(ordered, invoices, strict=True)
    }
    index = {id(group): {key: i for i, key in enumerate(group.lines)} for group in ordered}
    members = [
        Member(
            order_id=doc.source_id,
            order_invoice_no=doc.transaction_no,
            summary_key=f"{SALES_INVOICE}:{invoices[0]['body']['custom_id']}",
            invoice_no=number[id(carrier_of[doc.source_id])],
            outlet_code=outlet,
            business_date=day,
            line_map=tuple(
                None if spot is None else (number[id(spot[0])], index[id(spot[0])][spot[1]])
                for spot in placed[doc.source_id]
            ),
        )
        for doc in docs
    ]
    paid_on = [group.target - group.deduction - group.unpaid for group in ordered]
    documents = summary_documents(
        invoices, paid_on, by_account, method_names, config, day, outlet, sequence
    )
    return documents, members


def _add_line(
    group: _Group, line: Mapping[str, Any], inclusive: bool, config: MerchantConfig
) -> tuple[Any, ...]:
    """Add an order's invoice line to the summary line of its SKU, price, discount and tax."""
    key = _line_key(line, inclusive, config)
    held = group.lines.get(key)
    quantity, rate = Decimal(str(line["quantity"])), Decimal(str(line["rate"]))
    if held is None:
        group.lines[key] = {**line, "quantity": quantity, "rate": rate}
    elif key[0] == "charge":
        held["rate"] += rate
    else:
        held["quantity"] += quantity
    return key


def _paid_at_sale(
    body: Mapping[str, Any], split: list[Document]
) -> list[tuple[str, Decimal, str | None]]:
    """(clearing account, amount, method) of what was paid at the till: the invoice's deposit
    and the receive payments of a split payment."""
    paid = [(body.get("deposit_to_name"), Decimal(str(body.get("deposit", 0))), None)]
    for payment in split:
        pay_body = payment.payload[RECEIVE_PAYMENT]
        paid.append(
            (
                pay_body["deposit_to_name"],
                Decimal(str(pay_body["records_attributes"][0]["amount"])),
                pay_body.get("payment_method_name"),
            )
        )
    return [(str(a), amount, m) for a, amount, m in paid if a and amount]


def _summary_invoice(
    group: _Group,
    config: MerchantConfig,
    day: date,
    outlet: str,
    sequence: int,
    position: int,
    order_count: int,
    warehouse: str | None,
    term: str | None,
) -> dict[str, Any]:
    target, shipping = group.target, group.shipping
    rates = {tax.jurnal_name: tax.rate for tax in config.taxes.values()}
    lines = []
    model = []
    for line in group.lines.values():
        quantity = line["quantity"]
        lines.append({**line, "quantity": json_number(quantity), "rate": json_number(line["rate"])})
        tax_name = line.get("line_tax_name")
        model.append(
            InvoiceLine(
                quantity,
                line["rate"],
                Decimal(str(line.get("discount", 0))),
                rates.get(tax_name) if tax_name else None,
            )
        )
    fit = fit_total(
        model,
        target,
        discount_value=group.discount,
        tax_inclusive=group.inclusive,
        shipping=shipping,
        # the orders' own rounding lines (iSeller's cash rounding among them), plus cents
        max_gap=Decimal(100) * (order_count + 1) + len(model) + abs(group.rounding),
    )
    discount = group.discount
    if fit is None:
        expected = invoice_totals(
            model, discount_value=discount, tax_inclusive=group.inclusive, shipping=shipping
        ).total
        raise SummaryError(
            f"summary of outlet {outlet} on {day.isoformat()}: Jurnal would compute "
            f"{format_idr(to_rupiah(expected))} (exactly {expected}) for it but its orders come "
            f"to {format_idr(to_rupiah(target))}, more than rounding apart"
        )
    discount += fit.extra_discount
    if fit.rounding:
        lines.append(
            {
                "product_name": config.rounding_product,
                "quantity": 1,
                "rate": json_number(fit.rounding),
            }
        )
    number = summary_no(config, outlet, day, sequence, position)
    custom_id = summary_id(outlet, day, sequence, position)
    body: dict[str, Any] = {
        "transaction_date": day.isoformat(),
        "due_date": day.isoformat(),
        "transaction_no": number,
        "custom_id": custom_id,
        "reference_no": custom_id,
        "person_name": config.walk_in_customer,
        "memo": f"iSeller daily summary, outlet {outlet}, {day.isoformat()}: "
        f"{len(group.orders)} orders",
        "tags": [outlet],
        "use_tax_inclusive": group.inclusive,
        "tax_after_discount": True,
        "transaction_lines_attributes": lines,
    }
    if warehouse:
        body["warehouse_name"] = warehouse
    if term:
        body["term_name"] = term
    if discount:
        body["discount_type_name"] = "Value"
        body["discount_unit"] = json_number(discount)
    if shipping:
        body["shipping_price"] = json_number(shipping)
    if group.deduction:  # as each order's invoice deducts it (`order_fit.rounded_down_by`)
        body["witholding_type"] = "value"
        body["witholding_value"] = json_number(group.deduction)
        body["witholding_account_name"] = config.account("rounding", outlet)
    return {"body": body, "total": target - group.deduction, "orders": group.orders}
