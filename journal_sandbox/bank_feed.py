"""The demo merchant's bank account "Rekening Bank": what reaches it, as statement lines and
as the CSV files an Indonesian bank's e-statement export gives (docs/assumptions/bank.md).

For each outlet and business day ("takings day") the tills' money arrives as one line per
payment method, net of the method's fee and rounded half-up to the rupiah:

==============  ========================================  ===============================  =====
method          description                               amount                           lag
==============  ========================================  ===============================  =====
QRIS            ``ISELLER PAY PAYOUT <OUTLET> <YYYYMMDD>``  sales − refunds/voids − iSeller's  1
                                                          MDR (the ``mdr`` of its sales)
Debit BCA       ``BCA EDC SETTLEMENT <OUTLET> <YYYYMMDD>``  sales − refunds/voids − 1% fee     1
Kartu Kredit    ``BCA CC SETTLEMENT <OUTLET> <YYYYMMDD>``   sales − refunds/voids − 2% fee     2
GoPay           ``GOPAY SETTLEMENT <OUTLET> <YYYYMMDD>``    sales − refunds/voids − 0.7% fee   2
Cash            ``SETORAN TUNAI <OUTLET> <YYYYMMDD>``       the shift's counted cash less its  1
                                                          starting float (I-40)
==============  ========================================  ===============================  =====

A percentage fee is taken as ``fees`` says (docs/assumptions/bank.md B-7): ``payment`` (the
default) of each sale, rounded half-up to the rupiah, a refund or void keeping its fee; ``day``
of the day's sales less refunds and voids, rounded once.

A line names its outlet by its code (``outlets="codes"``, the default) or, as banks write,
by the merchant id the bank gave it (``merchant_ids``: ``BCA EDC SETTLEMENT MID 8850001001
20261120``, `MERCHANT_IDS`; the pipeline's ``reconciliation.statement_names`` reads them).

The lag is in business days (Monday to Friday, less the merchant's ``bank_holidays``, none
by default) after the takings day. A transaction belongs to the takings day of its local time
less `CUTOFF_HOURS` (Bali's sales after midnight belong to the evening before). Gift cards,
on-account settlements (Transfer Bank) and anything else are not part of this feed.

Each ISO week of takings days has its anomalies, drawn from the seed: a settlement of the
Monday's takings short by a few thousand rupiah, one of Tuesday's 4 business days late, one of
Wednesday's never arriving, and a bank fee (``BIAYA ADM``, a debit) on the Friday.

Everything is a pure function of the merchant and the dates; the files are written in a
`bank_files.BankLayout`.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from journal_sandbox.demo_merchant import MAX_CHANGE_LAG_DAYS, DemoMerchant, parse_dt
from journal_sandbox.iseller_catalogue import OUTLETS, OUTLETS_BY_CODE
from journal_sandbox.register_shifts import shift_window

BANK_ACCOUNT = "Rekening Bank"
OPENING_BALANCE = Decimal(250_000_000)
CUTOFF_HOURS = 3
BANK_FEE = ("BIAYA ADM", Decimal(15_000))
LATE_BUSINESS_DAYS = 4
SHORT_RANGE = (2_000, 9_500)  # a few thousand rupiah, in steps of 500
FEES = ("payment", "day")  # what a percentage fee is taken of (module docstring)
OUTLET_NAMES = ("codes", "merchant_ids")  # how a line names its outlet (module docstring)
#: the merchant id the demo bank gives each outlet (its EDC terminals' and deposits' lines)
MERCHANT_IDS = {"JKT": "8850001001", "BDG": "8850001002", "DPS": "8850001003"}


@dataclass(frozen=True)
class SettlementRule:
    method: str  # iSeller payment method name
    description: str
    lag_days: int
    fee_percent: Decimal | None  # None: iSeller's own MDR (``transactions[].mdr``)
    code: str  # reference prefix


RULES: tuple[SettlementRule, ...] = (
    SettlementRule("QRIS", "ISELLER PAY PAYOUT", 1, None, "IPY"),
    SettlementRule("Debit BCA", "BCA EDC SETTLEMENT", 1, Decimal(1), "EDC"),
    SettlementRule("Kartu Kredit", "BCA CC SETTLEMENT", 2, Decimal(2), "BCC"),
    SettlementRule("GoPay", "GOPAY SETTLEMENT", 2, Decimal("0.7"), "GPY"),
)
RULES_BY_METHOD = {r.method: r for r in RULES}
CASH_DEPOSIT = SettlementRule("Cash", "SETORAN TUNAI", 1, None, "STR")


def add_business_days(day: date, count: int, holidays: frozenset[date] = frozenset()) -> date:
    """The `count`-th Monday–Friday after `day` that is not one of the bank's `holidays`."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            count -= 1
    return day


