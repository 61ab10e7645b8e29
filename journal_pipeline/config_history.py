"""What the account mapping was before it last changed (``mapping_history`` in the config).

A mapping change applies from a date (anchors rule 14): the config's ``accounts`` and
``payment_methods`` are the mapping now, and each ``mapping_history`` entry says what some of
them were up to and including its ``until`` day. A day is built with the mapping of that day
(`MerchantConfig.on`), so a backfill or a late order of an earlier day, or a ``repost`` of it,
books to the accounts of its time; documents already posted stay as they are.

``settlements`` have one too (a new MDR rate or bank account from a date: the fees of a day,
and what the reconciliation expects of it, follow the rule of its day). An outlet's ``tax``
has a history too (a new rate from a date, as PPN 11% → 12%, or an outlet
that starts charging tax): the tax of a sale is the one of its own business day, also in the
documents made later for it (a refund, a void, a revision), since iSeller taxed it so.

Only roles Jurnal takes from each document can have a history. The others Jurnal takes from
its own records whatever the document's date (a product's sell, cost and inventory accounts,
the company's discount, shipping and return accounts, a customer's receivable, a tax's
account): a history of those would leave Jurnal's ledger and the journal apart, so it is
refused by name.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from journal_pipeline.config_settlement import SettlementConfig

T = TypeVar("T")

#: Roles whose account each Jurnal document names (journal entries, stock adjustments).
HISTORY_ROLES = (
    "payment_fees",
    "platform_fees",
    "cash_over_short",
    "inventory_adjustment",
    "goods_received",
    "opening_stock",
)


def _history_roles(accounts: dict[str, str]) -> dict[str, str]:
    refused = sorted(set(accounts) - set(HISTORY_ROLES))
    if refused:
        raise ValueError(
            f"{', '.join(refused)} cannot change from a date: Jurnal books them by its own "
            "records (product, company, customer or tax), whatever a document's date; change "
            "them in `accounts` (from the next posting on) and `repost` the days to correct. "
            f"Roles with a history: {', '.join(HISTORY_ROLES)}; and payment_methods, "
            "settlements and an outlet's tax"
        )
    return accounts


class OutletMappingPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accounts: dict[str, str] = Field(default_factory=dict)
    payment_methods: dict[str, str] = Field(default_factory=dict)
    tax: str | None = Field(
        None,
        description="key into taxes: the outlet's tax then; null (written out) for no tax then",
    )

    _roles = field_validator("accounts")(staticmethod(_history_roles))

    @property
    def names_tax(self) -> bool:
        """Whether the entry says what the tax was (``tax: null`` included)."""
        return "tax" in self.model_fields_set


class MappingPeriod(BaseModel):
    """The mapping up to and including ``until``, for the roles and methods it names."""

    model_config = ConfigDict(extra="forbid")
    until: date
    note: str | None = Field(None, description="why it changed (for people reading the file)")
    accounts: dict[str, str] = Field(default_factory=dict)
    payment_methods: dict[str, str] = Field(default_factory=dict)
    settlements: dict[str, SettlementConfig] = Field(
        default_factory=dict,
        description="how a method's takings reached the bank then (its bank account, lag "
        "and MDR), each method's rule whole",
    )
    outlets: dict[str, OutletMappingPeriod] = Field(default_factory=dict)

    _roles = field_validator("accounts")(staticmethod(_history_roles))


def merged_methods(current: dict[str, T], earlier: dict[str, T]) -> dict[str, T]:
    """``current`` with ``earlier``'s methods in place of the same names (any letter case)."""
    folded = {name.casefold() for name in earlier}
    kept = {name: account for name, account in current.items() if name.casefold() not in folded}
    return {**kept, **earlier}


def periods_on(history: list[MappingPeriod], day: date) -> list[MappingPeriod]:
    """The entries that hold on ``day``, the one nearest to it last (it wins)."""
    return sorted((p for p in history if day <= p.until), key=lambda p: p.until, reverse=True)
