"""Refunds and voids of orders carried by a daily summary: their sales return goes against the
summary invoice, line for line, and is priced as Jurnal prices a return of that invoice.

A per-order sales return names its order's invoice and the line there (`reversals.py`). When
the order is in a summary, the line is the summary's line that took it (`Member.line_map`), and
what the return credits the receivable is Jurnal's share of that summary line (its amount,
discount share and tax for the units returned, J-37), which can differ by cents from the
share in the order's own invoice. The journal entry that pays the refund back debits the
receivable by exactly that, and its rounding line takes the difference, so the receivable nets
to zero and the clearing account is credited the refund exactly. A summary line's discount
share and tax are the average of every order it carries, not the order's: when the return's
lines carry what the order's own invoice would have posted (a reversal's do,
`return_arithmetic.OWN_POSTINGS`), the entry also books the difference on the revenue,
discount and tax accounts (`summary_pricing.repriced`), and only cents are left to rounding.
A revision's reversal (``…/C``) keeps its own return and entry, never merged into the day's.

An order with goods of two tax treatments is in two summary invoices (`…-2`), so a refund of
both kinds becomes one sales return per summary invoice its lines are in (its *parts*), each
priced from that invoice, and its one journal entry debits the receivable by their sum. The
first part (by summary invoice number) keeps the refund's keys, so its journal entry still
pairs with it (``…/RJ1`` waits for ``…/R1``); part k >= 2 has custom_id
``<refund custom_id>:<k>`` and number ``<return no>-<k>`` (``ISL/JKT-000101/R1-2``). Neither
meets another convention: a revision appends ``/<n>`` and ``.<n>``, a reversal ``/C``, a
payment ``/P<n>``, a day's merged return is numbered after the summary invoice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from journal_pipeline.accounting.documents import (
    JOURNAL_ENTRY,
    REVERSAL_SUFFIX,
    SALES_RETURN,
    Document,
)
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.accounting.return_arithmetic import (
    OWN_POSTINGS,
    returned_part,
)
from journal_pipeline.accounting.summary_pricing import (
    REPRICED_TEXT,
    Net,
    added,
    net_lines,
    priced,
    repriced,
    summary_facts,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import to_rupiah

if TYPE_CHECKING:
    from journal_pipeline.accounting.daily_summary import Member

RECEIVABLE_TEXT = "sales return credit"
ROUNDING_TEXT = "rounding"
PART = ":"  # custom_id of a refund's part k >= 2: ``<refund custom_id>:<k>``


def part_keys(custom_id: str, number: str, k: int) -> tuple[str, str]:
    """(custom_id, number) of part ``k`` of a refund's sales return (1: the refund's own)."""
    return (custom_id, number) if k == 1 else (f"{custom_id}{PART}{k}", f"{number}-{k}")


def refund_of(custom_id: str) -> str:
    """The custom_id of the refund (and of its journal entry) a sales return is part of."""
    head, sep, tail = custom_id.rpartition(PART)
    return head if sep and head and tail.isdigit() else custom_id


def returns_against_summaries(
    documents: list[Document],
    carriers: Mapping[str, Member],
    bodies: Mapping[str, Mapping[str, Any]],
    config: MerchantConfig,
) -> tuple[list[Document], list[Hold], set[str]]:
    """The documents with every sales return of a summarised order (and its journal entry)
    moved onto the summary invoices; a return that cannot be is held with its entry. The
    third value: doc keys of the moved returns (parts included) and entries."""
    entries = {d.custom_id: d for d in documents if d.doc_type == JOURNAL_ENTRY}
    replaced: dict[str, list[Document]] = {}
    holds: list[Hold] = []
    dropped: set[str] = set()
    for doc in documents:
        if doc.doc_type != SALES_RETURN:
            continue
        member = carriers.get(doc.payload[SALES_RETURN].get("invoice_no"))
        if member is None:
            continue
        entry = entries.get(doc.custom_id)
        result = _moved(doc, entry, member, bodies, config)
        if isinstance(result, str):
            dropped.update({doc.doc_key, *([entry.doc_key] if entry else [])})
            for held in (doc, entry):
                if held is not None:
                    holds.append(
                        Hold(
                            "refund",
                            held.source_id,
                            held.source_reference,
                            held.outlet_code,
                            held.business_date,
                            result,
                            held.doc_type,
                        )
                    )
            continue
        parts, new_entry = result
        replaced[doc.doc_key] = parts
        if entry is not None and new_entry is not None:
            replaced[entry.doc_key] = [new_entry]
    out = [
        new for d in documents if d.doc_key not in dropped for new in replaced.get(d.doc_key, [d])
    ]
    return out, holds, {d.doc_key for docs in replaced.values() for d in docs}


def _moved(
    doc: Document,
    entry: Document | None,
    member: Member,
    bodies: Mapping[str, Mapping[str, Any]],
    config: MerchantConfig,
) -> tuple[list[Document], Document | None] | str:
    """The return's parts, one per summary invoice its lines are in, and its entry debiting
    the receivable by what they credit together; or why it cannot be booked."""
    body = doc.payload[SALES_RETURN]
    lines = body.get("transaction_return_lines_attributes") or []
    what = f"Refund {doc.transaction_no} of order {doc.source_reference}"
    day = member.business_date.isoformat()
    by_target: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        spot = _spot(member, line)
        if spot is None:
            return (
                f"{what}: its line {line.get('invoice_line_index')} is on no summary invoice "
                f"of {day}. Record the return in Jurnal by hand against daily summary invoice "
                f"{member.invoice_no}."
            )
        by_target.setdefault(spot[0], []).append({**line, "invoice_line_index": spot[1]})
    if not by_target:
        return f"{what}: it names no line to return. Record it in Jurnal by hand."
    for target in by_target:
        if target not in bodies:
            return f"{what}: summary invoice {target} is not built yet; run its day first."
    targets = sorted(by_target)
    keys = [part_keys(doc.custom_id, doc.transaction_no, k) for k in range(1, len(targets) + 1)]
    named = zip(keys, targets, strict=True)
    numbers = ", ".join(f"{number} ({target})" for (_, number), target in named)
    parts: list[Document] = []
    total = Decimal(0)
    moves: Net | None = {}
    for (custom_id, number), target in zip(keys, targets, strict=True):
        receivable = priced(by_target[target], bodies[target], config)
        total += receivable
        more = repriced(by_target[target], bodies[target], config, doc.outlet_code)
        moves = None if moves is None or more is None else added(moves, more)
        if len(targets) == 1:
            memo = f"{body.get('memo', '')}; the order is in daily summary invoice {target}"
            new_body = {**body, "invoice_no": target, "memo": memo}
        else:
            memo = (
                f"{body.get('memo', '')}; the order's lines are in {len(targets)} daily summary "
                f"invoices of {day}, one return each: {numbers}"
            )
            new_body = {**body, "transaction_no": number, "custom_id": custom_id}
            new_body.update(invoice_no=target, memo=memo)
        new_body["transaction_return_lines_attributes"] = by_target[target]
        parts.append(
            replace(
                doc,
                doc_key=f"{SALES_RETURN}:{custom_id}",
                transaction_no=number,
                custom_id=custom_id,
                payload={SALES_RETURN: new_body},
                expected_total=to_rupiah(receivable),
            )
        )
    if entry is None:
        return parts, None
    new_entry = _entry_for(entry, total, config, moves or {})
    if len(targets) > 1:
        entry_body = new_entry.payload[JOURNAL_ENTRY]
        memo = (
            f"{entry_body.get('memo', '')}; against daily summary invoices: sales returns {numbers}"
        )
        new_entry = replace(new_entry, payload={JOURNAL_ENTRY: {**entry_body, "memo": memo}})
    return parts, new_entry


def _spot(member: Member, line: Mapping[str, Any]) -> tuple[str, int] | None:
    position = line.get("invoice_line_index")
    if not isinstance(position, int) or not 0 <= position < len(member.line_map):
        return None
    return member.line_map[position]


def _entry_for(
    entry: Document, receivable: Decimal, config: MerchantConfig, moves: Net
) -> Document:
    """The refund's journal entry debiting the receivable by the summary's return value, and
    the accounts the return moved by ``moves`` (`summary_pricing.repriced`); its rounding line
    takes the difference left (cents)."""
    body = entry.payload[JOURNAL_ENTRY]
    lines = [dict(line) for line in body["transaction_account_lines_attributes"]]
    rounding_account = config.account("rounding", entry.outlet_code)
    gap = Decimal(0)
    for position, line in enumerate(list(lines)):
        if line.get("description") == RECEIVABLE_TEXT:
            gap = Decimal(str(line.get("debit", 0))) - receivable - sum(moves.values())
            line["debit"] = json_number(receivable)
            lines[position + 1 : position + 1] = net_lines(moves)
            break
    rounding = next((ln for ln in lines if ln.get("description") == ROUNDING_TEXT), None)
    if gap:
        if rounding is None:
            rounding = {"account_name": rounding_account, "description": ROUNDING_TEXT}
            lines.insert(len(lines) - 1, rounding)
        net = Decimal(str(rounding.pop("debit", 0))) - Decimal(str(rounding.pop("credit", 0)))
        net += gap
        if net:
            rounding["debit" if net > 0 else "credit"] = json_number(abs(net))
        else:
            lines.remove(rounding)
    debit = sum((Decimal(str(ln.get("debit", 0))) for ln in lines), Decimal(0))
    new_body = {**body, "transaction_account_lines_attributes": lines}
    return replace(entry, payload={JOURNAL_ENTRY: new_body}, expected_total=to_rupiah(debit))


@dataclass(frozen=True)
class MergedRefund:
    """A refund carried by a day's merged return (kept so a late refund is not merged twice)."""

    refund_id: str  # the refund's (void's) transaction id: its own documents' custom id
    return_no: str  # the number its own sales return would have had
    merged_key: str  # doc key of the merged sales return
    merged_no: str
    outlet_code: str
    business_date: date


