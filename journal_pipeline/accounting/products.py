"""iSeller's catalogue → Jurnal products: the bodies to create and the patches that bring an
existing product in line (``docs/assumptions/products.md``).

Every sellable row of GetProducts (a variant is its own row) becomes one Jurnal product with
``product_code`` = its SKU. A product iSeller tracks becomes a Jurnal inventory product
(inventory, cost of sales and sales accounts of the config's roles); any other product, a
modifier (it holds no stock in iSeller) and everything when ``stock.enabled`` is false stay
untracked, and so does a combo set (its items, chosen at the till, leave stock by adjustments
of their own: `accounting.free_goods`). A gift card (`config.gift_cards`) is an untracked
product whose sell account is the gift-card liability. A composite becomes a Jurnal bundle of
its tracked components, which Jurnal requires to be tracked: an untracked component carries no
stock and no cost in Jurnal.
A composite without a tracked component is an untracked product.

Pure: frames in (``iseller.parse.product_frames``), dicts out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none

BUNDLE_KEY = "product_bundles_attributes"
PRICE_FIELDS = ("sell_price_per_unit", "buy_price_per_unit")
COMBO_SET = "comboset"


@dataclass
class CatalogueProducts:
    """Jurnal product bodies by folded SKU: ``products`` (plain products and modifiers) are
    created before ``bundles``, whose components they are; ``notes`` name what in the
    catalogue could not become a product as it is, and the fix."""

    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def body(self, sku: object) -> dict[str, Any] | None:
        key = fold(sku)
        if key is None:
            return None
        return self.products.get(key) or self.bundles.get(key)

    def __len__(self) -> int:
        return len(self.products) + len(self.bundles)


def is_combo_set(kind: object) -> bool:
    """Whether a product's or an order line's ``type`` is a combo set: its Jurnal product is
    untracked, the items chosen at the till leave stock by adjustments of their own
    (`accounting.free_goods`)."""
    text = text_or_none(kind)
    return text is not None and text.casefold() == COMBO_SET


def fold(value: object) -> str | None:
    """A SKU or name as matched in Jurnal: case-insensitive, missing → None."""
    text = text_or_none(value)
    return text.casefold() if text else None


def product_name(name: object, variant: object, sku: str) -> str:
    """The Jurnal name of a catalogue row: iSeller's name, with the variant's option values
    appended (``"Kaos Nusantara - M"``) when the name does not end with them already."""
    title = text_or_none(name) or sku
    option = text_or_none(variant)
    if option and not title.casefold().endswith(option.casefold()):
        return f"{title} - {option}"
    return title


def quantity_number(value: Decimal) -> int | str:
    """A component quantity for JSON: an int when whole, else a decimal string."""
    if value == value.to_integral_value():
        return int(value)
    return str(value.normalize())


class _Bodies:
    """Builds product bodies with the config's accounts and unit."""

    def __init__(self, config: MerchantConfig):
        self.stock = config.stock.enabled
        self.unit = config.stock.unit_name
        self.sales = config.account("sales", None)
        self.cogs = config.account("cogs", None)
        self.inventory = config.account("inventory", None)
        self.gift_card_liability = config.account("gift_card_liability", None)

    def body(
        self,
        *,
        name: str,
        sku: str,
        price: int,
        cost: int,
        unit: object = None,
        tracked: bool = False,
        bought: bool = False,
        gift_card: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": name,
            "product_code": sku,
            "unit_name": text_or_none(unit) or self.unit,
            "is_sold": True,
            "is_bought": bought,
            "sell_price_per_unit": price,
            "buy_price_per_unit": cost,
            "track_inventory": tracked,
        }
        if gift_card and self.gift_card_liability:
            # a gift card sold is owed to its holder, not revenue (docs/posting-model.md)
            body["sell_account_name"] = self.gift_card_liability
        elif self.sales:
            body["sell_account_name"] = self.sales
        if self.cogs:
            body["buy_account_name"] = self.cogs
        if tracked:
            body["inventory_asset_account_name"] = self.inventory
        return body


