"""Every read of mailboxes: admins only."""

from django.db.models import QuerySet

from accounts.models import User
from helpdesk.errors import NotFound, PermissionDenied

from .models import Mailbox


def mailbox_list(*, actor: User) -> QuerySet[Mailbox]:
    if not actor.is_admin:
        raise PermissionDenied("Only admins may see mailboxes.")
    return Mailbox.objects.select_related("group").order_by("name", "id")


def mailbox_get(*, actor: User, public_id: str) -> Mailbox:
    mailbox = mailbox_list(actor=actor).filter(public_id=public_id).first()
    if mailbox is None:
        raise NotFound("No mailbox with this id.")
    return mailbox
