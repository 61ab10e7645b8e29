"""How a dialect serves a register shift's outlet (`Dialect.shift_outlet`) and cash
(`Dialect.shift_cash`, I-40) and reads its lower modified bound (`Dialect.shift_bound`).

iSeller's GetRegisterShifts document lists only ids, the register and the open and close dates.
The emulator adds the outlet (``outlet_id``, ``outlet_code``) under ``shift_outlet=given`` and
leaves it out under ``absent``, as the document's RegisterShifts table has it (the request's
``outlet_id`` filter still reads each shift's outlet). It adds the cash:

- ``documented``: ``starting_cash``, ``cash_sales``, ``cash_refunds``, ``expected_cash``,
  ``counted_cash``, ``cash_difference`` (the last two null while the shift is open);
- ``actual``: the same with the count named ``actual_cash`` and its difference ``difference``;
- ``none``: no cash fields at all, as the document has it.

The lower modified bound (`Dialect.shift_bound`): the document names it ``modified_date``
("modified after or on the specified date"), the other reads ``modified_after``. Under
``both`` either is read (``modified_after`` first when both are given); under
``modified_date`` only the document's name is, and ``modified_after`` is ignored as any
unknown parameter.
"""

from __future__ import annotations

from typing import Any

from journal_sandbox.dialect import Dialect

CASH_FIELDS = (
    "starting_cash",
    "cash_sales",
    "cash_refunds",
    "expected_cash",
    "counted_cash",
    "cash_difference",
)
ACTUAL_NAMES = {"counted_cash": "actual_cash", "cash_difference": "difference"}


def serve_shift(shift: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The outlet and the cash of a shift (`register_shifts.register_shifts`, dates already
    written) as the dialect names them; a new dict."""
    outlet = ("outlet_id", "outlet_code") if dialect.shift_outlet == "given" else ()
    names = ("register_name", "register_id", "register_shift_id", *outlet)
    out = {name: shift[name] for name in (*names, "open_date", "closed_date")}
    if dialect.shift_cash == "none":
        return out
    for name in CASH_FIELDS:
        key = ACTUAL_NAMES.get(name, name) if dialect.shift_cash == "actual" else name
        out[key] = shift[name]
    return out


def shift_params(params: dict[str, str], dialect: Dialect) -> dict[str, str]:
    """`params` with the lower modified bound the dialect reads as ``modified_after`` (the
    name the emulator filters on) and no other; a new dict when changed."""
    if dialect.shift_bound == "modified_date":
        kept = {k: v for k, v in params.items() if k not in ("modified_after", "modified_date")}
        if "modified_date" in params:
            kept["modified_after"] = params["modified_date"]
        return kept
    if "modified_date" in params and "modified_after" not in params:
        return {**params, "modified_after": params["modified_date"]}
    return params
