"""The SLA clock engine: pure time maths over a business calendar.

No Django, no ORM and no reading of the clock: callers pass `now` and the calendar, so every rule
here is tested with hand-worked tables and hypothesis (see tests/sla/test_engine.py).

Conventions:
- Every datetime in and out is timezone-aware; results are in UTC. Internally everything is UTC,
  and a calendar's opening hours are turned into UTC intervals one local date at a time.
- An opening interval is (start, end) in local wall time with start < end. `end == time.max`
  (23:59:59.999999) means "until midnight", i.e. the next local midnight, so a day can be open to its
  very end without losing a microsecond. `end == time(0)` is rejected by `validate_hours` (it would
  be an empty or inverted interval); the engine itself skips empty intervals rather than failing.
- Wall times that fall in a DST gap or fold are resolved with zoneinfo's default fold=0 (the offset
  in force before the transition), so an interval's length is the real time between its two wall
  readings: 02:00-04:00 on a spring-forward night is one hour, 01:00-03:00 on a fall-back night
  three. Opening intervals that end up overlapping in UTC are clipped so no instant counts twice.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
KINDS = (FIRST_RESPONSE, RESOLUTION)

ON_TRACK = "on_track"
AT_RISK = "at_risk"
BREACHED = "breached"
MET = "met"
PAUSED = "paused"
STATUSES = (ON_TRACK, AT_RISK, BREACHED, MET, PAUSED)

# add_business_time gives up after this many consecutive local days without any opening hours
# (a calendar with no hours, or holidays covering years), instead of looping forever.
MAX_CLOSED_DAYS = 3 * 366

_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    # weekday (0 = Monday) -> opening intervals in local wall time; end time.max = until midnight.
    hours: dict[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date] = frozenset()  # local dates closed all day
    # Memo of _local_day_intervals: a rebuild of a million requests asks for the same few hundred days
    # over and over. Not part of the calendar's value (not compared, not shown).
    _days: dict = field(default_factory=dict, init=False, compare=False, repr=False)
    # The open time of a span of dates as one sorted list with running totals (see _OpenTable): one
    # element, replaced when a wider span is needed. Not part of the value either.
    _table: list = field(default_factory=list, init=False, compare=False, repr=False)


ALWAYS_OPEN = Calendar(tz=ZoneInfo("UTC"), hours={weekday: ((time(0), time.max),) for weekday in range(7)})


@dataclass(frozen=True)
class Target:
    minutes: int  # > 0
    business_hours: bool  # True: counted in the calendar; False: calendar hours (ALWAYS_OPEN)

    def __post_init__(self):
        if self.minutes <= 0:
            raise ValueError(f"An SLA target must be a positive number of minutes, not {self.minutes}.")


@dataclass(frozen=True)
class Timeline:
    created_at: datetime
    first_response_at: datetime | None  # first public agent reply
    paused: tuple[tuple[datetime, datetime | None], ...] = ()  # in `pending`; end None = still pending
    done: tuple[tuple[datetime, datetime | None], ...] = ()  # resolved/closed; end None = still; reopen ends one


@dataclass(frozen=True)
class ClockResult:
    kind: str  # FIRST_RESPONSE or RESOLUTION
    status: str  # one of STATUSES
    target_at: datetime  # instant counted time reaches the target (see compute_clock)
    elapsed: timedelta  # counted time until the clock stopped, or until now
    next_change_at: datetime | None  # next instant the status changes by itself; None if it cannot


# --- Opening hours ---------------------------------------------------------------------------------


def _fmt(value: time) -> str:
    if value == time.max:
        return "24:00"
    return value.strftime("%H:%M:%S" if value.second or value.microsecond else "%H:%M")


def validate_hours(hours) -> list[str]:
    """Human-readable problems with a weekday -> intervals mapping; [] when it is fine."""
    messages = []
    for weekday in sorted(hours, key=str):
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            messages.append(f"{weekday!r} is not a weekday (use 0 for Monday to 6 for Sunday).")
            continue
        day = _WEEKDAY_NAMES[weekday]
        valid = []
        for start, end in hours[weekday]:
            if end == time(0):
                messages.append(
                    f"{day}: {_fmt(start)}–00:00 ends at midnight; write the end as 23:59:59.999999 to stay open "
                    "until midnight."
                )
            elif start == end:
                messages.append(f"{day}: {_fmt(start)}–{_fmt(end)} is empty.")
            elif start > end:
                messages.append(f"{day}: {_fmt(start)}–{_fmt(end)} ends before it starts.")
            else:
                valid.append((start, end))
        valid.sort()
        for i, (start, end) in enumerate(valid):
            for other_start, other_end in valid[i + 1 :]:
                if other_start < end:
                    messages.append(f"{day}: {_fmt(start)}–{_fmt(end)} overlaps {_fmt(other_start)}–{_fmt(other_end)}.")
    return messages


def _is_always_open(calendar: Calendar) -> bool:
    return calendar is ALWAYS_OPEN or calendar == ALWAYS_OPEN


def _has_hours(calendar: Calendar) -> bool:
    return any(calendar.hours.get(weekday) for weekday in range(7))


def _local_day_intervals(calendar: Calendar, day: date) -> tuple[Interval, ...]:
    """The opening intervals of one local date, in UTC, sorted by start (memoised per calendar)."""
    known = calendar._days.get(day)
    if known is None:
        known = calendar._days[day] = tuple(_compute_day_intervals(calendar, day))
    return known


def _compute_day_intervals(calendar: Calendar, day: date) -> list[Interval]:
    if day in calendar.holidays:
        return []
    tz = calendar.tz
    intervals = []
    for start, end in calendar.hours.get(day.weekday(), ()):
        # Combine local date and wall time before converting: the UTC offset differs across a DST switch.
        start_at = datetime.combine(day, start, tzinfo=tz)
        if end == time.max:
            end_at = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        else:
            end_at = datetime.combine(day, end, tzinfo=tz)
        intervals.append((start_at.astimezone(UTC), end_at.astimezone(UTC)))
    intervals.sort()
    return intervals


def _open_intervals(calendar: Calendar, start: datetime, end: datetime | None = None) -> Iterator[Interval]:
    """Disjoint, increasing UTC intervals of open time from `start` (clipped to it).

    With `end`, stops once past it (the last interval may reach beyond `end`). Without, it runs
    forever and raises ValueError after MAX_CLOSED_DAYS local days in a row without open time.
    """
    if _is_always_open(calendar):
        yield start, end if end is not None else _FAR_FUTURE
        return
    if not _has_hours(calendar):
        if end is None:
            raise ValueError("The calendar has no opening hours.")
        return
    # A day either side: a neighbouring local date's interval can reach into this one (midnight, DST).
    day = start.astimezone(calendar.tz).date() - timedelta(days=1)
    last_day = end.astimezone(calendar.tz).date() + timedelta(days=1) if end is not None else None
    cursor = start  # never yield anything before this: keeps the output disjoint and in order
    closed_days = 0
    while last_day is None or day <= last_day:
        closed_days += 1
        for interval_start, interval_end in _local_day_intervals(calendar, day):
            interval_start = max(interval_start, cursor)
            if interval_end > interval_start:
                yield interval_start, interval_end
                cursor = interval_end
                closed_days = 0
        if last_day is None and closed_days > MAX_CLOSED_DAYS:
            raise ValueError(f"The calendar has no opening hours in {MAX_CLOSED_DAYS} days after {start.isoformat()}.")
        day += timedelta(days=1)


def _counted_segments(
    calendar: Calendar, start: datetime, excluded: list[Interval], end: datetime | None = None
) -> Iterator[Interval]:
    """Open time from `start` minus `excluded` (sorted, disjoint, finite UTC intervals)."""
    pending = iter(excluded)
    gap = next(pending, None)
    for seg_start, seg_end in _open_intervals(calendar, start, end):
        while seg_start < seg_end:
            while gap is not None and gap[1] <= seg_start:
                gap = next(pending, None)
            if gap is None or gap[0] >= seg_end:
                yield seg_start, seg_end
                break
            if gap[0] > seg_start:
                yield seg_start, gap[0]
            seg_start = gap[1]


def _count(calendar: Calendar, start: datetime, end: datetime, excluded: list[Interval]) -> timedelta:
    if end <= start:
        return timedelta(0)
    table = _table_for(calendar, start, end)
    if table is None:
        return _count_walk(calendar, start, end, excluded)
    total = table.before(end) - table.before(start)
    for gap_start, gap_end in excluded:
        if gap_start < end and gap_end > start:
            total -= table.before(min(gap_end, end)) - table.before(max(gap_start, start))
    return total


def _reach(calendar: Calendar, start: datetime, amount: timedelta, excluded: list[Interval]) -> datetime:
    """The earliest instant at which `amount` of counted time has passed since `start`."""
    if amount < timedelta(0):
        raise ValueError(f"Cannot add a negative amount of business time ({amount}).")
    if amount == timedelta(0):
        return start
    found = _reach_by_table(calendar, start, amount, excluded)
    return found if found is not None else _reach_walk(calendar, start, amount, excluded)


def _count_walk(calendar: Calendar, start: datetime, end: datetime, excluded: list[Interval]) -> timedelta:
    """_count interval by interval, for the calendars _table_for does not serve."""
    total = timedelta(0)
    if end <= start:
        return total
    for seg_start, seg_end in _counted_segments(calendar, start, excluded, end):
        if seg_start >= end:
            break
        total += min(seg_end, end) - seg_start
    return total


def _reach_walk(calendar: Calendar, start: datetime, amount: timedelta, excluded: list[Interval]) -> datetime:
    """_reach interval by interval: it finds no open time (and raises) where the table gives up."""
    remaining = amount
    for seg_start, seg_end in _counted_segments(calendar, start, excluded):
        length = seg_end - seg_start
        if length >= remaining:
            return seg_start + remaining
        remaining -= length
    raise AssertionError("unreachable: _open_intervals runs until it raises")  # pragma: no cover


# --- Open time as running totals -----------------------------------------------------------------
# Counting interval by interval walks every day between two instants, for every clock. A rebuild of
# a million requests asks the same calendar over and over, so its open intervals over a span of
# dates are laid out once, with the open time before each: counting is then two binary searches.

# How far beyond the asked instants a new table reaches, so most later questions fit in it.
_TABLE_MARGIN = timedelta(days=60)
# _reach looks this far ahead in the table; beyond, the day-by-day walk decides (and raises).
_TABLE_REACH_LIMIT = timedelta(days=MAX_CLOSED_DAYS)


class _OpenTable:
    """The calendar's open intervals of local dates first_day..last_day, disjoint and sorted, with the
    open time before each. Exact for instants in [low, high]: two days in from either end, so an
    interval reaching over from a date outside the span (midnight, DST) cannot be missing."""

    __slots__ = ("first_day", "last_day", "low", "high", "starts", "ends", "before_start", "before_end")

    def __init__(self, calendar: Calendar, first_day: date, last_day: date):
        self.first_day, self.last_day = first_day, last_day
        tz = calendar.tz
        self.low = datetime.combine(first_day + timedelta(days=2), time(0), tzinfo=tz).astimezone(UTC)
        self.high = datetime.combine(last_day - timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        self.starts, self.ends, self.before_start, self.before_end = [], [], [], []
        total, cursor, day = timedelta(0), None, first_day
        while day <= last_day:
            for start, end in _local_day_intervals(calendar, day):
                if cursor is not None:
                    start = max(start, cursor)  # as _open_intervals: no instant counted twice
                if end > start:
                    self.starts.append(start)
                    self.ends.append(end)
                    self.before_start.append(total)
                    total += end - start
                    self.before_end.append(total)
                    cursor = end
            day += timedelta(days=1)

    def before(self, at: datetime) -> timedelta:
        """Open time from the table's first interval up to `at`."""
        i = bisect_right(self.starts, at) - 1
        if i < 0:
            return timedelta(0)
        return self.before_start[i] + (min(at, self.ends[i]) - self.starts[i])

    def instant(self, total: timedelta) -> datetime | None:
        """The earliest instant with `total` open time before it (> 0); None beyond the table."""
        i = bisect_left(self.before_end, total)
        if i == len(self.before_end):
            return None
        return self.starts[i] + (total - self.before_start[i])


