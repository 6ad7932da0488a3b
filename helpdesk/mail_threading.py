"""How outgoing mail names its request, so that incoming mail can be threaded back onto it.

Both halves live here because they are one contract: notifications stamp every message with a
Message-ID and a Reply-To made here, and email intake reads them back with the functions below.
Each carries the request's public id and a short signature, so a forged In-Reply-To or reply
address cannot attach mail to a request whose id the sender only guessed.

  Message-ID  <{tag}.{public_id}.{signature}@{MAIL_DOMAIN}>
  Reply-To    {local}+{public_id}.{signature}@{domain}   (from HELPDESK_REPLY_ADDRESS)
"""

import re
import secrets
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "helpdesk.mail_threading"
_PUBLIC_ID = r"req_[A-Za-z0-9]+"


def _signature(public_id: str) -> str:
    return salted_hmac(_SALT, public_id).hexdigest()[:12]


def _signed(public_id: str) -> str:
    return f"{public_id}.{_signature(public_id)}"


def _verified(public_id: str, signature: str) -> str | None:
    return public_id if constant_time_compare(signature.lower(), _signature(public_id)) else None


def mail_domain() -> str:
    return settings.MAIL_DOMAIN or settings.HELPDESK_REPLY_ADDRESS.rpartition("@")[2] or "localhost"


def message_id_for(public_id: str, tag: str = "") -> str:
    """A new, unique Message-ID that names the request (tag: what it is, e.g. a delivery's key)."""
    tag = re.sub(r"[^A-Za-z0-9_-]", "-", tag or secrets.token_hex(8))[:64]
    return f"<{tag}.{_signed(public_id)}@{mail_domain()}>"


def thread_root_id(public_id: str) -> str:
    """The Message-ID every message about one request refers to, so mail clients thread them."""
    return f"<request.{_signed(public_id)}@{mail_domain()}>"


_MESSAGE_ID = re.compile(rf"<?[^<>@\s]*?\.?({_PUBLIC_ID})\.([0-9a-f]{{12}})@([^<>\s]+)>?")


def request_id_from_message_id(message_id: str) -> str | None:
    """The public id of the request a Message-ID we made names, or None (not ours, or forged)."""
    match = _MESSAGE_ID.fullmatch(message_id.strip())
    if not match or match.group(3).lower() != mail_domain().lower():
        return None
    return _verified(match.group(1), match.group(2))


def reply_address_for(public_id: str) -> str:
    """The Reply-To of every message about one request: the support address, plus-addressed."""
    local, _, domain = settings.HELPDESK_REPLY_ADDRESS.partition("@")
    return f"{local}+{_signed(public_id)}@{domain}"


def request_id_from_address(address: str) -> str | None:
    """The public id named by a plus-addressed reply address (any display name), or None."""
    _, email = parseaddr(address)
    local, _, domain = email.partition("@")
    base_local, _, base_domain = settings.HELPDESK_REPLY_ADDRESS.partition("@")
    if domain.lower() != base_domain.lower() or not local.lower().startswith(base_local.lower() + "+"):
        return None
    match = re.fullmatch(rf"({_PUBLIC_ID})\.([0-9a-fA-F]{{12}})", local[len(base_local) + 1 :])
    return _verified(match.group(1), match.group(2)) if match else None
