"""The SLA clock engine: hand-worked timelines first, then hypothesis properties.

Pure time maths, so no database and no frozen clock. Unless a case says otherwise the calendar is
Mon-Fri 09:00-18:00 in Europe/Berlin, and the dates are in January 2026 (CET, UTC+1):
Fri 16, Mon 19, Tue 20, Wed 21 January 2026.
"""

from datetime import UTC, date, datetime, time, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.engine import (
    ALWAYS_OPEN,
    FIRST_RESPONSE,
    RESOLUTION,
    STATUSES,
    Calendar,
    ClockResult,
    Target,
    Timeline,
    add_business_time,
    business_time_between,
    compute_clock,
    compute_clocks,
    validate_hours,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)

WEEKDAYS_9_TO_6 = {weekday: ((time(9), time(18)),) for weekday in range(5)}
OFFICE = Calendar(tz=BERLIN, hours=WEEKDAYS_9_TO_6)
OFFICE_NY = Calendar(tz=NEW_YORK, hours=WEEKDAYS_9_TO_6)


def jan(day, hour=0, minute=0, second=0, microsecond=0, tz=BERLIN):
    """A wall time in January 2026 (Berlin unless told): jan(19, 9) is Mon 19 Jan 09:00 CET."""
    return datetime(2026, 1, day, hour, minute, second, microsecond, tzinfo=tz)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def business(minutes):
    return Target(minutes=minutes, business_hours=True)


def calendar_hours(minutes):
    return Target(minutes=minutes, business_hours=False)


# --- 1-3: due dates over weekends, holidays and DST ------------------------------------------------


def test_a_request_at_1755_on_friday_with_one_business_hour_is_due_0955_on_monday():
    # Fri 16 Jan 17:55 CET: 5 minutes left on Friday, 55 more from Monday's 09:00 opening.
    due = add_business_time(OFFICE, jan(16, 17, 55), H)
    assert due == jan(19, 9, 55)  # Mon 19 Jan 09:55 CET
    assert due == utc(2026, 1, 19, 8, 55)  # the same instant in UTC
    assert due.tzinfo is UTC
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 1, 19, 9, 55)


def test_a_holiday_on_that_monday_pushes_the_due_time_to_tuesday():
    office = Calendar(tz=BERLIN, hours=WEEKDAYS_9_TO_6, holidays=frozenset({date(2026, 1, 19)}))
    due = add_business_time(office, jan(16, 17, 55), H)
    assert due == jan(20, 9, 55)  # Tue 20 Jan 09:55 CET = 08:55 UTC
    assert due == utc(2026, 1, 20, 8, 55)


def test_business_hours_across_berlin_spring_forward_keep_the_local_wall_time():
    # Fri 27 Mar 2026 17:00 CET (16:00 UTC), 2 business hours: 17:00-18:00 on Friday, 09:00-10:00 on
    # Monday 30 Mar, which is CEST after Sunday's switch: 10:00 CEST = 08:00 UTC. Adding in UTC with
    # Friday's offset would have said 09:00 UTC = 11:00 CEST.
    due = add_business_time(OFFICE, datetime(2026, 3, 27, 17, tzinfo=BERLIN), 2 * H)
    assert due == utc(2026, 3, 30, 8)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 30, 10)
    # The same request a week earlier, without a switch, lands on the same wall time (10:00 CET = 09:00 UTC).
    week_before = add_business_time(OFFICE, datetime(2026, 3, 20, 17, tzinfo=BERLIN), 2 * H)
    assert week_before == utc(2026, 3, 23, 9)
    assert week_before.astimezone(BERLIN).time() == due.astimezone(BERLIN).time() == time(10)


def test_calendar_hours_across_berlin_spring_forward_count_real_hours():
    # Sat 28 Mar 2026 12:00 CET = 11:00 UTC; 24 real hours later is Sun 11:00 UTC = 13:00 CEST.
    timeline = Timeline(created_at=datetime(2026, 3, 28, 12, tzinfo=BERLIN), first_response_at=None)
    clock = compute_clock(FIRST_RESPONSE, timeline, calendar_hours(24 * 60), OFFICE, now=utc(2026, 3, 28, 12))
    assert clock.target_at == utc(2026, 3, 29, 11)
    assert clock.target_at.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 13)
    assert add_business_time(ALWAYS_OPEN, datetime(2026, 3, 28, 12, tzinfo=BERLIN), 24 * H) == utc(2026, 3, 29, 11)


