"""Which outlet-day summary a summary document belongs to: its invoice, its tax-treatment
invoices and its payments share the base of the summary invoice, a later summary of the day
has its own."""

import pytest

from journal_pipeline.sync.summary_members import summary_base


@pytest.mark.parametrize(
    ("source_id", "base"),
    [
        ("summary:JKT:2026-11-30", "summary:JKT:2026-11-30"),
        ("summary:JKT:2026-11-30:2", "summary:JKT:2026-11-30"),  # a second tax treatment
        ("summary:JKT:2026-11-30/P1", "summary:JKT:2026-11-30"),  # its payments
        ("summary:JKT:2026-11-30/P12", "summary:JKT:2026-11-30"),
        ("summary:JKT:2026-11-30/2", "summary:JKT:2026-11-30/2"),  # late orders' summary
        ("summary:JKT:2026-11-30/2:3", "summary:JKT:2026-11-30/2"),
        ("summary:JKT:2026-11-30/2/P1", "summary:JKT:2026-11-30/2"),
        ("summary:JKT:2026-11-30/R:ISL/S/JKT/20261129", "summary:JKT:2026-11-30"),
        ("7c8ff6f8-0000-4000-8000-000000000001", None),  # an order's own invoice
    ],
)
def test_a_summary_document_names_the_summary_it_belongs_to(source_id, base):
    assert summary_base(source_id) == base
