"""`journal-pipeline stock …`: inventory commands (`stock init`)."""

from __future__ import annotations

import click


@click.group()
def stock() -> None:
    """Inventory in Jurnal: opening stock."""
