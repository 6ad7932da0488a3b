"""Counting lists without paying for a full COUNT(*) at a million rows.

Two designs, one rule: a count never reads more than a fixed number of rows.

- The agent queue's CappedPaginator counts at most cap + 1 rows and says "1–25 of more than 1,000",
  as GitHub's search does; nobody pages past the thousandth request of a view anyway.
- The /v1 lists must give a number in pagination.total (the seed documents it): `bounded_total` counts
  exactly up to EXACT_TOTAL_UP_TO and, beyond it, takes PostgreSQL's planner estimate of the same
  query (one EXPLAIN, no rows read), never below the threshold + 1 (a total above the bound is an
  estimate; cursor pages say totalEstimated). SQLite has no usable estimate and holds small data: it
  counts.
  A filter set found to hold more than the bound is remembered so by each process for
  LARGE_FOR_SECONDS: its lists then skip the count and the EXPLAIN (the load test's lists are 90%
  such sets). The error this adds: for that long, a set that shrank to the bound or below still
  shows the estimate made then (never below bound + 1, flagged estimated), and a growing one keeps
  its old estimate.
"""

import json
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections

from .generations import Remembered

# Counting costs up to cap + 1 index entries (and heap visits where the filters are not all in one
# index): at a million requests 10,000 of them took 20-200 ms for the queue's combinations, 1,000 a
# tenth of that.
COUNT_CAP = 1_000
# Up to here pagination.total is exact.
EXACT_TOTAL_UP_TO = 1_000
# How long a process trusts "this filter set holds more than the bound" and the estimate made then.
LARGE_FOR_SECONDS = 60.0
_large = Remembered(seconds=LARGE_FOR_SECONDS)  # (database, bound, SQL, params) -> the estimate


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


def bounded_total(queryset, *, exact_up_to: int | None = None) -> tuple[int, bool]:
    """(total, exact): the exact count when it is at most `exact_up_to`, else the planner's estimate
    (at least exact_up_to + 1) on PostgreSQL. Costs one bounded COUNT, plus one EXPLAIN past the
    bound; nothing for a set remembered as past the bound (the module says for how long)."""
    bound = EXACT_TOTAL_UP_TO if exact_up_to is None else exact_up_to
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        counted = queryset.order_by()[: bound + 1].count()
        return (counted, True) if counted <= bound else (queryset.count(), True)
    # One compiled SQL for the key, the count and the EXPLAIN (the ids only: no joins for columns).
    try:
        sql, params = queryset.order_by().values("pk").query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # a filter that can match nothing (an unknown id)
        return 0, True
    key = (queryset.db, bound, sql, tuple(params))
    try:
        remembered = _large.get(key)
    except TypeError:  # a parameter that cannot be a key (a list): count every time
        key, remembered = None, None
    if remembered is not None:
        return remembered, False
    with connection.cursor() as cursor:
        # The SQL is Django's, compiled above with its parameters apart; the bound is an int.
        cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT {bound + 1:d}) AS bounded", params)  # noqa: S608
        counted = cursor.fetchone()[0]
    if counted <= bound:
        return counted, True
    estimate = max(_planner_rows(connection, sql, params), bound + 1)
    if key is not None:
        _large.put(key, estimate)
    return estimate, False


def forget_large_sets() -> None:
    """Forget every filter set remembered as past the bound (tests; a process that wants fresh totals)."""
    _large.forget_all()


def planner_rows(queryset) -> int:
    """How many rows PostgreSQL's planner expects the queryset to return (no rows are read)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return _planner_rows(connections[queryset.db], sql, params)


def _planner_rows(connection, sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # psycopg returns json as text or as parsed, depending on the loader
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
