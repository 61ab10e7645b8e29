"""Master data before documents: every SKU an invoice names must exist as a Jurnal product.

Products are matched on ``product_code`` = iSeller SKU. Missing ones are created with the
outlet-independent ``sales`` account; the service-charge and rounding products are created
against their own accounts. Stock-tracked products (inventory account, opening stock) come
with the product sync; until then created products do not track stock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from journal_pipeline.config import MerchantConfig


@dataclass
class ProductSync:
    existing: int = 0
    created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def wanted_products(invoices: list[dict], config: MerchantConfig) -> list[dict]:
    """Jurnal product bodies for each SKU the invoices name, and the charge/rounding products."""
    products: dict[str, dict] = {}
    by_name = {
        config.service_charge_product: "service_charge",
        config.rounding_product: "rounding",
    }
    for invoice in invoices:
        for line in invoice.get("transaction_lines_attributes", []):
            sku = line.get("product_code")
            if sku and sku not in products:
                name = line.get("description") or sku
                products[sku] = _product(
                    name, sku, line.get("rate", 0), config.account("sales", None)
                )
            name = line.get("product_name")
            if not sku and name in by_name and f"name:{name}" not in products:
                products[f"name:{name}"] = _product(
                    name, None, 0, config.account(by_name[name], None)
                )
    return list(products.values())


def _product(name: str, sku: str | None, price: int, sell_account: str | None) -> dict:
    body = {
        "name": name,
        "is_sold": True,
        "is_bought": False,
        "sell_price_per_unit": price,
        "track_inventory": False,
        "unit_name": "Pcs",
    }
    if sku:
        body["product_code"] = sku
    if sell_account:
        body["sell_account_name"] = sell_account
    return body


def ensure_products(client, wanted: list[dict]) -> ProductSync:
    """Create, in batches of 100, the wanted products Jurnal does not have (by code, else name)."""
    result = ProductSync()
    known = client.list_products()
    codes = {str(p.get("product_code") or "").casefold() for p in known}
    names = {str(p.get("name") or "").casefold() for p in known}
    missing = []
    for body in wanted:
        code = str(body.get("product_code") or "").casefold()
        if (code and code in codes) or (not code and body["name"].casefold() in names):
            result.existing += 1
        else:
            missing.append(body)
    for body, item in zip(
        missing, client.batch_create("products", "product", missing), strict=True
    ):
        label = body.get("product_code") or body["name"]
        if item.record is not None:
            result.created.append(label)
        else:
            result.problems.append(f"product {label}: Jurnal refused it: {item.errors}")
    return result
