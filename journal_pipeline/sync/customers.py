"""Customers before invoices: every customer a pending invoice names must exist in Jurnal (J-50).

A Jurnal customer is matched on ``custom_id`` = the iSeller customer id, never on its name
alone: a Jurnal customer of the same name without that ``custom_id`` belongs to someone else
and is reported, not merged. The display name is the one the invoice names
(`journal_pipeline.accounting.customers`); a customer found under another name (the customer
was renamed in iSeller since) is renamed to it, so the invoice's ``person_name`` resolves.
Missing customers are created through ``customers/batch_create``, 100 a call; a batch whose
answer was lost is resolved to the customers it created by their ``custom_id``.

Phone number and e-mail go to Jurnal as the customer's ``phone`` and ``email`` (an e-mail
that is not one is left out rather than have Jurnal refuse the customer). They never go
anywhere else: the counts and reasons this module returns name a customer by its iSeller id
and display name, Jurnal's messages are stripped of the values sent, and a Jurnal error is
raised again without the request or answer it carried.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from journal_pipeline.accounting.customers import display_name, same_name
from journal_pipeline.accounting.documents import split_revision
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.iseller.customers import OrderCustomer, order_customer
from journal_pipeline.jurnal.errors import JurnalError, JurnalValidationError
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.ports import BatchItem

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REDACTED = "[personal data removed]"


class CustomerDirectory(Protocol):
    """Jurnal as the customer sync uses it."""

    def list_customers(self) -> Sequence[Mapping[str, Any]]: ...

    def batch_create(
        self, resource: str, root: str, items: list[Mapping[str, Any]], /
    ) -> Sequence[BatchItem]: ...

    def update_customer(self, customer_id: int, body: Mapping[str, Any]) -> Mapping[str, Any]: ...

    def create_customer(self, body: Mapping[str, Any]) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class WantedCustomer:
    """A customer the day's invoices name: its body (personal data included) is only sent."""

    custom_id: str
    display_name: str
    orders: tuple[str, ...]  # the references of the orders whose invoices name it
    customer: OrderCustomer = field(repr=False)

    def body(self) -> dict[str, Any]:
        c = self.customer
        body: dict[str, Any] = {"display_name": self.display_name, "custom_id": self.custom_id}
        if c.first_name:
            body["first_name"] = c.first_name
        if c.last_name:
            body["last_name"] = c.last_name
        if c.phone:
            body["phone"] = c.phone
        if c.email and EMAIL.match(c.email):
            body["email"] = c.email
        return body

    def private_values(self) -> list[str]:
        return [v for v in (self.customer.phone, self.customer.email) if v]


@dataclass
class CustomerSync:
    existing: int = 0
    created: list[str] = field(default_factory=list)  # display names
    renamed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the customer, the cause and the fix
    # a Jurnal customer holds the name of one of ours: an invoice naming it would land on that
    # other customer, so no invoice of the day may be posted until it is resolved
    conflicts: list[str] = field(default_factory=list)


def wanted_customers(
    invoices: Iterable[Mapping[str, Any]],
    orders: Iterable[Mapping[str, Any]],
    result: CustomerSync | None = None,
) -> list[WantedCustomer]:
    """The customers the pending ``invoices`` name, from the staged ``orders`` they invoice
    (one per iSeller customer, in ``custom_id`` order). An invoice whose person is not the
    name its order gives now (the order changed after the day was built) is reported."""
    by_order = {str(order.get("order_id")): order for order in orders}
    found: dict[str, WantedCustomer] = {}
    for invoice in sorted(invoices, key=lambda i: str(i.get("reference_no") or "")):
        order = by_order.get(_order_id(invoice))
        customer = order_customer(order) if order is not None else None
        if customer is None:
            continue  # a walk-in sale: the walk-in customer
        reference = str(invoice.get("reference_no") or invoice.get("custom_id"))
        name = display_name(customer.customer_id, customer.name)
        if invoice.get("person_name") != name:
            if result is not None:
                result.failed.append(
                    f"Order {reference}: its invoice names a customer as the order was when the "
                    f"day was built, not as it is now (iSeller customer {customer.customer_id}). "
                    "Run the day again so the invoice is rebuilt."
                )
            continue
        known = found.get(customer.customer_id)
        if known is None:
            found[customer.customer_id] = WantedCustomer(
                customer.customer_id, name, (reference,), customer
            )
        elif known.display_name == name:
            found[customer.customer_id] = WantedCustomer(
                known.custom_id, name, (*known.orders, reference), _merged(known.customer, customer)
            )
        elif result is not None:
            result.failed.append(
                f"Order {reference}: iSeller customer {customer.customer_id} is named "
                f"{name!r} here but {known.display_name!r} on order {known.orders[0]}; Jurnal "
                "keeps one name per customer. Correct the customer in iSeller, then run the "
                "day again."
            )
    return [found[key] for key in sorted(found)]