def test_business_hours_across_new_york_fall_back_keep_the_local_wall_time():
    # Fri 30 Oct 2026 17:00 EDT (21:00 UTC), 2 business hours: 17:00-18:00 Friday, then Monday 2 Nov
    # 09:00-10:00 EST (after Sunday's fall back): 10:00 EST = 15:00 UTC, not 14:00 UTC.
    due = add_business_time(OFFICE_NY, datetime(2026, 10, 30, 17, tzinfo=NEW_YORK), 2 * H)
    assert due == utc(2026, 11, 2, 15)
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 11, 2, 10)
    week_before = add_business_time(OFFICE_NY, datetime(2026, 10, 23, 17, tzinfo=NEW_YORK), 2 * H)
    assert week_before == utc(2026, 10, 26, 14)  # 10:00 EDT
    assert week_before.astimezone(NEW_YORK).time() == time(10)


def test_calendar_hours_across_new_york_fall_back_count_real_hours():
    # Sat 31 Oct 2026 12:00 EDT = 16:00 UTC; 24 real hours later is Sun 16:00 UTC = 11:00 EST.
    timeline = Timeline(created_at=datetime(2026, 10, 31, 12, tzinfo=NEW_YORK), first_response_at=None)
    clock = compute_clock(RESOLUTION, timeline, calendar_hours(24 * 60), OFFICE_NY, now=utc(2026, 10, 31, 17))
    assert clock.target_at == utc(2026, 11, 1, 16)
    assert clock.target_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 11, 1, 11)
    assert clock.status == "on_track"
    assert clock.elapsed == H  # 16:00 to 17:00 UTC


def test_a_whole_local_day_lasts_23_or_25_hours_on_switch_days():
    all_day = {weekday: ((time(0), time.max),) for weekday in range(7)}  # time.max = until midnight
    berlin = Calendar(tz=BERLIN, hours=all_day)
    new_york = Calendar(tz=NEW_YORK, hours=all_day)
    spring = business_time_between(
        berlin, datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN)
    )  # Sun 29 Mar: 00:00 CET = 23:00 UTC Sat, to 00:00 CEST = 22:00 UTC Sun
    fall = business_time_between(
        new_york, datetime(2026, 11, 1, tzinfo=NEW_YORK), datetime(2026, 11, 2, tzinfo=NEW_YORK)
    )  # Sun 1 Nov: 00:00 EDT = 04:00 UTC to 00:00 EST = 05:00 UTC Mon
    assert (spring, fall) == (23 * H, 25 * H)


def test_opening_hours_in_a_dst_gap_or_fold_use_the_offset_before_the_switch():
    # Documented choice (zoneinfo fold=0): an interval lasts the real time between its wall readings.
    # Berlin, Sunday 02:00-04:00 on 29 Mar 2026: 02:00 does not exist, read as CET (01:00 UTC);
    # 04:00 CEST = 02:00 UTC, so one hour is open.
    berlin_night = Calendar(tz=BERLIN, hours={6: ((time(2), time(4)),)})
    sunday = (datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN))
    assert business_time_between(berlin_night, *sunday) == H
    # New York, Sunday 01:00-03:00 on 1 Nov 2026: 01:00 happens twice, read as the first (EDT,
    # 05:00 UTC); 03:00 EST = 08:00 UTC, so three hours are open.
    ny_night = Calendar(tz=NEW_YORK, hours={6: ((time(1), time(3)),)})
    sunday = (datetime(2026, 11, 1, tzinfo=NEW_YORK), datetime(2026, 11, 2, tzinfo=NEW_YORK))
    assert business_time_between(ny_night, *sunday) == 3 * H
    assert add_business_time(ny_night, sunday[0], 3 * H) == utc(2026, 11, 1, 8)