def _table_for(calendar: Calendar, low: datetime, high: datetime) -> "_OpenTable | None":
    """A table exact over [low, high]: the calendar's own if it is wide enough, else a wider one.
    None for a calendar the table does not serve (always open: no need; no hours: the walk raises)."""
    table = calendar._table[0] if calendar._table else None
    if table is not None and table.low <= low and high <= table.high:
        return table
    if _is_always_open(calendar) or not _has_hours(calendar):
        return None
    first_day = (low - _TABLE_MARGIN).astimezone(calendar.tz).date()
    last_day = (high + _TABLE_MARGIN).astimezone(calendar.tz).date()
    if table is not None:
        first_day, last_day = min(first_day, table.first_day), max(last_day, table.last_day)
    calendar._table[:] = [_OpenTable(calendar, first_day, last_day)]
    return calendar._table[0]


def _reach_by_table(calendar: Calendar, start: datetime, amount: timedelta, excluded: list[Interval]):
    """_reach from the table, widened as needed up to _TABLE_REACH_LIMIT; None if not found there."""
    if not calendar._table and _is_always_open(calendar):  # (a calendar with a table is not)
        return _reach_always_open(start, amount, excluded)
    high = start + amount + _TABLE_MARGIN
    while high - start <= _TABLE_REACH_LIMIT:
        table = _table_for(calendar, start, high)
        if table is None:
            return None
        found = _reach_in(table, start, amount, excluded)
        if found is not None and found <= table.high:
            return found
        high = start + (high - start) * 2
    return None