def merged_returns(
    documents: list[Document],
    moved: set[str],
    outlets: set[str],
    day: date,
    bodies: Mapping[str, Mapping[str, Any]],
    config: MerchantConfig,
    *,
    frozen: set[str] | None = None,
    posted: set[str] | None = None,
) -> tuple[list[Document], list[MergedRefund]]:
    """One sales return (and one journal entry) per summary invoice for the day's refunds and
    voids at a summarised outlet, in place of one per refund (a revision's reversal keeps its
    own). ``frozen``: refunds already in
    a merged return in Jurnal (dropped); ``posted``: doc keys of those merged returns (a later
    refund goes into a further one, ``.2``). A refund split over summary invoices goes into
    the merged return of each, with its share of its journal entry (`_entry_shares`)."""
    frozen, posted = frozen or set(), posted or set()
    # a revision's reversal keeps its own return and entry: the revision's memo names them
    returns = [
        d
        for d in documents
        if d.doc_key in moved
        and d.doc_type == SALES_RETURN
        and d.business_date == day
        and d.outlet_code in outlets
        and not refund_of(d.custom_id).endswith(REVERSAL_SUFFIX)
    ]
    if not returns:
        return documents, []
    entries = {d.custom_id: d for d in documents if d.doc_type == JOURNAL_ENTRY}
    shares = _entry_shares(returns, entries, bodies, config)
    groups: dict[tuple[str, str], list[Document]] = {}
    for doc in sorted(returns, key=lambda d: d.transaction_no):
        target = doc.payload[SALES_RETURN]["invoice_no"]
        groups.setdefault((doc.outlet_code, target), []).append(doc)
    dropped = {d.doc_key for d in returns}
    refunds = {refund_of(d.custom_id) for d in returns}
    dropped |= {entries[r].doc_key for r in refunds if r in entries}
    built: list[Document] = []
    carried: list[MergedRefund] = []
    for (outlet, target), docs in sorted(groups.items()):
        docs = [d for d in docs if d.custom_id not in frozen]
        if not docs:
            continue
        base = f"summary:{outlet}:{day.isoformat()}/R:{target}"
        n = 1 + max((_sequence(key, f"{SALES_RETURN}:{base}") for key in posted), default=0)
        custom_id = base if n == 1 else f"{base}.{n}"
        number = f"{target}/R{day.strftime('%Y%m%d')}" + ("" if n == 1 else f".{n}")
        pair = _merged(docs, [shares.get(d.doc_key) for d in docs], bodies[target], config)
        return_body, entry_body, receivable, debit = pair
        refs = ", ".join(d.source_reference for d in docs)
        memo = (
            f"iSeller refunds and voids of outlet {outlet} on {day.isoformat()} against daily "
            f"summary invoice {target}: {len(docs)} (orders {refs})"
        )
        entry_no = number.replace("/R", "/RJ", 1)
        return_body.update(transaction_no=number, custom_id=custom_id, memo=memo)
        entry_body.update(transaction_no=entry_no, custom_id=custom_id, memo=memo)
        for doc_type, no, total, body in (
            (SALES_RETURN, number, receivable, return_body),
            (JOURNAL_ENTRY, entry_no, debit, entry_body),
        ):
            if not body.get("transaction_account_lines_attributes", True):
                continue  # no entry's share came here (an entry without a receivable line)
            built.append(
                Document(
                    doc_key=f"{doc_type}:{custom_id}",
                    doc_type=doc_type,
                    business_date=day,
                    outlet_code=outlet,
                    source_id=custom_id,
                    source_reference=custom_id,
                    transaction_no=no,
                    custom_id=custom_id,
                    expected_total=to_rupiah(total),
                    payload={doc_type: body},
                )
            )
        carried += [
            MergedRefund(
                d.custom_id, d.transaction_no, f"{SALES_RETURN}:{custom_id}", number, outlet, day
            )
            for d in docs
        ]
    return [*built, *(d for d in documents if d.doc_key not in dropped)], carried