def _order_id(invoice: Mapping[str, Any]) -> str:
    """The order an invoice bills: a revision's (``<order id>/<n>``, an order posted again
    after a correction or a repost) names the order as it is now, as its first invoice did."""
    return split_revision(str(invoice.get("custom_id")))[0]


def _merged(first: OrderCustomer, other: OrderCustomer) -> OrderCustomer:
    """One customer's details from several orders: each field from the first that has it."""
    return replace(
        first,
        **{
            key: getattr(first, key) or getattr(other, key)
            for key in ("first_name", "last_name", "phone", "email")
        },
    )


def ensure_customers(
    client: CustomerDirectory, wanted: list[WantedCustomer], config: MerchantConfig
) -> CustomerSync:
    """Create, in batches of 100, the wanted customers Jurnal lacks; rename the ones whose
    display name changed; report the ones that cannot be."""
    return _ensure(client, wanted, config, CustomerSync())


def _ensure(
    client: CustomerDirectory,
    wanted: list[WantedCustomer],
    config: MerchantConfig,
    result: CustomerSync,
    contacts: Callable[[WantedCustomer], WantedCustomer] | None = None,
    known: Sequence[Mapping[str, Any]] | None = None,
) -> CustomerSync:
    if not wanted:
        return result
    if known is None:
        known = _safely(client.list_customers, "GET customers")
    by_custom_id = {str(c["custom_id"]): c for c in known if text_or_none(c.get("custom_id"))}
    accounts = _accounts(known, config)
    missing: list[WantedCustomer] = []
    for customer in wanted:
        record = by_custom_id.get(customer.custom_id)
        if record is not None:
            _keep(client, customer, record, result)
            continue
        holder = next(
            (c for c in known if same_name(c.get("display_name"), customer.display_name)), None
        )
        if holder is not None:
            result.conflicts.append(
                f"iSeller customer {customer.custom_id} ({_orders(customer)}): Jurnal already has "
                f"a customer named {customer.display_name!r} (id {holder.get('id')}) that is not "
                "this one (its custom_id differs), and the invoices would land on it. Rename "
                "that customer in Jurnal, then run the day again."
            )
            continue
        missing.append(contacts(customer) if contacts else customer)
    bodies: list[Mapping[str, Any]] = [{**c.body(), **accounts} for c in missing]
    items = _safely(lambda: client.batch_create("customers", "customer", bodies), "POST customers")
    for customer, item in zip(missing, items, strict=True):
        if item.record is not None and item.duplicate:
            _keep(client, customer, item.record, result)
        elif item.record is not None:
            result.created.append(customer.display_name)
        else:
            messages = _scrub(_messages(item.errors), customer.private_values())
            result.failed.append(
                f"iSeller customer {customer.custom_id} ({_orders(customer)}): Jurnal refused "
                f"to create {customer.display_name!r}: {messages}. Its invoices will be refused "
                "until it exists: correct the customer in iSeller (or create it in Jurnal with "
                "this name and custom_id), then run the day again."
            )
    return result


