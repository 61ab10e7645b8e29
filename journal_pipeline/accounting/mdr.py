"""Entries against a payment's clearing account: the MDR kept back from it, and a gift card
or store credit spent with it.

MDR (merchant discount rate): the fee a bank, card scheme or iSeller Pay keeps from a
successful sale payment, so the clearing account is settled for less than the payment:

    Dr payment_fees          the fee
    Cr payment clearing      the fee (the method's clearing account)

The fee is iSeller's own (``transactions[].mdr[]``, include ``MDR``: `reported_mdr`) when it
reports one, else ``settlements.<method>.mdr_percent`` of the amount, rounded half-up to the
rupiah, else none. What a marketplace or food-delivery platform keeps from an order it sold
(its profit details' admin fee and commission, `platform_fees.py`) is reported the same way,
added to its payment's fee: reported, it replaces the config's percentage. A refund gives no
fee back (iSeller lists ``mdr: []`` on refunds), unless the method's rule takes its fee of the
day's net takings (``fee_basis: day``, `day_fees`).

Gift card redeemed: a payment by gift card whose clearing account is not the gift-card
liability itself (Jurnal deposits an invoice's payment only into a Cash & Bank account)
releases the liability the card's sale booked:

    Dr gift_card_liability   the payment
    Cr payment clearing      the payment

Gift card given back: a refund or void paid back onto a gift card (a refund or void
transaction whose gateway is ``gift_card``) is owed to the card's holder again. The refund's own
entry credits the method's clearing account as any refund does (`reversals.py`), and an entry
moves it back to the liability, the release reversed:

    Dr payment clearing      the refund
    Cr gift_card_liability   the refund

numbered after the refund's journal entry (``<invoice no>/RJ<n>/G``, a void's ``…/VJ/G``),
custom_id ``<refund transaction id>/G``. A void before the invoice was posted books no reversal
(nothing was posted), and its release and this entry cancel out on the clearing account and
the liability alike.

Store credit (gateway ``store_credit``: what a refund gave back onto the customer's account,
owed until spent) is the same, on ``store_credit_liability``, suffix ``S``: spent, Dr the
liability / Cr clearing; given back by a refund or void, Dr clearing / Cr the liability.

Loyalty points (gateway ``points``) are no money: a payment by points is moved off the method's
clearing account to ``loyalty_points`` (a discount or promotion expense, or the points
liability when the merchant accrues one), suffix ``L``; a customer's prepaid balance (gateway
``account_balance``) is owed until spent, on ``customer_balance_liability``, suffix ``B``. Both
roles are optional: without one, those payments stay on the method's clearing account as any
payment method's do.

Each entry is one canonical entry (``money:mdr:<transaction id>``,
``money:gift_card:<transaction id>``, journal part ``payment_fees``) and one Jurnal journal
entry (document type ``payment_fee``), dated the payment's business date (the first open day
when that one is locked), numbered after the document that carries the payment (the invoice
for a till payment, its receive payment otherwise): ``<number>/F`` (fee) and ``<number>/G``
(gift card), custom_id ``<transaction id>/F`` or ``/G``. They are built apart from the sales
(`sync/payment_fees.py`): the fee is the bank's whatever happens to the sale afterwards. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.day_sales import DatedPayment
from journal_pipeline.accounting.documents import PAYMENT_FEE
from journal_pipeline.accounting.fee_entries import (
    BALANCE,
    FEE,
    GIFT_CARD,
    POINTS,
    STORE_CREDIT,
    PaymentEntries,
    SignedEntry,
    add_signed_entry,
)
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.labels import payment_method
from journal_pipeline.accounting.platform_fees import platform_fees
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.core.reported_mdr import mdr_fee

FIX_HINT = "Add it to the config file (JOURNAL_PIPELINE_CONFIG), then run the day again."
GIFT_CARD_GATEWAY = "gift_card"
#: Gateways whose payments spend what the merchant owes its customer (or gives it, points): the
#: entry's suffix, the account's role, and its name in words.
LIABILITY_GATEWAYS = {
    GIFT_CARD_GATEWAY: (GIFT_CARD, "gift_card_liability", "gift card"),
    "store_credit": (STORE_CREDIT, "store_credit_liability", "store credit"),
    "points": (POINTS, "loyalty_points", "loyalty points"),
    "account_balance": (BALANCE, "customer_balance_liability", "customer balance"),
}
#: Of those, the roles a config may leave out: their payments then stay on the method's
#: clearing account, as any payment method's (the entries are made once the role is set).
UNHELD_ROLES = ("loyalty_points", "customer_balance_liability")
MONEY_BACK = ("refund", "void")  # transactions that pay money back
FEE_ROLE, PLATFORM_ROLE = "payment_fees", "platform_fees"


def reported_fees(
    raw_orders: Iterable[Mapping[str, Any]], platform: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Transaction id → the fee iSeller reports for it: its MDR (`reported_mdr.mdr_fee`)
    plus the platform fees of its order (``platform``, else `platform_fees` of the orders), for
    the transactions with either; a transaction with neither (``mdr`` empty or absent) is left
    out."""
    raw_orders = list(raw_orders)
    fees: dict[str, int] = {}
    for order in raw_orders:
        for transaction in order.get("transactions") or []:
            fee = mdr_fee(transaction)
            if fee is not None:
                fees[str(transaction.get("transaction_id"))] = fee
    for transaction_id, fee in (
        platform_fees(raw_orders) if platform is None else platform
    ).items():
        fees[transaction_id] = fees.get(transaction_id, 0) + fee
    return fees


