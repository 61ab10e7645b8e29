"""The default session waits out a ``Retry-After`` before trying again, against a tiny local
server (the emulator's injected 429s carry no ``Retry-After``)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from journal_pipeline.iseller.client import ISellerClient, build_session

RETRY_AFTER_SECONDS = 1


@pytest.fixture
def pausing_server() -> Iterator[SimpleNamespace]:
    """Issues a token; refuses the first GetStoreInfo with ``state.status`` and a
    ``Retry-After``, answers the next; records when each GetStoreInfo arrived."""
    state = SimpleNamespace(status=429, arrivals=[], url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers: dict[str, str] = {}
            if self.path == "/oauth/token":
                status = 200
                body = {"access_token": "tok", "expires_in": 3600, "resource_url": state.url}
            elif self.path == "/api/v2/GetStoreInfo":
                state.arrivals.append(time.monotonic())
                if len(state.arrivals) == 1:
                    status, body = state.status, {"message": "slow down"}
                    headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
                else:
                    status, body = 200, {"status": True, "store_info": {"store_name": "Toko"}}
            else:
                status, body = 404, {"message": "not found"}
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {**headers, "Content-Type": "application/json"}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_waited_out(pausing_server: SimpleNamespace, status: int) -> None:
    pausing_server.status = status
    env = {
        "ISELLER_TOKEN_URL": f"{pausing_server.url}/oauth/token",
        "ISELLER_CLIENT_ID": "client",
        "ISELLER_CLIENT_SECRET": "secret",
    }
    with ISellerClient.from_env(env) as client:  # the default session
        assert client.get_store_info() == {"store_name": "Toko"}
        assert client.calls == 2  # token + one call; the retry happens inside the session
    first, second = pausing_server.arrivals
    # without Retry-After the first retry goes at once (urllib3 backs off from the second)
    assert second - first >= RETRY_AFTER_SECONDS - 0.05


def test_default_session_honours_retry_after_on_429() -> None:
    retry = build_session().get_adapter("https://isellershop.com").max_retries
    assert retry.respect_retry_after_header
    assert {429, 500, 502, 503, 504} <= set(retry.status_forcelist)
    assert "POST" in retry.allowed_methods
