"""Jurnal emulator: reports computed from the ledger and the stock movements.

``trial_balance``, ``profit_and_loss``, ``balance_sheet``, ``general_ledger`` and
``warehouse_stock_quantity`` follow the shapes of the documented examples;
``accounts/{id}/bank_statements`` (documented with empty example arrays) has a shape of the
emulator's own. J-numbers refer to ``docs/assumptions/jurnal.md``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from journal_sandbox.http import Request, Response, Router
from journal_sandbox.jurnal_common import (
    ZERO,
    ApiError,
    FieldErrors,
    amount_number,
    amount_str,
    currency_format,
    jurnal_date,
    parse_request_date,
    q2,
    quantity_json,
    report_amount,
)
from journal_sandbox.jurnal_store import (
    CATEGORY_CASH_AND_BANK,
    COMPANY_NAME,
    UNASSIGNED_WAREHOUSE,
    UNASSIGNED_WAREHOUSE_ID,
)

# Trial balance groups by account category id (J-20).
TRIAL_BALANCE_GROUPS: tuple[tuple[str, frozenset[int]], ...] = (
    ("asset_accounts", frozenset({1, 2, 3, 4, 5, 6, 7})),
    ("liability_accounts", frozenset({8, 9, 10, 11})),
    ("equity_accounts", frozenset({12})),
    ("income_accounts", frozenset({13, 14})),
    ("expense_accounts", frozenset({15, 16, 17})),
)

# Profit and loss sections (J-48): (key, category ids, sign of the shown balance: +1 debit −
# credit for costs, −1 credit − debit for income).
PROFIT_AND_LOSS_SECTIONS: tuple[tuple[str, frozenset[int], int], ...] = (
    ("primary_income", frozenset({13}), -1),
    ("cost_of_good_sold", frozenset({15}), 1),
    ("expense", frozenset({16}), 1),
    ("other_income", frozenset({14}), -1),
    ("other_expense", frozenset({17}), 1),
    ("other_comprehensive_income_loss", frozenset(), -1),
)

# Balance sheet sections (J-55): (key, category ids, +1 shown debit − credit, −1 credit − debit).
BALANCE_SHEET_SECTIONS: tuple[tuple[str, frozenset[int], int], ...] = (
    ("current_assets", frozenset({1, 2, 3, 4}), 1),
    ("fixed_assets", frozenset({5}), 1),
    ("other_assets", frozenset({6}), 1),
    ("depreciations", frozenset({7}), 1),
    ("current_liabilities", frozenset({8, 9, 10}), -1),
    ("long_liabilities", frozenset({11}), -1),
    ("equity", frozenset({12}), -1),
)
PROFIT_AND_LOSS_CATEGORIES = frozenset({13, 14, 15, 16, 17})

TRANSACTION_LABELS = {
    "sales_invoice": "Sales Invoice",
    "receive_payment": "Receive Payment",
    "sales_return": "Sales Return",
    "journal_entry": "Journal Entry",
    "bank_deposit": "Bank Deposit",
    "bank_withdrawal": "Bank Withdrawal",
    "bank_transfer": "Bank Transfer",
    "stock_adjustment": "Stock Adjustment",
    "warehouse_transfer": "Warehouse Transfer",
}


def side(net: Decimal) -> dict[str, Any]:
    """A net amount on its side, formatted, with ``*_raw`` numbers."""
    debit, credit = (net, ZERO) if net >= 0 else (ZERO, -net)
    return gross(debit, credit)


def gross(debit: Decimal, credit: Decimal) -> dict[str, Any]:
    return {
        "debit": report_amount(debit),
        "credit": report_amount(credit),
        "debit_raw": amount_number(debit),
        "credit_raw": amount_number(credit),
    }


def pnl_amount(value: Decimal) -> str:
    """Profit-and-loss cells: ``" 24.908.495,00"``, negatives ``"- 220.500,00"``."""
    text = report_amount(abs(value))
    return f"-{text}" if q2(value) < 0 else text


def pnl_cell(label: str, key: str, value: Decimal) -> dict[str, Any]:
    """One period's cell; with one period the change is taken from zero (J-48)."""
    value = q2(value)
    percentage = 0 if value == 0 else (100 if value > 0 else -100)
    return {
        "period": label,
        key: pnl_amount(value),
        "percentage": percentage,
        "show_percentage_in_period": value != 0,
    }


