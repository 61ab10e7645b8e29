"""Money given back on a posted sale (a refund, or a void after posting): journal lines and the
two Jurnal documents that carry it.

Canonical entry ``refund:<transaction id>`` (``void:`` for a void), on the refund's business
date, in proportion to the units given back (I-33)::

    Dr sales (or sales_return when mapped)  revenue given back, before the order discount
    Cr sales_discount                        the order discount's share, excl. tax
    Dr tax:<name>                            the lines' tax given back + the service charge's
    Dr service_charge, shipping_income       the charge given back (shipping: full only)
    Dr/Cr rounding                           iSeller's rounding (full only), rupiah differences
    Cr payment:<method>                      exactly the refund, to the method it went back by

plus ``refund_cogs:`` (Dr inventory / Cr cogs at iSeller's cost, an estimate) when the sale
had a cost. A full refund or a void reverses the sale's own entry line by line.

In Jurnal (docs/assumptions/jurnal.md, J-49): a **sales return** against the invoice returns
the product lines (Jurnal reverses their revenue, discount share and tax in proportion and
credits the receivable, J-37), and a **journal entry** pays the customer: Dr receivable (what
the return credited, by Jurnal's arithmetic), Dr service charge and its tax, Dr shipping,
± rounding, Cr the method's clearing account with the refund. The invoice is never edited.

Jurnal's return takes back the discount share Jurnal gave the line, iSeller's refund the one
iSeller gave it (a service charge takes none of iSeller's order discount, yet a share of
Jurnal's invoice discount). Beyond Jurnal's cents (a rupiah a returned line), the entry books
the difference on the tax and discount accounts (`refund_entry.as_isellers`): both end as
iSeller's. A gift card given back is not returned: the entry debits the liability
(`refund_entry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting import periods
from journal_pipeline.accounting.cost_of_sales import RETURNED_TEXT, split_cost
from journal_pipeline.accounting.documents import (
    JOURNAL_ENTRY,
    SALES_RETURN,
    Document,
    money_back_numbers,
)
from journal_pipeline.accounting.holds import Hold, order_hold
from journal_pipeline.accounting.invoices import is_free, json_number, line_product, sales_invoice
from journal_pipeline.accounting.labels import item_name, payment_method
from journal_pipeline.accounting.posting_rules import (
    DatedPayment,
    _excluding_tax,
    is_gift_card_line,
    sale_entry,
)
from journal_pipeline.accounting.refund_entry import FIX_HINT, as_isellers, entry_lines
from journal_pipeline.accounting.return_arithmetic import (
    OWN_POSTINGS,
    PostedInvoice,
    as_posted,
    invoice_line_facts,
    invoice_model,
    postings,
    postings_json,
    returned_part,
)
from journal_pipeline.accounting.service_charge import read_service_charge
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import allocate, format_idr, to_rupiah
from journal_pipeline.core.orders import LineRow, OrderRow


@dataclass(frozen=True)
class MoneyBack:
    """A refund or a void of one sale: which units went back, how much, by which method."""

    kind: str  # "refund" or "void"
    transaction_id: str  # the iSeller refund or void transaction: the documents' key
    order: OrderRow
    lines: list[LineRow]
    payments: list[DatedPayment]  # every payment of the order (its sale payments included)
    returned: dict[int, Decimal]  # line_no → units given back
    amount: int  # what went back to the customer
    payment_type_name: str | None
    gateway: str | None
    event_day: date  # the refund's (void's) business date
    sale_day: date
    sequence: int = 1  # n-th refund of the order (numbers the documents)

    @property
    def full(self) -> bool:
        return all(self.returned.get(ln.line_no, Decimal(0)) == ln.quantity for ln in self.lines)

    @property
    def method(self) -> str | None:
        return payment_method(self.payment_type_name, self.gateway)


@dataclass(frozen=True)
class Reversal:
    lines: list[dict[str, Any]]
    documents: list[Document]


class _Lines:
    def __init__(self, back: MoneyBack, entry_id: str, day: date):
        self.back, self.entry_id, self.day = back, entry_id, day
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        role: str,
        account: str | None,
        debit: int,
        credit: int,
        text: str,
        *,
        estimate: bool = False,
    ) -> None:
        if debit < 0 or credit < 0:  # a negative amount is the other side
            debit, credit = max(debit, 0) - min(credit, 0), max(credit, 0) - min(debit, 0)
        if debit == credit == 0:
            return
        self.rows.append(
            {
                "entry_id": self.entry_id,
                "business_date": self.day,
                "outlet_code": self.back.order.outlet_code,
                "source_type": self.back.kind,
                "source_id": self.back.transaction_id,
                "source_reference": self.back.order.order_reference,
                "line_no": len(self.rows) + 1,
                "account_role": role,
                "account_name": account,
                "debit": debit,
                "credit": credit,
                "description": text,
                "is_estimate": estimate,
            }
        )

    @property
    def net(self) -> int:
        return sum(r["debit"] - r["credit"] for r in self.rows)


@dataclass
class GivenBack:
    """What the canonical entry gives back, beyond the returned lines' revenue and tax."""

    service: int = 0
    service_tax: int = 0
    shipping: int = 0
    gift_cards: int = 0  # paid back by the entry, not returned (`refund_entry`)


