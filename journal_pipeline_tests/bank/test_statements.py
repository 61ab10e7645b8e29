"""Bank statement files in each layout read to the same lines; a file read twice stages once;
a file nobody can read is refused naming the file, the line and the fix."""

from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline.bank.statements import StatementError, parse_statement, read_statement_file
from journal_pipeline.storage.bank_statements import stage_statement_lines, statement_lines
from journal_pipeline.storage.store import StagingStore

ACCOUNT = "Rekening Bank"

DOCUMENTED = """Tanggal,Keterangan,Referensi,Mutasi,Jenis,Saldo
23/11/2026,ISELLER PAY PAYOUT JKT 20261120,IPP-JKT-20261120,"1,234,500.00",CR,"11,234,500.00"
23/11/2026,BIAYA ADM,ADM-1123,"15,000.00",DB,"11,219,500.00"
"""

# the same two lines: semicolons, ISO dates, 1.234.500,00 amounts, debit/credit columns,
# a preamble above the header and a closing balance line without a date
SEPARATE_COLUMNS = """No. Rekening;1234567890
Periode;23/11/2026 - 23/11/2026

Date;Description;Reference;Debit;Credit;Balance
2026-11-23;ISELLER PAY PAYOUT JKT 20261120;IPP-JKT-20261120;;1.234.500,00;11.234.500,00
2026-11-23;BIAYA ADM;ADM-1123;15.000,00;;11.219.500,00
;Saldo Akhir;;;;11.219.500,00
"""

PLAIN_SIGNED = """tanggal\tketerangan\treferensi\tjumlah
23-11-2026\tISELLER PAY PAYOUT JKT 20261120\tIPP-JKT-20261120\t1234500
23-11-2026\tBIAYA ADM\tADM-1123\t-15000
"""


@pytest.mark.parametrize("text", [DOCUMENTED, SEPARATE_COLUMNS, PLAIN_SIGNED])
def test_each_layout_reads_to_the_same_lines(text):
    lines = parse_statement(text, ACCOUNT, "mutasi_rekening_20261123.csv")
    assert [(x.line_date, x.reference, x.amount, x.direction) for x in lines] == [
        (date(2026, 11, 23), "IPP-JKT-20261120", Decimal("1234500"), "CR"),
        (date(2026, 11, 23), "ADM-1123", Decimal("15000"), "DB"),
    ]
    assert lines[0].description == "ISELLER PAY PAYOUT JKT 20261120"
    # the key does not depend on the layout: the same line exported twice is one line
    assert [x.line_key for x in lines] == [
        x.line_key for x in parse_statement(DOCUMENTED, ACCOUNT, "other.csv")
    ]


def test_the_documented_layout_keeps_the_balance_and_a_thousands_only_amount():
    lines = parse_statement(DOCUMENTED, ACCOUNT, "a.csv")
    assert lines[0].balance == Decimal("11234500.00")
    # "1.234" in a 1.234,00 file is one thousand two hundred thirty-four
    text = (
        "Tanggal;Keterangan;Referensi;Mutasi;Jenis\n"
        "23/11/2026;X;R;1.234;CR\n23/11/2026;Y;S;5,50;CR\n"
    )
    assert [x.amount for x in parse_statement(text, ACCOUNT, "b.csv")] == [
        Decimal("1234"),
        Decimal("5.50"),
    ]


def test_two_equal_lines_in_one_file_are_two_lines():
    text = DOCUMENTED + '23/11/2026,BIAYA ADM,ADM-1123,"15,000.00",DB,"11,204,500.00"\n'
    lines = parse_statement(text, ACCOUNT, "a.csv")
    assert len({x.line_key for x in lines}) == 3


