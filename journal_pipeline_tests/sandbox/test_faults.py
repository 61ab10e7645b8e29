import pytest

from journal_sandbox.faults import FaultInjector, parse_spec
from journal_sandbox.http import Request, Response


def _request(path):
    return Request("POST", path, path, {}, {}, b"")


def _fates(injector, path, n):
    fates = []
    for _ in range(n):
        answer, lost = injector.before(
            _request(path),
            error_response=lambda status: Response(status),
            rate_limited_response=lambda: Response(429),
        )
        if answer is None:
            fates.append("lost" if lost else "ok")
        elif answer.drop_connection:
            fates.append("timeout")
        else:
            fates.append(answer.status)
    return fates


def test_spec_parses_every_key():
    (rule,) = parse_spec("GetOrders:error=0.5,status=502,latency=20,burst429=0.1,burst_len=3")
    assert (rule.endpoint, rule.error, rule.status, rule.latency) == ("GetOrders", 0.5, 502, 20)
    assert (rule.burst429, rule.burst_len) == (0.1, 3)


@pytest.mark.parametrize(
    "spec", ["GetOrders", "GetOrders:oops=1", "GetOrders:error=2", "x:error=lots"]
)
def test_bad_specs_say_what_is_wrong(spec):
    with pytest.raises(ValueError, match="fault rule"):
        parse_spec(spec)


def test_same_seed_same_faults_and_only_matching_paths():
    spec = "batch_create:error=0.3,lost=0.3"
    first = _fates(
        FaultInjector.from_spec(spec, seed=3, sleep=lambda s: None), "/x/batch_create", 50
    )
    again = _fates(
        FaultInjector.from_spec(spec, seed=3, sleep=lambda s: None), "/x/batch_create", 50
    )
    assert first == again
    assert {503, "lost", "ok"} <= set(first)
    other = _fates(FaultInjector.from_spec(spec, seed=3, sleep=lambda s: None), "/x/products", 20)
    assert set(other) == {"ok"}


def test_a_429_burst_refuses_consecutive_requests():
    injector = FaultInjector.from_spec("*:burst429=1,burst_len=3", sleep=lambda s: None)
    assert _fates(injector, "/any", 3) == [429, 429, 429]


def test_one_off_faults_and_latency():
    slept = []
    injector = FaultInjector.from_spec("*:latency=250", sleep=slept.append)
    injector.once("GetOrders", "timeout")
    injector.once("GetOrders", "error", status=500, times=2)
    assert _fates(injector, "/api/v2/GetOrders", 4) == ["timeout", 500, 500, "ok"]
    assert slept == [0.25] and injector.injected["error"] == 2
