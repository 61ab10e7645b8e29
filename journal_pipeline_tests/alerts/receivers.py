"""A local webhook receiver, a local stand-in for Slack's Web API and a local SMTP server on
127.0.0.1, for alert tests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer

from aiosmtpd.controller import Controller


@contextmanager
def webhook_receiver(status: int = 200) -> Iterator[tuple[str, list[dict]]]:
    """Yields the URL and the list the received JSON bodies are appended to; every POST is
    answered with ``status`` (a refusal answers with the path it was sent to, as some do)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status < 400 else f"no_service {self.path}".encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def slack_api(answer: dict | None = None) -> Iterator[tuple[str, list[dict]]]:
    """A stand-in for Slack's Web API: yields its base URL and the list each call is appended
    to (``method``, ``authorization`` header, JSON ``body``); every call is answered with
    ``answer`` (default ``{"ok": true}``, as Slack answers a message it took)."""
    calls: list[dict] = []
    reply = json.dumps(answer or {"ok": True, "channel": "C0ALERTS", "ts": "1.0"}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            calls.append(
                {
                    "method": self.path.rsplit("/", 1)[-1],
                    "authorization": self.headers.get("Authorization"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/", calls
    finally:
        server.shutdown()
        server.server_close()


class _Inbox:
    def __init__(self):
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[Message]]]:
    """Yields the port and the list the received messages are appended to."""
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (the controller's own check needs a real one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox.messages
    finally:
        controller.stop()
