import time

from django.core.management.base import BaseCommand

from sla.services import clocks_rebuild


class Command(BaseCommand):
    help = "Recompute every live request's SLA clocks (after seeding, or changing tiers or calendars)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = clocks_rebuild()
        self.stdout.write(f"sla_rebuild: {count} requests in {time.perf_counter() - started:.1f}s")
