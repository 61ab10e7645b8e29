"""Corrections after posting: a posted revision of an order is reversed in full, and the order
as it is now is posted again under the next revision's keys (`documents.revision_id`).

Nothing posted is edited or deleted. The reversal of revision ``c`` undoes the net of every
canonical line booked for the order so far (its sale, later payments, refunds; not its
payments' own entries, below), on the correction's business date, canonical entry
``reverse:<revision id>``::

    every account of the order's booked lines    the opposite of its net (clearing accounts
                                                 credited with what was paid, less refunds)

In Jurnal (J-49, J-37): a **sales return** ``<invoice no>/C`` of every product unit of the
revision's invoice not returned yet but gift cards (Jurnal reverses their revenue, discount
share and tax and credits the receivable), and a **journal entry** ``<invoice no>/CJ``:

    Dr receivable                what the return credited (J-37 arithmetic, cents)
    Dr service_charge, shipping  their net as booked
    Dr gift_card_liability       the gift cards sold, as booked (`refund_entry`: J-49)
    Dr tax                       the booked tax less what the return reversed
    Cr payment clearing          what was paid by each method, less refunds, as booked
    Cr receivable                what was still unpaid on the order
    Dr/Cr sales_discount         what the return's discount shares leave, beyond cents
    Dr/Cr rounding               the booked rounding given back, and cents

so the order's receivable and clearing accounts end at zero in Jurnal as in the journal, but
for the fees below. The accounts are those the order was booked to, so a wrong mapping is
reversed where it went.

The entries booked apart against the order's payments (the MDR kept from them and gift cards
redeemed with them, `accounting.mdr`, entry ids ``money:…``) are left out of every reversal, a
correction's (the order changed, or is posted again under the current config) as a rollback's
of the outlet-day: the bank kept the fee whatever happens to the sale, Jurnal's own entry for
it (``<invoice no>/F``) stands and no later revision or repost books it again, so the clearing
accounts are reversed as paid and the fee stays on its account in both books.

The new revision is the order as it is now, dated the correction's business date: every
successful payment of the order is settled on its invoice (deposit and receive payments, as
at a sale), canonical entry ``sale:<order id>/<n>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, cast

from journal_pipeline.accounting import periods
from journal_pipeline.accounting.documents import (
    JOURNAL_ENTRY,
    RECEIVE_PAYMENT,
    REVERSAL_SUFFIX,
    SALES_INVOICE,
    SALES_RETURN,
    Document,
    revision_id,
    revision_no,
)
from journal_pipeline.accounting.fee_entries import ENTRY_PREFIX as PAYMENT_ENTRY_PREFIX
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.invoices import json_number, sales_invoice
from journal_pipeline.accounting.posting_rules import DatedPayment, sale_entry
from journal_pipeline.accounting.return_arithmetic import (
    OWN_POSTINGS,
    invoice_line_facts,
    invoice_model,
    postings,
    postings_json,
    returned_part,
)
from journal_pipeline.accounting.summary_returns import RECEIVABLE_TEXT
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import to_rupiah
from journal_pipeline.core.orders import LineRow, OrderRow

MONEY_ROLES = ("receivable",)  # with every ``payment:<method>`` role
#: not carried by the sales return: a gift card's line is not returned either (which account
#: Jurnal's return books a line on is not documented, J-49: `refund_entry`)
JE_ROLES = ("service_charge", "shipping_income", "gift_card_liability")
VOLATILE = ("transaction_no", "custom_id", "memo", "transaction_date", "due_date")


Key = tuple[str, str | None, bool]  # a canonical line's role, account and estimate flag


def is_payment_entry(row: Mapping[str, Any]) -> bool:
    """A canonical line of an entry booked apart against a payment (`accounting.mdr`)."""
    return str(row["entry_id"]).startswith(PAYMENT_ENTRY_PREFIX)


@dataclass(frozen=True)
class PostedRevision:
    """What Jurnal holds for one revision of an order, as the outbox and journal know it."""

    order_id: str
    revision: int
    order_reference: str
    outlet_code: str
    invoice: Mapping[str, Any]  # the posted invoice's body
    returned: Mapping[int, Decimal]  # invoice line index → units already returned
    journal: list[dict[str, Any]]  # every canonical line booked for the order, any day
    #: SKU → iSeller product type of the order's lines (gift cards known by type, too)
    product_types: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Booked:
    """Canonical lines and Jurnal documents of one side of a correction."""

    lines: list[dict[str, Any]]
    documents: list[Document]


def reversal_numbers(invoice_no: str) -> tuple[str, str]:
    """(sales return number, journal entry number) of the reversal of an invoice."""
    return f"{invoice_no}{REVERSAL_SUFFIX}", f"{invoice_no}{REVERSAL_SUFFIX}J"


def reversal(
    posted: PostedRevision,
    config: MerchantConfig,
    day: date,
    *,
    reason: str,
    replaced_by: str | None,
) -> Booked:
    """Everything still booked for the order reversed on ``day`` but the entries booked
    against its payments (MDR, gift card), which stand (see the module docstring)."""
    rid = revision_id(posted.order_id, posted.revision)
    source_id = f"{rid}{REVERSAL_SUFFIX}"
    outlet = posted.outlet_code
    net: dict[Key, int] = {}
    for row in posted.journal:
        if is_payment_entry(row):
            continue  # the bank's: it stands
        key = (str(row["account_role"]), row["account_name"], bool(row["is_estimate"]))
        net[key] = net.get(key, 0) + int(row["debit"]) - int(row["credit"])
    invoice_no = str(posted.invoice["transaction_no"])
    return_no, entry_no = reversal_numbers(invoice_no)
    lines: list[dict[str, Any]] = []
    # the goods' revenue comes back through a sales return, which Jurnal books on the sales
    # return account when there is one: the journal books it there too, as for a refund
    returns_account = config.account("sales_return", outlet)
    for (role, account, estimate), amount in sorted(net.items(), key=lambda kv: kv[0][:2]):
        if amount == 0:
            continue
        if role == "sales" and returns_account:
            role, account = "sales_return", returns_account
        lines.append(
            {
                "entry_id": f"reverse:{rid}",
                "business_date": periods.correction_date(day, config).day,  # as its documents
                "outlet_code": outlet,
                "source_type": "reversal",
                "source_id": source_id,
                "source_reference": posted.order_reference,
                "line_no": len(lines) + 1,
                "account_role": role,
                "account_name": account,
                "debit": max(-amount, 0),
                "credit": max(amount, 0),
                "description": f"reversal of {invoice_no}: {role}",
                "is_estimate": estimate,
            }
        )

    invoice = posted.invoice
    inclusive = bool(invoice.get("use_tax_inclusive"))
    facts = invoice_line_facts(
        invoice_model(invoice, config),
        discount_value=Decimal(str(invoice.get("discount_unit", 0))),
        tax_inclusive=inclusive,
    )
    not_products = {config.service_charge_product, config.rounding_product}
    return_lines: list[dict[str, Any]] = []
    credited = Decimal(0)
    tax_back = Decimal(0)
    for index, line in enumerate(invoice["transaction_lines_attributes"]):
        if "product_code" not in line and line.get("product_name") in not_products:
            continue  # the charge and rounding go back through the journal entry
        code = line.get("product_code")
        if config.gift_cards.matches(code, posted.product_types.get(str(code))):
            continue  # so does a gift card (JE_ROLES)
        left = Decimal(str(line["quantity"])) - posted.returned.get(index, Decimal(0))
        if left <= 0:
            continue
        part = returned_part(facts[index], left, tax_inclusive=inclusive)
        credited += part.receivable
        tax_back += part.tax
        product = {k: line[k] for k in ("product_code", "product_name") if k in line}
        return_lines.append(
            {
                "invoice_line_index": index,
                **product,
                "return_quantity": json_number(left),
                OWN_POSTINGS: postings_json(postings(part, tax_inclusive=inclusive)),
            }
        )

    amounts: dict[str, Decimal] = {}

    def add(account: str | None, amount: Decimal) -> None:
        if account is not None and amount:
            amounts[account] = amounts.get(account, Decimal(0)) + amount

    add(config.account("receivable", outlet), credited)
    tax_left = tax_back
    for (role, account, estimate), amount in sorted(net.items(), key=lambda kv: kv[0][:2]):
        if estimate:
            continue
        if role.startswith("payment:") or role in MONEY_ROLES or role in JE_ROLES:
            add(account, Decimal(-amount))
        elif role.startswith("tax:"):
            add(account, Decimal(-amount) - tax_left)
            tax_left = Decimal(0)
    # what the return's discount shares leave beyond Jurnal's cents (a restaurant's service
    # charge takes a share of Jurnal's invoice discount, none of iSeller's) is the discount's,
    # not rounding's: rounding keeps the booked rounding given back
    booked_rounding = sum(amount for (role, _, _), amount in net.items() if role == "rounding")
    gap = booked_rounding - sum(amounts.values(), Decimal(0))
    if abs(gap) > max(1, len(return_lines)):
        add(config.account("sales_discount", outlet), gap)
    add(config.account("rounding", outlet), -sum(amounts.values(), Decimal(0)))

    posting = periods.correction_date(day, config)
    note = f"; {posting.note}" if posting.note else ""
    then = f"; replaced by invoice {replaced_by}" if replaced_by else ""
    what = (
        f"Reversal of invoice {invoice_no} (iSeller order {posted.order_reference}, "
        f"outlet {outlet})"
    )
    documents: list[Document] = []
    if return_lines:
        body = {
            "transaction_date": posting.day.isoformat(),
            "transaction_no": return_no,
            "custom_id": source_id,
            "invoice_no": invoice_no,
            "memo": f"{what}: {reason}; with journal entry {entry_no}{then}{note}",
            "tags": [outlet],
            "transaction_return_lines_attributes": return_lines,
        }
        documents.append(
            _document(SALES_RETURN, posted, day, source_id, return_no, to_rupiah(credited), body)
        )
    # what the return credits is a line of its own, worded as a refund's: a return moved onto
    # a daily summary invoice is priced there, and `summary_returns` sets that line to its
    # price, the rounding line taking the difference
    receivable = config.account("receivable", outlet)
    parts = [(receivable, credited, RECEIVABLE_TEXT)] if receivable and credited else []
    parts += [
        (account, amount - (credited if parts and account == receivable else 0), "")
        for account, amount in amounts.items()
    ]
    je_lines = [
        {
            "account_name": account,
            ("debit" if amount > 0 else "credit"): json_number(abs(amount)),
            "description": text or f"reversal of {invoice_no}",
        }
        for account, amount, text in parts
        if amount
    ]
    if je_lines:
        total = sum((amount for _, amount, _ in parts if amount > 0), Decimal(0))
        body = {
            "transaction_date": posting.day.isoformat(),
            "transaction_no": entry_no,
            "custom_id": source_id,
            "memo": f"{what}: {reason}; sales return {return_no}{then}{note}",
            "tags": [outlet],
            "transaction_account_lines_attributes": je_lines,
        }
        documents.append(
            _document(JOURNAL_ENTRY, posted, day, source_id, entry_no, to_rupiah(total), body)
        )
    return Booked(lines, documents)


def _document(
    doc_type: str,
    posted: PostedRevision,
    day: date,
    source_id: str,
    number: str,
    total: int,
    body: dict[str, Any],
) -> Document:
    return Document(
        doc_key=f"{doc_type}:{source_id}",
        doc_type=doc_type,
        business_date=day,
        outlet_code=posted.outlet_code,
        source_id=source_id,
        source_reference=posted.order_reference,
        transaction_no=number,
        custom_id=source_id,
        expected_total=total,
        payload={doc_type: body},
    )


def revision_sale(
    order: OrderRow,
    lines: list[LineRow],
    payments: list[DatedPayment],
    config: MerchantConfig,
    day: date,
    revision: int,
    *,
    replaces: str | None = None,
) -> Booked | Hold:
    """The order as it is now, booked on ``day`` as ``revision`` (every successful payment
    settled on its invoice), or the Hold that says why it cannot be."""
    # dated as its documents are: the first open day when ``day`` is locked (revision 0 is
    # the sale itself, on its own day)
    entry_day = day if revision == 0 else periods.correction_date(day, config).day
    paid = [
        cast(Any, p)._replace(business_date=entry_day)
        for p in payments
        if p.type == "sale" and p.status == "success"
    ]
    entry, hold = sale_entry(order, lines, paid, config, entry_day)
    if hold is not None or entry is None:
        return cast(Hold, hold)
    documents, hold = sales_invoice(order, lines, paid, config, entry_day)
    if hold is not None or documents is None:
        return cast(Hold, hold)
    if revision == 0:
        return Booked(entry, documents)
    rid = revision_id(order.order_id, revision)
    rows = [
        {**row, "entry_id": f"{str(row['entry_id']).split(':', 1)[0]}:{rid}", "source_id": rid}
        for row in entry
    ]
    posting = periods.correction_date(day, config)
    note = f"; {posting.note}" if posting.note else ""
    invoice_no = str(documents[0].transaction_no)
    number = revision_no(invoice_no, revision)
    said = f"revision {revision}" + (f", replaces invoice {replaces}" if replaces else "")
    if replaces:
        said += f" (reversed by {' and '.join(reversal_numbers(replaces))})"
    keyed: list[Document] = []
    for doc in documents:
        body = dict(doc.payload[doc.doc_type])
        body["transaction_date"] = posting.day.isoformat()
        if doc.doc_type == SALES_INVOICE:
            custom = rid
            body.update(
                transaction_no=number,
                custom_id=rid,
                due_date=posting.day.isoformat(),
                memo=f"{body['memo']}; {said}{note}",
            )
            doc_number = number
        else:  # a receive payment settling it
            custom = revision_id(doc.custom_id, revision)
            doc_number = number + str(doc.transaction_no)[len(invoice_no) :]
            records = [{**r, "transaction_no": number} for r in body["records_attributes"]]
            body.update(
                transaction_no=doc_number,
                custom_id=custom,
                records_attributes=records,
                memo=f"{body['memo']} ({said})",
            )
        keyed.append(
            replace(
                doc,
                business_date=day,  # the outbox keeps it with the build of ``day``
                doc_key=f"{doc.doc_type}:{custom}",
                source_id=custom,
                transaction_no=doc_number,
                custom_id=custom,
                payload={doc.doc_type: body},
            )
        )
    return Booked(rows, keyed)


def comparable(documents: Iterable[Document | Mapping[str, Any]]) -> list[str]:
    """What Jurnal would book from these documents, without their keys, dates and memos:
    equal for two revisions of an order that book the same (sorted, as text)."""
    shown = []
    for doc in documents:
        payload = doc.payload if isinstance(doc, Document) else doc
        for doc_type, body in payload.items():
            if doc_type not in (SALES_INVOICE, RECEIVE_PAYMENT):
                continue
            kept = {k: v for k, v in body.items() if k not in VOLATILE}
            if "records_attributes" in kept:
                kept["records_attributes"] = [
                    {k: v for k, v in r.items() if k != "transaction_no"}
                    for r in kept["records_attributes"]
                ]
            shown.append(f"{doc_type} {json.dumps(kept, sort_keys=True, default=str)}")
    return sorted(shown)


#: The fields of an invoice that say how it was paid, not what it books
SETTLEMENT = ("deposit", "deposit_to_name")


def same_booking(
    candidate: Iterable[Document | Mapping[str, Any]],
    posted: Iterable[Document | Mapping[str, Any]],
) -> bool:
    """Whether Jurnal books the same from both: `comparable`, or the same invoices paid into
    the same accounts with the same amounts, whether a payment is the invoice's deposit or a
    receive payment of its own. An order paid after its sale was posted as an invoice and a
    later receive payment; the same order built again is paid at the sale (a deposit)."""
    candidate, posted = list(candidate), list(posted)
    return comparable(candidate) == comparable(posted) or _settled(candidate) == _settled(posted)


def _settled(documents: Iterable[Document | Mapping[str, Any]]) -> tuple[list[str], list[Any]]:
    """The invoices without how they were paid, and every payment as (account, amount)."""
    invoices: list[str] = []
    paid: list[tuple[str, Decimal]] = []
    for doc in documents:
        payload = doc.payload if isinstance(doc, Document) else doc
        for doc_type, body in payload.items():
            if doc_type == SALES_INVOICE:
                kept = {k: v for k, v in body.items() if k not in (*VOLATILE, *SETTLEMENT)}
                invoices.append(json.dumps(kept, sort_keys=True, default=str))
                if body.get("deposit"):
                    paid.append((str(body.get("deposit_to_name")), _amount(body["deposit"])))
            elif doc_type == RECEIVE_PAYMENT:
                account = str(body.get("deposit_to_name"))
                records = body.get("records_attributes", [])
                paid += [(account, _amount(r.get("amount"))) for r in records]
    return sorted(invoices), sorted(paid)


def _amount(value: object) -> Decimal:
    return Decimal(str(value)).normalize()


def fingerprint(
    order: OrderRow,
    lines: list[LineRow],
    payments: list[DatedPayment],
    config: MerchantConfig,
    sale_day: date | None,
) -> str:
    """What a change of the order must change to need a correction: its business date, its
    outlet and what its sale books (the same config on both sides, so a config change alone
    is not a change of the order)."""
    head = f"{order.outlet_code}|{sale_day}|{order.status}"
    if order.status != "completed" or sale_day is None:
        return head
    made = revision_sale(order, lines, payments, config, sale_day, 0)
    if isinstance(made, Hold):
        return f"{head}|held: {made.reason}"
    entry = sorted(
        (str(r["account_role"]), str(r["account_name"]), int(r["debit"]), int(r["credit"]))
        for r in made.lines
    )
    return f"{head}|{entry}|{comparable(made.documents)}"


def document_json(doc: Document) -> dict[str, Any]:
    return {
        "doc_key": doc.doc_key,
        "doc_type": doc.doc_type,
        "business_date": doc.business_date.isoformat(),
        "outlet_code": doc.outlet_code,
        "source_id": doc.source_id,
        "source_reference": doc.source_reference,
        "transaction_no": doc.transaction_no,
        "custom_id": doc.custom_id,
        "expected_total": doc.expected_total,
        "payload": doc.payload,
    }


def document_from_json(data: Mapping[str, Any]) -> Document:
    return Document(
        **{**data, "business_date": date.fromisoformat(str(data["business_date"]))},
    )


def line_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}


def line_from_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**row, "business_date": date.fromisoformat(str(row["business_date"]))}
