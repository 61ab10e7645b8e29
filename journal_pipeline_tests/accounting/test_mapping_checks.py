"""The roles `check` requires are the ones the posting rules book a sale to."""

from __future__ import annotations

import re
from pathlib import Path

from journal_pipeline.accounting import posting_rules
from journal_pipeline.accounting.mapping_checks import (
    SALE_ROLES,
    WHEN_CHARGED_ROLES,
    missing_role_problems,
)
from journal_pipeline.config import ACCOUNT_ROLES, load_config
from journal_sandbox.defaults import DEMO_CONFIG


def test_every_role_the_posting_rules_book_a_sale_to_is_required():
    source = Path(posting_rules.__file__).read_text(encoding="utf-8")
    booked = set(re.findall(r"\.role\(\s*\"(\w+)\"", source))
    assert booked and booked <= set(SALE_ROLES), booked - set(SALE_ROLES)
    assert "sales" in SALE_ROLES  # booked through `sold_as` (gift cards: their liability)
    assert set(SALE_ROLES) <= set(ACCOUNT_ROLES)


def test_a_role_left_out_is_named_once_with_the_outlets_that_lack_it():
    demo = load_config(DEMO_CONFIG)
    assert missing_role_problems(demo) == []
    accounts = {k: v for k, v in demo.accounts.items() if k not in ("cogs", "rounding")}
    outlets = dict(demo.outlets)
    outlets["BDG"] = outlets["BDG"].model_copy(update={"accounts": {"rounding": "Pembulatan"}})
    partial = demo.model_copy(update={"accounts": accounts, "outlets": outlets})
    problems = missing_role_problems(partial)
    assert [p.split(";")[0] for p in problems] == [
        "accounts.rounding: not set, nor under outlets.<code>.accounts for DPS, JKT",
        "accounts.cogs: not set",
    ]
    assert all("Add `" in p and "under accounts" in p for p in problems)
    without_charges = demo.model_copy(
        update={"accounts": {k: v for k, v in demo.accounts.items() if k != "service_charge"}}
    )
    assert missing_role_problems(without_charges) == []  # a shop without service charge
    (note,) = missing_role_problems(without_charges, WHEN_CHARGED_ROLES)
    assert note.startswith("accounts.service_charge: not set")
