"""Jurnal emulator: the signed-in user (``GET users/me``) and the company's currency (``GET
companies/get_currency``), as the API document's examples show them; ``currency_code`` is the
knob (IDR, as every Indonesian company the pipeline is for)."""

from __future__ import annotations

from typing import Any

from journal_sandbox.http import Request, Response, Router

#: How Jurnal writes amounts of each currency (IDR as documented; others for the knob).
CURRENCY_FORMATS = {
    "IDR": {"symbol": "Rp.", "separator": ",", "delimiter": ".", "precision": 2},
    "USD": {"symbol": "$", "separator": ".", "delimiter": ",", "precision": 2},
    "SGD": {"symbol": "S$", "separator": ".", "delimiter": ",", "precision": 2},
}
API_USER = {
    "id": 297,
    "name": "Sandbox API",
    "email": "api@sandbox.example",
    "status": "Terdaftar",
    "registered_at": "Mon, 02-11-2026, 09:00:00 WIB",
    "view_link": [{"key": 1, "content": "View", "content_bahasa": "Lihat"}],
    "model_name": "User",
    "is_owner": True,
    "roles": "Pemilik",
}


class CompanyMixin:
    currency_code: str
    store: Any

    def _routes_company(self, r: Router) -> None:
        r.add("GET", r"users/me", self._current_user)
        r.add("GET", r"companies/get_currency", self._company_currency)

    def _current_user(self, request: Request) -> Response:
        return Response(200, {"user": dict(API_USER)})

    def _company_currency(self, request: Request) -> Response:
        style = CURRENCY_FORMATS[self.currency_code]
        view = f"1{style['separator']}{style['precision']}"  # the example's "1,2"
        return Response(
            200,
            {
                "company_currency": {
                    "code": self.currency_code,
                    **style,
                    "currency_format_view": view,
                }
            },
        )
