"""The address a request came from, as far as we can trust it.

X-Forwarded-For is written by the client as much as by proxies, so it is only read when settings
say how many trusted proxies stand in front (TRUSTED_PROXY_COUNT): each appends the address it got
the request from, so the client is the Nth entry from the right. Anything else is REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:  # a trusted proxy did not add its hop: the header is not what we expect
        return remote_addr
    candidate = hops[-proxies]
    return candidate if _is_ip(candidate) else remote_addr
