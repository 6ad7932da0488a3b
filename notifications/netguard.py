"""Webhook URLs may not reach inside our network (SSRF): loopback, private, link-local, shared,
reserved and cloud-metadata addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true. The check runs
when an endpoint is saved and again at every send, and the send connects to the very address that
was checked, so a DNS answer that changes in between (rebinding) cannot slip through."""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings

from helpdesk.errors import ValidationFailed

# Cloud metadata services answer on these even when private addresses are allowed: never ours to call.
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class Refused(Exception):
    pass


def _allowed(address) -> bool:
    if address in METADATA:
        return False
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return True
    return address.is_global and not address.is_multicast


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to); raises Refused with the reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("must be an http:// or https:// URL")
    if parts.username or parts.password:
        raise Refused("must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("has an invalid port") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(f"host {parts.hostname} cannot be resolved") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    bad = [a for a in addresses if not _allowed(a)]
    if bad or not addresses:
        raise Refused(
            f"resolves to {bad[0] if bad else 'nothing'}, a private, loopback, link-local or metadata address "
            "(set WEBHOOK_ALLOW_PRIVATE=true to allow it)"
        )
    return parts.scheme, parts.hostname, port, str(addresses[0])


def validate_url(url: str, *, field: str = "url") -> None:
    try:
        check_url(url)
    except Refused as error:
        raise ValidationFailed.for_field(field, str(error)) from None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address whatever the host name resolves to now."""

    def __init__(self, host, port, address, connect_timeout, read_timeout):
        super().__init__(host, port, timeout=read_timeout)
        self._address, self._connect_timeout = address, connect_timeout

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), timeout=self._connect_timeout)
        self.sock.settimeout(self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    """POSTs to a checked URL with short connect and read timeouts; (status, first bytes of the answer).
    Redirects are not followed (a 3xx is a failure like any non-2xx)."""
    scheme, host, port, address = check_url(url)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address, settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(2048).decode("utf-8", "replace")
        return response.status, text
    finally:
        connection.close()