def _sheet_row(
    label: str,
    account_id: int,
    name: str,
    number: Any,
    category_id: int,
    category: str | None,
    balance: Decimal,
) -> dict[str, Any]:
    return {
        "id": account_id,
        "name": name,
        "number": number,
        "indent": 0,
        "category": {"id": category_id, "name": category},
        "data": [pnl_cell(label, "balance", balance)],
    }


class ReportsMixin:
    """Read-only reports."""

    store: Any
    statement_style: str  # J-44: plain, report or iso (set by JurnalSandbox)

    def _routes_reports(self, r: Router) -> None:
        r.add("GET", r"trial_balance", self._trial_balance)
        r.add("GET", r"profit_and_loss", self._profit_and_loss)
        r.add("GET", r"balance_sheet", self._balance_sheet)
        r.add("GET", r"general_ledger", self._general_ledger)
        r.add("GET", r"warehouse_stock_quantity", self._warehouse_stock_quantity)
        r.add("GET", r"accounts/(?P<id>\d+)/bank_statements", self._bank_statements)

    def _report_period(self, request: Request) -> tuple[date, date]:
        """``start_date``/``end_date`` (dd/mm/yyyy; the other request formats too), default
        today; a bad date is a 422."""
        start, end = self._report_day(request, "start_date"), self._report_day(request, "end_date")
        if start > end:
            raise ApiError(422, FieldErrors.single("start_date", "must be on or before end_date"))
        return start, end

    def _report_day(self, request: Request, key: str) -> date:
        value = request.query.get(key)
        if not value:
            return self._today()
        day = parse_request_date(value)
        if day is None:
            raise ApiError(422, FieldErrors.single(key, f"{value} is not a valid date"))
        return day

    @staticmethod
    def _split_entries(
        entries: list[dict[str, Any]], start: date
    ) -> tuple[dict[int, Decimal], dict[int, tuple[Decimal, Decimal]]]:
        """(net before ``start`` per account, (debit, credit) from ``start`` per account)."""
        opening: dict[int, Decimal] = {}
        movement: dict[int, tuple[Decimal, Decimal]] = {}
        first = start.isoformat()
        for entry in entries:
            account = entry["account_id"]
            if (entry["transaction_date"] or "") < first:
                opening[account] = opening.get(account, ZERO) + entry["debit"] - entry["credit"]
            else:
                debit, credit = movement.get(account, (ZERO, ZERO))
                movement[account] = (debit + entry["debit"], credit + entry["credit"])
        return opening, movement

    # --- trial balance (J-20) ------------------------------------------------------------

    def _trial_balance(self, request: Request) -> Response:
        start, end = self._report_period(request)
        entries = self.store.ledger_entries(end.isoformat())
        opening, movement = self._split_entries(entries, start)
        body: dict[str, Any] = {
            "header": {
                "report_date": f"{jurnal_date(start)} - {jurnal_date(end)}",
                "currency": "(in IDR)",
            }
        }
        totals = {"opening": [ZERO, ZERO], "movement": [ZERO, ZERO], "end": [ZERO, ZERO]}
        accounts = sorted(self.store.all("account"), key=lambda a: (a["number"], a["id"]))
        for group, categories in TRIAL_BALANCE_GROUPS:
            rows = []
            for account in accounts:
                if account["category_id"] not in categories:
                    continue
                before = opening.get(account["id"], ZERO)
                debit, credit = movement.get(account["id"], (ZERO, ZERO))
                after = before + debit - credit
                for key, (d, c) in (
                    ("opening", (max(before, ZERO), max(-before, ZERO))),
                    ("movement", (debit, credit)),
                    ("end", (max(after, ZERO), max(-after, ZERO))),
                ):
                    totals[key][0] += d
                    totals[key][1] += c
                rows.append(
                    {
                        "account": {
                            "id": account["id"],
                            "name": account["name"],
                            "number": account["number"],
                            "opening_balance": side(before),
                            "movement": gross(debit, credit),
                            "end_balance": side(after),
                        }
                    }
                )
            body[group] = rows
        body["total"] = {
            "total_opening_balance": gross(*totals["opening"]),
            "total_movement": gross(*totals["movement"]),
            "total_ending_balance": gross(*totals["end"]),
        }
        return Response(200, {"trial_balance": body})

    # --- profit and loss (J-48) ----------------------------------------------------------

    def _profit_and_loss(self, request: Request) -> Response:
        """The period's income and costs from the ledger, in the documented example's shape
        (one period; ``period``/``compare_type`` are ignored)."""
        start, end = self._report_period(request)
        _, movement = self._split_entries(self.store.ledger_entries(end.isoformat()), start)
        label = f"{jurnal_date(start)} - {jurnal_date(end)}"
        accounts = sorted(self.store.all("account"), key=lambda a: (a["number"], a["id"]))
        body: dict[str, Any] = {}
        totals: dict[str, Decimal] = {}
        for key, section_categories, sign in PROFIT_AND_LOSS_SECTIONS:
            rows = []
            total = ZERO
            for account in accounts:
                if account["category_id"] not in section_categories:
                    continue
                if account["id"] not in movement:
                    continue
                debit, credit = movement[account["id"]]
                balance = (debit - credit) * sign
                total += balance
                rows.append(
                    {
                        "id": account["id"],
                        "name": account["name"],
                        "number": account["number"],
                        "indent": 0,
                        "category": {"id": account["category_id"], "name": account["category"]},
                        "data": [pnl_cell(label, "balance", balance)],
                    }
                )
            totals[key] = total
            body[key] = {"accounts": {"array": rows}, "total": [pnl_cell(label, "total", total)]}
        gross_profit = totals["primary_income"] - totals["cost_of_good_sold"]
        body["cost_of_good_sold"]["gross_profit"] = [pnl_cell(label, "total", gross_profit)]
        operating = gross_profit - totals["expense"]
        net_income = operating + totals["other_income"] - totals["other_expense"]
        comprehensive = net_income + totals["other_comprehensive_income_loss"]
        header = {
            "report_date": label,
            "currency_format": "(in IDR)",
            "net_operating_income": [pnl_cell(label, "income", operating)],
            "net_income": [pnl_cell(label, "income", net_income)],
            "total_comprehensive_income": [pnl_cell(label, "income", comprehensive)],
        }
        return Response(200, {"profit_and_loss": {"header": header, **body}})

    # --- balance sheet (J-55) ------------------------------------------------------------

    def _balance_sheet(self, request: Request) -> Response:
        """Balances at ``end_date`` in the documented example's shape (one period), the year's
        earnings shown under equity as the example's computed rows."""
        end = self._report_day(request, "end_date")
        year_start = date(end.year, 1, 1)
        before, this_year = self._split_entries(
            self.store.ledger_entries(end.isoformat()), year_start
        )
        balances = dict(before)
        for account_id, (debit, credit) in this_year.items():
            balances[account_id] = balances.get(account_id, ZERO) + debit - credit
        label = jurnal_date(end)
        accounts = sorted(self.store.all("account"), key=lambda a: (a["number"], a["id"]))
        earned = [
            (-1, "Earnings up to Last Period", -self._sum_of(before, accounts)),
            (-2, "Current Period Earnings", -self._sum_of(this_year, accounts)),
            (-3, "Accumulated other comprehensive income", ZERO),
        ]
        body: dict[str, Any] = {}
        totals: dict[str, Decimal] = {}
        for key, categories, sign in BALANCE_SHEET_SECTIONS:
            rows = [
                (a["id"], a["name"], a["number"], a["category_id"], a["category"], net * sign)
                for a in accounts
                if a["category_id"] in categories and (net := balances.get(a["id"])) is not None
            ]
            if key == "equity":
                rows += [(i, name, 0, 0, None, amount) for i, name, amount in earned]
            totals[key] = sum((row[-1] for row in rows), ZERO)
            body[key] = {
                "accounts": {"array": [_sheet_row(label, *row) for row in rows]},
                "total": [pnl_cell(label, "total", totals[key])],
            }
        assets = sum(totals[key] for key, _, sign in BALANCE_SHEET_SECTIONS if sign > 0)
        claims = sum(totals[key] for key, _, sign in BALANCE_SHEET_SECTIONS if sign < 0)
        header = {
            "report_date": label,
            "currency_format": "(in IDR)",
            "total_assets": [pnl_cell(label, "income", assets)],
            "total_liability_and_equity": [pnl_cell(label, "income", claims)],
        }
        return Response(200, {"balance_sheet": {"header": header, **body}})

    @staticmethod
    def _sum_of(nets: dict[int, Any], accounts: list[dict[str, Any]]) -> Decimal:
        """Debit − credit of the income and cost accounts in ``nets`` (a net or a pair)."""
        total = ZERO
        for account in accounts:
            value = nets.get(account["id"])
            if account["category_id"] in PROFIT_AND_LOSS_CATEGORIES and value is not None:
                total += value[0] - value[1] if isinstance(value, tuple) else value
        return total

    # --- general ledger (J-42) -----------------------------------------------------------

    def _general_ledger(self, request: Request) -> Response:
        start, end = self._report_period(request)
        wanted: set[int] | None = None
        if request.query.get("account_id"):
            try:
                wanted = {int(v) for v in request.query["account_id"].split(",") if v.strip()}
            except ValueError as exc:
                raise ApiError(
                    422, FieldErrors.single("account_id", "must be ids separated by commas")
                ) from exc
        entries = self.store.ledger_entries(end.isoformat())
        opening, _ = self._split_entries(entries, start)
        first = start.isoformat()
        in_period: dict[int, list[dict[str, Any]]] = {}
        for entry in entries:
            if (entry["transaction_date"] or "") >= first:
                in_period.setdefault(entry["account_id"], []).append(entry)
        used = set(opening) | set(in_period)
        rows = []
        grand_debit = grand_credit = ZERO
        accounts = sorted(self.store.all("account"), key=lambda a: (a["number"], a["id"]))
        for account in accounts:
            if account["id"] not in used or (wanted is not None and account["id"] not in wanted):
                continue
            balance = opening.get(account["id"], ZERO)
            content = []
            total_debit = total_credit = ZERO
            for entry in in_period.get(account["id"], []):
                balance += entry["debit"] - entry["credit"]
                total_debit += entry["debit"]
                total_credit += entry["credit"]
                day = date.fromisoformat(entry["transaction_date"])
                content.append(
                    {
                        "transaction": {
                            "date": jurnal_date(day),
                            "transaction_type": TRANSACTION_LABELS.get(
                                entry["transaction_type"], entry["transaction_type"]
                            ),
                            "transaction_id": entry["transaction_id"],
                            "number": entry["transaction_no"] or "",
                            "description": entry["description"] or "",
                            **gross(entry["debit"], entry["credit"]),
                            "balance": report_amount(balance),
                            "balance_raw": amount_number(balance),
                        }
                    }
                )
            grand_debit += total_debit
            grand_credit += total_credit
            before = opening.get(account["id"], ZERO)
            rows.append(
                {
                    "subheader": f"({account['number']}) {account['name']}",
                    "account_id": account["id"],
                    "beginning_balance": {
                        "date": jurnal_date(start - timedelta(days=1)),
                        "balance": report_amount(before),
                        "balance_raw": amount_number(before),
                    },
                    "content": content,
                    "ending_balance": {
                        **gross(total_debit, total_credit),
                        "balance": report_amount(balance),
                        "balance_raw": amount_number(balance),
                    },
                }
            )
        grand = gross(grand_debit, grand_credit)
        return Response(
            200,
            {
                "general_ledger": {
                    "header": {
                        "period": f"{jurnal_date(start)} - {jurnal_date(end)}",
                        "currency": "(in IDR)",
                    },
                    "report": {"accounts": rows, "grand_total": grand},
                }
            },
        )

    # --- warehouse stock quantity (J-43) -------------------------------------------------

    def _warehouse_stock_quantity(self, request: Request) -> Response:
        start, end = self._report_period(request)
        last = end.isoformat()
        quantities: dict[tuple[int, int], Decimal] = {}
        for move in self.store.stock_moves():
            if (move["tx_date"] or "") <= last:
                key = (move["product_id"], move["warehouse_id"])
                quantities[key] = quantities.get(key, ZERO) + move["quantity"]
        warehouses = [(UNASSIGNED_WAREHOUSE_ID, UNASSIGNED_WAREHOUSE)] + [
            (w["id"], w["name"]) for w in self.store.all("warehouse")
        ]
        rows = []
        for product in self.store.all("product"):
            if not product.get("track_inventory"):
                continue
            cells = [
                {
                    "name": name,
                    "quantity": str(quantity_json(quantities.get((product["id"], wid), ZERO))),
                }
                for wid, name in warehouses
            ]
            total = sum((quantities.get((product["id"], wid), ZERO) for wid, _ in warehouses), ZERO)
            rows.append(
                {
                    "product_id": product["id"],
                    "product_code": product.get("product_code"),
                    "product_code_url": f"/products/detail/{product['id']}",
                    "product_name": product["name"],
                    "product_name_url": f"/products/detail/{product['id']}",
                    "warehouses": cells,
                    "total_quantity": str(quantity_json(total)),
                    "product_unit": (product.get("unit") or {}).get("name"),
                }
            )
        return Response(
            200,
            {
                "warehouse_stock_quantity": {
                    "header": {
                        "report_date": f"{jurnal_date(start)} - {jurnal_date(end)}",
                        "currency": "(in IDR)",
                        "company_name": COMPANY_NAME,
                    },
                    "list": rows,
                }
            },
        )

    # --- bank statements (J-44) ----------------------------------------------------------

    def _statement_row(self, entry: dict[str, Any], day: date, balance: Decimal) -> dict[str, Any]:
        """One row in the knob's reading (J-44): ``plain`` (dd/mm/yyyy, decimal strings with
        currency twins), ``report`` (the general ledger's cells: " 88.800,00" and ``*_raw``
        numbers) or ``iso`` (yyyy-mm-dd, JSON numbers)."""
        amounts = {"debit": entry["debit"], "credit": entry["credit"], "balance": balance}
        style = self.statement_style
        row: dict[str, Any] = {
            "date": day.isoformat() if style == "iso" else jurnal_date(day),
            "transaction_type": TRANSACTION_LABELS.get(
                entry["transaction_type"], entry["transaction_type"]
            ),
            "transaction_id": entry["transaction_id"],
            "transaction_no": entry["transaction_no"],
            "description": entry["description"] or "",
        }
        for key, value in amounts.items():
            if style == "report":
                row[key], row[f"{key}_raw"] = report_amount(value), amount_number(value)
            elif style == "iso":
                row[key] = amount_number(value)
            else:
                row[key] = amount_str(value)
                row[f"{key}_currency_format"] = currency_format(value)
        row["is_reconciled"] = False
        return row

    def _bank_statements(self, request: Request) -> Response:
        not_found = ApiError(422, {"errors": "Data tidak ditemukan."})
        account = self.store.get("account", int(request.params["id"]))
        if account is None or account["category_id"] != CATEGORY_CASH_AND_BANK:
            raise not_found
        start, end = self._report_period(request)
        entries = self.store.ledger_entries(end.isoformat(), account_id=account["id"])
        opening, _ = self._split_entries(entries, start)
        balance = before = opening.get(account["id"], ZERO)
        first = start.isoformat()
        statements = []
        for entry in entries:
            if (entry["transaction_date"] or "") < first:
                continue
            balance += entry["debit"] - entry["credit"]
            statements.append(
                self._statement_row(entry, date.fromisoformat(entry["transaction_date"]), balance)
            )
        header = {
            "account": {"id": account["id"], "name": account["name"], "number": account["number"]},
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "beginning_balance": amount_str(before),
            "ending_balance": amount_str(balance),
        }
        return Response(200, {"header": header, "bank_statements": statements})
