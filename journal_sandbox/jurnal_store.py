"""Persistent state of the Jurnal emulator: one company in one SQLite file.

Records are stored as JSON documents (already in the shape the API answers with) next to a
few indexed key columns used for name/code/number look-ups, uniqueness checks and sorting.
A ledger table keeps the postings of every accepted document (the reports are computed from
it), and two stock tables keep the quantity and value of each product per warehouse and every
movement that changed them (so a deleted document can take its movements back). Running
totals kept in step with every write (each account's debits and credits, each customer's
open invoice balance, each product's quantity on invoice lines) answer balances without
reading the whole ledger or every invoice; older state gets them computed once on open.
Documents' last accepted request bodies and per-line facts used later (returns, updates)
live in ``meta``. The seed below is what a fresh Indonesian Jurnal company looks like in
the sandbox; its names are exported as constants for the rest of the code base and tests.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

DB_FILENAME = "jurnal.sqlite3"

# --- seed: company -------------------------------------------------------------------------

COMPANY_ID = 118001
COMPANY_NAME = "PT Sandbox Rasa Nusantara"

# --- seed: account categories (id -> English name, Indonesian name) ------------------------

ACCOUNT_CATEGORIES: dict[int, tuple[str, str]] = {
    1: ("Accounts Receivable (A/R)", "Piutang Usaha"),
    2: ("Other Current Assets", "Aktiva Lancar Lainnya"),
    3: ("Cash & Bank", "Kas & Bank"),
    4: ("Inventory", "Persediaan"),
    5: ("Fixed Assets", "Aktiva Tetap"),
    6: ("Other Assets", "Aktiva Lainnya"),
    7: ("Depreciation & Amortization", "Depresiasi & Amortisasi"),
    8: ("Accounts Payable (A/P)", "Hutang Usaha"),
    9: ("Credit Card", "Kartu Kredit"),
    10: ("Other Current Liabilities", "Kewajiban Lancar Lainnya"),
    11: ("Long Term Liabilities", "Kewajiban Jangka Panjang"),
    12: ("Equity", "Ekuitas"),
    13: ("Income", "Pendapatan"),
    14: ("Other Income", "Pendapatan Lainnya"),
    15: ("Cost of Sales", "Harga Pokok Penjualan"),
    16: ("Expenses", "Beban"),
    17: ("Other Expense", "Beban Lainnya"),
}
CATEGORY_CASH_AND_BANK = 3
CATEGORY_INVENTORY = 4
# Categories whose balance is normally on the debit side; the others are credit-normal.
DEBIT_NORMAL_CATEGORIES = frozenset({1, 2, 3, 4, 5, 6, 7, 15, 16, 17})

# --- seed: chart of accounts ---------------------------------------------------------------

ACCOUNT_CASH = "Kas"
ACCOUNT_BANK = "Rekening Bank"
ACCOUNT_PETTY_CASH = "Kas Kecil Outlet"
ACCOUNT_EDC_CLEARING = "Kliring EDC"
ACCOUNT_QRIS_CLEARING = "Kliring QRIS iSeller Pay"
ACCOUNT_GOPAY_CLEARING = "Kliring GoPay"
ACCOUNT_OVO_CLEARING = "Kliring OVO"
ACCOUNT_SHOPEEPAY_CLEARING = "Kliring ShopeePay"
ACCOUNT_CREDIT_CARD_CLEARING = "Kliring Kartu Kredit"
ACCOUNT_GIFT_CARD_CLEARING = "Kliring Gift Card"
ACCOUNT_RECEIVABLE = "Piutang Usaha"
ACCOUNT_UNBILLED_RECEIVABLE = "Piutang Belum Ditagih"
ACCOUNT_INVENTORY = "Persediaan Barang"
ACCOUNT_UNDEPOSITED_FUNDS = "Dana Belum Disetor"
ACCOUNT_PREPAID_EXPENSES = "Biaya Dibayar Di Muka"
ACCOUNT_VAT_IN = "PPN Masukan"
ACCOUNT_PREPAID_PPH23 = "PPh 23 Dibayar Di Muka"
ACCOUNT_FIXED_ASSETS = "Aset Tetap - Peralatan Outlet"
ACCOUNT_ACCUMULATED_DEPRECIATION = "Akumulasi Penyusutan - Peralatan Outlet"
ACCOUNT_PAYABLE = "Hutang Usaha"
ACCOUNT_UNBILLED_PAYABLE = "Hutang Belum Ditagih"
ACCOUNT_UNEARNED_REVENUE = "Pendapatan Diterima Di Muka"
ACCOUNT_VAT_OUT = "PPN Keluaran"
ACCOUNT_PB1_PAYABLE = "Hutang Pajak Restoran (PB1)"
ACCOUNT_GIFT_CARD_LIABILITY = "Hutang Gift Card"
ACCOUNT_EQUITY_CAPITAL = "Modal Disetor"
ACCOUNT_RETAINED_EARNINGS = "Laba Ditahan"
ACCOUNT_OPENING_BALANCE_EQUITY = "Ekuitas Saldo Awal"
ACCOUNT_SALES = "Penjualan"
ACCOUNT_SALES_DISCOUNT = "Diskon Penjualan"
ACCOUNT_SALES_RETURN = "Retur Penjualan"
ACCOUNT_SERVICE_CHARGE_INCOME = "Pendapatan Service Charge"
ACCOUNT_COGS = "Beban Pokok Pendapatan"
ACCOUNT_INVENTORY_ADJUSTMENT = "Penyesuaian Persediaan"
ACCOUNT_SALARIES = "Beban Gaji"
ACCOUNT_RENT = "Beban Sewa"
ACCOUNT_PAYMENT_FEES = "Beban MDR Pembayaran Non Tunai"
ACCOUNT_BANK_CHARGES = "Beban Administrasi Bank"
ACCOUNT_INTEREST_INCOME = "Pendapatan Bunga"
ACCOUNT_OTHER_INCOME = "Pendapatan Lain-lain"
ACCOUNT_ROUNDING = "Selisih Pembulatan"
ACCOUNT_OTHER_EXPENSE = "Beban Lain-lain"


@dataclass(frozen=True)
class SeedAccount:
    number: str
    name: str
    category_id: int


SEED_ACCOUNTS: tuple[SeedAccount, ...] = (
    SeedAccount("1-10001", ACCOUNT_CASH, 3),
    SeedAccount("1-10002", ACCOUNT_BANK, 3),
    SeedAccount("1-10003", ACCOUNT_PETTY_CASH, 3),
    SeedAccount("1-10010", ACCOUNT_EDC_CLEARING, 3),
    SeedAccount("1-10011", ACCOUNT_QRIS_CLEARING, 3),
    SeedAccount("1-10012", ACCOUNT_GOPAY_CLEARING, 3),
    SeedAccount("1-10013", ACCOUNT_OVO_CLEARING, 3),
    SeedAccount("1-10014", ACCOUNT_SHOPEEPAY_CLEARING, 3),
    SeedAccount("1-10015", ACCOUNT_CREDIT_CARD_CLEARING, 3),
    SeedAccount("1-10016", ACCOUNT_GIFT_CARD_CLEARING, 3),
    SeedAccount("1-10100", ACCOUNT_RECEIVABLE, 1),
    SeedAccount("1-10101", ACCOUNT_UNBILLED_RECEIVABLE, 1),
    SeedAccount("1-10200", ACCOUNT_INVENTORY, 4),
    SeedAccount("1-10400", ACCOUNT_UNDEPOSITED_FUNDS, 2),
    SeedAccount("1-10402", ACCOUNT_PREPAID_EXPENSES, 2),
    SeedAccount("1-10500", ACCOUNT_VAT_IN, 2),
    SeedAccount("1-10502", ACCOUNT_PREPAID_PPH23, 2),
    SeedAccount("1-10700", ACCOUNT_FIXED_ASSETS, 5),
    SeedAccount("1-10751", ACCOUNT_ACCUMULATED_DEPRECIATION, 7),
    SeedAccount("2-20100", ACCOUNT_PAYABLE, 8),
    SeedAccount("2-20101", ACCOUNT_UNBILLED_PAYABLE, 8),
    SeedAccount("2-20400", ACCOUNT_UNEARNED_REVENUE, 10),
    SeedAccount("2-20500", ACCOUNT_VAT_OUT, 10),
    SeedAccount("2-20501", ACCOUNT_PB1_PAYABLE, 10),
    SeedAccount("2-20502", ACCOUNT_GIFT_CARD_LIABILITY, 10),
    SeedAccount("3-30000", ACCOUNT_EQUITY_CAPITAL, 12),
    SeedAccount("3-30100", ACCOUNT_RETAINED_EARNINGS, 12),
    SeedAccount("3-30999", ACCOUNT_OPENING_BALANCE_EQUITY, 12),
    SeedAccount("4-40000", ACCOUNT_SALES, 13),
    SeedAccount("4-40100", ACCOUNT_SALES_DISCOUNT, 13),
    SeedAccount("4-40200", ACCOUNT_SALES_RETURN, 13),
    SeedAccount("4-40300", ACCOUNT_SERVICE_CHARGE_INCOME, 13),
    SeedAccount("5-50000", ACCOUNT_COGS, 15),
    SeedAccount("5-50500", ACCOUNT_INVENTORY_ADJUSTMENT, 15),
    SeedAccount("6-60100", ACCOUNT_SALARIES, 16),
    SeedAccount("6-60200", ACCOUNT_RENT, 16),
    SeedAccount("6-60300", ACCOUNT_PAYMENT_FEES, 16),
    SeedAccount("6-60400", ACCOUNT_BANK_CHARGES, 16),
    SeedAccount("7-70000", ACCOUNT_INTEREST_INCOME, 14),
    SeedAccount("7-70099", ACCOUNT_OTHER_INCOME, 14),
    SeedAccount("8-80100", ACCOUNT_ROUNDING, 17),
    SeedAccount("8-80999", ACCOUNT_OTHER_EXPENSE, 17),
)

# Accounts the company uses by default (what `companies/active` calls default_accounts).
DEFAULT_SALE_ACCOUNT = ACCOUNT_SALES
DEFAULT_BUY_ACCOUNT = ACCOUNT_COGS
DEFAULT_RECEIVABLE_ACCOUNT = ACCOUNT_RECEIVABLE
DEFAULT_SALE_DISCOUNT_ACCOUNT = ACCOUNT_SALES_DISCOUNT
DEFAULT_SALES_RETURN_ACCOUNT = ACCOUNT_SALES_RETURN
DEFAULT_SALE_SHIPPING_ACCOUNT = ACCOUNT_OTHER_INCOME

# --- seed: taxes, warehouses, contacts, terms, units, products -----------------------------

TAX_PPN = "PPN"
TAX_PPN_RATE = Decimal("11")
TAX_PB1 = "PB1"
TAX_PB1_RATE = Decimal("10")

WAREHOUSE_JAKARTA = "Gudang Jakarta Kemang"
WAREHOUSE_JAKARTA_CODE = "JKT"
WAREHOUSE_BALI = "Gudang Bali Seminyak"
WAREHOUSE_BALI_CODE = "DPS"
WAREHOUSE_BANDUNG = "Gudang Bandung Dago"
WAREHOUSE_BANDUNG_CODE = "BDG"
SEED_WAREHOUSES: tuple[tuple[str, str], ...] = (
    (WAREHOUSE_JAKARTA, WAREHOUSE_JAKARTA_CODE),
    (WAREHOUSE_BALI, WAREHOUSE_BALI_CODE),
    (WAREHOUSE_BANDUNG, WAREHOUSE_BANDUNG_CODE),
)
# The built-in "Unassigned" warehouse (documented id -1): stock of documents without one.
UNASSIGNED_WAREHOUSE_ID = -1
UNASSIGNED_WAREHOUSE = "Unassigned"

CUSTOMER_WALK_IN = "Pelanggan Umum"

TERM_COD = "Cash on Delivery"
TERM_NET_15 = "Net 15"
TERM_NET_30 = "Net 30"
TERM_NET_60 = "Net 60"
DEFAULT_INVOICE_TERM = TERM_NET_30
SEED_TERMS: tuple[tuple[str, int], ...] = (
    (TERM_COD, 0),
    (TERM_NET_15, 15),
    (TERM_NET_30, 30),
    (TERM_NET_60, 60),
)

UNIT_DEFAULT = "Pcs"

# Payment methods of a new company (more are created by name when a payment names them).
SEED_PAYMENT_METHODS: tuple[str, ...] = (
    "Tunai",
    "Transfer Bank",
    "Cek & Giro",
    "Kartu Kredit",
)

PRODUCT_SERVICE_CHARGE = "Service Charge"
PRODUCT_SERVICE_CHARGE_CODE = "SERVICE-CHARGE"

# Kinds of stored records.
KINDS = (
    "account",
    "tax",
    "warehouse",
    "person",
    "term",
    "unit",
    "tag",
    "product",
    "sales_invoice",
    "receive_payment",
    "sales_return",
    "journal_entry",
    "payment_method",
    "warehouse_transfer",
    "stock_adjustment",
    "bank_deposit",
    "bank_transfer",
    "bank_withdrawal",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    name_key TEXT,
    code TEXT,
    custom_id TEXT,
    transaction_no TEXT,
    tx_date TEXT,
    created_at TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
DROP INDEX IF EXISTS records_name;
DROP INDEX IF EXISTS records_code;
DROP INDEX IF EXISTS records_custom_id;
DROP INDEX IF EXISTS records_transaction_no;
CREATE INDEX IF NOT EXISTS records_name_id ON records (kind, name_key, id);
CREATE INDEX IF NOT EXISTS records_code_id ON records (kind, code, id);
CREATE INDEX IF NOT EXISTS records_custom_id_id ON records (kind, custom_id, id);
CREATE INDEX IF NOT EXISTS records_transaction_no_id ON records (kind, transaction_no, id);
CREATE INDEX IF NOT EXISTS records_created ON records (kind, created_at, id);
CREATE INDEX IF NOT EXISTS records_tx_date ON records (kind, tx_date, id);
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_type TEXT NOT NULL,
    transaction_id INTEGER NOT NULL,
    transaction_no TEXT,
    transaction_date TEXT,
    account_id INTEGER NOT NULL,
    debit TEXT NOT NULL,
    credit TEXT NOT NULL,
    description TEXT
);
CREATE INDEX IF NOT EXISTS ledger_account ON ledger (account_id);
CREATE INDEX IF NOT EXISTS ledger_transaction ON ledger (transaction_type, transaction_id);
CREATE TABLE IF NOT EXISTS stock (
    product_id INTEGER NOT NULL,
    warehouse_id INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    value TEXT NOT NULL,
    last_cost TEXT NOT NULL,
    PRIMARY KEY (product_id, warehouse_id)
);
CREATE TABLE IF NOT EXISTS stock_moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id INTEGER NOT NULL,
    warehouse_id INTEGER NOT NULL,
    transaction_type TEXT NOT NULL,
    transaction_id INTEGER NOT NULL,
    line_id INTEGER,
    quantity TEXT NOT NULL,
    value TEXT NOT NULL,
    tx_date TEXT
);
CREATE INDEX IF NOT EXISTS stock_moves_tx ON stock_moves (transaction_type, transaction_id);
CREATE INDEX IF NOT EXISTS stock_moves_line ON stock_moves (line_id);
CREATE INDEX IF NOT EXISTS stock_moves_product ON stock_moves (product_id);
CREATE INDEX IF NOT EXISTS stock_moves_warehouse ON stock_moves (warehouse_id, id);
CREATE TABLE IF NOT EXISTS account_totals (
    account_id INTEGER PRIMARY KEY,
    entries INTEGER NOT NULL,
    debit TEXT NOT NULL,
    credit TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invoice_person_totals (
    person_id INTEGER PRIMARY KEY,
    entries INTEGER NOT NULL,
    remaining TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invoice_product_totals (
    product_id INTEGER PRIMARY KEY,
    entries INTEGER NOT NULL,
    quantity TEXT NOT NULL
);
"""

