"""How a payment method's takings reach the bank (a part of the config that the mapping's
history, `config_history`, can say was otherwise before a date), and how the reconciliation
matches what reached the bank with what the tills took."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from journal_pipeline.core.bank_calendar import BankCalendar, bank_calendar, supported_countries


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
    fee_on_void: Literal["kept", "returned"] = Field(
        "kept",
        description="the fee of a sale payment voided: kept (the bank keeps it, as on a "
        "refund) or returned (a void is cancelled before the bank settles it, so no fee: the "
        "fee booked at the sale is given back on the void's day)",
    )
    fee_basis: Literal["payment", "day"] = Field(
        "payment",
        description="what mdr_percent is taken of: each sale payment, rounded to the rupiah "
        "(a refund or void keeps its fee), or the day's net takings of the method at the "
        "outlet (sales less refunds and voids), rounded once, as a bank charging its fee on "
        "the day's settlement batch does",
    )

    @model_validator(mode="after")
    def _fee_basis_has_a_rate(self) -> SettlementConfig:
        if self.fee_basis == "day" and self.mdr_percent is None:
            raise ValueError(
                "fee_basis: day takes mdr_percent of the day's net takings; set mdr_percent, "
                "or leave fee_basis out (iSeller's own fee is per payment)"
            )
        if self.fee_basis == "day" and self.fee_on_void == "returned":
            raise ValueError(
                "fee_on_void: returned does not apply with fee_basis: day (the day's fee is "
                "taken of its takings less its voids already); leave fee_on_void out"
            )
        return self


class ReconciliationConfig(BaseModel):
    """Matching what reached the bank with what the tills took."""

    model_config = ConfigDict(extra="forbid")
    overdue_after_days: int = Field(
        3,
        ge=0,
        description="days past its expected date a settlement is reported overdue, counted as "
        "its rule's lag_counts (the bank's open days, unless calendar_days)",
    )
    match_window_days: int = Field(
        3, ge=0, description="days either side of the expected date a receipt may match"
    )
    cash_difference_tolerance: int = Field(
        100_000,
        ge=0,
        description="largest cash over/short in rupiah of one register shift taken without a "
        "warning (the entry is booked as counted either way); 0: every difference warns",
    )
    statement_folder: str | None = Field(
        None, description="folder where bank statement CSV files are dropped (a sensor reads them)"
    )
    statement_names: dict[str, str] = Field(
        default_factory=dict,
        description="a word or number the bank writes on a settlement line (a merchant or "
        "terminal id, a branch's name) → the outlet code and or payment method it stands "
        "for, e.g. '885001234567: JKT Debit BCA'",
    )
    holiday_calendar: str | None = Field(
        "ID",
        description="country whose public holidays and joint leave days (cuti bersama) the "
        "bank is closed on, as ISO 3166 code (ID: Indonesia); null: open Monday to Friday",
    )
    extra_holidays: list[date] = Field(
        default_factory=list, description="further days the bank credits nothing"
    )
    bank_open_on: list[date] = Field(
        default_factory=list,
        description="days the holiday calendar closes but the bank credits settlements",
    )

    @field_validator("holiday_calendar")
    @classmethod
    def _known_calendar(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if code not in supported_countries():
            raise ValueError(
                f"reconciliation.holiday_calendar {value!r} is not a country the holiday "
                "calendar knows: give its ISO 3166 code (ID for Indonesia), or null for "
                "Monday to Friday without holidays"
            )
        return code

    @cached_property
    def calendar(self) -> BankCalendar:
        """The days settlements reach the bank (`core.bank_calendar`)."""
        return bank_calendar(self.holiday_calendar, self.extra_holidays, self.bank_open_on)