def catalogue_products(
    products: pd.DataFrame,
    components: pd.DataFrame,
    modifiers: pd.DataFrame,
    config: MerchantConfig,
) -> CatalogueProducts:
    """The Jurnal products of iSeller's catalogue (the frames of `product_frames`)."""
    bodies = _Bodies(config)
    result = CatalogueProducts()
    can_track = bodies.stock and bodies.inventory is not None
    if bodies.stock and bodies.inventory is None:
        result.notes.append(
            "no Jurnal account is configured for the role 'inventory', so every product is "
            "created untracked; add accounts.inventory to the config"
        )
    parts = _components_by_owner(components)
    composites: list[tuple[str, Mapping[str, Any]]] = []
    without_sku = []
    for row in products.to_dict("records"):
        sku = text_or_none(row.get("sku"))
        if sku is None:
            without_sku.append(text_or_none(row.get("name")) or str(row.get("product_id")))
            continue
        key = sku.casefold()
        if key in result.products or any(key == k for k, _ in composites):
            result.notes.append(
                f"SKU {sku} is on more than one iSeller product; only the first is kept in "
                "Jurnal. Give each product its own SKU in iSeller."
            )
            continue
        if key in parts:
            composites.append((key, row))
            continue
        gift_card = config.gift_cards.matches(sku, row.get("product_type"))
        tracked = (
            can_track
            and bool(row.get("track_inventory"))
            and not gift_card
            and not is_combo_set(row.get("type"))
        )
        result.products[key] = bodies.body(
            name=product_name(row.get("name"), row.get("variant"), sku),
            sku=sku,
            price=int(row.get("price") or 0),
            cost=int(row.get("buying_price") or 0),
            unit=row.get("unit_of_measurement"),
            tracked=tracked,
            bought=tracked,
            gift_card=gift_card,
        )
    if without_sku:
        result.notes.append(
            f"{len(without_sku)} iSeller product(s) have no SKU ({', '.join(without_sku[:5])}): "
            "Jurnal matches products by SKU, so they are created only when an invoice names "
            "them, by name. Give them a SKU in iSeller."
        )
    _add_modifiers(result, modifiers, bodies)
    for key, row in composites:
        _add_composite(result, key, row, parts[key], bodies, can_track)
    return result


