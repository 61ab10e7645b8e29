"""Text from iSeller is shown in the Dagster UI, never interpreted as markdown or HTML."""

from __future__ import annotations

from datetime import date

import markdown_it
import pandas as pd

from journal_pipeline.accounting.holds import Hold
from journal_pipeline.defs.metadata import (
    bullet_list,
    escape_markdown,
    held_reasons,
    markdown_table,
    open_records,
)

NOTES = [
    "<script>alert(1)</script>",
    "[link](http://x)",
    "| a | b |",
    "**bold**",
    "_under_ `code` ~strike~ # heading",
    "# heading",
    "__init__ and snake_case",
    "line one\nline two\r\n\tend",
    "bell\x07 and nul\x00 and del\x7f",
    "a & b",
]


def _html(text: str) -> str:
    """As CommonMark (tables on) renders it, the way the UI's markdown does."""
    return markdown_it.MarkdownIt("commonmark").enable("table").render(text)


def test_markup_characters_are_escaped():
    assert escape_markdown("**bold**") == r"\*\*bold\*\*"
    assert escape_markdown("[link](http://x)") == r"\[link\](http://x)"
    assert escape_markdown("| a | b |") == r"\| a \| b \|"
    assert escape_markdown("<script>") == "&lt;script&gt;"
    assert escape_markdown("a & b") == "a &amp; b"
    assert escape_markdown("# _x_ `y` ~z~ \\") == r"\# \_x\_ \`y\` \~z\~ \\"
    assert escape_markdown("## sales_invoice #JKT-1") == r"\#\# sales_invoice #JKT-1"
    assert escape_markdown("one\ntwo\r\n\tthree") == "one two three"
    assert escape_markdown("bell\x07 nul\x00 del\x7f c1\x85") == "bell nul del c1"
    # what is not markup stays as it is: order numbers, amounts, dates
    assert escape_markdown("ISL/JKT-000101 Rp 1.234.567 (2026-11-20)") == (
        "ISL/JKT-000101 Rp 1.234.567 (2026-11-20)"
    )


def test_each_note_renders_as_its_own_text():
    for note in NOTES:
        html = _html(escape_markdown(note))
        assert "<script" not in html and "<a " not in html and "<strong>" not in html, html
        assert "<em>" not in html and "<code>" not in html and "<h1>" not in html, html
        assert "<table>" not in html, html
        assert html.count("<p>") == 1, html  # one paragraph: no line break made it through


def test_held_reasons_show_source_text_literally():
    holds = [
        Hold(
            source_type="order",
            source_id=f"id-{i}",
            source_reference=f"ISL/JKT-{i} | *x*",
            outlet_code="JKT",
            business_date=date(2026, 11, 20),
            reason=note,
        )
        for i, note in enumerate(NOTES)
    ]
    table = held_reasons(holds)
    html = _html(table)
    assert html.count("<tr>") == 1 + len(NOTES), html  # the header and one row per hold
    assert html.count("<td>") == 2 * len(NOTES), html  # two cells each: no `|` split one
    for tag in ("<script", "<a ", "<strong>", "<em>", "<code>", "<h1>"):
        assert tag not in html, (tag, html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[link](http://x)" in html and "**bold**" in html


def test_open_records_and_tables_and_lists_escape_every_cell():
    documents = pd.DataFrame(
        [
            {"source_reference": f"ISL/{i}", "status": "held", "reason": note}
            for i, note in enumerate(NOTES)
        ]
    )
    html = _html(open_records(documents))
    assert html.count("<td>") == 3 * len(NOTES), html
    assert "<script" not in html and "<strong>" not in html and "<a " not in html

    html = _html(markdown_table([{"product": note, "note": note} for note in NOTES]))
    assert html.count("<td>") == 2 * len(NOTES), html
    assert "<script" not in html and "<strong>" not in html and "<a " not in html

    html = _html(bullet_list(NOTES))
    assert html.count("<li>") == len(NOTES), html
    assert "<script" not in html and "<strong>" not in html and "<a " not in html