# --- 4-7: clocks, as a table of hand-worked timelines ----------------------------------------------

PENDING_OVERNIGHT = ((jan(19, 11), jan(20, 10)),)
STILL_PENDING = ((jan(19, 11), None),)

# Each row: kind, timeline, target, now, then the expected status, target_at, elapsed, next_change_at.
CLOCK_CASES = [
    # First response, 1 business hour, created Mon 19 Jan 09:00: due 10:00, at risk from 09:45.
    pytest.param(
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 30)),
        business(60),
        jan(19, 12),
        ("met", jan(19, 10), 30 * M, None),
        id="first-response-met-replied-after-30-minutes",
    ),
    pytest.param(
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 10)),
        business(60),
        jan(19, 12),
        ("met", jan(19, 10), 60 * M, None),
        id="first-response-met-replied-exactly-at-the-target",
    ),
    pytest.param(
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 10, 30)),
        business(60),
        jan(19, 12),
        ("breached", jan(19, 10), 90 * M, None),
        id="first-response-breached-replied-after-90-minutes",
    ),
    pytest.param(
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=None, done=((jan(19, 9, 45), None),)),
        business(60),
        jan(19, 12),
        ("met", jan(19, 10), 45 * M, None),
        id="first-response-resolving-without-a-reply-counts-as-the-answer",
    ),
    pytest.param(
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 50), done=((jan(19, 9, 20), jan(19, 9, 40)),)),
        business(60),
        jan(19, 12),
        ("met", jan(19, 10), 20 * M, None),
        id="first-response-stops-at-the-first-resolve-even-if-reopened",
    ),
    pytest.param(
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=None),
        business(60),
        jan(19, 9, 30),
        ("on_track", jan(19, 10), 30 * M, jan(19, 9, 45)),
        id="first-response-on-track-changes-at-the-75-percent-point",
    ),
    pytest.param(
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=None),
        business(60),
        jan(19, 9, 45),
        ("at_risk", jan(19, 10), 45 * M, jan(19, 10)),
        id="first-response-at-risk-exactly-at-75-percent",
    ),
    pytest.param(
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=None),
        business(60),
        jan(19, 10),
        ("breached", jan(19, 10), 60 * M, None),
        id="first-response-breached-exactly-at-the-target",
    ),
    pytest.param(
        # Created Mon 17:30: 30 minutes on Monday, 10 on Tuesday; due Tue 09:30, at risk Tue 09:15.
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 17, 30), first_response_at=None),
        business(60),
        jan(20, 9, 10),
        ("on_track", jan(20, 9, 30), 40 * M, jan(20, 9, 15)),
        id="first-response-overnight-counts-only-open-hours",
    ),
    pytest.param(
        # A pause after the reply does not matter to the stopped first-response clock.
        FIRST_RESPONSE,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 30), paused=((jan(19, 9, 40), None),)),
        business(60),
        jan(19, 12),
        ("met", jan(19, 10), 30 * M, None),
        id="first-response-ignores-pauses-after-the-reply",
    ),
    # Resolution, 4 business hours, created Mon 09:00: due 13:00, at risk from 12:00 (3 hours in).
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10)),
        business(240),
        jan(19, 11, 59, 59, 999999),
        ("on_track", jan(19, 13), 3 * H - timedelta(microseconds=1), jan(19, 12)),
        id="resolution-a-moment-before-75-percent-is-on-track",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10)),
        business(240),
        jan(19, 12),
        ("at_risk", jan(19, 13), 3 * H, jan(19, 13)),
        id="resolution-exactly-at-75-percent-is-at-risk",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), done=((jan(19, 12, 30), None),)),
        business(240),
        jan(21, 9),
        ("met", jan(19, 13), 3.5 * H, None),
        id="resolution-met-resolved-after-three-and-a-half-hours",
    ),
    # 4: pending across closing time. Created Mon 09:00, 4 business hours, pending Mon 11:00 to
    # Tue 10:00: 2 hours counted on Monday, 2 more from Tue 10:00, due Tue 12:00 (at risk Tue 11:00).
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), paused=STILL_PENDING),
        business(240),
        jan(19, 15),
        # Paused Mon 15:00 with 2 hours left: if it resumed now it would be due Mon 17:00.
        ("paused", jan(19, 17), 2 * H, None),
        id="pending-across-closing-paused-on-monday-afternoon",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), paused=STILL_PENDING),
        business(240),
        jan(20, 9, 30),
        # Still pending Tue 09:30: resuming now would be due Tue 11:30.
        ("paused", jan(20, 11, 30), 2 * H, None),
        id="pending-across-closing-paused-on-tuesday-morning",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), paused=PENDING_OVERNIGHT),
        business(240),
        jan(20, 10, 30),
        ("on_track", jan(20, 12), 2.5 * H, jan(20, 11)),
        id="pending-across-closing-resumed-tuesday-is-due-1200",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), paused=PENDING_OVERNIGHT),
        business(240),
        jan(20, 11),
        ("at_risk", jan(20, 12), 3 * H, jan(20, 12)),
        id="pending-across-closing-at-risk-from-tuesday-1100",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), paused=PENDING_OVERNIGHT),
        business(240),
        jan(20, 12),
        ("breached", jan(20, 12), 4 * H, None),
        id="pending-across-closing-breached-from-tuesday-1200",
    ),
    pytest.param(
        # Pending again after the target passed: breached, not paused; target_at stays in the past.
        RESOLUTION,
        Timeline(
            created_at=jan(19, 9),
            first_response_at=jan(19, 9, 10),
            paused=((jan(19, 11), jan(20, 10)), (jan(20, 13), None)),
        ),
        business(240),
        jan(20, 14),
        ("breached", jan(20, 12), 5 * H, None),
        id="pending-after-the-target-passed-stays-breached",
    ),
    pytest.param(
        # Unsorted, overlapping pauses are merged: [11:00, 12:00) and [11:30, 13:00) make 11:00-13:00.
        # Counted: 09:00-11:00 and 13:00-13:30 = 2.5 hours; due 15:00, at risk from 14:00.
        RESOLUTION,
        Timeline(
            created_at=jan(19, 9),
            first_response_at=None,
            paused=((jan(19, 11, 30), jan(19, 13)), (jan(19, 11), jan(19, 12))),
        ),
        business(240),
        jan(19, 13, 30),
        ("on_track", jan(19, 15), 2.5 * H, jan(19, 14)),
        id="overlapping-unsorted-pauses-are-merged",
    ),
    # 6: reopen. Resolution, 8 business hours, created Mon 09:00, resolved Mon 13:00, reopened Tue 10:00.
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), done=((jan(19, 13), None),)),
        business(480),
        jan(19, 15),
        # While resolved: stopped after 4 hours, met; had it kept running it would be due Mon 17:00.
        ("met", jan(19, 17), 4 * H, None),
        id="reopen-while-resolved-the-clock-is-stopped-and-met",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), done=((jan(19, 13), jan(20, 10)),)),
        business(480),
        jan(20, 11),
        # Reopened: Mon 09:00-13:00 (4h) + Tue 10:00-11:00 (1h) = 5h; 4 more hours from Tue 10:00 is
        # Tue 14:00, and 6 hours (75%) are reached at Tue 12:00.
        ("on_track", jan(20, 14), 5 * H, jan(20, 12)),
        id="reopen-excludes-the-resolved-time-and-resumes",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(
            created_at=jan(19, 9),
            first_response_at=jan(19, 9, 10),
            done=((jan(20, 15), None), (jan(19, 13), jan(20, 10))),
        ),
        business(480),
        jan(21, 9),
        # Resolved again Tue 15:00: 4h Monday + 5h Tuesday = 9h > 8h, breached; due was Tue 14:00.
        ("breached", jan(20, 14), 9 * H, None),
        id="reopen-then-resolved-late-is-breached",
    ),
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 10), done=((jan(20, 11), None),)),
        business(480),
        jan(21, 9),
        # Resolved Tue 11:00 without a reopen: 9h Monday + 2h Tuesday = 11h, breached at Mon 17:00.
        ("breached", jan(19, 17), 11 * H, None),
        id="resolution-breached-resolved-the-next-day",
    ),
    # Calendar-hours targets ignore the opening hours: Sat 17 Jan 10:00 + 24h = Sun 10:00.
    pytest.param(
        RESOLUTION,
        Timeline(created_at=jan(17, 10), first_response_at=None, paused=((jan(17, 12), jan(17, 14)),)),
        calendar_hours(24 * 60),
        jan(17, 15),
        # 2 pending hours push it to Sun 12:00; 18 hours (75%) are reached Sun 06:00.
        ("on_track", jan(18, 12), 3 * H, jan(18, 6)),
        id="calendar-hours-count-weekends-but-not-pauses",
    ),
]