def _due(merchant: DemoMerchant, day: date, rule: SettlementRule) -> date:
    return add_business_days(day, rule.lag_days, merchant.bank_holidays)


def takings_day(outlet_code: str, utc_text: str) -> date:
    """The takings day of a transaction at `utc_text` (the API's UTC string)."""
    local = parse_dt(utc_text).astimezone(OUTLETS_BY_CODE[outlet_code].zone)
    return (local - timedelta(hours=CUTOFF_HOURS)).date()


@lru_cache(maxsize=2048)
def _order_day_takings(
    merchant: DemoMerchant, outlet_code: str, order_day: date
) -> dict[tuple[date, str], tuple[int, int, int]]:
    """(takings day, method) → (sales − refunds/voids, iSeller's MDR, the rule's percentage
    of each sale rounded) of one order day."""
    totals: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for order in merchant.orders_for_day(outlet_code, order_day):
        for transaction in order.states[-1].order["transactions"]:
            method = transaction["payment_type_name"]
            if method not in RULES_BY_METHOD:
                continue
            key = (takings_day(outlet_code, transaction["transaction_date"]), method)
            amount = int(transaction["amount"])
            if transaction["type"] == "sale":
                totals[key][0] += amount
                totals[key][1] += sum(int(m["payment_method_fee"]) for m in transaction["mdr"])
                totals[key][2] += _fee(RULES_BY_METHOD[method], amount)
            else:
                totals[key][0] -= amount
    return {k: (v[0], v[1], v[2]) for k, v in totals.items()}


def takings(merchant: DemoMerchant, outlet_code: str, day: date) -> dict[str, tuple[int, int, int]]:
    """method → (sales − refunds/voids, iSeller's MDR, the percentage fees of each sale) of
    an outlet's takings day."""
    result: dict[str, tuple[int, int, int]] = {}
    for back in range(MAX_CHANGE_LAG_DAYS + 2):
        order_day = day - timedelta(days=back)
        if order_day < merchant.start_date:
            break
        for (when, method), sums in _order_day_takings(merchant, outlet_code, order_day).items():
            if when == day:
                before = result.get(method, (0, 0, 0))
                result[method] = (before[0] + sums[0], before[1] + sums[1], before[2] + sums[2])
    return result


