"""Finding a sales return already in Jurnal by what Jurnal shows of it.

The documented sales return request has neither ``custom_id`` nor ``transaction_no``, and every
documented answer shows ``custom_id: null`` and an automatic number (docs/assumptions/
jurnal.md, J-37). Where Jurnal keeps them, a return is recognised by them as every document is.
Where it ignores them, a return sent before (its answer lost, its run stopped) is recognised by
what Jurnal does show of it:

- the invoice it returns (``invoice_id``, else ``invoice_no``);
- its ``transaction_date``;
- its lines: the invoice lines it names (``transaction_line_id``, else the one invoice line of
  its product) with their quantities, the same lines and quantities as sent.

The returns looked at are those the invoice lists (``GET sales_invoices/{id}``, its
``sales_returns[]``), each read by id; for an invoice whose answer does not list its returns by
id, the returns list newest first (``GET sales_returns`` has no documented filter).

Two returns of the same invoice, day, lines and quantities are rare but possible (two refunds of
one unit of the same line on the same day). The pipeline's own records tell them apart: a return
Jurnal shows is *not* this one when it shows another ``custom_id``, or the number of another of
the pipeline's returns, when its Jurnal id is recorded for another of the pipeline's returns, or
when its memo is that of another return of the same invoice not recorded yet (every memo names
its return's own journal entry). Of the returns left, the one showing this return's memo, else
the oldest (lowest id), is this one. So each return in Jurnal answers for at most one of the
pipeline's returns, and as many are found as were sent.

The total is not compared: Jurnal computes it from the lines, so two returns of the same lines
have the same total, and a total other than the one expected is logged (``total_mismatch``) as
for every document rather than read as another return (and posted a second time).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from journal_pipeline.core.jurnal_dates import jurnal_day

LINES = "transaction_return_lines_attributes"


class ReturnReader(Protocol):
    """Jurnal as the look-up reads it: a record by id and a list newest first."""

    duplicate_scan_limit: int

    def get_record(self, resource: str, record_id: int) -> dict[str, Any] | None: ...

    def iter_newest_first(
        self, resource: str, list_key: str | None = None
    ) -> Iterator[dict[str, Any]]: ...


def _none_recorded(ids: Collection[int]) -> Collection[int]:
    return ()


@dataclass(frozen=True)
class OtherReturns:
    """What the pipeline's records say of its other sales returns.

    ``recorded(ids)``: those of the Jurnal ids given that are recorded for another of its
    returns; ``bodies``: its other returns not recorded yet (sent or not), as sent."""

    recorded: Callable[[Collection[int]], Collection[int]] = _none_recorded
    bodies: Sequence[Mapping[str, Any]] = ()


def find_sales_return(
    client: ReturnReader,
    body: Mapping[str, Any],
    invoice_id: int,
    others: OtherReturns | None = None,
    invoice: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The sales return in Jurnal that is the one ``body`` describes (lines named by
    ``transaction_line_id``, as sent), against the invoice of Jurnal id ``invoice_id``
    (``invoice``: that invoice as just read, else it is read); None when there is none."""
    others = others or OtherReturns()
    if invoice is None:
        invoice = client.get_record("sales_invoices", invoice_id)
        if invoice is None:
            return None
    day = jurnal_day(body.get("transaction_date"))
    wanted = _line_keys(body.get(LINES), invoice)
    invoice_no = str(body.get("invoice_no") or invoice.get("transaction_no") or "")
    siblings = [b for b in others.bodies if str(b.get("invoice_no") or "") == invoice_no]
    numbers = {str(b["transaction_no"]) for b in siblings if b.get("transaction_no")}
    passes = [_listed_on(client, invoice, day)]
    if not _lists_returns(invoice):
        passes.append(_scanned(client, invoice, invoice_no))
    seen: set[Any] = set()
    for candidates in passes:
        same = []
        for record, on_invoice in candidates:
            if record.get("id") in seen:
                continue
            seen.add(record.get("id"))
            verdict = _by_keys(body, record, numbers)
            if verdict is not None:
                if verdict:
                    return record
                continue
            if (
                _names_invoice(record, invoice, invoice_no, on_invoice)
                and day is not None
                and jurnal_day(record.get("transaction_date")) == day
                and wanted is not None
                and _line_keys(record.get(LINES), invoice) == wanted
            ):
                same.append(record)
        chosen = _unclaimed(same, body, siblings, others)
        if chosen is not None:
            return chosen
    return None