@pytest.mark.parametrize(("kind", "timeline", "target", "now", "expected"), CLOCK_CASES)
def test_clock_table(kind, timeline, target, now, expected):
    clock = compute_clock(kind, timeline, target, OFFICE, now)
    assert (clock.status, clock.target_at, clock.elapsed, clock.next_change_at) == expected
    assert clock.kind == kind
    assert clock.target_at.tzinfo is UTC
    assert clock.next_change_at is None or clock.next_change_at.tzinfo is UTC


def test_a_vip_gets_a_shorter_target_counted_from_creation():
    # Created Mon 09:00, now Mon 12:00 (3 business hours in).
    timeline = Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 5))
    now = jan(19, 12)
    normal = compute_clock(RESOLUTION, timeline, business(8 * 60), OFFICE, now)
    assert (normal.status, normal.target_at, normal.next_change_at) == ("on_track", jan(19, 17), jan(19, 15))
    # Re-targeted to 4 hours: due 13:00, and 12:00 is exactly the 75% point.
    vip = compute_clock(RESOLUTION, timeline, business(4 * 60), OFFICE, now)
    assert (vip.status, vip.target_at, vip.next_change_at) == ("at_risk", jan(19, 13), jan(19, 13))
    # Re-targeted to 2 hours: due 11:00, already past, so breached at once.
    urgent = compute_clock(RESOLUTION, timeline, business(2 * 60), OFFICE, now)
    assert (urgent.status, urgent.target_at, urgent.next_change_at) == ("breached", jan(19, 11), None)
    assert urgent.elapsed == normal.elapsed == 3 * H


