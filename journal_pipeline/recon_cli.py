"""`journal-pipeline recon --date D [--outlet X]`: the day's cash/bank reconciliation from
staging (docs/reconciliation.md): each outlet's payment methods, what they took, what went
back (refunds, voids) and what the bank keeps (MDR), so what should reach the bank and when,
what did, and the bank lines nothing claimed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click

HEADER = (
    "outlet",
    "method",
    "takings",
    "refunds",
    "mdr",
    "expected",
    "expected date",
    "received",
    "variance",
    "status",
    "age",
)


def _money(value: object) -> str:
    """Rupiah as the finance team writes them: ``1.234.500``, cents after a comma
    (``1.234.500,50``)."""
    if value is None:
        return ""
    number = Decimal(str(value))
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return text.translate(str.maketrans(",.", ".,"))


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def recon_table(rows: list[dict[str, Any]]) -> list[str]:
    """The settlement rows as aligned text lines, then the unmatched statement lines."""
    settled = [r for r in rows if r["row_kind"] != "unmatched_line"]
    unmatched = [r for r in rows if r["row_kind"] == "unmatched_line"]
    table = [HEADER] + [
        (
            _cell(r["outlet_code"]),
            _cell(r["payment_method"]),
            _money(r["takings"]),
            _money(r["refunds"]),
            _money(r["mdr"]),
            _money(r["expected"]),
            _cell(r["expected_date"]),
            _money(r["received"]),
            _money(r["variance"]),
            _cell(r["status"]),
            _cell(r["age_days"]),
        )
        for r in settled
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in table]
    out.append("")
    if unmatched:
        out.append("Bank lines matching no expected settlement:")
        out += [f"  {r['explanation']}" for r in unmatched]
    else:
        out.append("Every bank line of the day is matched.")
    return out


@click.command("recon")
@click.option(
    "--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Business day."
)
@click.option("--outlet", default=None, help="Outlet code (default: every outlet).")
def recon(day: datetime, outlet: str | None) -> None:
    """Show a business day's cash/bank reconciliation, as last staged."""
    from journal_pipeline.storage.reconciliation import read_reconciliation
    from journal_pipeline.storage.store import StagingStore

    chosen: date = day.date()
    rows = read_reconciliation(StagingStore(), chosen, outlet)
    if not rows:
        raise click.ClickException(
            f"Nothing reconciled for {chosen.isoformat()}"
            + (f" (outlet {outlet})" if outlet else "")
            + ". Sync the day first, then materialize the asset cash_bank_reconciliation for "
            "its partition (or wait for the bank statement sensor)."
        )
    click.echo(f"Cash/bank reconciliation of {chosen.isoformat()}")
    click.echo("\n".join(recon_table(rows)))
