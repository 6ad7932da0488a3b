"""Which request a message belongs to, in the issue's order: a Message-ID we sent or received for
the request (In-Reply-To, References), the request's reply address in To/Cc, then [#number] in
the subject from the requester or an agent. Each step costs at most one indexed query."""

import re
from dataclasses import dataclass

from accounts.models import User
from helpdesk.mail_threading import request_id_from_address, request_id_from_message_id
from tickets.models import Request

from .models import InboundMessage
from .parsing import Parsed, id_key

_NUMBER = re.compile(r"\[#(\d{1,18})\]")


@dataclass
class Thread:
    request: Request
    how: str  # "message-id", "reply-address" or "subject"


def by_message_id(parsed: Parsed, received: dict[str, int] | None = None) -> Thread | None:
    """received: key -> request id, of messages imported but not saved yet (the caller's batch)."""
    ids = parsed.thread_ids
    if not ids:
        return None
    # Ours, signed: no query to know which request; one by the unique public id to load it.
    for message_id in ids:
        public_id = request_id_from_message_id(message_id)
        if public_id:
            request = Request.objects.filter(public_id=public_id).first()
            if request is not None:
                return Thread(request, "message-id (ours)")
    # Ones we received: one query on the unique key, joined to the request they became.
    keys = [id_key(i) for i in ids]
    found = {
        m.key: m.request
        for m in InboundMessage.objects.filter(key__in=keys, request__isnull=False, request__deleted_at__isnull=True)
        .order_by()
        .select_related("request")
        .only("key", "request")
    }
    pending = {key: received[key] for key in keys if received and key in received}
    if pending:  # a reply to a message of the same batch: its request as it is now, if not deleted
        live = Request.objects.in_bulk(set(pending.values()))
        found.update((key, live[pk]) for key, pk in pending.items() if pk in live)
    for key in keys:
        if key in found:
            return Thread(found[key], "message-id (received)")
    return None


def by_reply_address(parsed: Parsed) -> Thread | None:
    for address in [*parsed.to, *parsed.cc]:
        public_id = request_id_from_address(address)
        if public_id:
            request = Request.objects.filter(public_id=public_id).first()
            if request is not None:
                return Thread(request, "reply address")
    return None


def by_subject(parsed: Parsed, sender: User | None) -> Thread | None:
    """[#123] alone proves nothing (anyone can type it): only the requester or an agent thread by it."""
    match = _NUMBER.search(parsed.subject)
    if not match or sender is None:
        return None
    request = Request.objects.filter(pk=int(match.group(1))).first()
    if request is None or not (request.requester_id == sender.pk or sender.is_agent):
        return None
    return Thread(request, "subject [#number]")


def find_thread(parsed: Parsed, sender: User | None, *, received: dict[str, int] | None = None) -> Thread | None:
    return by_message_id(parsed, received) or by_reply_address(parsed) or by_subject(parsed, sender)