def _sequence(key: str, base_key: str) -> int:
    """n of a posted merged return's doc key ``<base key>`` (1) or ``<base key>.<n>``; 0 when
    it is another one's (the ``…-2`` summary invoice's key starts as the first one's)."""
    if key == base_key:
        return 1
    tail = key.removeprefix(f"{base_key}.")
    return int(tail) if tail != key and tail.isdigit() else 0


def _entry_shares(
    returns: list[Document],
    entries: Mapping[str, Document],
    bodies: Mapping[str, Mapping[str, Any]],
    config: MerchantConfig,
) -> dict[str, tuple[dict[str, Any], Net]]:
    """Per return (doc key): the head and net lines of its refund's journal entry that go into
    its merged entry. A refund in one return gives it all; a refund split over summary
    invoices gives each further part Dr receivable what the part credits, Cr the clearing
    account that in rupiah and the cents to rounding, and its first part the rest: each merged
    entry balances, and together they credit the clearing account the refund exactly."""
    by_refund: dict[str, list[Document]] = {}
    for doc in returns:
        by_refund.setdefault(refund_of(doc.custom_id), []).append(doc)
    shares: dict[str, tuple[dict[str, Any], Net]] = {}
    for refund, parts in by_refund.items():
        entry = entries.get(refund)
        if entry is None:
            continue
        body = entry.payload[JOURNAL_ENTRY]
        head = {"transaction_date": body["transaction_date"], "tags": body.get("tags", [])}
        lines = body["transaction_account_lines_attributes"]
        rest: Net = {}
        for line in lines:
            key = (line["account_name"], line.get("description", ""))
            amount = Decimal(str(line.get("debit", 0))) - Decimal(str(line.get("credit", 0)))
            rest[key] = rest.get(key, Decimal(0)) + amount
        main = next((d for d in parts if d.custom_id == refund), parts[0])
        receivable = next((k for k in rest if k[1] == RECEIVABLE_TEXT), None)
        if receivable is not None and len(parts) > 1:
            clearing = (lines[-1]["account_name"], lines[-1].get("description", ""))  # the refund
            rounding = next(
                (k for k in rest if k[1] == ROUNDING_TEXT),
                (config.account("rounding", entry.outlet_code) or "", ROUNDING_TEXT),
            )
            for part in parts:
                if part is main:
                    continue
                part_body = part.payload[SALES_RETURN]
                part_lines = part_body["transaction_return_lines_attributes"]
                target = bodies[part_body["invoice_no"]]
                credited = priced(part_lines, target, config)
                # its lines' repricing goes with it (`_merged` folds it and prices it again)
                moved = repriced(part_lines, target, config, entry.outlet_code) or {}
                owed = credited + sum(moved.values(), Decimal(0))
                whole = Decimal(to_rupiah(owed))
                share: Net = {receivable: credited, **moved}
                share.update({clearing: -whole, rounding: whole - owed})
                for key, amount in share.items():
                    rest[key] = rest.get(key, Decimal(0)) - amount
                shares[part.doc_key] = (head, share)
        shares[main.doc_key] = (head, rest)
    return shares


