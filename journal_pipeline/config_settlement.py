"""How a payment method's takings reach the bank: a part of the config that the mapping's
history (`config_history`) can say was otherwise before a date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from journal_pipeline.core.bank_calendar import BankCalendar


class SettlementConfig(BaseModel):
    """How the takings of one payment method reach the bank (the reconciliation dataset)."""

    model_config = ConfigDict(extra="forbid")
    bank_account: str = Field(description="the Jurnal cash & bank account the money reaches")
    lag_days: int = Field(
        1, ge=0, le=60, description="days after the takings' day the money arrives"
    )
    lag_counts: Literal["business_days", "calendar_days"] = Field(
        "business_days",
        description="what lag_days counts: the days the bank is open (Monday to Friday less "
        "its holidays), or every day (a wallet or gateway that pays out on weekends too)",
    )

    def due(self, day: date, calendar: BankCalendar) -> date:
        """When the takings of ``day`` are due in the bank."""
        if self.lag_counts == "calendar_days":
            return day + timedelta(days=self.lag_days)
        return calendar.add_open_days(day, self.lag_days)

    def days_late(self, due: date, as_of: date, calendar: BankCalendar) -> int:
        """How late a settlement due on ``due`` is on ``as_of``, in what ``lag_days`` counts:
        a bank that was closed meanwhile could not have paid (a Friday's settlement is one
        day late on Monday, not three)."""
        if self.lag_counts == "calendar_days":
            return max((as_of - due).days, 0)
        return calendar.open_days_after(due, as_of)

    mdr_percent: Decimal | None = Field(
        None,
        ge=0,
        lt=100,
        description="the fee kept back, in percent, when iSeller reports no MDR for the "
        "method (iSeller Pay reports its own)",
    )