def test_compute_clocks_returns_both_clocks():
    timeline = Timeline(created_at=jan(19, 9), first_response_at=jan(19, 9, 30))
    clocks = compute_clocks(
        timeline, first_response=business(60), resolution=business(480), calendar=OFFICE, now=jan(19, 10)
    )
    assert clocks == {
        FIRST_RESPONSE: ClockResult(FIRST_RESPONSE, "met", jan(19, 10), 30 * M, None),
        RESOLUTION: ClockResult(RESOLUTION, "on_track", jan(19, 17), H, jan(19, 15)),
    }


def test_a_custom_at_risk_share_moves_the_at_risk_point():
    # 4 hours from Mon 09:00 with half the time as warning: at risk from 11:00.
    timeline = Timeline(created_at=jan(19, 9), first_response_at=None)
    clock = compute_clock(RESOLUTION, timeline, business(240), OFFICE, jan(19, 10), at_risk_share=0.5)
    assert (clock.status, clock.next_change_at) == ("on_track", jan(19, 11))


# --- 8: split opening hours and validation ---------------------------------------------------------

LUNCH_BREAK = {weekday: ((time(9), time(12)), (time(13), time(17))) for weekday in range(5)}


def test_a_lunch_break_does_not_count():
    office = Calendar(tz=BERLIN, hours=LUNCH_BREAK)
    # Mon 11:00 + 2h: 11:00-12:00, lunch, 13:00-14:00.
    assert add_business_time(office, jan(19, 11), 2 * H) == jan(19, 14)
    # Mon 10:00-15:00 is 2h in the morning and 2h after lunch.
    assert business_time_between(office, jan(19, 10), jan(19, 15)) == 4 * H
    # Reaching the amount exactly at 12:00 gives 12:00, not 13:00.
    assert add_business_time(office, jan(19, 11), H) == jan(19, 12)
    # Fri 16:00 + 2h: 16:00-17:00, then Mon 09:00-10:00.
    assert add_business_time(office, jan(16, 16), 2 * H) == jan(19, 10)
    assert validate_hours(LUNCH_BREAK) == []