def _components_by_owner(components: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    parts: dict[str, list[dict[str, Any]]] = {}
    for row in components.to_dict("records"):
        owner = fold(row.get("sku"))
        if owner is not None:
            parts.setdefault(owner, []).append(row)
    return parts


def _add_modifiers(result: CatalogueProducts, modifiers: pd.DataFrame, bodies: _Bodies) -> None:
    """Each modifier once (several products offer the same one), untracked."""
    untitled = set()
    for row in modifiers.to_dict("records"):
        sku = text_or_none(row.get("modifier_sku"))
        title = text_or_none(row.get("title"))
        if sku is None:
            untitled.add(title or str(row.get("modifier_id")))
            continue
        if sku.casefold() in result.products:
            continue
        result.products[sku.casefold()] = bodies.body(
            name=title or sku,
            sku=sku,
            price=int(row.get("price") or 0),
            cost=int(row.get("buying_price") or 0),
        )
    if untitled:
        result.notes.append(
            f"{len(untitled)} modifier(s) have no SKU in iSeller's catalogue "
            f"({', '.join(sorted(untitled)[:5])}): they are created only when an invoice names "
            "them. Give them a SKU in iSeller."
        )


def _add_composite(
    result: CatalogueProducts,
    key: str,
    row: Mapping[str, Any],
    parts: list[dict[str, Any]],
    bodies: _Bodies,
    can_track: bool,
) -> None:
    """A bundle of the composite's tracked components, else an untracked product."""
    sku = str(row["sku"]).strip()
    attributes = []
    for part in parts if can_track else ():
        part_sku = text_or_none(part.get("component_sku"))
        component = result.products.get(part_sku.casefold()) if part_sku else None
        if component is None:
            result.notes.append(
                f"composite {sku}: component {part_sku or part.get('component_name')} is not "
                "in iSeller's catalogue with a SKU, so Jurnal's bundle leaves it out. Check the "
                "composite's ingredients in iSeller."
            )
            continue
        if component["track_inventory"]:
            attributes.append(
                {"product_code": component["product_code"], "quantity": part["quantity"]}
            )
    small = [a["product_code"] for a in attributes if a["quantity"] < 1]
    if small:
        result.notes.append(
            f"composite {sku}: component(s) {', '.join(small)} are used in quantities under 1, "
            "which a Jurnal bundle cannot hold, so the composite is an untracked product. "
            "Record the components' stock with stock adjustments in Jurnal."
        )
        attributes = []
    body = bodies.body(
        name=product_name(row.get("name"), row.get("variant"), sku),
        sku=sku,
        price=int(row.get("price") or 0),
        cost=int(row.get("buying_price") or 0),
        unit=row.get("unit_of_measurement"),
        tracked=can_track and bool(attributes),
    )
    if can_track and attributes:
        body[BUNDLE_KEY] = [
            {**a, "quantity": quantity_number(Decimal(a["quantity"]))} for a in attributes
        ]
        result.bundles[key] = body
    else:
        result.products[key] = body


# --- products Jurnal has already -----------------------------------------------------------


def _amount(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if text_or_none(value) is not None else None
    except InvalidOperation:
        return None


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("true", "1")


def master_data_patch(wanted: Mapping[str, Any], existing: Mapping[str, Any]) -> dict[str, Any]:
    """The name and prices to PATCH so the Jurnal product reads as iSeller has it now;
    empty when they agree."""
    patch: dict[str, Any] = {}
    if text_or_none(existing.get("name")) != wanted["name"]:
        patch["name"] = wanted["name"]
    for key in PRICE_FIELDS:
        if _amount(existing.get(key)) != Decimal(wanted[key]):
            patch[key] = wanted[key]
    return patch


def tracking_patch(wanted: Mapping[str, Any], existing: Mapping[str, Any]) -> dict[str, Any]:
    """What turns an untracked Jurnal product into the inventory product (or bundle) iSeller's
    catalogue makes it; empty when nothing is to be tracked. Tracking is never turned off:
    Jurnal refuses that once stock has moved, and its history would be lost."""
    if not wanted["track_inventory"] or _flag(existing.get("track_inventory")):
        return {}
    patch = {
        "track_inventory": True,
        "inventory_asset_account_name": wanted["inventory_asset_account_name"],
    }
    if BUNDLE_KEY in wanted:
        patch[BUNDLE_KEY] = wanted[BUNDLE_KEY]
    return patch


def bundle_difference(
    wanted: Mapping[str, Any], existing: Mapping[str, Any], codes_by_id: Mapping[Any, str]
) -> str | None:
    """How a tracked Jurnal product differs from the bundle iSeller's composite makes it
    (components and quantities), or None when they agree or it is no bundle."""
    if BUNDLE_KEY not in wanted or not _flag(existing.get("track_inventory")):
        return None
    want = {
        str(a["product_code"]).casefold(): Decimal(str(a["quantity"])) for a in wanted[BUNDLE_KEY]
    }
    if not _flag(existing.get("is_bundle")):
        return "is a tracked product, not a bundle"
    have: dict[str, Decimal] = {}
    for part in existing.get("product_bundles") or []:
        code = codes_by_id.get(part.get("product_id")) or str(part.get("product_name"))
        have[code.casefold()] = have.get(code.casefold(), Decimal(0)) + (
            _amount(part.get("quantity")) or Decimal(0)
        )
    if have == want:
        return None

    def listed(parts: Mapping[str, Decimal]) -> str:
        return ", ".join(f"{quantity_number(q)} × {c}" for c, q in sorted(parts.items())) or "none"

    return f"has components {listed(have)}; iSeller's composite has {listed(want)}"
