"""How order lines and payments are named in documents, journal lines and hold reasons.

Every optional value is read through `text_or_none`, so a missing variant, SKU, product name
or payment method leaves its part out instead of printing "nan" or "None".
"""

from __future__ import annotations

from journal_pipeline.core.missing import text_or_none


def item_name(product_name: object, sku: object) -> str | None:
    """The product name, else the SKU, else None."""
    return text_or_none(product_name) or text_or_none(sku)


def line_description(product_name: object, variant_name: object, sku: object) -> str | None:
    """``"Matcha Latte (Large)"``; ``"Matcha Latte"`` without a variant; the SKU stands in for
    a missing product name; None when the line has neither name nor SKU."""
    name = item_name(product_name, sku)
    variant = text_or_none(variant_name)
    if name is None:
        return None
    return f"{name} ({variant})" if variant else name


def payment_method(payment_type_name: object, gateway: object) -> str | None:
    """The payment's method as the cashier picked it, else its gateway, else None."""
    return text_or_none(payment_type_name) or text_or_none(gateway)
