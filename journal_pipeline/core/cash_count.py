"""Names shared by the cash-count parts of the pipeline (accounting, storage, sync)."""

from __future__ import annotations

#: Canonical journal entries of cash over/short at shift close start with this
#: (``cash_over_short:<shift id>``); the shift build replaces only these.
CASH_COUNT_ENTRY = "cash_over_short:"