def test_validate_hours_explains_overlaps_and_empty_or_inverted_intervals():
    hours = {
        0: ((time(9), time(12)), (time(11), time(14))),
        1: ((time(9), time(9)),),
        2: ((time(18), time(9)),),
        3: ((time(22), time(0)),),
        4: ((time(9), time(12)), (time(12), time(13)), (time(20), time.max)),  # touching is fine
        7: ((time(9), time(17)),),
    }
    assert validate_hours(hours) == [
        "Monday: 09:00–12:00 overlaps 11:00–14:00.",
        "Tuesday: 09:00–09:00 is empty.",
        "Wednesday: 18:00–09:00 ends before it starts.",
        "Thursday: 22:00–00:00 ends at midnight; write the end as 23:59:59.999999 to stay open until midnight.",
        "7 is not a weekday (use 0 for Monday to 6 for Sunday).",
    ]
    assert validate_hours(WEEKDAYS_9_TO_6) == []
    assert validate_hours({}) == []


# --- Edges and errors ------------------------------------------------------------------------------


def test_business_time_between_is_zero_when_end_is_not_after_start():
    assert business_time_between(OFFICE, jan(19, 12), jan(19, 10)) == timedelta(0)
    assert business_time_between(OFFICE, jan(19, 12), jan(19, 12)) == timedelta(0)
    assert business_time_between(OFFICE, jan(17, 10), jan(17, 20)) == timedelta(0)  # Saturday


def test_adding_nothing_returns_the_start_even_when_closed():
    assert add_business_time(OFFICE, jan(17, 10), timedelta(0)) == jan(17, 10)


def test_a_calendar_without_opening_hours_cannot_reach_a_target():
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_time(Calendar(tz=BERLIN, hours={}), jan(19, 9), H)
    # Only Mondays, all of them holidays for four years: the day loop gives up instead of spinning.
    mondays = frozenset(date(2026, 1, 19) + timedelta(weeks=n) for n in range(4 * 53))
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_time(Calendar(tz=BERLIN, hours={0: ((time(9), time(18)),)}, holidays=mondays), jan(19, 9), H)
    assert business_time_between(Calendar(tz=BERLIN, hours={}), jan(19, 9), jan(20, 9)) == timedelta(0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(OFFICE, datetime(2026, 1, 19, 9), H)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, jan(19, 9), -H)
    with pytest.raises(ValueError, match="positive"):
        Target(minutes=0, business_hours=True)
    timeline = Timeline(created_at=jan(19, 9), first_response_at=None, paused=((jan(19, 12), jan(19, 11)),))
    with pytest.raises(ValueError, match="before it starts"):
        compute_clock(RESOLUTION, timeline, business(60), OFFICE, jan(19, 13))
    with pytest.raises(ValueError, match="Unknown clock kind"):
        compute_clock("lunch", timeline, business(60), OFFICE, jan(19, 13))


def test_a_year_of_history_with_many_pauses_counts_every_pause():
    # 300 pauses over a year (the engine walks days and intervals, never minutes).
    created = datetime(2025, 1, 6, 9, tzinfo=BERLIN)
    pauses = tuple((created + timedelta(days=n, hours=1), created + timedelta(days=n, hours=3)) for n in range(300))
    timeline = Timeline(created_at=created, first_response_at=None, paused=pauses, done=((pauses[-1][1], None),))
    now = created + timedelta(days=400)
    business_clock = compute_clock(RESOLUTION, timeline, business(60 * 2000), OFFICE, now)
    calendar_clock = compute_clock(RESOLUTION, timeline, calendar_hours(60 * 2000), OFFICE, now)
    # Business hours: Mon 6 Jan to Fri 31 Oct 2025 is 215 working days of 9 hours less 2 pending ones.
    assert (business_clock.status, business_clock.elapsed) == ("met", 215 * 7 * H)
    # Calendar hours: resolved Sat 1 Nov 12:00, 299 days and 3 hours in, less 300 pauses of 2 hours.
    assert (calendar_clock.status, calendar_clock.elapsed) == ("breached", timedelta(days=299, hours=3) - 600 * H)


