"""How a payment method's takings reach the bank: a part of the config that the mapping's
history (`config_history`) can say was otherwise before a date."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class SettlementConfig(BaseModel):
    """How the takings of one payment method reach the bank (the reconciliation dataset)."""

    model_config = ConfigDict(extra="forbid")
    bank_account: str = Field(description="the Jurnal cash & bank account the money reaches")
    lag_days: int = Field(
        1, ge=0, le=60, description="business days after the takings' day the money arrives"
    )
    mdr_percent: Decimal | None = Field(
        None,
        ge=0,
        lt=100,
        description="the fee kept back, in percent, when iSeller reports no MDR for the "
        "method (iSeller Pay reports its own)",
    )