def _merged(
    returns: list[Document],
    entries: list[tuple[dict[str, Any], Net] | None],
    summary: Mapping[str, Any],
    config: MerchantConfig,
) -> tuple[dict[str, Any], dict[str, Any], Decimal, Decimal]:
    """The merged return's and entry's bodies, what the return credits and the entry's debit."""
    units: dict[int, Decimal] = {}
    product: dict[int, dict[str, Any]] = {}
    first = returns[0].payload[SALES_RETURN]
    every_line = [
        line
        for doc in returns
        for line in doc.payload[SALES_RETURN]["transaction_return_lines_attributes"]
    ]
    for line in every_line:
        index = int(line["invoice_line_index"])
        units[index] = units.get(index, Decimal(0)) + Decimal(str(line["return_quantity"]))
        product.setdefault(index, {k: v for k, v in line.items() if k != OWN_POSTINGS})
    inclusive = bool(summary.get("use_tax_inclusive"))
    facts = summary_facts(summary, config)
    receivable = sum(
        (returned_part(facts[i], q, tax_inclusive=inclusive).receivable for i, q in units.items()),
        Decimal(0),
    )
    lines = [
        {**product[i], "invoice_line_index": i, "return_quantity": json_number(units[i])}
        for i in sorted(units)
    ]
    return_body = {
        "transaction_date": first["transaction_date"],
        "invoice_no": first["invoice_no"],
        "tags": first.get("tags", []),
        "transaction_return_lines_attributes": lines,
    }
    # the entries' lines added up per account and wording, then the receivable set to what the
    # merged return credits and the rounding line to what balances it
    net: Net = {}
    head: dict[str, Any] = {}
    for entry in entries:
        if entry is None:
            continue
        head = head or entry[0]
        for key, amount in entry[1].items():
            net[key] = net.get(key, Decimal(0)) + amount
    outlet = returns[0].outlet_code
    rounding_account = config.account("rounding", outlet)
    receivable_key = next((k for k in net if k[1] == RECEIVABLE_TEXT), None)
    if receivable_key is not None:
        # each refund's entry was repriced on its own return (`_entry_for`): that folds back
        # into the receivable, and the merged return, priced on the merged units as Jurnal
        # prices it, is repriced as a whole
        for key in [k for k in net if k[1].startswith(REPRICED_TEXT)]:
            net[receivable_key] += net.pop(key)
        moved = repriced(every_line, summary, config, outlet) or {}
        gap = net[receivable_key] - receivable - sum(moved.values())
        net[receivable_key] = receivable
        for key, amount in moved.items():
            net[key] = net.get(key, Decimal(0)) + amount
        rounding_key = next(
            (k for k in net if k[1] == ROUNDING_TEXT), (rounding_account or "", ROUNDING_TEXT)
        )
        net[rounding_key] = net.get(rounding_key, Decimal(0)) + gap
    entry_lines = []
    for (account, text), amount in net.items():
        if amount:
            side = "debit" if amount > 0 else "credit"
            entry_lines.append(
                {"account_name": account, side: json_number(abs(amount)), "description": text}
            )
    entry_lines.sort(key=lambda line: "credit" in line)  # debits first, as one refund's entry
    debit = sum((Decimal(str(ln.get("debit", 0))) for ln in entry_lines), Decimal(0))
    entry_body = {**head, "transaction_account_lines_attributes": entry_lines}
    return return_body, entry_body, receivable, debit