def payment_fee(payment: DatedPayment, reported: Mapping[str, int], config: MerchantConfig) -> int:
    """The fee kept from a payment: iSeller's, else the config's percentage, else 0."""
    if payment.type != "sale" or payment.status != "success":
        return 0
    if payment.transaction_id in reported:
        return reported[payment.transaction_id]
    rule = config.settlement(text_or_none(payment.payment_type_name), text_or_none(payment.gateway))
    if rule is None or rule.mdr_percent is None:
        return 0
    return to_rupiah(Decimal(int(payment.amount)) * rule.mdr_percent / 100)


def void_fees(
    payments: Iterable[DatedPayment], reported: Mapping[str, int], config: MerchantConfig
) -> dict[str, int]:
    """Void transaction id → the fee it gives back, for the successful voids of methods whose
    settlement rule returns the fee on a void (``fee_on_void: returned``): the fees of its
    order's sale payments of the same method (iSeller's, else the rule's percentage), or the
    rule's percentage of the voided amount when those are not at hand."""
    payments = list(payments)
    fees: dict[str, int] = {}
    for void in payments:
        if void.type != "void" or void.status != "success":
            continue
        method, gateway = text_or_none(void.payment_type_name), text_or_none(void.gateway)
        rule = config.settlement(method, gateway)
        if rule is None or rule.fee_on_void != "returned" or rule.fee_basis == "day":
            continue
        sales = [
            p
            for p in payments
            if p.order_id == void.order_id
            and p.type == "sale"
            and p.status == "success"
            and (text_or_none(p.payment_type_name) or "").casefold() == (method or "").casefold()
        ]
        paid = sum(int(p.amount) for p in sales)
        if sales and paid == int(void.amount):
            fee = sum(payment_fee(p, reported, config) for p in sales)
        elif rule.mdr_percent is not None:
            fee = to_rupiah(Decimal(int(void.amount)) * rule.mdr_percent / 100)
        else:
            fee = 0
        if fee:
            fees[str(void.transaction_id)] = fee
    return fees


def owed_by(payment: DatedPayment, config: MerchantConfig) -> tuple[str, str, str] | None:
    """(entry suffix, role, words) of a payment spending what the merchant owes (a gift card,
    store credit, a customer's balance) or gives (loyalty points), else None: also for points
    and balances whose role the config leaves out (`UNHELD_ROLES`)."""
    owed = LIABILITY_GATEWAYS.get((text_or_none(payment.gateway) or "").casefold())
    if owed is None or owed[1] not in UNHELD_ROLES:
        return owed
    return owed if config.account(owed[1], payment.outlet_code) is not None else None


