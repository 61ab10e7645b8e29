"""The calls of each Jurnal resource the pipeline uses: reference lists, sales invoices,
products, receive payments, journal entries, customers and stock adjustments.

Thin: each names a path and a root key and leans on the generic idempotent create, batch and
look-ups. Sales invoices and products keep their own duplicate handling: a batch of invoices
*reports* its duplicates (the outbox checks them against its own rows), and a taken
``product_code`` returns that product whatever its other fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journal_pipeline.jurnal.errors import (
    JurnalDuplicateError,
    JurnalError,
    JurnalValidationError,
    duplicated_fields,
)
from journal_pipeline.jurnal.idempotent import MAX_BATCH_SIZE, IdempotentWrites, ItemResult
from journal_pipeline.jurnal.quota import TransactionQuota
from journal_pipeline.jurnal.resources import spec_for


class JurnalEndpoints(IdempotentWrites):
    """One method per Jurnal call the pipeline makes."""

    # --- reference lists -----------------------------------------------------------------

    def list_accounts(self) -> list[dict[str, Any]]:
        """The accounts documents can be posted to: archived ones left out (Jurnal lists them
        unless asked not to, and refuses a document on one)."""
        answer = self.get("accounts", {"include_archive": "false"})
        return list(answer.get("accounts") or [])

    def list_warehouses(self) -> list[dict[str, Any]]:
        return list(self.iter_list("warehouses", "warehouses"))

    def list_products(self) -> list[dict[str, Any]]:
        return list(self.iter_list("products", "products"))

    def list_taxes(self) -> list[dict[str, Any]]:
        return list(self.iter_list("taxes", "company_taxes"))

    # --- sales invoices ------------------------------------------------------------------

    def get_sales_invoice(self, invoice_id: int) -> dict[str, Any] | None:
        """The invoice with this id, or None when Jurnal does not know it."""
        try:
            return self.get(f"sales_invoices/{int(invoice_id)}")["sales_invoice"]
        except JurnalValidationError as exc:
            if exc.status in (404, 422):
                return None
            raise
        except JurnalError as exc:
            if exc.status == 404:
                return None
            raise

    def _existing_invoice(
        self, invoice: Mapping[str, Any], existing_id: int | None
    ) -> dict[str, Any] | None:
        """The already-created invoice this request duplicates, if it really is the same one."""
        custom_id = invoice.get("custom_id")
        transaction_no = invoice.get("transaction_no")
        candidate = self.get_sales_invoice(existing_id) if existing_id is not None else None
        if custom_id:
            if candidate is None or str(candidate.get("custom_id") or "") != str(custom_id):
                candidate = self.find_sales_invoice(custom_id=str(custom_id))
            return candidate
        if transaction_no:
            if candidate is None or str(candidate.get("transaction_no") or "") != str(
                transaction_no
            ):
                candidate = self.find_sales_invoice(transaction_no=str(transaction_no))
            return candidate
        return None

    def create_sales_invoice(self, invoice: Mapping[str, Any]) -> dict[str, Any]:
        """Create an invoice, idempotently.

        When Jurnal says the ``custom_id`` (or, without one, the ``transaction_no``) is
        already used, the existing invoice is returned instead. A ``transaction_no`` taken by
        an invoice with a different ``custom_id`` is a real conflict and raises
        :class:`JurnalDuplicateError`.
        """
        try:
            return self.post("sales_invoices", {"sales_invoice": dict(invoice)})["sales_invoice"]
        except JurnalDuplicateError as exc:
            existing = self._existing_invoice(invoice, exc.existing_id)
            if existing is None:
                raise
            self.duplicates_resolved += 1
            return existing

    def batch_create_sales_invoices(self, invoices: list[Mapping[str, Any]]) -> list[ItemResult]:
        """Create up to 100 invoices in one call; one ItemResult per invoice, in order.

        Duplicates are reported (``duplicate``, ``existing_id``), not looked up: the outbox
        checks them against its own records. :meth:`batch_create` resolves them instead.
        """
        if len(invoices) > MAX_BATCH_SIZE:
            raise ValueError(f"at most {MAX_BATCH_SIZE} invoices per batch, got {len(invoices)}")
        if not invoices:
            return []
        return self._batch_post(spec_for("sales_invoices"), list(invoices), offset=0)

    # --- products ------------------------------------------------------------------------

    def create_product(self, product: Mapping[str, Any]) -> dict[str, Any]:
        """Create a product; if its ``product_code`` is taken, return the existing product."""
        try:
            return self.post("products", {"product": dict(product)})["product"]
        except JurnalValidationError as exc:
            code = product.get("product_code")
            if not code or "product_code" not in duplicated_fields(exc.fields):
                raise
            existing = self.find_product(product_code=str(code))
            if existing is None:
                raise
            self.duplicates_resolved += 1
            return existing

    def batch_create_products(self, items: list[Mapping[str, Any]]) -> list[ItemResult]:
        return self.batch_create("products", "product", items)

    def update_product(self, product_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        """``PATCH products/{id}``: the fields sent replace the product's master data (J-16);
        documents already posted keep what they were posted with."""
        data = self._request("PATCH", f"products/{int(product_id)}", body={"product": body})
        record = spec_for("products").unwrap(data)
        if record is None:
            raise JurnalError("PATCH products: answer without 'product'", body=data)
        return record

    # --- the other documents -------------------------------------------------------------

    def create_receive_payment(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.create("receive_payments", "receive_payment", body)

    def batch_create_receive_payments(self, items: list[Mapping[str, Any]]) -> list[ItemResult]:
        return self.batch_create("receive_payments", "receive_payment", items)

    def find_receive_payment(
        self, *, custom_id: str | None = None, transaction_no: str | None = None
    ) -> dict[str, Any] | None:
        return self.find("receive_payments", custom_id=custom_id, transaction_no=transaction_no)

    def create_journal_entry(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.create("journal_entries", "journal_entry", body)

    def batch_create_journal_entries(self, items: list[Mapping[str, Any]]) -> list[ItemResult]:
        return self.batch_create("journal_entries", "journal_entry", items)

    def find_journal_entry(
        self, *, custom_id: str | None = None, transaction_no: str | None = None
    ) -> dict[str, Any] | None:
        return self.find("journal_entries", custom_id=custom_id, transaction_no=transaction_no)

    def create_customer(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.create("customers", "customer", body)

    def batch_create_customers(self, items: list[Mapping[str, Any]]) -> list[ItemResult]:
        return self.batch_create("customers", "customer", items)

    def find_customer(
        self, *, custom_id: str | None = None, display_name: str | None = None
    ) -> dict[str, Any] | None:
        return self.find("customers", custom_id=custom_id, display_name=display_name)

    def list_customers(self) -> list[dict[str, Any]]:
        """Every customer (Jurnal documents no filter by ``custom_id``: the list is read)."""
        return list(self.iter_list("customers", "customers"))

    def update_customer(self, customer_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        """``PATCH customers/{id}``: the fields sent replace the customer's."""
        data = self._request("PATCH", f"customers/{int(customer_id)}", body={"customer": body})
        record = spec_for("customers").unwrap(data)
        if record is None:
            raise JurnalError("PATCH customers: answer without 'customer'", body=data)
        return record

    def create_stock_adjustment(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.create(
            "stock_adjustments",
            "stock_adjustment",
            body,
            lookup=lambda b, existing_id: self._existing_stock_adjustment(b, existing_id),
        )

    # --- the company's transaction quota (J-58) ------------------------------------------

    def transaction_quota(self) -> TransactionQuota | None:
        """This month's quota (``quota_summary``, at the API's root, beside ``api/v1``), or
        None where Jurnal does not serve it."""
        root = self.base_url.removesuffix("/api/v1")
        try:
            body = self.get(f"{root}/sales_invoices/quota_summary")
        except JurnalError as exc:
            if exc.status == 404:
                return None
            raise
        return TransactionQuota.from_body(body)
