"""The signed-in user and the company's currency, in the API document's shapes."""

from __future__ import annotations

from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, signed


def test_users_me_and_the_company_currency(jurnal_sandbox: JurnalSandboxHandle):
    user = signed("GET", f"{jurnal_sandbox.url}/users/me")
    assert user.status_code == 200
    assert set(user.json()["user"]) == {
        "id",
        "name",
        "email",
        "status",
        "registered_at",
        "view_link",
        "model_name",
        "is_owner",
        "roles",
    }
    currency = signed("GET", f"{jurnal_sandbox.url}/companies/get_currency")
    assert currency.json() == {
        "company_currency": {
            "code": "IDR",
            "symbol": "Rp.",
            "separator": ",",
            "delimiter": ".",
            "precision": 2,
            "currency_format_view": "1,2",
        }
    }
