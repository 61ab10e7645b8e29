"""A record the pipeline will not post until someone fixes its cause, with the fix; or one it
built and found nothing to post for (`Hold.nothing_to_post`), settled as it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from journal_pipeline.core.orders import OrderRow

if TYPE_CHECKING:
    from journal_pipeline.accounting.documents import Document

# the outbox status of a record built with nothing to post: settled without a document
NOTHING_TO_POST = "nothing_to_post"
# the outbox status of a record a person booked in Jurnal (`sync.by_hand`)
BY_HAND = "by_hand"


@dataclass(frozen=True)
class Hold:
    source_type: str  # "order"
    source_id: str
    source_reference: str
    outlet_code: str
    business_date: date
    reason: str  # the record, the cause and the fix, in words a finance user can act on
    doc_type: str = "sales_invoice"  # the document that cannot be posted
    # nothing is owed and nothing earned (an order given away whole): no document is wanted, the
    # record is settled as built, and ``reason`` says why
    nothing_to_post: bool = False

    @property
    def doc_key(self) -> str:
        return f"{self.doc_type}:{self.source_id}"

    def as_row(self) -> dict[str, Any]:
        return {
            "source_type": self.source_type,
            "source_id": self.source_id,
            "source_reference": self.source_reference,
            "outlet_code": self.outlet_code,
            "business_date": self.business_date,
            "reason": self.reason,
        }


def order_label(reference: str, outlet_code: str, day: date) -> str:
    return f"Order {reference} (outlet {outlet_code}, {day.isoformat()})"


def order_hold(
    order: OrderRow,
    day: date,
    reason: str,
    *,
    doc_type: str = "sales_invoice",
    source_id: str | None = None,
    nothing_to_post: bool = False,
) -> Hold:
    """Hold a document of an iSeller order (a row of the orders frame), naming the order."""
    outlet = order.outlet_code or "?"
    return Hold(
        "order",
        source_id or order.order_id,
        order.order_reference,
        outlet,
        day,
        f"{order_label(order.order_reference, outlet, day)}: {reason}",
        doc_type,
        nothing_to_post,
    )


def document_hold(doc: Document, day: date, reason: str) -> Hold:
    """Hold a document of an order that is built but must not be posted, and say why."""
    return Hold(
        "order", doc.source_id, doc.source_reference, doc.outlet_code, day, reason, doc.doc_type
    )