def _by_keys(body: Mapping[str, Any], record: Mapping[str, Any], numbers: set[str]) -> bool | None:
    """True/False when the keys Jurnal shows decide it; None when they do not (not shown)."""
    shown = record.get("custom_id")
    if shown not in (None, ""):
        return str(shown) == str(body.get("custom_id") or "")
    number = record.get("transaction_no")
    if number not in (None, "") and str(number) == str(body.get("transaction_no") or ""):
        return True
    if number not in (None, "") and str(number) in numbers:
        return False  # the number of another of our returns
    return None  # an automatic number, or none: the content decides


def _unclaimed(
    same: list[dict[str, Any]],
    body: Mapping[str, Any],
    siblings: Sequence[Mapping[str, Any]],
    others: OtherReturns,
) -> dict[str, Any] | None:
    """Of the returns of the same content, the one that is this return (module docstring)."""
    if not same:
        return None
    taken = set(others.recorded([int(r["id"]) for r in same if r.get("id") is not None]))
    memo = str(body.get("memo") or "")
    their_memos = {str(b.get("memo") or "") for b in siblings} - {"", memo}
    left = [
        r
        for r in same
        if r.get("id") is not None
        and int(r["id"]) not in taken
        and str(r.get("memo") or "") not in their_memos
    ]
    left.sort(key=lambda r: (str(r.get("memo") or "") != memo, int(r["id"])))
    return left[0] if left else None


def _listed_on(
    client: ReturnReader, invoice: Mapping[str, Any], day: Any
) -> Iterator[tuple[dict[str, Any], bool]]:
    """The returns the invoice lists (``sales_returns[]``), read by id; those listed with
    another date are skipped unread."""
    listed = invoice.get("sales_returns")
    for ref in listed if isinstance(listed, list) else []:
        if not isinstance(ref, Mapping) or ref.get("id") in (None, ""):
            continue
        shown = jurnal_day(ref.get("transaction_date"))
        if shown is not None and day is not None and shown != day:
            continue
        record = client.get_record("sales_returns", int(ref["id"]))
        if record is not None:
            yield record, True


def _lists_returns(invoice: Mapping[str, Any]) -> bool:
    """Whether the invoice's answer lists its returns by id (then it lists them all); an empty
    or missing list, or one without ids, says nothing."""
    listed = invoice.get("sales_returns")
    return isinstance(listed, list) and any(
        isinstance(ref, Mapping) and ref.get("id") not in (None, "") for ref in listed
    )


def _scanned(
    client: ReturnReader, invoice: Mapping[str, Any], invoice_no: str
) -> Iterator[tuple[dict[str, Any], bool]]:
    """The returns list newest first (up to the client's scan limit), those naming the
    invoice: for an invoice whose answer does not list its returns."""
    for seen, record in enumerate(client.iter_newest_first("sales_returns"), start=1):
        if _names_invoice(record, invoice, invoice_no, on_invoice=False):
            yield record, False
        if seen >= client.duplicate_scan_limit:
            return


def _names_invoice(
    record: Mapping[str, Any], invoice: Mapping[str, Any], invoice_no: str, on_invoice: bool
) -> bool:
    shown_id = record.get("invoice_id")
    if shown_id not in (None, ""):
        return str(shown_id) == str(invoice.get("id"))
    shown_no = record.get("invoice_no")
    if shown_no not in (None, ""):
        return str(shown_no) == invoice_no
    return on_invoice  # listed by the invoice itself


def _line_keys(lines: object, invoice: Mapping[str, Any]) -> list[tuple[int, Decimal]] | None:
    """(invoice line id, quantity) of each returned line, sorted; None when a line cannot be
    placed on the invoice."""
    keys = []
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, Mapping):
            return None
        quantity = _decimal(line.get("return_quantity"))
        line_id = line.get("transaction_line_id")
        if line_id in (None, ""):
            line_id = _line_of_product(line, invoice)
        if quantity is None or line_id is None:
            return None
        if quantity:
            keys.append((int(line_id), quantity))
    return sorted(keys) or None


def _line_of_product(line: Mapping[str, Any], invoice: Mapping[str, Any]) -> int | None:
    """The one invoice line of the product a return line shows (an object or its name)."""
    shown = (line.get("transaction_line") or {}).get("product")
    if isinstance(shown, Mapping):
        product_id, name = shown.get("id"), shown.get("name")
    else:
        product_id, name = None, shown
    matches = []
    for target in invoice.get("transaction_lines_attributes") or []:
        product = target.get("product") or {}
        if (product_id is not None and product.get("id") == product_id) or (
            product_id is None and name and product.get("name") == name
        ):
            matches.append(target.get("id"))
    return int(matches[0]) if len(matches) == 1 and matches[0] is not None else None


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