def _keep(
    client: CustomerDirectory,
    customer: WantedCustomer,
    record: Mapping[str, Any],
    result: CustomerSync,
) -> None:
    """An existing customer: renamed to the invoice's name when it has another one."""
    if record.get("display_name") == customer.display_name:
        result.existing += 1
        return
    try:
        renamed = {"display_name": customer.display_name, **_kept_accounts(record)}
        client.update_customer(int(record["id"]), renamed)
    except JurnalValidationError as exc:
        messages = _scrub(_messages(exc.fields), customer.private_values())
        result.failed.append(
            f"iSeller customer {customer.custom_id} ({_orders(customer)}): the Jurnal customer "
            f"with this custom_id (id {record.get('id')}) is named differently and could not "
            f"be renamed to {customer.display_name!r}: {messages}. Rename it in Jurnal, then "
            "run the day again."
        )
        return
    except JurnalError as exc:
        raise _clean(exc, "PATCH customers") from None
    result.renamed.append(customer.display_name)


def _kept_accounts(record: Mapping[str, Any]) -> dict[str, Any]:
    """The customer's own receivable and payable, which Jurnal's PATCH customers requires
    with the name: sent as they are, so a rename changes nothing else."""
    kept = {}
    for side in ("ar", "ap"):
        account = record.get(f"default_{side}_account")
        if isinstance(account, Mapping) and account.get("id") is not None:
            kept[f"default_{side}_account_id"] = account["id"]
        elif isinstance(account, Mapping) and account.get("name"):
            kept[f"default_{side}_account_name"] = account["name"]
    return kept


def _accounts(known: Sequence[Mapping[str, Any]], config: MerchantConfig) -> dict[str, Any]:
    """The receivable of the config, and the payable of the walk-in customer, else the one
    most of Jurnal's customers have (a batch create requires both; the pipeline has no payable
    of its own, and Jurnal gives every customer the company's default one)."""
    accounts: dict[str, Any] = {}
    receivable = config.account("receivable", None)
    if receivable:
        accounts["default_ar_account_name"] = receivable
    walk_in = [c for c in known if same_name(c.get("display_name"), config.walk_in_customer)]
    payable = next((p for c in walk_in if (p := _payable_id(c)) is not None), None)
    if payable is None:
        common = Counter(p for c in known if (p := _payable_id(c)) is not None).most_common(1)
        payable = common[0][0] if common else None
    if payable is not None:
        accounts["default_ap_account_id"] = payable
    return accounts


def _payable_id(customer: Mapping[str, Any]) -> Any:
    payable = customer.get("default_ap_account")
    return payable.get("id") if isinstance(payable, Mapping) else None


def _orders(customer: WantedCustomer) -> str:
    shown = ", ".join(customer.orders[:3])
    more = f" and {len(customer.orders) - 3} more" if len(customer.orders) > 3 else ""
    return f"orders {shown}{more}" if len(customer.orders) > 1 else f"order {shown}"


def _messages(errors: Mapping[str, Any] | None) -> str:
    if not errors:
        return "no reason given"
    return "; ".join(
        f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in errors.items()
    )


def _scrub(text: str, private: Iterable[str]) -> str:
    for value in private:
        text = text.replace(value, REDACTED)
    return text


def _safely(call: Any, where: str) -> Any:
    try:
        return call()
    except JurnalError as exc:
        raise _clean(exc, where) from None


def _clean(exc: JurnalError, where: str) -> JurnalError:
    """The same error (its type says what to do) without the request or answer it carried."""
    clean = copy.copy(exc)
    status = f"HTTP {exc.status}" if exc.status is not None else "no answer"
    clean.args = (
        f"{where}: {status} while creating the customers of the day's invoices; nothing was "
        "posted for them. Run the day again once Jurnal answers.",
    )
    clean.body = None
    for attribute in ("fields", "full_messages"):
        if hasattr(clean, attribute):
            setattr(clean, attribute, {} if attribute == "fields" else [])
    return clean


