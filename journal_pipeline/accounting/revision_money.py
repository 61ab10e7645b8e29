"""Money that moves after an order was revised: refunds and later payments booked against the
live revision's invoice (docs/posting-model.md, "Corrections after posting").

A refund of revision ``n`` is booked as a refund of the order is (`reversals.reversal`), under
keys of its own: ``custom_id`` ``<transaction id>/<n>``, canonical entry
``refund:<transaction id>/<n>``, sales return ``<invoice no>.<n>/R<k>`` and journal entry
``<invoice no>.<n>/RJ<k>`` against invoice ``<invoice no>.<n>``. A later payment is a receive
payment ``<invoice no>.<n>/P<k>``, ``custom_id`` ``<transaction id>/<n>``, with the entry
``payment:<transaction id>/<n>`` (Dr clearing / Cr receivable). The keys differ from those of
the same transaction booked against an earlier revision, so booking it again after the
earlier one was reversed never meets the earlier documents.

What is booked against revision ``n``, and on which day (`event_day`): every successful refund
of the order (one already booked against an earlier revision was reversed with it), and every
successful payment its invoice did not settle, each on its own business date, or on the
revision's date when that is later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from journal_pipeline.accounting.documents import (
    RECEIVE_PAYMENT,
    Document,
    revision_id,
    revision_no,
)
from journal_pipeline.accounting.reversals import Reversal


def event_day(own: date | None, revision_day: date) -> date:
    """The day an event of the order is booked against a revision booked on ``revision_day``."""
    return revision_day if own is None or own < revision_day else own


def later_payment_ids(sale_payments: Iterable[Any], settled: Iterable[str]) -> list[str]:
    """Transaction ids of the order's successful sale payments that its revision's invoice did
    not settle (``settled``: the ids of the payments in the order as the revision booked it)."""
    known = set(settled)
    return [
        str(p.transaction_id)
        for p in sale_payments
        if p.type == "sale" and p.status == "success" and str(p.transaction_id) not in known
    ]


def _line(row: dict[str, Any], revision: int) -> dict[str, Any]:
    kind, _, source = str(row["entry_id"]).partition(":")
    return {
        **row,
        "entry_id": f"{kind}:{revision_id(source, revision)}",
        "source_id": revision_id(str(row["source_id"]), revision),
    }


def _renumbered(text: str, invoice_no: str, revision: int) -> str:
    """``text`` with every number derived from ``invoice_no`` moved to the revision's."""
    return text.replace(invoice_no, revision_no(invoice_no, revision))


def for_revision(made: Reversal, invoice_no: str, revision: int) -> Reversal:
    """A refund's (void's) lines and documents, built against revision 0's ``invoice_no``,
    keyed and numbered for ``revision``."""
    if revision == 0:
        return made
    said = f" (revision {revision} of the order)"
    documents = []
    for doc in made.documents:
        body = dict(doc.payload[doc.doc_type])
        custom = revision_id(doc.custom_id, revision)
        number = _renumbered(doc.transaction_no, invoice_no, revision)
        body.update(
            transaction_no=number,
            custom_id=custom,
            memo=_renumbered(str(body["memo"]), invoice_no, revision) + said,
        )
        if "invoice_no" in body:
            body["invoice_no"] = revision_no(invoice_no, revision)
        documents.append(
            replace(
                doc,
                doc_key=f"{doc.doc_type}:{custom}",
                source_id=custom,
                custom_id=custom,
                transaction_no=number,
                payload={doc.doc_type: body},
            )
        )
    return Reversal([_line(r, revision) for r in made.lines], documents)


def payment_for_revision(
    lines: list[dict[str, Any]], document: Document, invoice_no: str, revision: int
) -> tuple[list[dict[str, Any]], Document]:
    """A later payment's lines and receive payment, built against revision 0's ``invoice_no``,
    keyed and numbered for ``revision``."""
    if revision == 0:
        return lines, document
    body = dict(document.payload[RECEIVE_PAYMENT])
    custom = revision_id(document.custom_id, revision)
    number = _renumbered(document.transaction_no, invoice_no, revision)
    body.update(
        transaction_no=number,
        custom_id=custom,
        records_attributes=[
            {**r, "transaction_no": revision_no(invoice_no, revision)}
            for r in body["records_attributes"]
        ],
        memo=f"{body['memo']} (revision {revision}, invoice {revision_no(invoice_no, revision)})",
    )
    keyed = replace(
        document,
        doc_key=f"{RECEIVE_PAYMENT}:{custom}",
        source_id=custom,
        custom_id=custom,
        transaction_no=number,
        payload={RECEIVE_PAYMENT: body},
    )
    return [_line(r, revision) for r in lines], keyed
