"""Jurnal emulator: journal entries and the cash documents (bank deposits, bank transfers,
bank withdrawals).

Mixed into :class:`journal_sandbox.jurnal_app.JurnalSandbox`; J-numbers refer to
``docs/assumptions/jurnal.md``.
"""

from __future__ import annotations

import json
import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from journal_sandbox.http import Handler, Request, Response, Router
from journal_sandbox.jurnal_common import (
    STATUS_CLOSED,
    ZERO,
    ApiError,
    FieldErrors,
    amount_number,
    amount_str,
    clean_text,
    currency_format,
    iso_timestamp,
    jurnal_date,
    parse_amount,
    q2,
    rate_str,
)
from journal_sandbox.jurnal_store import LedgerLine

LINES_KEY = "transaction_account_lines_attributes"

# kind -> (plural, the cash account field, the side of the lines, answer status, type id/name)
CASH_DOCUMENTS: dict[str, tuple[str, str, str, int, dict[str, Any]]] = {
    "bank_deposit": (
        "bank_deposits",
        "deposit_to_name",
        "credit",
        201,
        {"id": None, "name": "Bank Deposit"},
    ),
    "bank_withdrawal": (
        "bank_withdrawals",
        "refund_from_name",
        "debit",
        200,
        {"id": None, "name": "Bank Withdrawal"},
    ),
}


#: How ``bank_transfers/batch_create`` answers (J-45): ``per_item`` (each item's status and
#: record, as every other batch) or ``documented`` (the items echoed as sent, as its example).
TRANSFER_BATCHES = ("per_item", "documented")


