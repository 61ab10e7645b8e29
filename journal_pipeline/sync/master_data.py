"""Master data before documents: every product an invoice names must exist in Jurnal.

Products are matched on ``product_code`` = iSeller SKU. A line without a SKU names its product
by name; Jurnal requires a ``product_code`` to create one, so such a product is created with a
code made from its name (`name_code`, ``NOSKU-PEMBULATAN``), and it is already in Jurnal when
Jurnal has a product of that name (made earlier without a code, or by hand) or of that code.
A SKU iSeller's catalogue has is created as the catalogue makes it (`sync.products`: tracked,
bundle or not, with its accounts), so a product is the same whichever step creates it first;
any other SKU, and every SKU when no catalogue is given, is created untracked with the
outlet-independent ``sales`` account. The service-charge and rounding products are created
against their own accounts. A missing value never becomes a name or a code: names and codes
are read through `text_or_none`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from journal_pipeline.accounting.products import BUNDLE_KEY, CatalogueProducts
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.ports import JurnalWriter, ProductWriter
from journal_pipeline.sync.products import (
    CATALOGUE_INCLUDES,
    ProductSync,
    apply_catalogue,
    create_products,
    read_catalogue,
)

__all__ = [
    "DayProducts",
    "ProductSync",
    "ensure_products",
    "name_code",
    "sync_day_products",
    "wanted_products",
]

NAME_CODE_PREFIX = "NOSKU"
NAME_CODE_MAX = 40  # characters of a code made from a name, its hash suffix included
_PLAIN_NAME = re.compile(r"[a-z0-9]+( [a-z0-9]+)*")
_NOT_CODE = re.compile(r"[^A-Z0-9]+")


def name_code(name: str) -> str:
    """The ``product_code`` of a product named only by its name: ``NOSKU-`` and the name in
    capitals, each run of characters other than A–Z and 0–9 turned into one ``-`` (``Es Jeruk``
    → ``NOSKU-ES-JERUK``). The same whatever the case and spacing of the name, as Jurnal's
    names compare. A name of plain words (letters and digits) gives its words back exactly; any
    other name (punctuation, accents, too long to keep whole) also gets ``_`` and six hex
    digits of its hash, so that two names never share a code (``Kopi (Large)`` →
    ``NOSKU-KOPI-LARGE_33268F``; ``_`` never occurs in the words part)."""
    folded = " ".join(name.split()).casefold()
    words = _NOT_CODE.sub("-", folded.upper()).strip("-")
    code = f"{NAME_CODE_PREFIX}-{words}" if words else NAME_CODE_PREFIX
    if _PLAIN_NAME.fullmatch(folded) and len(code) <= NAME_CODE_MAX:
        return code
    digest = hashlib.sha256(folded.encode()).hexdigest()[:6].upper()
    return f"{code[: NAME_CODE_MAX - 7].rstrip('-')}_{digest}"


def wanted_products(
    invoices: Iterable[Mapping[str, Any]],
    config: MerchantConfig,
    catalogue: CatalogueProducts | None = None,
) -> list[dict[str, Any]]:
    """Jurnal product bodies for each product the invoices name: by SKU (from the catalogue
    when it has the SKU, a bundle after its components; else named like the line's
    description), else by name with the name's `name_code` (the service-charge and rounding
    products on their own accounts, any other on the sales account)."""
    products: dict[str, dict[str, Any]] = {}
    by_name = {
        config.service_charge_product: "service_charge",
        config.rounding_product: "rounding",
    }
    sales_account = config.account("sales", None)
    unit = config.stock.unit_name
    for invoice in invoices:
        for line in invoice.get("transaction_lines_attributes", []):
            sku = text_or_none(line.get("product_code"))
            name = text_or_none(line.get("product_name"))
            rate = line.get("rate", 0)
            if sku:
                known = catalogue.body(sku) if catalogue is not None else None
                if known is not None:
                    _add_from_catalogue(products, known, catalogue)
                elif sku not in products:
                    title = text_or_none(line.get("description")) or name or sku
                    products[sku] = _product(title, sku, rate, sales_account, unit)
            elif name and (key := f"name:{name_code(name)}") not in products:
                role = by_name.get(name)
                products[key] = (
                    _product(name, None, 0, config.account(role, None), unit)
                    if role
                    else _product(name, None, rate, sales_account, unit)
                )
    return list(products.values())


def _add_from_catalogue(
    products: dict[str, dict[str, Any]],
    body: dict[str, Any],
    catalogue: CatalogueProducts | None,
) -> None:
    """The catalogue's body of a SKU, a bundle's components before it (Jurnal resolves them
    by code when it creates the bundle)."""
    assert catalogue is not None
    for part in body.get(BUNDLE_KEY) or []:
        component = catalogue.body(part["product_code"])
        if component is not None:
            products.setdefault(str(component["product_code"]), component)
    products.setdefault(str(body["product_code"]), body)


def _product(
    name: str, sku: str | None, price: object, sell_account: str | None, unit: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "is_sold": True,
        "is_bought": False,
        "sell_price_per_unit": price,
        "track_inventory": False,
        "unit_name": unit,
    }
    body["product_code"] = sku or name_code(name)
    if sell_account:
        body["sell_account_name"] = sell_account
    return body


def _folded(value: object) -> str | None:
    text = text_or_none(value)
    return text.casefold() if text else None


def ensure_products(
    client: JurnalWriter,
    wanted: list[dict[str, Any]],
    known: Sequence[Mapping[str, Any]] | None = None,
) -> ProductSync:
    """Create, in batches of 100, the wanted products Jurnal does not have: by code; a product
    named only by its name (no code, or its `name_code`) also by name. A product without a
    code is created with its `name_code`. `known`: Jurnal's products when just listed, else
    listed here."""
    result = ProductSync()
    known = client.list_products() if known is None else known
    codes = {code for p in known if (code := _folded(p.get("product_code")))}
    names = {name for p in known if (name := _folded(p.get("name")))}
    missing: list[Mapping[str, Any]] = []
    for body in wanted:
        code = _folded(body.get("product_code"))
        name = _folded(body.get("name"))
        by_name = name is not None and (not code or code == name_code(name).casefold())
        if (code and code in codes) or (by_name and name in names):
            result.unchanged += 1
        elif not code and not name:
            result.problems.append(f"a product without name or code was not created: {body}")
        elif not code:
            missing.append({**body, "product_code": name_code(str(body["name"]).strip())})
        else:
            missing.append(body)
    create_products(client, missing, result)
    return result


# -- the day's products, without listing them again while nothing changed ---------------------
PRODUCTS_MARK = "jurnal_products"
RELIST_EVERY = timedelta(hours=24)  # Jurnal's products are listed again at least this often
CATALOGUE_OVERLAP = timedelta(hours=1)  # as the orders' (`sync.order_marks.OVERLAP`)


class CatalogueSource(Protocol):
    """iSeller's catalogue, whole or only the products modified since a moment."""

    def get_products(
        self,
        *,
        modified_after: datetime = ...,
        track_inventory: bool = False,
        includes: Iterable[str] = (),
    ) -> Sequence[Mapping[str, Any]]: ...


