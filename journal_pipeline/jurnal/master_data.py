"""Jurnal's reference lists (accounts, warehouses, taxes, products, customers) listed once for a
command that runs many days in this process (`journal-pipeline backfill` without DAGSTER_HOME).

A day's run lists the customers, the accounts and now and then the products again, though
nothing but the pipeline itself changed them since the day before. Inside `shared_listings`
every client the resources make (`defs.resources.JurnalResource.client`) shares one
`MasterData` per Jurnal company and credential: a list is read from Jurnal the first time it
is asked, then served from memory, and

- what the pipeline creates or renames (a customer, a product) is learnt from Jurnal's answer
  (with what was sent, should the answer leave a field out), so the next day finds it;
- a write Jurnal refuses (a document naming a customer or product it does not have, say)
  drops every list, read again when next asked.

Nothing outlives the command: outside `shared_listings` (the schedules, the daemon's runs,
`sync`) every list is read from Jurnal each time, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

#: The lists kept, by the resource path their records are created under.
LISTS = frozenset({"accounts", "warehouses", "taxes", "products", "customers"})

Fetch = Callable[[], list[dict[str, Any]]]


class MasterData:
    """The reference lists of one Jurnal company as the pipeline last saw them; thread-safe."""

    def __init__(self) -> None:
        self._lists: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.RLock()
        self.listed: dict[str, int] = {}  # times each list was read from Jurnal

    def listing(self, resource: str, fetch: Fetch) -> list[dict[str, Any]]:
        """The records of ``resource``: read with ``fetch`` the first time, then from memory.
        Each record is a copy: a caller changing it changes nothing kept."""
        with self._lock:
            kept = self._lists.get(resource)
            if kept is None:
                kept = [dict(record) for record in fetch()]
                self._lists[resource] = kept
                self.listed[resource] = self.listed.get(resource, 0) + 1
            return [dict(record) for record in kept]

    def learn(
        self,
        resource: str,
        records: Iterable[Mapping[str, Any]],
        sent: Iterable[Mapping[str, Any] | None] | None = None,
    ) -> None:
        """Records Jurnal answered a create or an update with (``sent``: the bodies they were
        made from, in the same order): each replaces the kept record of its id, or is added.
        A list not read yet stays unread."""
        if resource not in LISTS:
            return
        bodies = list(sent) if sent is not None else []
        with self._lock:
            kept = self._lists.get(resource)
            if kept is None:
                return
            by_id = {str(r.get("id")): n for n, r in enumerate(kept) if r.get("id") is not None}
            for n, record in enumerate(records):
                body = bodies[n] if n < len(bodies) else None
                merged = {**(body or {}), **record}
                key = str(merged.get("id")) if merged.get("id") is not None else None
                if key is not None and key in by_id:
                    kept[by_id[key]] = {**kept[by_id[key]], **merged}
                    continue
                if key is None:  # an answer without id cannot be told apart: read it again
                    self._lists.pop(resource, None)
                    return
                by_id[key] = len(kept)
                kept.append(merged)

    def forget(self, resource: str | None = None) -> None:
        """Drops one list (every list when None): it is read from Jurnal when next asked."""
        with self._lock:
            if resource is None:
                self._lists.clear()
            else:
                self._lists.pop(resource, None)


class _Shared:
    """The `MasterData` of each company and credential, while `shared_listings` is open."""

    def __init__(self) -> None:
        self._by_company: dict[tuple[str, str], MasterData] = {}
        self._lock = threading.Lock()

    def of(self, base_url: str, credential: str) -> MasterData:
        with self._lock:
            return self._by_company.setdefault((base_url, credential), MasterData())


_active: list[_Shared] = []


@contextmanager
def shared_listings() -> Iterator[None]:
    """Inside: every Jurnal client the resources make shares its company's reference lists."""
    _active.append(_Shared())
    try:
        yield
    finally:
        _active.pop()


def shared_for(base_url: str, credential: str) -> MasterData | None:
    """The lists shared for this company and credential, or None outside `shared_listings`."""
    return _active[-1].of(base_url, credential) if _active else None
