"""Both emulators of a demo merchant in a process of their own, as iSeller and Jurnal are
servers of their own.

In the measuring process they would share one interpreter with the pipeline: the emulators'
work (rendering order pages, booking batches) and the pipeline's would take turns on one
lock, and theirs would count as the pipeline's. Here they serve from a spawned process
(`journal_sandbox.launch.start_sandboxes`, which also writes the demo config into the state
directory); the measuring process asks it over a pipe for the requests each one answered.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from journal_sandbox.http import SandboxServer
from journal_sandbox.launch import SandboxOptions, start_sandboxes

_NUMBER = re.compile(r"/\d+")


class RequestCounter:
    """Counts the requests an emulator answers, by ``METHOD /path`` (numbers folded), and the
    seconds it spent answering them (what a run waits on the remote, its network aside)."""

    def __init__(self, server: SandboxServer) -> None:
        handler = server._httpd.RequestHandlerClass  # the class `SandboxServer` made for it
        app: Callable[[Any], Any] = handler.app  # type: ignore[attr-defined]
        self.counts: Counter[str] = Counter()
        self.seconds = 0.0
        self._lock = threading.Lock()

        def counted(request: Any) -> Any:
            with self._lock:
                self.counts[f"{request.method} {_NUMBER.sub('/{n}', request.path)}"] += 1
            began = time.perf_counter()
            try:
                return app(request)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - began

        handler.app = staticmethod(counted)  # type: ignore[attr-defined]

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.seconds = 0.0

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self.counts.items()))


def _serve(conn: Connection, options: SandboxOptions) -> None:
    iseller, jurnal = start_sandboxes(options)
    counters = {"iseller": RequestCounter(iseller), "jurnal": RequestCounter(jurnal)}
    conn.send((iseller.url, jurnal.url))
    try:
        while True:
            what = conn.recv()
            if what == "counts":
                conn.send({name: counter.snapshot() for name, counter in counters.items()})
            elif what == "seconds":
                conn.send({name: round(c.seconds, 3) for name, c in counters.items()})
            elif what == "reset":
                for counter in counters.values():
                    counter.reset()
                conn.send(None)
            else:
                break
    except EOFError:  # the measuring process is gone
        pass
    finally:
        iseller.stop()
        jurnal.stop()


class EmulatorsProcess:
    """Both emulators serving from a spawned process: ``iseller_url``, ``jurnal_url``,
    `counts`, `answering_seconds`, `reset`, `close`."""

    def __init__(self, options: SandboxOptions) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, options), name="sandboxes", daemon=True
        )
        self._process.start()
        child.close()
        self.iseller_url, self.jurnal_url = self._conn.recv()

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"iseller": {path: n}, "jurnal": {path: n}}`` since the last `reset`."""
        self._conn.send("counts")
        answer: dict[str, dict[str, int]] = self._conn.recv()
        return answer

    def answering_seconds(self) -> dict[str, float]:
        """``{"iseller": s, "jurnal": s}``: seconds each spent answering since the last
        `reset` (requests answered side by side count each)."""
        self._conn.send("seconds")
        answer: dict[str, float] = self._conn.recv()
        return answer

    def reset(self) -> None:
        self._conn.send("reset")
        self._conn.recv()

    def close(self) -> None:
        if self._process.is_alive():
            with contextlib.suppress(OSError):  # already gone
                self._conn.send("stop")
            self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=10)
        self._conn.close()