def _share(amount: int, units: Decimal, of: Decimal) -> int:
    return to_rupiah(Decimal(amount) * units / of)


def _service_shares(back: MoneyBack, charge: int) -> dict[int, int]:
    """Each line's part of the charge without its tax (the reading's charge shared pro rata
    by the lines' stated charges; exactly the stated ones in the documented reading)."""
    stated = [max(ln.additional_charge, 0) for ln in back.lines]
    if sum(stated) == charge or not sum(stated):
        shares = stated if sum(stated) == charge else [0] * len(stated)
    else:
        shares = allocate(charge, stated)
    return {ln.line_no: s for ln, s in zip(back.lines, shares, strict=True)}


def canonical_lines(
    back: MoneyBack, config: MerchantConfig, day: date
) -> tuple[list[dict[str, Any]], GivenBack] | str:
    """The canonical entry of a refund or void, or why it cannot be made (the arithmetic)."""
    order = back.order
    outlet = order.outlet_code
    tax = config.tax_for(outlet, back.sale_day)  # the sale's, whenever it is given back
    reading = read_service_charge(order, back.lines, config)
    if reading.matched is None:
        return reading.reason()
    charge = reading.matched
    clearing = config.payment_account(
        text_or_none(back.payment_type_name), text_or_none(back.gateway), outlet
    )
    if clearing is None or back.method is None:
        return (
            f"the {back.kind} went back by {back.method or 'an unnamed method'}, which has no "
            f"account mapping. Add it under payment_methods. {FIX_HINT}"
        )
    kind = "void" if back.kind == "void" else "refund"
    entry = _Lines(back, f"{kind}:{back.transaction_id}", day)
    sales_role = "sales_return" if config.account("sales_return", outlet) else "sales"
    given = GivenBack()
    if back.full:
        sale, hold = sale_entry(order, back.lines, back.payments, config, back.sale_day)
        if hold is not None or sale is None:
            return hold.reason if hold is not None else "its sale has no entry"
        for row in sale:
            role = row["account_role"]
            if row["entry_id"] != f"sale:{order.order_id}" or role == "receivable":
                continue
            if role.startswith("payment:"):
                continue
            if role == "sales":
                role, row = sales_role, {**row, "account_name": config.account(sales_role, outlet)}
            entry.add(
                role,
                row["account_name"],
                row["credit"],
                row["debit"],
                f"{kind}: {row['description']}",
            )
        given = GivenBack(charge.charge, charge.charge_tax, order.total_shipping_amount)
    else:
        rate = tax.rate if tax is not None else Decimal(0)
        inclusive = bool(order.tax_inclusive)
        services = _service_shares(back, charge.charge)
        for line in back.lines:
            units = back.returned.get(line.line_no, Decimal(0))
            if not units:
                continue
            name = item_name(line.product_name, line.sku) or f"line {line.line_no}"
            subtotal = _share(line.subtotal, units, line.quantity)
            line_tax = _share(line.tax_amount, units, line.quantity)
            taxed = inclusive and bool(line.tax_amount)  # as the sale took it (`sale_entry`)
            discount = _share(
                _excluding_tax(line.discount_order_amount, rate, taxed), units, line.quantity
            )
            revenue = subtotal - (line_tax if inclusive else 0)
            service = _share(services[line.line_no], units, line.quantity)
            charged = rate if tax is not None else line.tax_percentage  # not a stated_rate
            service_tax = to_rupiah(Decimal(service) * charged / 100) if charge.charge_tax else 0
            # a gift card given back is owed no more, as its sale owed it (`sale_entry`)
            given_as = "gift_card_liability" if is_gift_card_line(line, config) else sales_role
            entry.add(
                given_as,
                config.account(given_as, outlet),
                revenue + discount,
                0,
                f"{kind}: {units} × {name}",
            )
            entry.add(
                "sales_discount",
                config.account("sales_discount", outlet),
                0,
                discount,
                f"{kind}: order discount on {name}",
            )
            if line_tax + service_tax:
                if tax is None:
                    return f"the refund gives back tax but outlet {outlet} has no tax configured"
                entry.add(
                    f"tax:{tax.jurnal_name}",
                    tax.account,
                    line_tax + service_tax,
                    0,
                    f"{kind}: {tax.jurnal_name} {tax.rate}%",
                )
            given.service += service
            given.service_tax += service_tax
        entry.add(
            "service_charge",
            config.account("service_charge", outlet),
            given.service,
            0,
            f"{kind}: service charge",
        )
    parts = entry.net
    difference = back.amount - parts
    tolerance = config.rounding_tolerance * max(1, sum(1 for u in back.returned.values() if u))
    if abs(difference) > tolerance:
        return (
            f"the {kind} of {format_idr(back.amount)} does not add up: the units given back "
            f"come to {format_idr(parts)} under iSeller's refund arithmetic (I-33: each line's "
            "subtotal, tax and service charge in proportion, rounded per line), a difference of "
            f"{format_idr(difference)}. Check the refund in iSeller and record it by hand."
        )
    entry.add("rounding", config.account("rounding", outlet), difference, 0, f"{kind}: rounding")
    paid_back = f"{kind}: {back.method} paid back"
    entry.add(f"payment:{back.method}", clearing, 0, back.amount, paid_back)
    cost, stock_cost = (
        sum(
            _share(getattr(ln, field), back.returned.get(ln.line_no, Decimal(0)), ln.quantity)
            for ln in back.lines
            if ln.quantity
        )
        for field in ("cost", "stock_cost")
    )
    if cost and config.account("inventory", outlet) and config.account("cogs", outlet):
        stock = _Lines(back, f"{kind}_cogs:{back.transaction_id}", day)
        for part, amount in split_cost(cost, stock_cost):
            inventory = config.account("inventory", outlet)
            stock.add("inventory", inventory, amount, 0, f"stock back: {part}", estimate=True)
            cogs = config.account("cogs", outlet)
            stock.add("cogs", cogs, 0, amount, RETURNED_TEXT[part], estimate=True)
        entry.rows.extend(stock.rows)
    given.gift_cards = sum(
        r["debit"] - r["credit"] for r in entry.rows if r["account_role"] == "gift_card_liability"
    )
    missing = sorted({r["account_role"] for r in entry.rows if r["account_name"] is None})
    if missing:
        return (
            f"account role(s) {', '.join(missing)} have no Jurnal account for outlet {outlet}. "
            f"Add them under accounts. {FIX_HINT}"
        )
    return entry.rows, given