def _reach_in(table: _OpenTable, start: datetime, amount: timedelta, excluded: list[Interval]):
    remaining, at = amount, start
    for gap_start, gap_end in excluded:
        if gap_end <= at:
            continue
        if gap_start > at:
            there = table.before(min(gap_start, table.high)) - table.before(at)
            if there >= remaining:
                return table.instant(table.before(at) + remaining)
            if gap_start > table.high:
                return None
            remaining -= there
        at = gap_end
        if at > table.high:
            return None
    return table.instant(table.before(at) + remaining)


def _reach_always_open(start: datetime, amount: timedelta, excluded: list[Interval]) -> datetime:
    remaining, at = amount, start
    for gap_start, gap_end in excluded:
        if gap_end <= at:
            continue
        if gap_start > at:
            if gap_start - at >= remaining:
                return at + remaining
            remaining -= gap_start - at
        at = gap_end
    return at + remaining


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}.")
    return value.astimezone(UTC)


def business_time_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time of `calendar` in [start, end); zero if end <= start."""
    return _count(calendar, _utc(start, "start"), _utc(end, "end"), [])


def add_business_time(calendar: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The earliest instant (UTC) at which `amount` of open time has passed since `start`.

    Reaching the amount exactly at closing time gives the closing instant, not the next opening.
    Raises ValueError for a negative amount or a calendar without opening hours.
    """
    return _reach(calendar, _utc(start, "start"), amount, [])


