"""Celery tasks of email intake: they take ids, and are safe to run twice (a message is recorded
once by its key; a mailbox is polled by one poll at a time)."""

from celery import shared_task

from helpdesk.broker import send

from .models import Mailbox


@shared_task(ignore_result=True)
def poll_mailboxes() -> int:
    """Beat: a poll task per active IMAP mailbox. Without a broker, each is polled here instead."""
    ids = list(Mailbox.objects.filter(active=True).exclude(imap_host="").values_list("pk", flat=True))
    for mailbox_id in ids:
        send(poll_mailbox, mailbox_id, fallback=lambda mailbox_id=mailbox_id: poll_mailbox(mailbox_id))
    return len(ids)


@shared_task(ignore_result=True)
def poll_mailbox(mailbox_id: int) -> dict:
    from .imap import poll

    mailbox = Mailbox.objects.filter(pk=mailbox_id, active=True).first()
    if mailbox is None:
        return {}
    return vars(poll(mailbox))