@dataclass
class DayProducts:
    """What the day's product step did: the catalogue sync and the products the invoices
    name (`ProductSync` each), how many products the catalogue has, and whether Jurnal's
    products were listed (False: iSeller's catalogue had not changed since it was last
    applied, and every product the invoices name was known then)."""

    catalogue: ProductSync
    named: ProductSync
    catalogue_products: int
    listed: bool


def sync_day_products(
    iseller: CatalogueSource,
    jurnal: ProductWriter,
    store: StagingStore,
    config: MerchantConfig,
    invoices: Sequence[Mapping[str, Any]],
    now: datetime | None = None,
) -> DayProducts:
    """Bring Jurnal's products in line with iSeller's catalogue and create the products the
    pending ``invoices`` name, as `apply_catalogue` and `ensure_products` do; but while the
    catalogue is unchanged since it was last applied (iSeller has no product modified since
    that read, less an overlap), that was less than `RELIST_EVERY` ago, and every product the
    invoices name was in Jurnal then, nothing is listed or sent. What was applied is kept as a
    mark only when Jurnal refused nothing and nothing was created (a run that created
    products lists once more next time, and keeps what it then sees)."""
    now = now or datetime.now(UTC)
    kept = store.mark(PRODUCTS_MARK)
    if kept is not None and _still_applied(kept[0], iseller, invoices, now):
        value = kept[0]
        notes = list(value.get("notes") or [])
        return DayProducts(
            ProductSync(unchanged=int(value["catalogue"]), problems=notes),
            ProductSync(),
            int(value["catalogue"]),
            listed=False,
        )
    catalogue = read_catalogue(iseller, config)
    known = list(jurnal.list_products())
    applied = apply_catalogue(jurnal, catalogue, known)
    named = ensure_products(
        jurnal, wanted_products(invoices, config, catalogue), known if not applied.created else None
    )
    refused = len(applied.problems) > len(catalogue.notes) or named.problems
    if refused or applied.created or named.created or applied.updated:
        store.clear_mark(PRODUCTS_MARK)
    else:
        store.set_mark(
            PRODUCTS_MARK,
            "*",
            {
                "read_at": now.isoformat(),
                "catalogue": len(catalogue),
                "notes": list(catalogue.notes),
                "codes": sorted({c for p in known if (c := _folded(p.get("product_code")))}),
                "names": sorted({n for p in known if (n := _folded(p.get("name")))}),
            },
            at=now,
        )
    return DayProducts(applied, named, len(catalogue), listed=True)


def _still_applied(
    value: Mapping[str, Any],
    iseller: CatalogueSource,
    invoices: Sequence[Mapping[str, Any]],
    now: datetime,
) -> bool:
    read_at = parse_utc(value.get("read_at"))
    if read_at is None or now - read_at >= RELIST_EVERY:
        return False
    codes, names = set(value.get("codes") or ()), set(value.get("names") or ())
    for invoice in invoices:
        for line in invoice.get("transaction_lines_attributes", []):
            code, name = _folded(line.get("product_code")), _folded(line.get("product_name"))
            if code and code not in codes:
                return False
            if not code and name and name not in names and name_code(name).casefold() not in codes:
                return False
    changed = iseller.get_products(
        modified_after=read_at - CATALOGUE_OVERLAP,
        track_inventory=False,
        includes=CATALOGUE_INCLUDES,
    )
    return not changed
