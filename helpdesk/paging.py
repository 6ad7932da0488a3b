"""Pages whose count stops at a cap: "1–25 of more than 10,000" instead of an exact COUNT(*) that reads
every matching row. Counting at most cap + 1 rows keeps a page's cost flat however large the table
grows, as GitHub and Zendesk do; nobody pages past the ten-thousandth request anyway."""

from functools import cached_property

from django.core.paginator import Paginator

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # COUNT over a LIMITed subquery: the database stops after cap + 1 rows.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    @property
    def shown_count(self) -> str:
        return f"more than {self.cap:,}" if self.is_capped else f"{self.count:,}"