# --- 9: hypothesis properties ----------------------------------------------------------------------

# Zones with DST at 02:00 (Berlin, New York), at midnight (Santiago), by 30 minutes (Lord Howe), none.
TIMEZONES = ("UTC", "Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata")
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _wall_time(half_hours):
    return time.max if half_hours == 48 else time(half_hours // 2, 30 * (half_hours % 2))


@st.composite
def calendars(draw, zones=TIMEZONES):
    """Random non-overlapping opening hours on a half-hour grid, sometimes open until midnight."""
    hours = {}
    for weekday in range(7):
        points = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
        points = points[: len(points) // 2 * 2]
        hours[weekday] = tuple((_wall_time(a), _wall_time(b)) for a, b in zip(points[::2], points[1::2], strict=True))
    if not any(hours.values()):
        hours[draw(st.integers(0, 6))] = ((time(9), time(17)),)
    holidays = draw(st.frozensets(st.dates(date(2025, 12, 1), date(2027, 3, 1)), max_size=8))
    return Calendar(tz=ZoneInfo(draw(st.sampled_from(zones))), hours=hours, holidays=holidays)


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))
amounts = st.integers(0, 5 * 24 * 3600 * 10**6).map(lambda microseconds: timedelta(microseconds=microseconds))
targets = st.builds(Target, minutes=st.integers(1, 3000), business_hours=st.booleans())
minutes_after = st.integers(-600, 20 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))
durations = st.none() | st.integers(0, 3 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))


@st.composite
def intervals_after(draw, created):
    start = created + draw(minutes_after)
    duration = draw(durations)
    return start, None if duration is None else start + duration


@st.composite
def timelines(draw):
    created = draw(instants)
    reply = draw(st.none() | minutes_after.map(lambda offset: created + offset))
    paused = tuple(draw(st.lists(intervals_after(created), max_size=4)))
    done = tuple(draw(st.lists(intervals_after(created), max_size=3)))
    return Timeline(created_at=created, first_response_at=reply, paused=paused, done=done)


kinds = st.sampled_from((FIRST_RESPONSE, RESOLUTION))


@PROPERTY_SETTINGS
@given(calendars(), timelines(), kinds, st.integers(1, 3000), st.integers(0, 3000), st.booleans(), minutes_after)
def test_a_longer_target_never_gives_an_earlier_target_at(calendar, timeline, kind, minutes, extra, bh, age):
    now = timeline.created_at + age
    shorter = compute_clock(kind, timeline, Target(minutes, bh), calendar, now)
    longer = compute_clock(kind, timeline, Target(minutes + extra, bh), calendar, now)
    assert longer.target_at >= shorter.target_at


@PROPERTY_SETTINGS
@given(calendars(), timelines(), kinds, targets, minutes_after, st.data())
def test_adding_a_pause_never_moves_target_at_earlier(calendar, timeline, kind, target, age, data):
    now = timeline.created_at + age
    pause = data.draw(intervals_after(timeline.created_at))
    before = compute_clock(kind, timeline, target, calendar, now)
    more_paused = Timeline(timeline.created_at, timeline.first_response_at, (*timeline.paused, pause), timeline.done)
    after = compute_clock(kind, more_paused, target, calendar, now)
    assert after.target_at >= before.target_at
    assert after.elapsed <= before.elapsed


@PROPERTY_SETTINGS
@given(calendars(), instants, amounts)
def test_adding_business_time_and_measuring_it_are_inverse(calendar, start, amount):
    due = add_business_time(calendar, start, amount)
    assert due.tzinfo is UTC
    assert business_time_between(calendar, start, due) == amount
    # The other way round lands at or before the end (the end may be in closed time).
    assert add_business_time(calendar, start, business_time_between(calendar, start, due + H)) <= due + H


