"""Runs the hourly upload clean-up by hand: removes files older than a day from FILE_UPLOAD_TEMP_DIR."""

from django.core.management.base import BaseCommand

from tickets.tasks import UPLOAD_LEFTOVER_AGE_SECONDS, upload_leftovers_clean


class Command(BaseCommand):
    help = "Remove upload leftovers (files older than a day by default) from FILE_UPLOAD_TEMP_DIR."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=UPLOAD_LEFTOVER_AGE_SECONDS,
            help="Age in seconds past which a file is a leftover (default: one day).",
        )

    def handle(self, *args, older_than, **options):
        removed = upload_leftovers_clean(older_than=older_than)
        self.stdout.write(f"Removed {removed} upload leftover(s).")
