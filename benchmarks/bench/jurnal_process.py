"""The Jurnal emulator in a process of its own, as Jurnal is a server of its own.

In the measuring process it would share one interpreter with the pipeline: its work on each
batch (the ledger of 100 invoices) and the pipeline's would take turns on one lock, so the
pipeline's compute would look slower against Jurnal's limit than it is, and the emulator's
work would count as the pipeline's. Here it serves from a spawned process; the measuring
process asks it for what it counted (`JurnalSandbox.traffic`) over a pipe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from journal_sandbox.faults import FaultInjector
from journal_sandbox.http import SandboxServer
from journal_sandbox.jurnal_app import JurnalSandbox


def _serve(
    conn: Connection,
    state_dir: Path,
    time_scale: float,
    seed: int,
    warehouses: list[tuple[str, str]],
) -> None:
    jurnal = JurnalSandbox(
        state_dir,
        time_scale=time_scale,
        faults=FaultInjector.from_spec("", seed=seed),  # none, whatever the environment says
    )
    for name, code in warehouses:
        jurnal.ensure_warehouse(name, code)
    server = SandboxServer(jurnal.app).start()
    conn.send(server.url)
    try:
        while True:
            what, timeline = conn.recv()
            if what != "traffic":
                break
            conn.send(jurnal.traffic(timeline=timeline))
    except EOFError:  # the measuring process is gone
        pass
    finally:
        server.stop()
        jurnal.close()


class JurnalProcess:
    """`JurnalSandbox` serving from a spawned process: ``url``, `traffic`, `close`."""

    def __init__(
        self, state_dir: Path, *, time_scale: float, seed: int, warehouses: list[tuple[str, str]]
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child, state_dir, time_scale, seed, warehouses),
            name="jurnal-sandbox",
            daemon=True,
        )
        self._process.start()
        child.close()
        self.url: str = self._conn.recv()

    def traffic(self, *, timeline: bool = False) -> dict[str, dict[str, Any]]:
        self._conn.send(("traffic", timeline))
        answer: dict[str, dict[str, Any]] = self._conn.recv()
        return answer

    def close(self) -> None:
        if self._process.is_alive():
            with contextlib.suppress(OSError):  # already gone
                self._conn.send(("stop", False))
            self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()