def sync_day_customers(
    store: StagingStore,
    client: CustomerDirectory,
    config: MerchantConfig,
    day: date,
    current_order: CurrentOrder | None = None,
) -> CustomerSync:
    """Ensure the customers the day's pending invoices name (the asset ``jurnal_customers``).

    Staged orders hold no phone number or e-mail (core/personal_data.py): ``current_order``
    asks iSeller for the order again, for the customers Jurnal does not have yet, so that they
    are created with both; without it they are created without."""
    invoices = Outbox(store).pending_payloads(day)
    named = [i for i in invoices if i.get("person_name") != config.walk_in_customer]
    result = CustomerSync()
    orders = store.orders_by_id(_order_id(i) for i in named)
    wanted = wanted_customers(named, orders, result)
    contacts = _contacts_from(current_order, orders) if current_order else None
    known = None
    # a sale without a customer names the walk-in customer: confirmed in Jurnal once a day, as
    # Jurnal's customer list can only be read whole
    if len(named) < len(invoices) and not _walk_in_confirmed(store, config):
        known = _safely(client.list_customers, "GET customers")
        known = _with_walk_in(client, known, config, result)
        if any(same_name(c.get("display_name"), config.walk_in_customer) for c in known):
            store.set_mark(WALK_IN_MARK, "*", config.walk_in_customer)
    return _ensure(client, wanted, config, result, contacts, known)


WALK_IN_MARK = "walk_in_customer"
WALK_IN_RECHECK = timedelta(days=1)


def _walk_in_confirmed(store: StagingStore, config: MerchantConfig) -> bool:
    """Whether the walk-in customer of the config was seen in Jurnal within a day."""
    mark = store.mark(WALK_IN_MARK)
    if mark is None:
        return False
    name, at = mark
    return name == config.walk_in_customer and datetime.now(UTC) - at < WALK_IN_RECHECK


def _with_walk_in(
    client: CustomerDirectory,
    known: Sequence[Mapping[str, Any]],
    config: MerchantConfig,
    result: CustomerSync,
) -> Sequence[Mapping[str, Any]]:
    """The customer list, with the walk-in customer created when Jurnal lacks it (an invoice
    naming a customer Jurnal does not have is refused, J-11): receivable = the config's."""
    name = config.walk_in_customer
    if any(same_name(c.get("display_name"), name) for c in known):
        return known
    body: dict[str, Any] = {"display_name": name}
    receivable = config.account("receivable", None)
    if receivable:
        body["default_ar_account_name"] = receivable
    try:
        record = client.create_customer(body)
    except JurnalValidationError as exc:
        result.failed.append(
            f"The walk-in customer {name!r} (walk_in_customer in the config) is not in Jurnal "
            f"and Jurnal refused to create it: {_messages(exc.fields)}. Create it in Jurnal "
            "(or name an existing customer in walk_in_customer), then run the day again."
        )
        return known
    except JurnalError as exc:
        raise _clean(exc, "POST customers") from None
    result.created.append(name)
    return [*known, record]


CurrentOrder = Callable[[str, datetime], Mapping[str, Any] | None]


def _contacts_from(
    current_order: CurrentOrder, staged: Iterable[Mapping[str, Any]]
) -> Callable[[WantedCustomer], WantedCustomer]:
    """Completes a wanted customer with the phone and e-mail of its first order in iSeller."""
    by_reference: dict[str, Mapping[str, Any]] = {}
    for order in staged:  # an invoice names its order by reference, else by id
        by_reference.update({str(order.get(k)): order for k in ("order_id", "order_reference")})

    def complete(customer: WantedCustomer) -> WantedCustomer:
        order = by_reference.get(customer.orders[0])
        created = parse_utc(order.get("order_date")) if order else None
        if order is None or created is None:
            return customer
        fresh = current_order(str(order["order_id"]), created)
        found = order_customer(fresh) if fresh else None
        if found is None or found.customer_id != customer.custom_id:
            return customer
        return replace(
            customer, customer=replace(customer.customer, phone=found.phone, email=found.email)
        )

    return complete
