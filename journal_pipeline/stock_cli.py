"""`journal-pipeline stock …`: inventory commands (`stock init`).

`stock init` lists what it would post (per outlet: the stock adjustment and its lines, what is
already posted or equal, the SKUs it refuses and why) first, then asks; ``--yes`` skips the
question (scripts), ``--dry-run`` only lists. Running it twice sends nothing the second time,
and says so (`sync/opening_stock.py` holds the logic).
"""

from __future__ import annotations

import os
import sys
import uuid

import click


@click.group()
def stock() -> None:
    """Inventory in Jurnal: opening stock."""


@stock.command("init")
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day counted (YYYY-MM-DD): Jurnal gets iSeller's stock at its start, dated "
    "the day before.",
)
@click.option(
    "--outlet", default=None, help="Outlet code (default: every outlet with a warehouse)."
)
@click.option("--yes", is_flag=True, help="Post without asking.")
@click.option("--dry-run", is_flag=True, help="Only list what would be posted.")
def init(day, outlet, yes, dry_run):
    """Bring each Jurnal warehouse to iSeller's stock at the start of --date."""
    from journal_pipeline.config import ConfigError, load_config
    from journal_pipeline.defs.resources import iseller_client_from_env
    from journal_pipeline.environment import CONFIG_ENV, MissingEnvironmentError
    from journal_pipeline.iseller.errors import ISellerError
    from journal_pipeline.jurnal.client import JurnalClient
    from journal_pipeline.jurnal.errors import JurnalError
    from journal_pipeline.jurnal.settings import JurnalSettings
    from journal_pipeline.storage.store import StagingStore
    from journal_pipeline.sync import opening_stock

    try:
        config = load_config(os.environ.get(CONFIG_ENV))
    except (ConfigError, MissingEnvironmentError) as exc:
        raise click.ClickException(str(exc)) from None
    if outlet and config.outlet(outlet) is None:
        raise click.ClickException(
            f"outlet {outlet} is not in the config; known: {', '.join(sorted(config.outlets))}."
        )
    try:
        iseller = iseller_client_from_env(os.environ)
        settings = JurnalSettings.from_env(os.environ)
    except Exception as exc:  # a missing or malformed ISELLER_* / JURNAL_* variable names itself
        raise click.ClickException(str(exc)) from None
    store = StagingStore()
    client = JurnalClient(settings, limiter=settings.rate_limiter(store.engine))
    progress = lambda text: click.echo(f"… {text}", err=True)  # noqa: E731
    try:
        if not dry_run:  # Jurnal counts only the products it tracks: the catalogue's first
            _bring_in_products(iseller, client, store, config.on(day.date()), progress)
        plans = opening_stock.plan_opening_stock(
            iseller,
            client,
            store,
            config.on(day.date()),  # the mapping of the day (`config_history`)
            day.date(),
            [outlet] if outlet else None,
            progress=progress,
        )
    except (ISellerError, JurnalError, ValueError) as exc:
        raise click.ClickException(f"Could not read the stock: {exc}") from None
    for plan in plans:
        click.echo("\n".join(plan.listing()))
    to_post = [plan for plan in plans if plan.document is not None]
    if dry_run:
        click.echo("Dry run: nothing posted.")
        return
    if not to_post:
        click.echo("Nothing to post.")
        sys.exit(1 if any(plan.stock.refused for plan in plans) else 0)
    if not yes and not click.confirm(f"Post {len(to_post)} stock adjustment(s)?", default=False):
        click.echo("Nothing posted.")
        sys.exit(1)
    result = opening_stock.post_opening_stock(store, to_post, client, f"stock-init-{uuid.uuid4()}")
    click.echo(
        f"Opening stock: {result.posted} adjustment(s) posted now, {result.duplicates_resolved} "
        f"found already in Jurnal, {result.failed} refused."
    )
    for failure in result.failures[:5]:
        click.echo(f"  {failure}", err=True)
    if result.interrupted:
        click.echo(
            f"Posting stopped early ({result.interrupted}); run the same command again to "
            "finish (nothing is posted twice).",
            err=True,
        )
    if result.failed or result.interrupted or any(plan.stock.refused for plan in plans):
        sys.exit(1)


def _bring_in_products(iseller, client, store, config, progress) -> None:
    """Create the catalogue's products Jurnal lacks (tracked as iSeller tracks them), as a
    sync's products asset does: on a new Jurnal company the opening stock comes before any
    sale, so no sync has made them yet."""
    from journal_pipeline.sync.master_data import sync_day_products

    progress("Jurnal: bringing in iSeller's catalogue (products it lacks, tracked as in iSeller)")
    done = sync_day_products(iseller, client, store, config, [])
    if done.catalogue.created:
        click.echo(f"Products: {len(done.catalogue.created)} created in Jurnal.")
    for problem in done.catalogue.problems[:5]:
        click.echo(f"  product: {problem}", err=True)
