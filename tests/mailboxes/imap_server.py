"""A real IMAP server for tests and the benchmark: pymap (PyPI), in memory, on 127.0.0.1 and a free
port, started as a subprocess with bounded waits and always killed afterwards."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from imap_tools import AND, MailBoxUnencrypted

HOST = "127.0.0.1"
READY_SECONDS = 15
STOP_SECONDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class ImapServer:
    process: subprocess.Popen
    port: int
    username: str = "support"
    password: str = "imap-test-pass"
    host: str = HOST

    def connect(self, folder: str = "INBOX") -> MailBoxUnencrypted:
        client = MailBoxUnencrypted(self.host, self.port, timeout=10)
        client.client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client.login(self.username, self.password, initial_folder=folder)

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        with self.connect(folder) as client:
            for raw in messages:
                client.append(raw, folder)

    def clear(self) -> None:
        """Empties INBOX (the demo data pymap starts with) and removes every other folder but Sent/Trash."""
        with self.connect() as client:
            uids = client.uids()
            if uids:
                client.delete(uids)
            for folder in client.folder.list():
                if folder.name not in ("INBOX", "Sent", "Trash"):
                    client.folder.delete(folder.name)

    def flags(self, folder: str = "INBOX") -> dict[str, set[str]]:
        """Message-ID (or subject, when it has none) -> flags, of every message in the folder."""
        with self.connect(folder) as client:
            uids = client.uids()
            found = {}
            if uids:
                for message in client.fetch(AND(uid=uids), mark_seen=False, headers_only=True, bulk=True):
                    if message.uid is None:
                        continue
                    key = (message.headers.get("message-id") or (message.subject,))[0].strip()
                    found[key] = set(message.flags)
            return found

    def count(self, folder: str = "INBOX") -> int:
        with self.connect() as client:
            if not client.folder.exists(folder):
                return 0
            return client.folder.status(folder)["MESSAGES"]


def start() -> ImapServer:
    port = free_port()
    server = ImapServer(process=None, port=port)  # type: ignore[arg-type]
    command = [
        sys.executable,
        "-c",
        "from pymap.main import main; main()",
        *("--host", HOST, "--port", str(port), "--no-tls", "dict", "--demo-data"),
        *("--demo-user", server.username, "--demo-password", server.password),
    ]
    server.process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"pymap exited with {server.process.returncode}: {server.process.stderr.read()!r}")
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        stop(server)
        raise RuntimeError(f"pymap did not listen on {HOST}:{port} within {READY_SECONDS} s")
    server.clear()
    return server


def stop(server: ImapServer) -> None:
    process = server.process
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_SECONDS)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(STOP_SECONDS)
    if process.stderr:
        process.stderr.close()
