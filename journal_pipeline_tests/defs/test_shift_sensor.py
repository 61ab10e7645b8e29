"""The shift-close sensor against the iSeller emulator: the shifts that closed since its last
look run their business day once (one run per day, however many shifts closed); nothing
before the config's start date. Each test runs with the shifts naming their outlet and without
(``shift_outlet=absent``, as the document's RegisterShifts table has it, I-40)."""

import json
from datetime import UTC, date, datetime

import dagster as dg
import pytest
import yaml

from journal_pipeline.defs.resources import ISellerResource, MerchantConfigResource
from journal_pipeline.defs.shift_sensor import build_shift_close_sensor
from journal_pipeline_tests.iseller_fixtures import running_iseller_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

START = date(2026, 11, 16)  # a Monday


@dg.job
def _job():
    pass


@pytest.fixture
def clock():
    return [datetime(2026, 11, 17, 12, 0, tzinfo=UTC)]


@pytest.fixture(params=["shift_outlet=given", "shift_outlet=absent"])
def iseller(tmp_path, clock, request):
    with running_iseller_sandbox(
        tmp_path / "iseller",
        start_date=START,
        history_days=0,
        now=lambda: clock[0],
        dialect=request.param,
    ) as handle:
        yield ISellerResource(
            token_url=handle.env["ISELLER_TOKEN_URL"],
            client_id=handle.env["ISELLER_CLIENT_ID"],
            client_secret=handle.env["ISELLER_CLIENT_SECRET"],
        )


def _merchant(
    tmp_path, start: date, limit: int = 7, outlets: tuple[str, ...] = ()
) -> MerchantConfigResource:
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["start_date"] = start
    data["automation"] = {"max_catch_up_runs": limit}
    data["outlets"].update({code: {"timezone": "Asia/Jakarta"} for code in outlets})
    path = tmp_path / f"config-{start}-{limit}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return MerchantConfigResource(path=str(path))


def _evaluate(iseller, merchant, cursor=None):
    sensor = build_shift_close_sensor(_job)
    context = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        cursor=cursor,
        resources={"iseller": iseller, "merchant": merchant},
    )
    result = sensor(context)
    return result, context.cursor


def test_the_closed_shifts_of_a_day_run_it_once(tmp_path, iseller, clock):
    merchant = _merchant(tmp_path, START)
    requests, cursor = _evaluate(iseller, merchant)
    # by noon UTC on the 17th every outlet's shift of the 16th has closed; those of the 17th
    # are open (they close in the evening, local time): the three shifts share one run
    [request] = requests
    assert request.partition_key == "2026-11-16"
    assert len(request.tags["journal_pipeline/register_shift"].split(",")) == 3
    assert cursor is not None and datetime.fromisoformat(json.loads(cursor)["seen"]) > datetime(
        2026, 11, 16, tzinfo=UTC
    )

    # looked again at once: only what is at the cursor comes back, under the same run key
    again, _ = _evaluate(iseller, merchant, cursor)
    again_keys = set() if isinstance(again, dg.SkipReason) else {r.run_key for r in again}
    assert again_keys <= {request.run_key}

    # a day later the 17th's shifts have closed: they run the 17th, once
    clock[0] = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    later, _ = _evaluate(iseller, merchant, cursor)
    new = [r for r in later if r.run_key != request.run_key]
    assert [r.partition_key for r in new] == ["2026-11-17"]


def test_nothing_before_the_start_date_is_run(tmp_path, iseller):
    result, cursor = _evaluate(iseller, _merchant(tmp_path, date(2026, 11, 17)))
    assert isinstance(result, dg.SkipReason)
    assert cursor is not None


def test_an_outlet_iseller_does_not_list_is_named_when_the_shifts_name_none(
    tmp_path, iseller, request
):
    # SBY is configured but not in iSeller: its shifts could not be asked for by outlet_id
    absent = request.node.callspec.params["iseller"] == "shift_outlet=absent"
    result, _ = _evaluate(iseller, _merchant(tmp_path, date(2026, 11, 17), outlets=("SBY",)))
    assert isinstance(result, dg.SkipReason)
    message = result.skip_message or ""
    assert message.startswith("no register shift closed since")
    assert ("Outlet SBY: " in message and "JOURNAL_PIPELINE_CONFIG" in message) is absent


def test_the_first_look_runs_only_the_latest_day_not_the_history(tmp_path, iseller):
    # the config starts a week before the clock (noon UTC on the 17th): only the shifts of
    # the 16th run, the older ones are left to the schedules and backfills
    result, cursor = _evaluate(iseller, _merchant(tmp_path, date(2026, 11, 10)))
    assert [r.partition_key for r in result] == ["2026-11-16"]
    # once the cursor is set, every shift closed since it runs, however many
    assert cursor is not None


def test_more_days_than_the_limit_follow_on_the_next_tick(tmp_path, iseller, clock):
    clock[0] = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # the 16th's and 17th's shifts closed
    merchant = _merchant(tmp_path, START, limit=1)
    since = datetime(2026, 11, 16, tzinfo=UTC).isoformat()  # every shift since the start
    first, cursor = _evaluate(iseller, merchant, since)
    assert [r.partition_key for r in first] == ["2026-11-16"]  # oldest first
    assert all(r.tags["journal_pipeline/catch_up"] == "true" for r in first)  # never ran
    assert all(r.tags["journal_pipeline/requested_by"].startswith("shift_close") for r in first)
    assert [run["day"] for run in json.loads(cursor)["kept"]] == ["2026-11-17"]
    second, cursor = _evaluate(iseller, merchant, cursor)
    assert [r.partition_key for r in second] == ["2026-11-17"]
    assert {r.run_key for r in second}.isdisjoint({r.run_key for r in first})
    assert json.loads(cursor)["kept"] == []


def test_a_cursor_of_the_older_form_is_read(tmp_path, iseller):
    old = datetime(2026, 11, 16, tzinfo=UTC).isoformat()  # the moment alone, as it was kept
    result, cursor = _evaluate(iseller, _merchant(tmp_path, START), old)
    assert [r.partition_key for r in result] == ["2026-11-16"]
    assert json.loads(cursor)["kept"] == []
