"""Jurnal emulator: the company's monthly transaction quota (J-58).

Jurnal's plans carry a quota of transactions a month; the API document lists
``GET sales_invoices/quota``, ``quota_summary`` and ``quota_histories`` and ``POST
companies/request_quota`` at the root of the API (``/public/jurnal/…`` on the gateway, not under
``api/v1``). What counts against it and how a refusal reads are not documented: the knob
``invoice_quota`` (transactions a month, None for no limit) and ``quota_scope`` (``sales_invoices``
or every ``transactions`` document) serve the readings, and ``quota_refusal`` the two forms of
refusal: the document alone (422; in a batch the item alone) or the whole request that does
not fit (403 with a message; nothing created). The wording is assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from journal_sandbox.http import Request, Response, Router
from journal_sandbox.jurnal_common import WIB, ApiError, iso_timestamp, positive_int

QUOTA_SCOPES = ("sales_invoices", "transactions")
#: How a document without room is refused: on its own (422, a batch item alone) or the whole
#: request that does not fit (403, nothing created).
QUOTA_REFUSALS = ("item", "request")
#: What each scope counts (the emulator's kinds of stored document).
COUNTED = {
    "sales_invoices": frozenset({"sales_invoice"}),
    "transactions": frozenset(
        {
            "sales_invoice",
            "receive_payment",
            "sales_return",
            "journal_entry",
            "bank_deposit",
            "bank_withdrawal",
            "bank_transfer",
            "warehouse_transfer",
            "stock_adjustment",
        }
    ),
}
#: The paths served at the API's root rather than under ``api/v1``.
ROOT_PATHS = frozenset(
    {
        "sales_invoices/quota",
        "sales_invoices/quota_summary",
        "sales_invoices/quota_histories",
        "companies/request_quota",
    }
)
ALMOST_REACHED_SHARE = 0.9  # `almost_reached_limit` from 90% used (assumed)
QUOTA_USED_UP = (
    "Kuota transaksi bulan ini sudah habis (transaction quota used up); "
    "tambah kuota untuk melanjutkan"
)
HISTORY = "quota_history"
API_USER = "API"  # who created the document, as the history names it (assumed)


class QuotaMixin:
    store: Any
    invoice_quota: int | None
    quota_scope: str
    quota_refusal: str
    _today: Callable[[], date]
    _now: Callable[[], float]

    def _routes_quota(self, r: Router) -> None:
        # root-relative paths: the app routes `<root>/sales_invoices/quota` as `root/…`
        r.add("GET", r"root/sales_invoices/quota", self._quota)
        r.add("GET", r"root/sales_invoices/quota_summary", self._quota_summary)
        r.add("GET", r"root/sales_invoices/quota_histories", self._quota_histories)
        r.add("POST", r"root/companies/request_quota", self._request_quota)

    # --- counting ----------------------------------------------------------------------------

    def _quota_month(self) -> str:
        return self._today().strftime("%Y-%m")

    def _quota_used(self, month: str | None = None) -> int:
        return int(self.store.get_meta(f"quota_used:{month or self._quota_month()}") or 0)

    def _refuse_over_quota(self, kind: str, count: int = 1) -> None:
        """Refuse ``count`` new documents the month's quota has no room for (a batch is
        checked item by item in the ``item`` reading, as a whole in the ``request`` one)."""
        if self.invoice_quota is None or kind not in COUNTED[self.quota_scope]:
            return
        if self._quota_used() + count <= self.invoice_quota:
            return
        if self.quota_refusal == "request":
            raise ApiError(403, {"message": QUOTA_USED_UP})
        raise ApiError(422, {"quota": [QUOTA_USED_UP], "error_full_messages": [QUOTA_USED_UP]})

    def _count_quota(self, kind: str, doc: dict[str, Any]) -> None:
        """The store's insert hook: a new counted document takes one from the month's quota
        (inside the creating transaction, so a refused one takes nothing)."""
        if kind not in COUNTED[self.quota_scope]:
            return
        month = self._quota_month()
        self.store.set_meta(f"quota_used:{month}", str(self._quota_used(month) + 1))
        history = {
            "id": self.store.next_id(),
            "action": "create",
            "date": iso_timestamp(self._now()),
            "quota_change": -1,
            "source_id": doc.get("id"),
            "source_type": kind,
            "transaction_no": doc.get("transaction_no"),
            "user_name": API_USER,
            "month": month,
        }
        self.store.insert(HISTORY, history, created_at=history["date"])

    # --- endpoints ---------------------------------------------------------------------------

    def _remaining(self, used: int) -> int | None:
        return None if self.invoice_quota is None else max(0, self.invoice_quota - used)

    def _quota(self, request: Request) -> Response:
        used = self._quota_used()
        remaining = self._remaining(used)
        share = 0.0 if not self.invoice_quota else used / self.invoice_quota
        return Response(
            200,
            {
                "almost_reached_limit": share >= ALMOST_REACHED_SHARE,
                "remaining_quota": remaining,
                "usage_percentage": round(min(share, 1.0) * 100, 2),
            },
        )

    def _quota_summary(self, request: Request) -> Response:
        today = self._today()
        used = self._quota_used()
        return Response(
            200,
            {
                "month": today.month,
                "year": today.year,
                "total_quota": self.invoice_quota,
                "usage_quota": used,
                "remaining_quota": self._remaining(used),
            },
        )

    def _quota_histories(self, request: Request) -> Response:
        rows = self.store.all(HISTORY)
        today = self._today()
        month = positive_int(request.query.get("month"), 0)
        year = positive_int(request.query.get("year"), 0)
        if month or year:
            wanted = f"{year or today.year:04d}-{month or today.month:02d}"
            rows = [r for r in rows if r["month"] == wanted]
        keyword = (request.query.get("keyword") or "").strip().casefold()
        if keyword:
            rows = [r for r in rows if keyword in str(r.get("transaction_no") or "").casefold()]
        rows.sort(key=lambda r: r["id"], reverse=request.query.get("sort") != "asc")
        per_page = positive_int(request.query.get("per_page"), 20)
        page = positive_int(request.query.get("curr_page"), 1)
        pages = max(1, -(-len(rows) // per_page))
        shown = rows[(page - 1) * per_page : page * per_page]
        return Response(
            200,
            {
                "current_page": page,
                "total_count": len(rows),
                "total_pages": pages,
                "transaction_quota_histories": [
                    {k: v for k, v in r.items() if k not in {"id", "month"}} for r in shown
                ],
            },
        )

    def _request_quota(self, request: Request) -> Response:
        """A request to the company's owner to buy more (nothing changes until they do)."""
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, {"error_full_messages": ["Invalid JSON body"]}) from exc
        quota = body.get("quota") if isinstance(body, dict) else None
        missing = [
            key
            for key in ("transaction_type_id", "type", "message")
            if not isinstance(quota, dict) or quota.get(key) in (None, "")
        ]
        if missing:
            raise ApiError(
                422,
                {
                    **{key: ["can't be blank"] for key in missing},
                    "error_full_messages": [f"{key} can't be blank" for key in missing],
                },
            )
        stamp = datetime.fromtimestamp(self._now(), WIB).isoformat()
        self.store.set_meta("quota_requested", stamp)
        return Response(200, {"message": "Permintaan kuota telah dikirim ke pemilik perusahaan"})
