"""Orders mixing taxed and untaxed goods whose discount iSeller did not share pro rata."""

from __future__ import annotations

from decimal import Decimal

from journal_pipeline_tests.accounting.orders import retail_order

#: (Kopi's share, Buku's share, Buku's price): Kopi Arabika 1,000,000 (PPN 11% inside),
#: Buku Tulis untaxed.
PRO_RATA = (150_000, 50_000, 333_333)  # 15% off both: Jurnal's shares are iSeller's
ON_KOPI = (200_000, 0, 333_333)  # a promotion on the coffee alone
ON_BUKU = (0, 100_000, 1_000_000)  # a promotion on the book alone
ODD_ON_KOPI = (123_457, 0, 1_000_000)  # a share no two-place percentage gives exactly


def mixed_order(case: tuple[int, int, int], n: int = 0) -> dict:
    """The order of ``case`` (tax-inclusive, paid in full by card), its ids numbered ``n``."""
    kopi_share, buku_share, buku_price = case
    order = retail_order()
    order.update(
        order_id=f"33333333-3333-3333-3333-{n:012d}",
        order_reference=f"#JKT-MIX{n:03d}",
        tax_inclusive=True,
        buying_price=Decimal(0),
    )
    kopi, buku = order["order_details"]
    for line, taxed in ((kopi, True), (buku, False)):
        line.update(
            quantity=Decimal(1),
            base_price=Decimal(1_000_000),
            total_order_amount=Decimal(1_000_000),
            discount_amount=Decimal(0),
            discount_percentage=Decimal(0),
            taxable=taxed,
            tax_percentage=Decimal(11 if taxed else 0),
            tax_amount=Decimal(0),
            cogs=[],
        )
    buku.update(product_name="Buku Tulis", sku="BUK-003")
    kopi_net = 1_000_000 - kopi_share
    tax = (Decimal(kopi_net) * 11 / 111).quantize(Decimal(1))
    kopi.update(
        order_detail_id=f"mix-{n}-k",
        discount_order_amount=Decimal(kopi_share),
        subtotal=Decimal(kopi_net),
        tax_amount=tax,
    )
    buku.update(
        order_detail_id=f"mix-{n}-b",
        base_price=Decimal(buku_price),
        total_order_amount=Decimal(buku_price),
        discount_order_amount=Decimal(buku_share),
        subtotal=Decimal(buku_price - buku_share),
    )
    total = kopi_net + buku_price - buku_share
    order.update(
        total_order_amount=Decimal(1_000_000 + buku_price),
        total_discount_amount=Decimal(kopi_share + buku_share),
        subtotal=Decimal(total),
        total_tax_amount=tax,
        total_amount=Decimal(total),
        discounts=[{"discount_name": "Promo", "discount_amount": Decimal(kopi_share + buku_share)}],
    )
    order["transactions"][0].update(transaction_id=f"mix-{n}-t", amount=Decimal(total))
    return order
