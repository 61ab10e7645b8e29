"""Master data before documents: every product an invoice names must exist in Jurnal.

Products are matched on ``product_code`` = iSeller SKU; a line without a SKU names its
product by name, and that product is matched and created by name, with no ``product_code``.
Missing ones are created with the outlet-independent ``sales`` account; the service-charge
and rounding products are created against their own accounts. Stock-tracked products
(inventory account, opening stock) come with the product sync; until then created products
do not track stock. A missing value never becomes a name or a code: names and codes are
read through `text_or_none`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.sync.ports import JurnalWriter


@dataclass
class ProductSync:
    existing: int = 0
    created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def wanted_products(
    invoices: Iterable[Mapping[str, Any]], config: MerchantConfig
) -> list[dict[str, Any]]:
    """Jurnal product bodies for each product the invoices name: by SKU (named like the
    line's description), else by name (the service-charge and rounding products on their
    own accounts, any other on the sales account)."""
    products: dict[str, dict[str, Any]] = {}
    by_name = {
        config.service_charge_product: "service_charge",
        config.rounding_product: "rounding",
    }
    sales_account = config.account("sales", None)
    for invoice in invoices:
        for line in invoice.get("transaction_lines_attributes", []):
            sku = text_or_none(line.get("product_code"))
            name = text_or_none(line.get("product_name"))
            rate = line.get("rate", 0)
            if sku:
                if sku not in products:
                    title = text_or_none(line.get("description")) or name or sku
                    products[sku] = _product(title, sku, rate, sales_account)
            elif name and f"name:{name}" not in products:
                role = by_name.get(name)
                products[f"name:{name}"] = (
                    _product(name, None, 0, config.account(role, None))
                    if role
                    else _product(name, None, rate, sales_account)
                )
    return list(products.values())


def _product(name: str, sku: str | None, price: object, sell_account: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
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


def _folded(value: object) -> str | None:
    text = text_or_none(value)
    return text.casefold() if text else None


def ensure_products(client: JurnalWriter, wanted: list[dict[str, Any]]) -> ProductSync:
    """Create, in batches of 100, the wanted products Jurnal does not have (by code, else name)."""
    result = ProductSync()
    known = client.list_products()
    codes = {code for p in known if (code := _folded(p.get("product_code")))}
    names = {name for p in known if (name := _folded(p.get("name")))}
    missing: list[Mapping[str, Any]] = []
    for body in wanted:
        code = _folded(body.get("product_code"))
        name = _folded(body.get("name"))
        if (code and code in codes) or (not code and name in names):
            result.existing += 1
        elif not code and not name:
            result.problems.append(f"a product without name or code was not created: {body}")
        else:
            missing.append(body)
    for sent, item in zip(
        missing, client.batch_create("products", "product", missing), strict=True
    ):
        label = str(sent.get("product_code") or sent["name"])
        if item.record is not None:
            result.created.append(label)
        else:
            result.problems.append(f"product {label}: Jurnal refused it: {item.errors}")
    return result
