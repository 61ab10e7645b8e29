"""The company's monthly transaction quota as Jurnal reports it (``quota_summary``, J-58)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


def _count(value: object) -> int | None:
    """A count as Jurnal writes it (a number, or a numeric string); None when absent."""
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    try:
        return int(Decimal(str(value).replace(",", "").strip()))
    except (InvalidOperation, ValueError):
        return None


@dataclass(frozen=True)
class TransactionQuota:
    """``total`` None: the plan sets no limit (or Jurnal did not say one)."""

    month: int | None
    year: int | None
    total: int | None
    used: int | None
    remaining: int | None

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> TransactionQuota:
        inner = body.get("quota_summary")
        data: Mapping[str, Any] = inner if isinstance(inner, Mapping) else body
        total, used = _count(data.get("total_quota")), _count(data.get("usage_quota"))
        remaining = _count(data.get("remaining_quota"))
        if remaining is None and total is not None and used is not None:
            remaining = max(0, total - used)
        return cls(_count(data.get("month")), _count(data.get("year")), total, used, remaining)

    @property
    def limited(self) -> bool:
        return self.total is not None or self.remaining is not None

    def describe(self) -> str:
        """One line for people: what is left of which month's quota."""
        when = f"{self.year:04d}-{self.month:02d}" if self.month and self.year else "this month"
        if not self.limited:
            return f"Jurnal sets no transaction quota for {when}"
        of = f" of {self.total:,}" if self.total is not None else ""
        left = f"{self.remaining:,}" if self.remaining is not None else "?"
        return f"Jurnal's transaction quota for {when}: {left}{of} left"