def given_back(
    payments: Iterable[DatedPayment], day: date, config: MerchantConfig
) -> list[DatedPayment]:
    """The successful refunds and voids dated ``day`` that went back onto a gift card, store
    credit, points or a customer's balance (`owed_by`)."""
    return [
        p
        for p in payments
        if p.type in MONEY_BACK
        and p.status == "success"
        and p.business_date == day
        and owed_by(p, config) is not None
    ]


def entry_numbers(payments: Iterable[tuple[DatedPayment, str]], suffix: str) -> dict[str, str]:
    """Transaction id → the number of its entry: ``<document no>/<suffix>``, and
    ``/<suffix><n>`` for the n-th (n ≥ 2, in time order) payment under the same document."""
    numbers: dict[str, str] = {}
    seen: dict[str, int] = {}
    ordered = sorted(payments, key=lambda p: (str(p[0].transaction_date), p[0].transaction_id))
    for payment, document_no in ordered:
        count = seen[document_no] = seen.get(document_no, 0) + 1
        numbers[payment.transaction_id] = f"{document_no}/{suffix}" + (
            str(count) if count > 1 else ""
        )
    return numbers


def payment_entries(
    payments: Iterable[tuple[DatedPayment, str]],
    reported: Mapping[str, int],
    config: MerchantConfig,
    day: date,
    platform: Mapping[str, int] | None = None,
    voided: Mapping[str, int] | None = None,
) -> PaymentEntries:
    """The fee, gift-card and store-credit entries of ``day``'s successful sale payments, each
    given with the number of the Jurnal document that carries it (its invoice or receive
    payment), and of its refunds and voids paid back onto a gift card or store credit
    (`given_back`), each given with the number of the journal entry that pays it back.
    ``platform``: the platform fees held in a transaction's fee (`platform_fees`): said so in
    the entry's text, and booked to ``accounts.platform_fees`` when the config names one (else
    with the MDR, to ``payment_fees``). ``voided``: the fees voids of ``payments`` give back
    (`void_fees`), each entered against its void's journal entry number."""
    platform = platform or {}
    voided = voided or {}
    payments = [(p, n) for p, n in payments if p.status == "success"]
    chosen = [(p, n) for p, n in payments if p.type == "sale"]
    fees = {p.transaction_id: payment_fee(p, reported, config) for p, _ in chosen}
    fee_numbers = entry_numbers([(p, n) for p, n in chosen if fees[p.transaction_id]], FEE)
    owed_numbers: dict[str, str] = {}
    for suffix, _, _ in LIABILITY_GATEWAYS.values():
        spent = [(p, n) for p, n in chosen if (owed_by(p, config) or ("",))[0] == suffix]
        owed_numbers.update(entry_numbers(spent, suffix))
    result = PaymentEntries([], [], [])
    for payment, _ in chosen:
        fee = fees[payment.transaction_id]
        if fee:
            number = fee_numbers[payment.transaction_id]
            kept = min(platform.get(payment.transaction_id, 0), fee)
            text = _PLATFORM if kept else _TEXT[FEE]
            parts = _fee_parts(fee, kept, config.account(PLATFORM_ROLE, payment.outlet_code))
            _add(result, payment, FEE, parts, number, config, day, text)
        owed = owed_by(payment, config)
        if owed is not None and not _straight_to_liability(payment, config, owed[1]):
            number = owed_numbers[payment.transaction_id]
            _add(result, payment, owed[0], [(owed[1], int(payment.amount))], number, config, day)
    for payment, number in payments:
        back_fee = voided.get(str(payment.transaction_id), 0)
        if payment.type == "void" and back_fee:
            text = "MDR given back: the {method} payment voided"
            _add(result, payment, FEE, [(FEE_ROLE, back_fee)], f"{number}/F", config, day, text)
        owed = owed_by(payment, config)
        if payment.type not in MONEY_BACK or owed is None:
            continue
        if _straight_to_liability(payment, config, owed[1]):
            continue  # the refund itself credited the liability
        suffix, role, _ = owed
        entry_no = f"{number}/{suffix}"
        _add(result, payment, suffix, [(role, int(payment.amount))], entry_no, config, day)
    return result