@PROPERTY_SETTINGS
@given(calendars(), timelines(), targets, targets, minutes_after, st.floats(0, 1))
def test_statuses_are_known_and_the_next_change_is_in_the_future(calendar, timeline, fr, res, age, share):
    now = timeline.created_at + age
    clocks = compute_clocks(
        timeline, first_response=fr, resolution=res, calendar=calendar, now=now, at_risk_share=share
    )
    assert set(clocks) == {FIRST_RESPONSE, RESOLUTION}
    for clock in clocks.values():
        assert clock.status in STATUSES
        assert clock.target_at.tzinfo is UTC
        assert timedelta(0) <= clock.elapsed <= max(now - timeline.created_at, timedelta(0))
        if clock.next_change_at is not None:
            assert clock.next_change_at > now
            assert clock.status in ("on_track", "at_risk")


@PROPERTY_SETTINGS
@given(calendars(), timelines(), kinds, targets, minutes_after, st.integers(0, 5 * 24 * 60))
def test_elapsed_never_goes_down_as_time_passes(calendar, timeline, kind, target, age, later):
    now = timeline.created_at + age
    earlier_clock = compute_clock(kind, timeline, target, calendar, now)
    later_clock = compute_clock(kind, timeline, target, calendar, now + timedelta(minutes=later))
    assert later_clock.elapsed >= earlier_clock.elapsed


@PROPERTY_SETTINGS
@given(st.sampled_from(TIMEZONES), instants, amounts)
def test_a_local_calendar_open_all_day_agrees_with_always_open(zone, start, amount):
    # Day-by-day local arithmetic through every DST switch must add up to plain UTC arithmetic.
    all_day = Calendar(tz=ZoneInfo(zone), hours={weekday: ((time(0), time.max),) for weekday in range(7)})
    assert add_business_time(all_day, start, amount) == add_business_time(ALWAYS_OPEN, start, amount) == start + amount
    assert business_time_between(all_day, start, start + amount) == amount


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    calendars(zones=("UTC", "Asia/Kolkata", "Asia/Tokyo")),
    instants.map(lambda instant: instant.replace(minute=instant.minute // 15 * 15, second=0, microsecond=0)),
    st.integers(0, 4 * 24 * 4),
)
def test_business_time_between_matches_checking_every_quarter_hour(calendar, start, quarters):
    # A slow, obviously right oracle, in zones without DST: is each quarter hour inside an interval?
    def is_open(instant):
        local = instant.astimezone(calendar.tz)
        if local.date() in calendar.holidays:
            return False
        wall = local.time().replace(tzinfo=None)
        return any(
            opens <= wall and (closes == time.max or wall < closes)
            for opens, closes in calendar.hours.get(local.weekday(), ())
        )

    quarter = timedelta(minutes=15)
    expected = sum((quarter for n in range(quarters) if is_open(start + n * quarter)), timedelta(0))
    assert business_time_between(calendar, start, start + quarters * quarter) == expected


@PROPERTY_SETTINGS
@given(calendars(), st.lists(timelines(), min_size=1, max_size=4), targets, targets, minutes_after)
def test_clocks_from_the_calendars_running_totals_equal_walking_it_day_by_day(calendar, many, fr, res, age):
    # The engine answers from a table of the calendar's open time (built once, widened on demand);
    # walking the calendar interval by interval is the plain reading of the rules. Several timelines
    # per calendar, so later ones are answered from a table that earlier ones built or widened.
    for timeline in many:
        now = timeline.created_at + age
        fast = compute_clocks(timeline, first_response=fr, resolution=res, calendar=calendar, now=now)
        with patch("sla.engine._table_for", return_value=None), patch("sla.engine._reach_by_table", return_value=None):
            walked = compute_clocks(timeline, first_response=fr, resolution=res, calendar=calendar, now=now)
        assert fast == walked