# --- Clocks ----------------------------------------------------------------------------------------


def _normalise(intervals: Iterable[tuple[datetime, datetime | None]], name: str) -> list[Interval]:
    """Sorted, merged UTC intervals; an open end (None) becomes the far future."""
    cleaned = []
    for start, end in intervals:
        start_at = _utc(start, f"{name} start")
        end_at = _FAR_FUTURE if end is None else _utc(end, f"{name} end")
        if end_at < start_at:
            raise ValueError(
                f"A {name} interval ends ({end_at.isoformat()}) before it starts ({start_at.isoformat()})."
            )
        if end_at > start_at:
            cleaned.append((start_at, end_at))
    cleaned.sort()
    merged: list[Interval] = []
    for start_at, end_at in cleaned:
        if merged and start_at <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end_at))
        else:
            merged.append((start_at, end_at))
    return merged


def _clip(intervals: list[Interval], low: datetime, high: datetime) -> list[Interval]:
    clipped = [(max(start, low), min(end, high)) for start, end in intervals]
    return [(start, end) for start, end in clipped if end > start]


def _stop_instant(kind: str, timeline: Timeline) -> datetime | None:
    done = [(_utc(start, "done start"), end) for start, end in timeline.done]
    if kind == FIRST_RESPONSE:
        # Resolving a request without replying counts as the answer.
        candidates = [start for start, _ in done]
        if timeline.first_response_at is not None:
            candidates.append(_utc(timeline.first_response_at, "first_response_at"))
        return min(candidates, default=None)
    if not done:
        return None
    last_start, last_end = max(done, key=lambda interval: interval[0])
    return last_start if last_end is None else None


