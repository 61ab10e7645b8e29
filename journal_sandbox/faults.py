"""Fault injection shared by both emulators: errors, latency, timeouts, 429 bursts, lost responses.

Rules are given per endpoint (a substring of the request path, or ``*`` for every path) as a
spec string, from a CLI flag or an environment variable::

    GetOrders:error=0.1,latency=200;sales_invoices/batch_create:lost=0.2;*:burst429=0.01

Keys of a rule:

==============  ==================================================================  =========
key             meaning                                                             default
==============  ==================================================================  =========
error           share of requests answered with ``status`` without processing       0
status          the HTTP status of an injected error                                503
latency         milliseconds added before every matching request                    0
timeout         share of requests held ``timeout_s`` seconds, then dropped unanswered 0
timeout_s       how long a timed-out request is held                                 65
burst429        share of requests that start a burst of 429 answers                   0
burst_len       how many consecutive requests a 429 burst refuses                     5
lost            share of requests processed (the write commits) whose answer is lost 0
==============  ==================================================================  =========

Draws come from a seeded random generator, so a given spec and seed fail the same requests
in the same order. Tests can also queue one-off faults with :meth:`FaultInjector.once`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from journal_sandbox.http import Request, Response

KINDS = ("error", "timeout", "burst429", "lost")


@dataclass
class FaultRule:
    endpoint: str = "*"
    error: float = 0.0
    status: int = 503
    latency: float = 0.0  # milliseconds
    timeout: float = 0.0
    timeout_s: float = 65.0
    burst429: float = 0.0
    burst_len: int = 5
    lost: float = 0.0

    def matches(self, path: str) -> bool:
        return self.endpoint == "*" or self.endpoint in path


@dataclass
class _OneOff:
    endpoint: str
    kind: str  # one of KINDS
    remaining: int
    status: int = 503


@dataclass
class FaultInjector:
    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._bursts: dict[str, int] = {}  # endpoint of the rule -> 429s left in its burst
        self._one_offs: list[_OneOff] = []
        self.injected: dict[str, int] = dict.fromkeys(KINDS, 0)

    @classmethod
    def from_spec(cls, spec: str | None, seed: int = 0, **kw) -> FaultInjector:
        return cls(parse_spec(spec), seed=seed, **kw)

    def once(self, endpoint: str, kind: str, *, times: int = 1, status: int = 503) -> None:
        """Fault the next ``times`` requests whose path contains ``endpoint``."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(KINDS)}")
        with self._lock:
            self._one_offs.append(_OneOff(endpoint, kind, times, status))

    def clear(self) -> None:
        with self._lock:
            self._one_offs.clear()
            self._bursts.clear()

    def before(
        self,
        request: Request,
        *,
        error_response: Callable[[int], Response],
        rate_limited_response: Callable[[], Response],
    ) -> tuple[Response | None, bool]:
        """Decide the fate of a request before it is processed.

        Returns (an answer to send instead of processing, or None; whether the answer of a
        processed request is to be lost).
        """
        delay, kind, status = self._draw(request.path)
        if delay:
            self.sleep(delay)
        if kind == "error":
            return error_response(status), False
        if kind == "burst429":
            return rate_limited_response(), False
        if kind == "timeout":
            return Response(drop_connection=True), False
        return None, kind == "lost"

    def _draw(self, path: str) -> tuple[float, str | None, int]:
        with self._lock:
            for one_off in self._one_offs:
                if one_off.endpoint in path:
                    one_off.remaining -= 1
                    if one_off.remaining <= 0:
                        self._one_offs.remove(one_off)
                    self.injected[one_off.kind] += 1
                    return 0.0, one_off.kind, one_off.status
            delay, kind, status = 0.0, None, 503
            for rule in self.rules:
                if not rule.matches(path):
                    continue
                delay += rule.latency / 1000
                if kind is not None:
                    continue
                if self._bursts.get(rule.endpoint, 0) > 0:
                    self._bursts[rule.endpoint] -= 1
                    kind = "burst429"
                elif rule.error and self._rng.random() < rule.error:
                    kind, status = "error", rule.status
                elif rule.timeout and self._rng.random() < rule.timeout:
                    kind = "timeout"
                    delay += rule.timeout_s
                elif rule.burst429 and self._rng.random() < rule.burst429:
                    kind = "burst429"
                    self._bursts[rule.endpoint] = max(rule.burst_len - 1, 0)
                elif rule.lost and self._rng.random() < rule.lost:
                    kind = "lost"
            if kind is not None:
                self.injected[kind] += 1
            return delay, kind, status


_FIELD_TYPES = {f.name: f.type for f in fields(FaultRule) if f.name != "endpoint"}


def parse_spec(spec: str | None) -> list[FaultRule]:
    """``ENDPOINT:key=value,...;ENDPOINT:...`` → rules; a clear error names the bad part."""
    rules: list[FaultRule] = []
    for part in (spec or "").split(";"):
        part = part.strip()
        if not part:
            continue
        endpoint, _, settings = part.rpartition(":")
        if not endpoint:
            raise ValueError(f"fault rule {part!r}: write ENDPOINT:key=value (ENDPOINT may be *)")
        rule = FaultRule(endpoint=endpoint.strip())
        for setting in settings.split(","):
            key, _, value = setting.partition("=")
            key = key.strip()
            if key not in _FIELD_TYPES:
                known = ", ".join(_FIELD_TYPES)
                raise ValueError(f"fault rule {part!r}: unknown key {key!r} (known: {known})")
            try:
                number = float(value)
            except ValueError as exc:
                raise ValueError(f"fault rule {part!r}: {key} needs a number") from exc
            if key in KINDS and not 0 <= number <= 1:
                raise ValueError(f"fault rule {part!r}: {key} is a share between 0 and 1")
            setattr(rule, key, int(number) if key in ("status", "burst_len") else number)
        rules.append(rule)
    return rules