# Running totals kept in step with the ledger and the sales invoices: table -> (key column,
# summed columns). ``entries`` counts the contributions; a key without any has no row.
_TOTALS: dict[str, tuple[str, tuple[str, ...]]] = {
    "account_totals": ("account_id", ("debit", "credit")),
    "invoice_person_totals": ("person_id", ("remaining",)),
    "invoice_product_totals": ("product_id", ("quantity",)),
}
# Bumped when the running totals are computed differently: older state rebuilds them on open.
_TOTALS_VERSION = "1"

Deltas = dict[int, tuple[int, tuple[Decimal, ...]]]


_ORDER_COLUMNS = frozenset({"id", "created_at", "tx_date", "transaction_no", "name_key", "code"})


def name_key(value: object) -> str | None:
    """Names are matched case-insensitively, ignoring surrounding and repeated spaces."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text.casefold() or None


@dataclass(frozen=True)
class LedgerLine:
    account_id: int
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    description: str | None = None


class JurnalStore:
    """SQLite-backed records of one sandbox company. All methods are thread-safe."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / DB_FILENAME
        self.lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._depth = 0
        #: called with (kind, document) inside the transaction that inserts it (the quota)
        self.on_insert: Callable[[str, dict[str, Any]], None] | None = None
        if self.get_meta("totals_version") != _TOTALS_VERSION:
            self._rebuild_totals()

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (re-entrant)."""
        with self.lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A transaction inside the current one: a failure undoes the writes made inside it,
        and the outer transaction's stand (one item of a batch refused, the others kept)."""
        with self.transaction():
            self._conn.execute("SAVEPOINT item")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK TO item")
                self._conn.execute("RELEASE item")
                raise
            self._conn.execute("RELEASE item")

    # --- meta and counters ---------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def next_counter(self, name: str, start: int) -> int:
        """The next value of a named running counter (the first value is ``start``)."""
        with self.transaction():
            current = self.get_meta(f"counter:{name}")
            value = start if current is None else int(current) + 1
            self.set_meta(f"counter:{name}", str(value))
            return value

    def next_id(self) -> int:
        """Record ids are unique across all kinds, like database ids in a real company."""
        return self.next_counter("id", 1001)

    # --- documents -----------------------------------------------------------------------

    def insert(self, kind: str, doc: dict[str, Any], **keys: Any) -> dict[str, Any]:
        with self.transaction():
            self._write(kind, doc, keys, insert=True)
            if self.on_insert is not None:
                self.on_insert(kind, doc)
        return doc

    def update(self, kind: str, doc: dict[str, Any], **keys: Any) -> dict[str, Any]:
        self._write(kind, doc, keys, insert=False)
        return doc

    def _write(self, kind: str, doc: dict[str, Any], keys: dict[str, Any], insert: bool) -> None:
        row = (
            name_key(keys.get("name")),
            keys.get("code") or None,
            keys.get("custom_id") or None,
            keys.get("transaction_no") or None,
            keys.get("tx_date"),
            keys.get("created_at"),
            json.dumps(doc, separators=(",", ":")),
        )
        with self.transaction():
            old = None
            if kind == "sales_invoice" and not insert:
                old = self.get(kind, int(doc["id"]))
            if insert:
                self._conn.execute(
                    "INSERT INTO records (name_key, code, custom_id, transaction_no, tx_date, "
                    "created_at, doc, kind, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*row, kind, int(doc["id"])),
                )
            else:
                changed = self._conn.execute(
                    "UPDATE records SET name_key = ?, code = ?, custom_id = ?, transaction_no = ?,"
                    " tx_date = ?, created_at = ?, doc = ? WHERE kind = ? AND id = ?",
                    (*row, kind, int(doc["id"])),
                ).rowcount
                if not changed:
                    return
            if kind == "sales_invoice":
                self._count_invoices((old, -1), (doc, 1))

    def delete(self, kind: str, record_id: int) -> None:
        with self.transaction():
            if kind == "sales_invoice":
                self._count_invoices((self.get(kind, record_id), -1))
            self._conn.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, record_id))

    def get(self, kind: str, record_id: int) -> dict[str, Any] | None:
        with self.lock:
            row = self._conn.execute(
                "SELECT doc FROM records WHERE kind = ? AND id = ?", (kind, int(record_id))
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def find(self, kind: str, **criteria: Any) -> dict[str, Any] | None:
        """First record (lowest id) matching every given key: name, code, custom_id, ..."""
        found = self.find_all(kind, limit=1, **criteria)
        return found[0] if found else None

    def find_all(self, kind: str, limit: int | None = None, **criteria: Any) -> list[dict]:
        clauses = ["kind = ?"]
        args: list[Any] = [kind]
        for column, value in criteria.items():
            if column == "name":
                clauses.append("name_key = ?")
                args.append(name_key(value))
            elif column in {"code", "custom_id", "transaction_no"}:
                clauses.append(f"{column} = ?")
                args.append(str(value))
            else:
                raise ValueError(f"unknown key column {column!r}")
        sql = f"SELECT doc FROM records WHERE {' AND '.join(clauses)} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [json.loads(row[0]) for row in rows]

    def count(self, kind: str) -> int:
        with self.lock:
            row = self._conn.execute("SELECT COUNT(*) FROM records WHERE kind = ?", (kind,))
            return int(row.fetchone()[0])

    def page(
        self, kind: str, *, order_column: str, descending: bool, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """One page of records ordered by an indexed column, ties broken by id."""
        if order_column not in _ORDER_COLUMNS:
            raise ValueError(f"cannot order by {order_column!r}")
        direction = "DESC" if descending else "ASC"
        order = f"{order_column} {direction}, id {direction}"
        if order_column == "id":
            order = f"id {direction}"
        with self.lock:
            rows = self._conn.execute(
                f"SELECT doc FROM records WHERE kind = ? ORDER BY {order} LIMIT ? OFFSET ?",
                (kind, int(limit), int(offset)),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self._conn.execute(
                "SELECT doc FROM records WHERE kind = ? ORDER BY id", (kind,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    # --- ledger --------------------------------------------------------------------------

    def post(
        self,
        transaction_type: str,
        transaction_id: int,
        transaction_no: str | None,
        transaction_date: str | None,
        lines: list[LedgerLine],
    ) -> None:
        """Record a balanced set of postings; zero lines are skipped."""
        debit = sum((line.debit for line in lines), Decimal(0))
        credit = sum((line.credit for line in lines), Decimal(0))
        if debit != credit:
            raise ValueError(f"unbalanced posting: debit {debit} != credit {credit}")
        deltas: Deltas = {}
        with self.transaction():
            for line in lines:
                if line.debit == 0 and line.credit == 0:
                    continue
                _add_delta(deltas, int(line.account_id), 1, (line.debit, line.credit))
                self._conn.execute(
                    "INSERT INTO ledger (transaction_type, transaction_id, transaction_no, "
                    "transaction_date, account_id, debit, credit, description) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        transaction_type,
                        int(transaction_id),
                        transaction_no,
                        transaction_date,
                        int(line.account_id),
                        str(line.debit),
                        str(line.credit),
                        line.description,
                    ),
                )
            self._add_totals("account_totals", deltas)

    def ledger_totals(self) -> dict[int, tuple[Decimal, Decimal]]:
        """Account id -> (sum of debits, sum of credits), exact, for every account with
        postings."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT account_id, debit, credit FROM account_totals ORDER BY account_id"
            ).fetchall()
        return {int(a): (Decimal(d), Decimal(c)) for a, d, c in rows}

    def ledger_lines(self, transaction_type: str, transaction_id: int) -> list[dict[str, Any]]:
        with self.lock:
            rows = self._conn.execute(
                "SELECT account_id, debit, credit, description FROM ledger "
                "WHERE transaction_type = ? AND transaction_id = ? ORDER BY id",
                (transaction_type, int(transaction_id)),
            ).fetchall()
        return [
            {"account_id": a, "debit": Decimal(d), "credit": Decimal(c), "description": desc}
            for a, d, c, desc in rows
        ]

    def unpost(self, transaction_type: str, transaction_id: int) -> None:
        """Remove the postings of a transaction (it was deleted or is being rewritten)."""
        with self.transaction():
            deltas: Deltas = {}
            for line in self.ledger_lines(transaction_type, transaction_id):
                _add_delta(deltas, int(line["account_id"]), -1, (-line["debit"], -line["credit"]))
            self._add_totals("account_totals", deltas)
            self._conn.execute(
                "DELETE FROM ledger WHERE transaction_type = ? AND transaction_id = ?",
                (transaction_type, int(transaction_id)),
            )

    def ledger_entries(
        self, end_date: str | None = None, *, account_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Every posting up to ``end_date`` (ISO, inclusive), in date then posting order;
        only those of ``account_id`` when given."""
        sql = (
            "SELECT id, transaction_type, transaction_id, transaction_no, transaction_date, "
            "account_id, debit, credit, description FROM ledger"
        )
        clauses: list[str] = []
        args: list[Any] = []
        if end_date is not None:
            clauses.append("transaction_date <= ?")
            args.append(end_date)
        if account_id is not None:
            clauses.append("account_id = ?")
            args.append(int(account_id))
        if clauses:
            sql += f" WHERE {' AND '.join(clauses)}"
        sql += " ORDER BY transaction_date, id"
        with self.lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [
            {
                "id": row[0],
                "transaction_type": row[1],
                "transaction_id": row[2],
                "transaction_no": row[3],
                "transaction_date": row[4],
                "account_id": row[5],
                "debit": Decimal(row[6]),
                "credit": Decimal(row[7]),
                "description": row[8],
            }
            for row in rows
        ]

    # --- stock ---------------------------------------------------------------------------

    def stock_level(self, product_id: int, warehouse_id: int) -> tuple[Decimal, Decimal, Decimal]:
        """(quantity, value, last unit cost) of a product in a warehouse; zeros if none."""
        with self.lock:
            row = self._conn.execute(
                "SELECT quantity, value, last_cost FROM stock "
                "WHERE product_id = ? AND warehouse_id = ?",
                (int(product_id), int(warehouse_id)),
            ).fetchone()
        if row is None:
            return Decimal(0), Decimal(0), Decimal(0)
        return Decimal(row[0]), Decimal(row[1]), Decimal(row[2])

    def set_stock_level(
        self,
        product_id: int,
        warehouse_id: int,
        quantity: Decimal,
        value: Decimal,
        last_cost: Decimal,
    ) -> None:
        with self.lock:
            self._conn.execute(
                "INSERT INTO stock (product_id, warehouse_id, quantity, value, last_cost) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(product_id, warehouse_id) DO UPDATE SET "
                "quantity = excluded.quantity, value = excluded.value, "
                "last_cost = excluded.last_cost",
                (int(product_id), int(warehouse_id), str(quantity), str(value), str(last_cost)),
            )

    def stock_levels(self, product_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT product_id, warehouse_id, quantity, value, last_cost FROM stock"
        args: list[Any] = []
        if product_id is not None:
            sql += " WHERE product_id = ?"
            args.append(int(product_id))
        with self.lock:
            rows = self._conn.execute(sql + " ORDER BY product_id, warehouse_id", args).fetchall()
        return [
            {
                "product_id": p,
                "warehouse_id": w,
                "quantity": Decimal(q),
                "value": Decimal(v),
                "last_cost": Decimal(c),
            }
            for p, w, q, v, c in rows
        ]

    def add_stock_move(
        self,
        product_id: int,
        warehouse_id: int,
        transaction_type: str,
        transaction_id: int,
        line_id: int | None,
        quantity: Decimal,
        value: Decimal,
        tx_date: str | None,
    ) -> None:
        with self.lock:
            self._conn.execute(
                "INSERT INTO stock_moves (product_id, warehouse_id, transaction_type, "
                "transaction_id, line_id, quantity, value, tx_date) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    int(product_id),
                    int(warehouse_id),
                    transaction_type,
                    int(transaction_id),
                    line_id,
                    str(quantity),
                    str(value),
                    tx_date,
                ),
            )

    def stock_moves(
        self,
        transaction_type: str | None = None,
        transaction_id: int | None = None,
        *,
        line_id: int | None = None,
        warehouse_id: int | None = None,
    ) -> list[dict[str, Any]]:
        clauses, args = [], []
        for column, value in (
            ("transaction_type", transaction_type),
            ("transaction_id", transaction_id),
            ("line_id", line_id),
            ("warehouse_id", warehouse_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.lock:
            rows = self._conn.execute(
                "SELECT id, product_id, warehouse_id, transaction_type, transaction_id, line_id, "
                f"quantity, value, tx_date FROM stock_moves{where} ORDER BY id",
                args,
            ).fetchall()
        return [
            {
                "id": r[0],
                "product_id": r[1],
                "warehouse_id": r[2],
                "transaction_type": r[3],
                "transaction_id": r[4],
                "line_id": r[5],
                "quantity": Decimal(r[6]),
                "value": Decimal(r[7]),
                "tx_date": r[8],
            }
            for r in rows
        ]

    def stock_moves_of_product(self, product_id: int) -> bool:
        """Whether any stock movement names the product."""
        with self.lock:
            row = self._conn.execute(
                "SELECT 1 FROM stock_moves WHERE product_id = ? LIMIT 1", (int(product_id),)
            ).fetchone()
        return row is not None

    def delete_stock_moves(self, transaction_type: str, transaction_id: int) -> None:
        with self.lock:
            self._conn.execute(
                "DELETE FROM stock_moves WHERE transaction_type = ? AND transaction_id = ?",
                (transaction_type, int(transaction_id)),
            )

    # --- running totals ------------------------------------------------------------------

    def invoice_balances(self, person_id: int | None = None) -> dict[int, Decimal]:
        """Person id -> sum of the ``remaining`` of their sales invoices, for every person
        with invoices (only ``person_id`` when given)."""
        return self._totals("invoice_person_totals", person_id)

    def quantities_sold(self, product_id: int | None = None) -> dict[int, Decimal]:
        """Product id -> units on sales invoice lines, for every product on an invoice line
        (only ``product_id`` when given)."""
        return self._totals("invoice_product_totals", product_id)

    def _totals(self, table: str, key: int | None) -> dict[int, Decimal]:
        key_column, (column,) = _TOTALS[table]
        sql = f"SELECT {key_column}, {column} FROM {table}"
        args: tuple[Any, ...] = ()
        if key is not None:
            sql += f" WHERE {key_column} = ?"
            args = (int(key),)
        with self.lock:
            rows = self._conn.execute(sql + f" ORDER BY {key_column}", args).fetchall()
        return {int(k): Decimal(v) for k, v in rows}

    def _count_invoices(self, *changes: tuple[dict[str, Any] | None, int]) -> None:
        """Add (sign 1) or take back (sign -1) sales invoices' shares of the running totals."""
        people: Deltas = {}
        products: Deltas = {}
        for doc, sign in changes:
            if doc is None:
                continue
            person_id = (doc.get("person") or {}).get("id")
            if person_id is not None:
                remaining = Decimal(doc.get("remaining") or 0)
                _add_delta(people, int(person_id), sign, (sign * remaining,))
            for line in doc.get("transaction_lines_attributes") or []:
                product_id = (line.get("product") or {}).get("id")
                if product_id is not None:
                    quantity = Decimal(str(line.get("quantity") or 0))
                    _add_delta(products, int(product_id), sign, (sign * quantity,))
        self._add_totals("invoice_person_totals", people)
        self._add_totals("invoice_product_totals", products)

    def _add_totals(self, table: str, deltas: Deltas) -> None:
        key_column, columns = _TOTALS[table]
        select = f"SELECT entries, {', '.join(columns)} FROM {table} WHERE {key_column} = ?"
        upsert = (
            f"INSERT OR REPLACE INTO {table} ({key_column}, entries, {', '.join(columns)}) "
            f"VALUES (?, ?, {', '.join('?' for _ in columns)})"
        )
        with self.transaction():
            for key, (entries, amounts) in deltas.items():
                if entries == 0 and not any(amounts):
                    continue
                row = self._conn.execute(select, (key,)).fetchone()
                if row is not None:
                    entries += int(row[0])
                    amounts = tuple(
                        Decimal(old) + delta for old, delta in zip(row[1:], amounts, strict=True)
                    )
                if entries <= 0:
                    self._conn.execute(f"DELETE FROM {table} WHERE {key_column} = ?", (key,))
                else:
                    self._conn.execute(upsert, (key, entries, *(str(a) for a in amounts)))

    def _rebuild_totals(self) -> None:
        """Compute the running totals from the ledger and the stored invoices."""
        with self.transaction():
            for table in _TOTALS:
                self._conn.execute(f"DELETE FROM {table}")
            deltas: Deltas = {}
            for account_id, debit, credit in self._conn.execute(
                "SELECT account_id, debit, credit FROM ledger ORDER BY id"
            ).fetchall():
                _add_delta(deltas, int(account_id), 1, (Decimal(debit), Decimal(credit)))
            self._add_totals("account_totals", deltas)
            self._count_invoices(*((doc, 1) for doc in self.all("sales_invoice")))
            self.set_meta("totals_version", _TOTALS_VERSION)


def _add_delta(deltas: Deltas, key: int, entries: int, amounts: tuple[Decimal, ...]) -> None:
    old_entries, old_amounts = deltas.get(key, (0, tuple(Decimal(0) for _ in amounts)))
    deltas[key] = (
        old_entries + entries,
        tuple(a + b for a, b in zip(old_amounts, amounts, strict=True)),
    )