def _fee(rule: SettlementRule, amount: int) -> int:
    """The rule's percentage of ``amount``, rounded half-up to the rupiah (0 without one)."""
    if rule.fee_percent is None:
        return 0
    fee = (Decimal(amount) * rule.fee_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(fee)


def _net(rule: SettlementRule, takings: tuple[int, int, int], fees: str) -> int:
    gross, mdr, per_sale = takings
    if rule.fee_percent is None:
        return gross - mdr
    return gross - (per_sale if fees == "payment" else _fee(rule, gross))


@dataclass(frozen=True)
class Settlement:
    """What one method's takings of one outlet-day should bring, and when."""

    outlet_code: str
    takings_date: date
    method: str
    amount: int  # net, whole rupiah; negative when refunds exceed sales
    due: date

    @property
    def rule(self) -> SettlementRule:
        return _rule_of(self.method)


@lru_cache(maxsize=1024)
def settlements(merchant: DemoMerchant, day: date, fees: str = "payment") -> tuple[Settlement, ...]:
    """Every settlement of the takings of `day` (all outlets), before anomalies; percentage
    fees taken as ``fees`` says (module docstring)."""
    if fees not in FEES:
        raise ValueError(f"fees is one of {', '.join(FEES)}, not {fees!r}")
    out = []
    for outlet in OUTLETS:
        code = outlet.outlet_code
        for method, sums in sorted(takings(merchant, code, day).items()):
            rule = RULES_BY_METHOD[method]
            amount = _net(rule, sums, fees)
            if amount:
                out.append(Settlement(code, day, method, amount, _due(merchant, day, rule)))
        closed = shift_window(code, day)[1]
        cash = merchant.shift_cash(code, day, closed)
        if cash.counted is not None and cash.counted != cash.starting:
            deposit = cash.counted - cash.starting
            due = _due(merchant, day, CASH_DEPOSIT)
            out.append(Settlement(code, day, CASH_DEPOSIT.method, deposit, due))
    return tuple(out)


@dataclass(frozen=True)
class WeekAnomalies:
    short: tuple[Settlement, int] | None  # the settlement and how much it lacks
    late: Settlement | None
    missing: Settlement | None
    fee_date: date  # the Friday of the week


@lru_cache(maxsize=256)
def anomalies(merchant: DemoMerchant, monday: date, fees: str = "payment") -> WeekAnomalies:
    """The anomalies of the ISO week starting `monday` (of its takings days)."""
    rng = random.Random(f"{merchant.seed}|bank-anomalies|{monday.isoformat()}")

    def pick(day: date) -> Settlement | None:
        if day < merchant.start_date:
            return None
        candidates = [
            s
            for s in settlements(merchant, day, fees)
            if s.method in RULES_BY_METHOD and s.amount > 0
        ]
        return rng.choice(candidates) if candidates else None

    short = pick(monday)
    lacking = rng.randint(SHORT_RANGE[0] // 500, SHORT_RANGE[1] // 500) * 500
    return WeekAnomalies(
        short=(short, lacking) if short else None,
        late=pick(monday + timedelta(days=1)),
        missing=pick(monday + timedelta(days=2)),
        fee_date=monday + timedelta(days=4),
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _raw_lines(
    merchant: DemoMerchant,
    day: date,
    iseller_pay: str = "per_outlet",
    days: str = "apart",
    fees: str = "payment",
    outlets: str = "codes",
) -> list[dict[str, Any]]:
    """The lines dated `day`, without balances; iSeller Pay's as `iseller_pay` says, several
    takings days' together as `days` says, fees as `fees` says, outlets as `outlets` says."""
    lines = []
    # settlements due on `day` come from takings at most lag + late days (+ holidays) earlier
    for back in range(1, 3 * 7 + len(merchant.bank_holidays)):
        takings_date = day - timedelta(days=back)
        if takings_date < merchant.start_date:
            break
        week = anomalies(merchant, _monday(takings_date), fees)
        for settlement in settlements(merchant, takings_date, fees):
            if settlement == week.missing:
                continue
            arrives = settlement.due
            if settlement == week.late:
                arrives = add_business_days(
                    settlement.due, LATE_BUSINESS_DAYS, merchant.bank_holidays
                )
            if arrives != day:
                continue
            amount = settlement.amount
            if week.short and settlement == week.short[0]:
                amount -= week.short[1]
            rule = settlement.rule
            stamp = f"{takings_date:%Y%m%d}"
            lines.append(
                {
                    "date": day,
                    "description": f"{rule.description} {settlement.outlet_code} {stamp}",
                    "reference": f"{rule.code}{stamp}{settlement.outlet_code}",
                    "amount": Decimal(abs(amount)),
                    "direction": "CR" if amount > 0 else "DB",
                    "outlet_code": settlement.outlet_code,
                    "takings_date": takings_date,
                    "method": settlement.method,
                    "expected_amount": Decimal(settlement.amount),
                    "expected_date": settlement.due,
                }
            )
    if days == "together":
        lines = _days_together(lines, day)
    if iseller_pay in ("all_outlets", "all_outlets_netted"):
        lines = _one_payout_a_day(lines, netted=iseller_pay == "all_outlets_netted")
    if day == anomalies(merchant, _monday(day), fees).fee_date and day > merchant.start_date:
        lines.append(
            {
                "date": day,
                "description": BANK_FEE[0],
                "reference": f"ADM{day:%Y%m%d}",
                "amount": BANK_FEE[1],
                "direction": "DB",
                "outlet_code": None,
                "takings_date": None,
                "method": None,
                "expected_amount": None,
                "expected_date": None,
            }
        )
    if outlets == "merchant_ids":
        lines = [_by_merchant_id(line) for line in lines]
    lines.sort(key=lambda line: (line["description"].startswith(BANK_FEE[0]), line["reference"]))
    return lines


def _by_merchant_id(line: dict[str, Any]) -> dict[str, Any]:
    """The line naming its outlet by the merchant id the bank gave it, not by its code."""
    code = line["outlet_code"]
    if code is None:
        return line
    merchant_id = MERCHANT_IDS[code]
    word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])")
    return {
        **line,
        "description": word.sub(f"MID {merchant_id}", line["description"]),
        "reference": line["reference"].replace(code, merchant_id),
    }


def _days_together(lines: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """The money in of one outlet and method due on `day` from several takings days (a
    weekend's) as one line naming no day (``BCA EDC SETTLEMENT JKT``, reference
    ``EDCJKT1123``); a late settlement still comes alone."""
    together: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    kept = []
    for line in lines:
        on_time = line["expected_date"] == day and line["direction"] == "CR"
        if on_time and line["method"] is not None:
            together[(line["outlet_code"], line["method"])].append(line)
        else:
            kept.append(line)
    for (outlet, method), paid in sorted(together.items()):
        if len(paid) == 1:
            kept += paid
            continue
        rule = _rule_of(method)
        kept.append(
            _one_line(
                paid,
                description=f"{rule.description} {outlet}",
                reference=f"{rule.code}{outlet}{day:%m%d}",
                takings_date=None,
                takings_dates=tuple(line["takings_date"] for line in paid),
            )
        )
    return kept


def _one_line(paid: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """The lines ``paid`` as one line of their sum, with ``fields`` in place of the first's."""
    return {
        **paid[0],
        "amount": sum((line["amount"] for line in paid), Decimal(0)),
        "expected_amount": sum((line["expected_amount"] for line in paid), Decimal(0)),
        **fields,
    }


def _rule_of(method: str) -> SettlementRule:
    return CASH_DEPOSIT if method == CASH_DEPOSIT.method else RULES_BY_METHOD[method]


def _one_payout_a_day(lines: list[dict[str, Any]], netted: bool = False) -> list[dict[str, Any]]:
    """iSeller Pay's money-in lines of one takings day as one transfer for all outlets
    (``ISELLER PAY PAYOUT <YYYYMMDD>``, reference ``IPY<YYYYMMDD>``; B-6 reading (b)); a late
    outlet's money comes in a transfer of its own, named the same way. ``netted``: an outlet-day
    owing money back (refunds above its takings) is taken off that transfer, not debited apart."""
    rule = RULES_BY_METHOD["QRIS"]
    together: dict[date, list[dict[str, Any]]] = defaultdict(list)
    kept = []
    for line in lines:
        joins = line["direction"] == "CR" or netted
        if line["method"] == rule.method and joins and line["takings_date"]:
            together[line["takings_date"]].append(line)
        else:
            kept.append(line)
    for takings_date, paid in sorted(together.items()):
        stamp = f"{takings_date:%Y%m%d}"
        outlets = tuple(line["outlet_code"] for line in paid)
        signed = sum(
            (x["amount"] if x["direction"] == "CR" else -x["amount"] for x in paid), Decimal(0)
        )
        if not signed:
            continue
        kept.append(
            _one_line(
                paid,
                description=f"{rule.description} {stamp}",
                reference=f"{rule.code}{stamp}",
                outlet_code=None,
                outlets=outlets,
                amount=abs(signed),
                direction="CR" if signed > 0 else "DB",
            )
        )
    return kept


def bank_statement_lines(
    merchant: DemoMerchant,
    start: date,
    end: date,
    iseller_pay: str = "per_outlet",
    days: str = "apart",
    fees: str = "payment",
    outlets: str = "codes",
) -> list[dict[str, Any]]:
    """Every line of the bank account dated `start`..`end`, in statement order; iSeller Pay's
    one per outlet and takings day, or (``all_outlets``) one per takings day for all outlets;
    ``days="together"``: an outlet's money of one method due the same day from several takings
    days in one line; ``fees="day"``: percentage fees of the day's net takings;
    ``outlets="merchant_ids"``: outlets named by the bank's merchant ids.

    Each line: ``date``, ``description``, ``reference``, ``amount`` (Decimal, positive),
    ``direction`` (``CR`` money in, ``DB`` money out), ``balance`` (after the line, from
    `OPENING_BALANCE` before the merchant's first day), and what it settles: ``outlet_code``,
    ``takings_date``, ``method``, ``expected_amount`` (net, before any shortfall),
    ``expected_date`` (None for a line that settles nothing).
    """
    balance = OPENING_BALANCE
    out = []
    day = merchant.start_date
    while day <= end:
        for line in _raw_lines(merchant, day, iseller_pay, days, fees, outlets):
            signed = line["amount"] if line["direction"] == "CR" else -line["amount"]
            balance += signed
            if day >= start:
                out.append({**line, "balance": balance})
        day += timedelta(days=1)
    return out


def statement_days(merchant: DemoMerchant, now: datetime) -> tuple[date, date]:
    """(first, last) day of the statements the clock `now` has reached: from the merchant's
    first day to today in Jakarta (every line of a day is known by its start)."""
    today = now.astimezone(OUTLETS_BY_CODE["JKT"].zone).date()
    return merchant.start_date, today