def test_a_file_dropped_twice_stages_nothing_twice(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    path = tmp_path / "mutasi_rekening_20261123.csv"
    path.write_text(DOCUMENTED, encoding="utf-8")
    first = stage_statement_lines(store, read_statement_file(path, ACCOUNT))
    copy = tmp_path / "mutasi_rekening_20261123 (1).csv"
    copy.write_text(SEPARATE_COLUMNS, encoding="utf-8")  # the same lines, another layout
    second = stage_statement_lines(store, read_statement_file(copy, ACCOUNT))
    assert first == {"staged": 2, "already_staged": 0}
    assert second == {"staged": 0, "already_staged": 2}
    staged = statement_lines(store, date(2026, 11, 23), date(2026, 11, 23))
    assert [(x.amount, x.direction, x.source) for x in staged] == [
        (Decimal("1234500.00"), "CR", "mutasi_rekening_20261123.csv"),
        (Decimal("15000.00"), "DB", "mutasi_rekening_20261123.csv"),
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("hello,world\n1,2\n", "no header row naming a date and an amount column"),
        ("Tanggal,Keterangan,Mutasi,Jenis\n31/02/2026,X,100,CR\n", "line 2"),
        ("Tanggal,Keterangan,Mutasi,Jenis\n23/11/2026,X,abc,CR\n", "amount 'abc'"),
        ("Tanggal,Keterangan,Mutasi,Jenis\n23/11/2026,X,100,XX\n", "line 2: direction 'XX'"),
    ],
)
def test_a_file_nobody_can_read_is_refused_naming_file_line_and_fix(text, said):
    with pytest.raises(StatementError) as caught:
        parse_statement(text, ACCOUNT, "broken.csv")
    message = str(caught.value)
    assert "Bank statement broken.csv" in message
    assert said in message
    assert "Export the statement again as CSV" in message


def test_a_day_without_movements_is_a_header_and_no_line():
    header = "Tanggal,Keterangan,Referensi,Mutasi,Jenis,Saldo\n"
    assert parse_statement(header, "Rekening Bank", "mutasi_rekening_20261116.csv") == []


# KlikBCA's export: account details above the header, dates without a year kept as text, the
# branch, plain amounts with CR / DB in a column without a name, a line not booked yet (PEND),
# and the totals below
KLIKBCA = """No. Rekening,=,'1234567890
Nama,=,PT DEMO RETAIL
Periode,=,23/11/2026 - 23/11/2026
Mata Uang,=,IDR

Tanggal,Keterangan,Cabang,Jumlah,,Saldo
'23/11,ISELLER PAY PAYOUT JKT 20261120,'0000,1234500.00,CR,11234500.00
'23/11,BIAYA ADM,'0000,15000.00,DB,11219500.00
'PEND,TRSF E-BANKING CR 2311 WS95031,'0000,50000.00,CR,
Saldo Awal,=,10000000.00
Mutasi Kredit,=,1234500.00,1
Mutasi Debet,=,15000.00,1
Saldo Akhir,=,11219500.00
"""


def test_klikbcas_export_reads_its_lines_each_way_round():
    lines = parse_statement(KLIKBCA, ACCOUNT, "mutasi_rekening_20261123.csv")
    assert [(x.line_date, x.description, x.amount, x.direction, x.balance) for x in lines] == [
        (
            date(2026, 11, 23),
            "ISELLER PAY PAYOUT JKT 20261120",
            Decimal("1234500.00"),
            "CR",
            Decimal("11234500.00"),
        ),
        (date(2026, 11, 23), "BIAYA ADM", Decimal("15000.00"), "DB", Decimal("11219500.00")),
    ]  # the fee is money out, the PEND line not booked yet, the totals no lines


def test_dates_without_a_year_take_the_period_or_the_file_names_year():
    over_new_year = KLIKBCA.replace("23/11/2026 - 23/11/2026", "28/12/2026 - 03/01/2027")
    over_new_year = over_new_year.replace("'23/11,ISELLER", "'30/12,ISELLER")
    over_new_year = over_new_year.replace("'23/11,BIAYA", "'02/01,BIAYA")
    lines = parse_statement(over_new_year, ACCOUNT, "statement.csv")
    assert [x.line_date for x in lines] == [date(2026, 12, 30), date(2027, 1, 2)]

    no_period = "\n".join(x for x in KLIKBCA.splitlines() if not x.startswith("Periode"))
    named = parse_statement(no_period, ACCOUNT, "mutasi_rekening_20261123.csv")
    assert [x.line_date for x in named] == [date(2026, 11, 23)] * 2
    with pytest.raises(StatementError) as caught:
        parse_statement(no_period, ACCOUNT, "export.csv")
    assert "export.csv, line 6: date '23/11' has no year and no period is given" in str(
        caught.value
    )