class EntriesMixin:
    """Free-form postings: journal entries and money moved in, out and between accounts."""

    store: Any
    transfer_batch: str  # J-45: per_item or documented (set by JurnalSandbox)

    def _routes_entries(self, r: Router) -> None:
        r.add("GET", r"journal_entries", self._list_journal_entries)
        r.add("POST", r"journal_entries", self._create_journal_entry)
        r.add("POST", r"journal_entries/batch_create", self._batch_create_journal_entries)
        r.add("GET", r"journal_entries/(?P<id>\d+)", self._get_journal_entry)
        r.add("PATCH", r"journal_entries/(?P<id>\d+)", self._update_journal_entry)
        r.add("DELETE", r"journal_entries/(?P<id>\d+)", self._delete_posted("journal_entry"))
        for kind, (plural, *_rest) in CASH_DOCUMENTS.items():
            r.add("GET", plural, self._lister(kind, plural))
            r.add("POST", plural, self._cash_creator(kind))
            r.add("POST", f"{plural}/batch_create", self._cash_batch(kind))
            r.add("GET", rf"{plural}/(?P<id>\d+)", self._getter(kind))
            r.add("PATCH", rf"{plural}/(?P<id>\d+)", self._cash_updater(kind))
            r.add("DELETE", rf"{plural}/(?P<id>\d+)", self._delete_posted(kind))
        r.add("GET", r"bank_transfers", self._lister("bank_transfer", "bank_transfers"))
        r.add("POST", r"bank_transfers", self._create_bank_transfer)
        r.add("POST", r"bank_transfers/batch_create", self._batch_create_bank_transfers)
        r.add("GET", r"bank_transfers/(?P<id>\d+)", self._getter("bank_transfer"))
        r.add("PATCH", r"bank_transfers/(?P<id>\d+)", self._cash_updater("bank_transfer"))
        r.add("DELETE", r"bank_transfers/(?P<id>\d+)", self._delete_posted("bank_transfer"))

    # --- generic -------------------------------------------------------------------------

    def _lister(self, kind: str, plural: str) -> Handler:
        def handler(request: Request) -> Response:
            return self._page(
                request,
                kind,
                plural,
                {"transaction_date": "tx_date", "created_at": "created_at"},
            )

        return handler

    def _getter(self, kind: str) -> Handler:
        def handler(request: Request) -> Response:
            return Response(200, {kind: self._record_or_422(kind, request.params["id"])})

        return handler

    def _delete_posted(self, kind: str) -> Handler:
        def handler(request: Request) -> Response:
            record = self._record_or_422(kind, request.params["id"])
            with self.store.transaction():
                self.store.unpost(kind, record["id"])
                self.store.delete(kind, record["id"])
            return Response(204)

        return handler

    def _account_lines(
        self, data: dict[str, Any], errors: FieldErrors, sides: tuple[str, ...]
    ) -> list[tuple[dict[str, Any], Decimal, Decimal, str | None, dict | None]]:
        """(account, debit, credit, description, tax) per line; J-11 names, J-38 amounts."""
        raw_lines = data.get(LINES_KEY)
        if not isinstance(raw_lines, list) or not raw_lines:
            errors.add(LINES_KEY, "can't be blank")
            return []
        lines = []
        for raw in raw_lines:
            if not isinstance(raw, dict):
                errors.add(LINES_KEY, "is not valid")
                continue
            account = self._resolve_account(raw, "account", errors, None)
            if account is None and not any(
                raw.get(f"account_{k}") not in (None, "") for k in ("id", "name", "number")
            ):
                errors.add("account_name", "can't be blank")
            amounts = {}
            for side in ("debit", "credit"):
                value = parse_amount(raw.get(side), side, errors) if side in sides else None
                if value is not None and value < 0:
                    errors.add(side, "must be greater than or equal to 0")
                amounts[side] = q2(value or ZERO)
            if amounts["debit"] and amounts["credit"]:
                errors.add(LINES_KEY, "a line is either a debit or a credit")
            tax = self._resolve_line_tax(raw, errors) if "tax" in sides else None
            if account is not None:
                description = clean_text(raw.get("description"))
                lines.append((account, amounts["debit"], amounts["credit"], description, tax))
        return lines

    def _line_out(
        self, account: dict[str, Any], debit: Decimal, credit: Decimal, description: str | None
    ) -> dict[str, Any]:
        return {
            "id": self.store.next_id(),
            "description": description or "",
            "debit": amount_number(debit),
            "credit": amount_number(credit),
            "debit_currency_format": currency_format(debit),
            "credit_currency_format": currency_format(credit),
            "account": self._account_ref_category(account),
        }

    def _cash_line_out(
        self,
        account: dict[str, Any],
        debit: Decimal,
        credit: Decimal,
        description: str | None,
        tax: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """A bank deposit/withdrawal line as documented: ``line_tax`` and an empty
        ``expense`` link besides the journal-line fields."""
        line = self._line_out(account, debit, credit, description)
        line["line_tax"] = (
            {"id": None, "name": None, "rate": None}
            if tax is None
            else {"id": tax["id"], "name": tax["name"], "rate": rate_str(Decimal(tax["rate"]))}
        )
        line["expense"] = {
            "id": None,
            "transaction_no": None,
            "original_amount": 0,
            "remaining": 0,
            "original_amount_currency_format": "0,00",
            "remaining_currency_format": "0,00",
        }
        return line

    def _common_fields(
        self, data: dict[str, Any], kind: str, day: date, number: str, tags: list
    ) -> dict[str, Any]:
        now = iso_timestamp(self._now())
        return {
            "id": self.store.next_id(),
            "transaction_no": number,
            "transaction_date": jurnal_date(day),
            "memo": clean_text(data.get("memo")) or "",
            "custom_id": clean_text(data.get("custom_id")),
            "source": clean_text(data.get("source")) or "apikey",
            "transaction_status": dict(STATUS_CLOSED),
            "tags": tags,
            "tags_string": ", ".join(t["name"] for t in tags),
            "locked": False,
            "reconciled": False,
            "is_reconciled": False,
            "deletable": True,
            "editable": True,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "attachments": [],
            "currency_code": "IDR",
            "currency_rate": 1,
        }

    def _store_posted(
        self, kind: str, document: dict[str, Any], day: date, postings: list[LedgerLine]
    ) -> None:
        self.store.insert(
            kind,
            document,
            transaction_no=document["transaction_no"],
            custom_id=document.get("custom_id"),
            tx_date=day.isoformat(),
            created_at=document["created_at"],
        )
        self.store.post(kind, document["id"], document["transaction_no"], day.isoformat(), postings)

    # --- journal entries (J-38) ----------------------------------------------------------

    def _list_journal_entries(self, request: Request) -> Response:
        return self._lister("journal_entry", "journal_entries")(request)

    def _get_journal_entry(self, request: Request) -> Response:
        return self._getter("journal_entry")(request)

    def _create_journal_entry(self, request: Request) -> Response:
        entry = self._accept_journal_entry(self._json_body(request, "journal_entry"))
        return Response(201, {"journal_entry": entry})

    def _batch_create_journal_entries(self, request: Request) -> Response:
        return self._batch(request, "journal_entries", "journal_entry", self._accept_journal_entry)

    def _accept_journal_entry(
        self, data: dict[str, Any], existing: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        with self.store.transaction():
            if existing is None:
                self._check_unique_number("journal_entry", data)
            errors = FieldErrors()
            day = self._request_date(data, "transaction_date", errors) or self._today()
            lines = self._account_lines(data, errors, ("debit", "credit"))
            tag_names = self._tag_names(data, errors)
            errors.raise_if_any()
            total_debit = sum((line[1] for line in lines), ZERO)
            total_credit = sum((line[2] for line in lines), ZERO)
            if total_debit != total_credit or total_debit == 0:
                message = (
                    f"total debit {amount_str(total_debit)} must equal total credit "
                    f"{amount_str(total_credit)} and not be 0"
                )
                raise ApiError(422, FieldErrors.single(LINES_KEY, message))
            number = (
                existing["transaction_no"]
                if existing is not None
                else clean_text(data.get("transaction_no"))
                or self._next_transaction_no("journal_entry")
            )
            entry = self._common_fields(data, "journal_entry", day, number, self._tags(tag_names))
            if existing is not None:
                entry["id"], entry["created_at"] = existing["id"], existing["created_at"]
            entry.update(
                {
                    "transaction_type": {"id": None, "name": "Journal Entry"},
                    "transaction_account_lines": [
                        self._line_out(account, debit, credit, description)
                        for account, debit, credit, description, _ in lines
                    ],
                    "total_debit": amount_number(total_debit),
                    "total_credit": amount_number(total_credit),
                    "total_debit_currency_format": currency_format(total_debit),
                    "total_credit_currency_format": currency_format(total_credit),
                }
            )
            postings = [
                LedgerLine(account["id"], debit=debit, credit=credit, description=description)
                for account, debit, credit, description, _ in lines
            ]
            self._store_posted("journal_entry", entry, day, postings)
            self.store.set_meta(f"body:journal_entry:{entry['id']}", json.dumps(data))
            return entry

    def _update_journal_entry(self, request: Request) -> Response:
        """J-38: the sent fields replace the stored ones; sent lines replace all lines; the
        number cannot change."""
        entry = self._record_or_422("journal_entry", request.params["id"])
        patch = self._json_body(request, "journal_entry")
        number = clean_text(patch.get("transaction_no"))
        if number and number != entry["transaction_no"]:
            raise ApiError(422, FieldErrors.single("transaction_no", "cannot be changed"))
        original = json.loads(self.store.get_meta(f"body:journal_entry:{entry['id']}") or "{}")
        merged = {**original, **patch}
        if isinstance(merged.get(LINES_KEY), list):
            merged[LINES_KEY] = [
                {k: v for k, v in line.items() if k != "id"} if isinstance(line, dict) else line
                for line in merged[LINES_KEY]
            ]
        with self.store.transaction():
            self.store.unpost("journal_entry", entry["id"])
            self.store.delete("journal_entry", entry["id"])
            updated = self._accept_journal_entry(merged, existing=entry)
        return Response(200, {"journal_entry": updated})

    # --- bank deposits and withdrawals (J-38) --------------------------------------------

    def _cash_creator(self, kind: str) -> Handler:
        status = CASH_DOCUMENTS[kind][3]

        def handler(request: Request) -> Response:
            document = self._accept_cash_document(kind, self._json_body(request, kind))
            return Response(status, {kind: document})

        return handler

    def _cash_batch(self, kind: str) -> Handler:
        plural = CASH_DOCUMENTS[kind][0]

        def handler(request: Request) -> Response:
            return self._batch(
                request, plural, kind, lambda data: self._accept_cash_document(kind, data)
            )

        return handler

    def _cash_updater(self, kind: str) -> Handler:
        """J-38: ``PATCH`` of a bank deposit, withdrawal or transfer merges the sent fields
        over the last accepted request (sent lines replace all lines) and posts it again with
        the same id, number and ``created_at``."""

        def handler(request: Request) -> Response:
            record = self._record_or_422(kind, request.params["id"])
            patch = self._json_body(request, kind)
            stored = self.store.get_meta(f"body:{kind}:{record['id']}")
            original = json.loads(stored) if stored else _rebuild_cash_request(kind, record)
            merged = {**original, **patch}
            if isinstance(merged.get(LINES_KEY), list):
                merged[LINES_KEY] = [
                    {k: v for k, v in line.items() if k != "id"} if isinstance(line, dict) else line
                    for line in merged[LINES_KEY]
                ]
            merged.setdefault("transaction_no", record["transaction_no"])
            with self.store.transaction():
                self.store.unpost(kind, record["id"])
                self.store.delete(kind, record["id"])
                if kind == "bank_transfer":
                    updated = self._accept_bank_transfer(merged, existing=record)
                else:
                    updated = self._accept_cash_document(kind, merged, existing=record)
            return Response(200, {kind: updated})

        return handler

    def _keep_identity(
        self, kind: str, document: dict[str, Any], data: dict[str, Any], existing: dict | None
    ) -> None:
        """Keep id, token and ``created_at`` of a rewritten document; remember its request."""
        if existing is not None:
            document["id"], document["created_at"] = existing["id"], existing["created_at"]
            if existing.get("token"):
                document["token"] = existing["token"]
        self.store.set_meta(f"body:{kind}:{document['id']}", json.dumps(data))

    def _accept_cash_document(
        self, kind: str, data: dict[str, Any], existing: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A deposit credits its lines (plus line tax) against the ``deposit_to`` account; a
        withdrawal debits its lines (plus line tax) against the ``refund_from`` account."""
        _, cash_key, side, _, transaction_type = CASH_DOCUMENTS[kind]
        with self.store.transaction():
            self._check_unique_number(kind, data)
            errors = FieldErrors()
            day = self._request_date(data, "transaction_date", errors) or self._today()
            cash = self._cash_account(data, cash_key, errors)
            person = None
            person_name = clean_text(data.get("person_name"))
            if person_name:
                person = self.store.find("person", name=person_name)
                if person is None:
                    errors.add("person_name", f"{person_name} not exist")
            lines = self._account_lines(data, errors, (side, "tax"))
            tag_names = self._tag_names(data, errors)
            errors.raise_if_any()
            assert cash is not None
            postings: list[LedgerLine] = []
            lines_out = []
            subtotal = tax_total = ZERO
            tax_details: dict[str, Decimal] = {}
            for account, debit, credit, description, tax in lines:
                amount = debit if side == "debit" else credit
                if amount <= 0:
                    raise ApiError(422, FieldErrors.single(side, "must be greater than 0"))
                subtotal += amount
                lines_out.append(self._cash_line_out(account, debit, credit, description, tax))
                postings.append(
                    LedgerLine(account["id"], debit=debit, credit=credit, description=description)
                )
                if tax is None:
                    continue
                tax_amount = q2(amount * Decimal(tax["rate"]) / 100)
                tax_total += tax_amount
                label = f"{tax['name']} {tax['rate']}%"
                tax_details[label] = tax_details.get(label, ZERO) + tax_amount
                tax_ref = tax["sell_tax_account" if side == "credit" else "buy_tax_account"]
                if not tax_ref.get("id"):
                    raise ApiError(
                        422, FieldErrors.single("line_tax_name", f"{tax['name']} has no account")
                    )
                postings.append(
                    LedgerLine(tax_ref["id"], **{side: tax_amount}, description=tax["name"])
                )
            total = subtotal + tax_total
            other = "debit" if side == "credit" else "credit"
            postings.append(LedgerLine(cash["id"], **{other: total}, description=kind))
            number = clean_text(data.get("transaction_no")) or self._next_transaction_no(kind)
            document = self._common_fields(data, kind, day, number, self._tags(tag_names))
            document.update(
                {
                    "transaction_type": transaction_type,
                    "token": secrets.token_urlsafe(16)[:22],
                    "audited_by": None,
                    "person": {
                        "id": None if person is None else person["id"],
                        "name": None if person is None else person["display_name"],
                        "display_name": None if person is None else person["display_name"],
                        "is_customer": None if person is None else True,
                        "is_vendor": None if person is None else False,
                    },
                    ("deposit_to" if side == "credit" else "refund_from"): (
                        self._account_ref_category(cash)
                    ),
                    "transaction_account_lines": lines_out,
                    "subtotal": amount_number(subtotal),
                    "subtotal_currency_format": currency_format(subtotal),
                    "tax_amount": amount_str(tax_total),
                    "tax_details": [
                        {
                            "name": name,
                            "tax_amount": amount_number(value),
                            "tax_amount_currency_format": currency_format(value),
                        }
                        for name, value in tax_details.items()
                    ],
                    "original_amount": amount_number(total),
                    "original_amount_currency_format": currency_format(total),
                    "remaining": amount_str(total),
                    "remaining_currency_format": currency_format(total),
                    "witholding_value": 0,
                    "witholding_type": None,
                    "witholding_amount": 0,
                    "witholding_amount_currency_format": currency_format(ZERO),
                    "witholding_account": self._account_ref_category(None),
                }
            )
            self._keep_identity(kind, document, data, existing)
            self._store_posted(kind, document, day, postings)
            return document

    # --- bank transfers (J-38) -----------------------------------------------------------

    def _create_bank_transfer(self, request: Request) -> Response:
        transfer = self._accept_bank_transfer(self._json_body(request, "bank_transfer"))
        return Response(200, {"bank_transfer": transfer})

    def _batch_create_bank_transfers(self, request: Request) -> Response:
        answer = self._batch(request, "bank_transfers", "bank_transfer", self._accept_bank_transfer)
        if self.transfer_batch != "documented":
            return answer
        # J-45: as the documented example, the items as sent: no status, no record, whatever
        # became of each (created, or refused as a duplicate or for a field)
        return Response(
            200, {"bank_transfers": self._json_body(request, "bank_transfers", many=True)}
        )

    def _accept_bank_transfer(
        self, data: dict[str, Any], existing: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        with self.store.transaction():
            self._check_unique_number("bank_transfer", data)
            errors = FieldErrors()
            day = self._request_date(data, "transaction_date", errors) or self._today()
            source = self._cash_account(data, "refund_from_name", errors)
            target = self._cash_account(data, "deposit_to_name", errors)
            amount = parse_amount(data.get("transfer_amount"), "transfer_amount", errors)
            if amount is None or amount <= 0:
                errors.add("transfer_amount", "must be greater than 0")
            if source is not None and target is not None and source["id"] == target["id"]:
                errors.add("deposit_to_name", "must differ from refund_from_name")
            tag_names = self._tag_names(data, errors)
            errors.raise_if_any()
            assert source is not None and target is not None and amount is not None
            amount = q2(amount)
            number = clean_text(data.get("transaction_no")) or self._next_transaction_no(
                "bank_transfer"
            )
            document = self._common_fields(
                data, "bank_transfer", day, number, self._tags(tag_names)
            )
            document.update(
                {
                    "transaction_type": {"id": None, "name": "Bank Transfer"},
                    "transfer_amount": amount_str(amount),
                    "transfer_amount_currency_format": currency_format(amount),
                    "original_amount": amount_number(amount),
                    "original_amount_currency_format": currency_format(amount),
                    "refund_from": self._account_ref_category(source),
                    "deposit_to": self._account_ref_category(target),
                }
            )
            postings = [
                LedgerLine(target["id"], debit=amount, description="Bank transfer"),
                LedgerLine(source["id"], credit=amount, description="Bank transfer"),
            ]
            self._keep_identity("bank_transfer", document, data, existing)
            self._store_posted("bank_transfer", document, day, postings)
            return document


def _rebuild_cash_request(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The request of a cash document stored before its request was kept."""
    data: dict[str, Any] = {
        "transaction_date": record["transaction_date"],
        "memo": record.get("memo"),
        "custom_id": record.get("custom_id"),
        "tags": [t["name"] for t in record.get("tags") or []],
    }
    if kind == "bank_transfer":
        data["refund_from_name"] = record["refund_from"]["name"]
        data["deposit_to_name"] = record["deposit_to"]["name"]
        data["transfer_amount"] = record["transfer_amount"]
        return data
    _, cash_key, side, _, _ = CASH_DOCUMENTS[kind]
    data[cash_key] = record["deposit_to" if side == "credit" else "refund_from"]["name"]
    if (record.get("person") or {}).get("id") is not None:
        data["person_name"] = record["person"].get("name") or record["person"].get("display_name")
    data[LINES_KEY] = [
        {
            "account_id": line["account"]["id"],
            side: line[side],
            "description": line.get("description"),
            **(
                {"line_tax_id": line["line_tax"]["id"]}
                if (line.get("line_tax") or {}).get("id") is not None
                else {}
            ),
        }
        for line in record.get("transaction_account_lines") or []
    ]
    return data