def reversal(
    back: MoneyBack, config: MerchantConfig, day: date, posted: PostedInvoice | None = None
) -> Reversal | Hold:
    """The canonical lines, the sales return and the journal entry of a refund or void.
    What Jurnal's return will compute is modelled on the invoice as ``posted`` (when it gives
    one whose lines are the sale's): an earlier release may have placed its discount
    otherwise than the invoice built now."""
    order = back.order
    what = "void" if back.kind == "void" else "refund"

    def hold(reason: str) -> Hold:
        return order_hold(
            order,
            day,
            f"{what} of {format_idr(back.amount)} ({back.method or 'method not named'}) of "
            f"the sale of {back.sale_day.isoformat()}: {reason}",
            doc_type=SALES_RETURN,
            source_id=back.transaction_id,
        )

    if back.sale_day < config.start_date:
        return hold(
            f"its sale is before start_date {config.start_date}, so the pipeline never posted "
            "its invoice. Record the return in Jurnal by hand against the invoice there."
        )
    invoice_docs, invoice_hold = sales_invoice(
        order, back.lines, back.payments, config, back.sale_day
    )
    if invoice_hold is not None or not invoice_docs:
        cause = invoice_hold.reason if invoice_hold is not None else "no invoice"
        return hold(f"its sale's invoice cannot be built ({cause}); fix the sale first.")
    # the canonical entry is dated as the documents are: the first open day when locked
    built = canonical_lines(back, config, periods.correction_date(day, config).day)
    if isinstance(built, str):
        return hold(built)
    rows, given = built
    sold = sum(1 for line in back.lines if not is_free(line))
    invoice = as_posted(invoice_docs[0].payload["sales_invoice"], posted, sold)
    invoice_no = invoice["transaction_no"]
    inclusive = bool(invoice["use_tax_inclusive"])
    facts = invoice_line_facts(
        invoice_model(invoice, config),
        discount_value=Decimal(str(invoice.get("discount_unit", 0))),
        tax_inclusive=inclusive,
    )
    return_lines: list[dict[str, Any]] = []
    receivable = returned_tax = Decimal(0)
    position = 0
    for line in back.lines:
        if is_free(line):
            continue
        units = back.returned.get(line.line_no, Decimal(0))
        if units and not is_gift_card_line(line, config):  # the entry pays a card back
            part = returned_part(facts[position], units, tax_inclusive=inclusive)
            receivable += part.receivable
            returned_tax += part.tax
            return_lines.append(
                {
                    "invoice_line_index": position,  # resolved to its line id when posted
                    **(line_product(line) or {}),
                    "return_quantity": json_number(units),
                    # what it posts from this invoice: kept for a return moved onto a summary
                    OWN_POSTINGS: postings_json(postings(part, tax_inclusive=inclusive)),
                }
            )
        position += 1

    posting = periods.correction_date(day, config)
    return_no, entry_no = money_back_numbers(invoice_no, back.kind, back.sequence)
    note = f"; {posting.note}" if posting.note else ""
    outlet = order.outlet_code or "?"
    documents: list[Document] = []
    if return_lines:
        body = {
            "transaction_date": posting.day.isoformat(),
            "transaction_no": return_no,
            "custom_id": back.transaction_id,
            "invoice_no": invoice_no,
            "memo": f"iSeller {what} of order {order.order_reference}, outlet {outlet}, "
            f"against invoice {invoice_no}; paid back by journal entry {entry_no}{note}",
            "tags": [outlet],
            "transaction_return_lines_attributes": return_lines,
        }
        documents.append(_document(SALES_RETURN, back, day, return_no, to_rupiah(receivable), body))
    differences = as_isellers(back, config, rows, given, receivable, returned_tax)
    je_lines = entry_lines(back, config, receivable, given, differences)
    if isinstance(je_lines, str):
        return hold(je_lines)
    debit = sum((Decimal(str(ln.get("debit", 0))) for ln in je_lines), Decimal(0))
    body = {
        "transaction_date": posting.day.isoformat(),
        "transaction_no": entry_no,
        "custom_id": back.transaction_id,
        "memo": f"iSeller {what} of order {order.order_reference}, outlet {outlet}: "
        f"{format_idr(back.amount)} paid back by {back.method}; "
        + (
            f"sales return {return_no} of invoice {invoice_no}"
            if return_lines
            else f"gift cards of invoice {invoice_no} given back, no sales return"
        )
        + note,
        "tags": [outlet],
        "transaction_account_lines_attributes": je_lines,
    }
    documents.append(_document(JOURNAL_ENTRY, back, day, entry_no, to_rupiah(debit), body))
    return Reversal(rows, documents)


def _document(
    doc_type: str, back: MoneyBack, day: date, number: str, total: int, body: dict[str, Any]
) -> Document:
    return Document(
        doc_key=f"{doc_type}:{back.transaction_id}",
        doc_type=doc_type,
        business_date=day,
        outlet_code=back.order.outlet_code or "?",
        source_id=back.transaction_id,
        source_reference=back.order.order_reference,
        transaction_no=number,
        custom_id=back.transaction_id,
        expected_total=total,
        payload={doc_type: body},
    )