def _fee_parts(fee: int, platform: int, platform_account: str | None) -> list[tuple[str, int]]:
    """(account role, amount) of a fee's expense lines: a platform's part on its own role
    when the config names an account for it, else the whole fee on ``payment_fees``."""
    if not platform or platform_account is None:
        return [(FEE_ROLE, fee)]
    return [(role, n) for role, n in ((PLATFORM_ROLE, platform), (FEE_ROLE, fee - platform)) if n]


def _straight_to_liability(payment: DatedPayment, config: MerchantConfig, role: str) -> bool:
    """The method is mapped to the liability itself: its payments and refunds move the
    liability directly, with no clearing account between."""
    clearing = _clearing(payment, config)
    return clearing is not None and clearing == config.account(role, payment.outlet_code)


def _clearing(payment: DatedPayment, config: MerchantConfig) -> str | None:
    return config.payment_account(
        text_or_none(payment.payment_type_name), text_or_none(payment.gateway), payment.outlet_code
    )


_TEXT = {
    FEE: "MDR kept from the {method} payment",
    GIFT_CARD: "gift card redeemed",
    STORE_CREDIT: "store credit spent",
    POINTS: "loyalty points redeemed",
    BALANCE: "customer balance spent",
}
_PLATFORM = "platform fees kept from the {method} payment"
_GIVEN_BACK = "{type} given back onto the {what}"
_WORDS = {suffix: words for suffix, _, words in LIABILITY_GATEWAYS.values()}


def _add(
    result: PaymentEntries,
    payment: DatedPayment,
    suffix: str,
    parts: Sequence[tuple[str, int]],
    number: str,
    config: MerchantConfig,
    day: date,
    text: str | None = None,
) -> None:
    """One entry: each (role, amount) of ``parts`` against the payment's clearing account,
    debited (a fee, a release) or credited (a refund given back onto a gift card)."""
    method = payment_method(payment.payment_type_name, payment.gateway) or "payment"
    reference = text_or_none(payment.order_reference) or payment.order_id
    outlet = payment.outlet_code or "?"
    custom_id = f"{payment.transaction_id}/{suffix}"
    amount = sum(n for _, n in parts)
    accounts = [(role, config.account(role, payment.outlet_code), n) for role, n in parts]
    clearing = _clearing(payment, config)
    back = payment.type in MONEY_BACK  # onto the card: the release (or the fee) reversed
    said = text or _TEXT[suffix]
    if back and suffix in _WORDS:
        text = _GIVEN_BACK.format(type=payment.type, what=_WORDS[suffix])
    else:
        text = said.format(method=method)
    unmapped = next((role for role, account, _ in accounts if account is None), None)
    if unmapped is not None or clearing is None:
        missing = f"accounts.{unmapped}" if unmapped is not None else "payment_methods"
        result.holds.append(
            Hold(
                "payment",
                custom_id,
                reference,
                outlet,
                day,
                f"{str(payment.type).capitalize() if back else 'Payment'} "
                f"{format_idr(int(payment.amount))} ({method}) of order {reference} "
                f"(outlet {outlet}, {day.isoformat()}): its {text} of {format_idr(amount)} has "
                f"no Jurnal account; add {missing}. {FIX_HINT}",
                PAYMENT_FEE,
            )
        )
        return
    sign = -1 if back else 1  # onto the card: the parts credited, the clearing account debited
    entry = SignedEntry(
        suffix=suffix,
        key=str(payment.transaction_id),
        number=number,
        reference=reference,
        outlet=payment.outlet_code,
        method=method,
        clearing=clearing,
        text=text,
        memo=f"iSeller {text} of order {reference}, outlet {outlet}",
    )
    signed = [(role, str(account), sign * n) for role, account, n in accounts]
    add_signed_entry(result, entry, signed, day, config)
