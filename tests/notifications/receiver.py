"""A real HTTP webhook receiver on 127.0.0.1 that checks every message's Standard Webhooks
signature with the standardwebhooks verifier, as a customer's receiver would."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    verified: bool
    body: dict | None
    headers: dict


@dataclass
class Receiver:
    secret: str = ""
    status: int = 204
    messages: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks?source=helpdesk"

    def ids(self) -> list[str]:
        return [m.webhook_id for m in self.messages]


def start_receiver(secret: str = "") -> Receiver:
    receiver = Receiver(secret=secret)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = Webhook(receiver.secret).verify(raw, headers) if receiver.secret else json.loads(raw)
                verified = bool(receiver.secret)
            except (WebhookVerificationError, ValueError):
                body, verified = None, False
            with lock:
                receiver.messages.append(Received(headers.get("webhook-id", ""), verified, body, headers))
            self.send_response(receiver.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop_receiver(receiver: Receiver) -> None:
    receiver.server.shutdown()
    receiver.server.server_close()
