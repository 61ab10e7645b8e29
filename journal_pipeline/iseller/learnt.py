"""Facts the client learns about each iSeller endpoint from its answers (the index of its
first page, the offset it writes dates in), kept per client and shared in the process by
every client of the same store and credential, so each is learnt once."""

from __future__ import annotations

import threading
from collections.abc import Callable

Key = tuple[str, str, str]  # (resource URL, client id, "version/endpoint")


class SharedFacts:
    """One kind of fact learnt in this process, by `Key`; thread-safe."""

    def __init__(self) -> None:
        self._facts: dict[Key, int] = {}
        self._lock = threading.Lock()

    def get(self, key: Key) -> int | None:
        with self._lock:
            return self._facts.get(key)

    def put(self, key: Key, value: int) -> bool:
        """Remember `value`; True when it is new to the process."""
        with self._lock:
            new = self._facts.get(key) != value
            self._facts[key] = value
        return new

    def clear(self) -> None:
        with self._lock:
            self._facts.clear()


class PerEndpoint:
    """A fact per endpoint of one client. `scope` gives the (resource URL, client id) it
    belongs to: with it, what one client learnt serves every client of the same store and
    credential in the process (`shared`); without it the facts are this object's only."""

    def __init__(self, shared: SharedFacts, scope: Callable[[], tuple[str, str]] | None = None):
        self._shared = shared
        self._scope = scope
        self._own: dict[str, int] = {}
        self._lock = threading.Lock()

    def _key(self, endpoint: str) -> Key | None:
        if self._scope is None:
            return None
        resource_url, client_id = self._scope()
        return (resource_url, client_id, endpoint)

    def get(self, endpoint: str) -> int | None:
        """The fact of `endpoint` (``"v2/GetOrders"``), or None when not learnt yet."""
        with self._lock:
            if endpoint in self._own:
                return self._own[endpoint]
        key = self._key(endpoint)
        value = None if key is None else self._shared.get(key)
        if value is not None:
            with self._lock:
                self._own[endpoint] = value
        return value

    def remember(self, endpoint: str, value: int) -> bool:
        """Keep `value` for `endpoint`; True when it is news (to the process, or to this
        object without a scope), so that it is logged once."""
        with self._lock:
            self._own[endpoint] = value
        key = self._key(endpoint)
        return True if key is None else self._shared.put(key, value)
