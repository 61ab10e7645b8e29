"""Jurnal products follow iSeller's catalogue (``docs/assumptions/products.md``).

Reads GetProducts (every product, with its modifiers), builds the Jurnal products
(`accounting.products`), creates the SKUs Jurnal lacks (plain products and modifiers first,
then the bundles made of them) and brings the others in line with ``PATCH products/{id}``:
name and prices, and tracking turned on for a product an earlier version of the pipeline
created untracked. Posted documents are never edited. Whatever cannot be done is a problem line
naming the SKU and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from journal_pipeline.accounting.products import (
    CatalogueProducts,
    bundle_difference,
    catalogue_products,
    fold,
    master_data_patch,
    tracking_patch,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.iseller.parse import product_frames
from journal_pipeline.jurnal.errors import JurnalError
from journal_pipeline.sync.ports import JurnalWriter, ProductSource, ProductWriter

#: GetProducts blocks the catalogue needs: the modifiers of each product (their own products).
CATALOGUE_INCLUDES = ("Modifiers",)


@dataclass
class ProductSync:
    """What a product sync did: SKUs created and updated, how many were already right, and
    the problems (each naming the product and the fix)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def existing(self) -> int:
        """Products Jurnal had already (updated or not)."""
        return self.unchanged + len(self.updated)


def read_catalogue(iseller: ProductSource, config: MerchantConfig) -> CatalogueProducts:
    """The Jurnal products iSeller's catalogue makes."""
    rows = iseller.get_products(track_inventory=False, includes=CATALOGUE_INCLUDES)
    frames = product_frames(rows)
    return catalogue_products(frames.products, frames.components, frames.modifiers, config)


def sync_catalogue(
    iseller: ProductSource, jurnal: ProductWriter, config: MerchantConfig
) -> ProductSync:
    """Create and update Jurnal's products from iSeller's catalogue."""
    return apply_catalogue(jurnal, read_catalogue(iseller, config))


def apply_catalogue(
    jurnal: ProductWriter,
    catalogue: CatalogueProducts,
    known: Sequence[Mapping[str, Any]] | None = None,
) -> ProductSync:
    """Create the catalogue's products Jurnal lacks (components before bundles) and PATCH
    the ones that differ. `known`: Jurnal's products when just listed, else listed here."""
    result = ProductSync(problems=list(catalogue.notes))
    known = list(jurnal.list_products()) if known is None else list(known)
    by_code = {code: p for p in known if (code := fold(p.get("product_code")))}
    codes_by_id = {p.get("id"): str(p.get("product_code")) for p in known if p.get("product_code")}
    for stage in (catalogue.products, catalogue.bundles):
        missing = []
        for key, wanted in stage.items():
            existing = by_code.get(key)
            if existing is None:
                missing.append(wanted)
            else:
                _bring_in_line(jurnal, wanted, existing, codes_by_id, result)
        create_products(jurnal, missing, result)
    return result


def create_products(
    jurnal: JurnalWriter, bodies: Sequence[Mapping[str, Any]], result: ProductSync
) -> None:
    """Create products in batches of 100; a refusal is a problem naming the product."""
    created = jurnal.batch_create("products", "product", [_as_sent(body) for body in bodies])
    for sent, item in zip(bodies, created, strict=True):
        label = str(sent.get("product_code") or sent["name"])
        if item.record is not None:
            result.created.append(label)
        else:
            result.problems.append(f"product {label}: {_refusal(sent, item.errors)}")


def _named(existing: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """A product's update with its name, which Jurnal's PATCH products requires whatever
    else changes (the patch's own name, if it renames)."""
    return {"name": existing["name"], **patch} if existing.get("name") else dict(patch)


def _as_sent(body: Mapping[str, Any]) -> dict[str, Any]:
    """An untracked product's body without ``track_inventory: false``: Jurnal's product
    document says that when ``track_inventory`` is sent, ``inventory_asset_account`` must be
    sent too, and a product is untracked without it."""
    return {k: v for k, v in body.items() if k != "track_inventory" or v}


def _refusal(sent: Mapping[str, Any], errors: Mapping[str, Any] | None) -> str:
    errors = errors or {}
    if "name" in errors and "taken" in str(errors["name"]):
        return (
            f"Jurnal refused it: the name {sent['name']!r} is taken by another Jurnal product. "
            "Rename one of them (in iSeller or in Jurnal) so that each SKU has its own name."
        )
    return f"Jurnal refused it: {dict(errors)}. Fix the product in iSeller or in Jurnal."


def _bring_in_line(
    jurnal: ProductWriter,
    wanted: Mapping[str, Any],
    existing: Mapping[str, Any],
    codes_by_id: Mapping[Any, str],
    result: ProductSync,
) -> None:
    sku = str(wanted["product_code"])
    changed = False
    patch = master_data_patch(wanted, existing)
    if patch:
        try:
            jurnal.update_product(int(existing["id"]), _named(existing, patch))
            changed = True
        except JurnalError as exc:
            result.problems.append(
                f"product {sku}: Jurnal refused the update of {', '.join(patch)} "
                f"({_message(exc)}). Change it by hand in Jurnal: Products → {sku} → Edit."
            )
    tracking = tracking_patch(wanted, existing)
    if tracking:
        try:
            jurnal.update_product(int(existing["id"]), _named(existing, tracking))
            changed = True
        except JurnalError as exc:
            kind = (
                "a bundle of its tracked components"
                if "product_bundles_attributes" in (tracking)
                else "tracked"
            )
            result.problems.append(
                f"product {sku}: iSeller tracks its stock but Jurnal keeps it untracked and "
                f"refused to make it {kind} ({_message(exc)}); Jurnal books no stock or cost of "
                f"sales for it. In Jurnal: Products → {sku} → Edit → tick Track inventory "
                f"with the account {wanted['inventory_asset_account_name']!r}."
            )
    difference = bundle_difference(wanted, existing, codes_by_id)
    if difference and not tracking:
        result.problems.append(
            f"product {sku}: the Jurnal product {difference}. Edit the bundle in Jurnal: "
            f"Products → {sku} → Edit."
        )
    if changed:
        result.updated.append(sku)
    else:
        result.unchanged += 1


def _message(exc: JurnalError) -> str:
    full = getattr(exc, "full_messages", None)
    return "; ".join(full) if full else str(exc)
