"""The completeness readings under every reading of refunds, voids and order discounts
(I-17, I-22, I-23, I-33): the staged orders and payments, parsed by the client from the
emulator, agree with iSeller's own day totals under the documented readings of the summaries,
whether refunds and voids are signed, a void is shown by the order's status alone, or the
order's ``discounts[]`` lists the lines' discounts too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from journal_pipeline.accounting.completeness import (
    MATCH,
    ORDER_READINGS,
    ORDERS,
    PAYMENT_READINGS,
    compare_day,
)
from journal_pipeline.config import load_config
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.parse import order_summary_frame, transaction_summary_frame
from journal_pipeline.sync import completeness
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import ISellerSandbox

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)
DAYS = [date(2026, 11, 19) - timedelta(days=n) for n in range(6)]
CONFIG = load_config(DEMO_CONFIG)


@pytest.mark.parametrize(
    "spec",
    [
        "refund_sign=negative",
        "void_shape=status_only",
        "order_discounts=with_lines",
        "refund_sign=negative,void_shape=status_only,order_discounts=with_lines",
    ],
)
def test_the_documented_readings_agree_under_every_reading(tmp_path, spec) -> None:
    sandbox = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=20,
        history_days=10,
        now=lambda: NOW,
        faults="",
        dialect=spec,
    )
    server = sandbox.serve().start()
    env = {
        "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
        "ISELLER_CLIENT_ID": sandbox.client_id,
        "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
    }
    try:
        with ISellerClient.from_env(env) as client:
            served = client.get_orders(
                created_after=datetime(2026, 11, 1, tzinfo=UTC), created_before=NOW
            )
            frames = order_frames(served.orders)
            outlets = {o["outlet_code"]: o["outlet_id"] for o in served.orders}
            kinds: dict[str, int] = {}
            for day in DAYS:
                for code, outlet_id in sorted(outlets.items()):
                    window = completeness.outlet_window(CONFIG, code, outlet_id, day, NOW)
                    assert window is not None
                    asked = {
                        "created_after": window.start,
                        "created_before": window.end,
                        "outlet_id": window.outlet_id,
                        "time_zone": window.time_zone,
                    }
                    order_totals = order_summary_frame(
                        client.get_order_summary(**asked), window.time_zone
                    )
                    payment_totals = transaction_summary_frame(
                        client.get_transaction_summary(**asked), window.time_zone
                    )
                    findings = compare_day(
                        frames,
                        [window],
                        order_totals.assign(outlet_code=code),
                        payment_totals.assign(outlet_code=code),
                    )
                    assert findings
                    for finding in findings:
                        assert finding.status == MATCH, finding.message
                        documented = (
                            ORDER_READINGS if finding.source == ORDERS else PAYMENT_READINGS
                        )[0]
                        assert finding.reading_key == documented.key, finding.message
                    paid = frames.payments[
                        frames.payments["transaction_date"].map(
                            lambda t, w=window: w.start <= t <= w.end
                        )
                    ]
                    for kind in paid["type"]:
                        kinds[kind] = kinds.get(kind, 0) + 1
            # refunds and voids fell in the compared days, so both readings were exercised
            assert kinds.get("refund", 0) > 0 and kinds.get("void", 0) > 0, kinds
    finally:
        server.stop()
        sandbox.close()
