"""manage.py fetch_mail: polls the active IMAP mailboxes now, in this process, and says what came."""

from django.core.management.base import BaseCommand, CommandError

from mailboxes.imap import poll
from mailboxes.models import Mailbox


class Command(BaseCommand):
    help = "Poll active IMAP mailboxes now (the beat task does this every EMAIL_INTAKE_POLL_SECONDS)."

    def add_arguments(self, parser):
        parser.add_argument("mailbox", nargs="*", help="Mailbox ids (mbx_…) or names; default: every active one.")
        parser.add_argument("--limit", type=int, default=None, help="At most this many messages per mailbox.")

    def handle(self, *args, mailbox, limit, **options):
        mailboxes = Mailbox.objects.filter(active=True).exclude(imap_host="")
        if mailbox:
            chosen = [m for m in mailboxes if m.public_id in mailbox or m.name in mailbox]
            missing = set(mailbox) - {m.public_id for m in chosen} - {m.name for m in chosen}
            if missing:
                raise CommandError(f"No active IMAP mailbox named {', '.join(sorted(missing))}")
            mailboxes = chosen
        failed = False
        for box in mailboxes:
            result = poll(box, limit=limit)
            line = (
                f"{box.name} <{box.address}>: {result.fetched} fetched, {result.imported} imported, "
                f"{result.ignored} ignored, {result.quarantined} quarantined, {result.duplicates} seen before"
            )
            if result.errors:
                failed = True
                self.stderr.write(f"{line}; error: {result.errors[0]}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError("Some mailboxes could not be polled (see above).")