def compute_clock(
    kind: str,
    timeline: Timeline,
    target: Target,
    calendar: Calendar,
    now: datetime,
    at_risk_share: float = 0.25,
) -> ClockResult:
    """The state of one SLA clock at `now`.

    Counted time is open time (of `calendar`, or every instant for a calendar-hours target) from
    creation, minus the paused intervals and, for the resolution clock, minus the resolved/closed
    intervals. Recorded pauses are excluded up to the instant the clock is evaluated at (its stop,
    or now); projections beyond that instant assume no further pauses. `target_at` is the earliest
    instant counted time reaches the target; it is in the past when the target was already overrun.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown clock kind {kind!r}; expected one of {KINDS}.")
    if not 0 <= at_risk_share <= 1:
        raise ValueError(f"at_risk_share must be between 0 and 1, not {at_risk_share}.")
    counting = calendar if target.business_hours else ALWAYS_OPEN
    now = _utc(now, "now")
    created = _utc(timeline.created_at, "created_at")
    goal = timedelta(minutes=target.minutes)

    paused = _normalise(timeline.paused, "paused")
    excluded = paused if kind == FIRST_RESPONSE else _normalise((*timeline.paused, *timeline.done), "paused/done")
    stop = _stop_instant(kind, timeline)
    stopped = stop is not None and stop <= now
    horizon = max(created, stop if stopped else now)
    known = _clip(excluded, created, horizon)

    elapsed = _count(counting, created, horizon, known)
    target_at = _reach(counting, created, goal, known)

    if stopped:
        return ClockResult(kind, MET if elapsed <= goal else BREACHED, target_at, elapsed, None)

    if any(start <= now < end for start, end in paused):
        # Resuming at `now` is the earliest it can restart, so target_at is a projection from now.
        return ClockResult(kind, BREACHED if elapsed >= goal else PAUSED, target_at, elapsed, None)

    at_risk_at = _reach(counting, created, goal * (1 - at_risk_share), known)
    if now >= target_at:
        return ClockResult(kind, BREACHED, target_at, elapsed, None)
    if now >= at_risk_at:
        return ClockResult(kind, AT_RISK, target_at, elapsed, target_at)
    return ClockResult(kind, ON_TRACK, target_at, elapsed, at_risk_at)


def compute_clocks(
    timeline: Timeline,
    *,
    first_response: Target,
    resolution: Target,
    calendar: Calendar,
    now: datetime,
    at_risk_share: float = 0.25,
) -> dict[str, ClockResult]:
    """Both clocks of a request, keyed FIRST_RESPONSE and RESOLUTION."""
    return {
        FIRST_RESPONSE: compute_clock(FIRST_RESPONSE, timeline, first_response, calendar, now, at_risk_share),
        RESOLUTION: compute_clock(RESOLUTION, timeline, resolution, calendar, now, at_risk_share),
    }
