"""The satisfaction report: CSAT %, average five-star rating and NPS per agent, per group and per
month, each grouping one aggregate query, whatever the number of ratings.

How answers count (the main question of each survey):
- CSAT % = positive answers / all answers to customer satisfaction surveys x 100. A rating above 0 is
  positive, below 0 negative; 0 ("neither satisfied nor dissatisfied") counts as its survey's
  neutral type says: positive, negative, or neutral (then it is in the total but not positive).
- Five-star: the average of the stars (1 to 5).
- NPS = % promoters (9 or 10) - % detractors (0 to 6), from -100 to 100; 7 and 8 are passives.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django import forms
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import User

from .models import NeutralType, SurveyType
from .selectors import answered_invitations

CSAT = Q(survey__survey_type=SurveyType.CSAT)
FIVE = Q(survey__survey_type=SurveyType.FIVE_STAR)
NPS = Q(survey__survey_type=SurveyType.NPS)
CSAT_POSITIVE = CSAT & (Q(rating__gt=0) | Q(rating=0, survey__cs_neutral_type=NeutralType.POSITIVE))
CSAT_NEGATIVE = CSAT & (Q(rating__lt=0) | Q(rating=0, survey__cs_neutral_type=NeutralType.NEGATIVE))

AGGREGATES = {
    "responses": Count("id"),
    "csat_total": Count("id", filter=CSAT),
    "csat_positive": Count("id", filter=CSAT_POSITIVE),
    "csat_negative": Count("id", filter=CSAT_NEGATIVE),
    "stars_total": Count("id", filter=FIVE),
    "stars_avg": Avg("rating", filter=FIVE),
    "nps_total": Count("id", filter=NPS),
    "promoters": Count("id", filter=NPS & Q(rating__gte=9)),
    "detractors": Count("id", filter=NPS & Q(rating__lte=6)),
}


def csat_percent(positive: int, total: int) -> float | None:
    return round(100 * positive / total, 1) if total else None


def nps_score(promoters: int, detractors: int, total: int) -> int | None:
    return round(100 * (promoters - detractors) / total) if total else None


@dataclass
class Row:
    label: str
    responses: int
    csat_total: int
    csat_positive: int
    csat_negative: int
    stars_total: int
    stars_avg: float | None
    nps_total: int
    promoters: int
    detractors: int

    @classmethod
    def of(cls, label: str, values: dict) -> "Row":
        return cls(
            label=label, **{name: values.get(name) or 0 for name in AGGREGATES} | {"stars_avg": values.get("stars_avg")}
        )

    @property
    def csat(self) -> float | None:
        return csat_percent(self.csat_positive, self.csat_total)

    @property
    def stars(self) -> float | None:
        return round(float(self.stars_avg), 2) if self.stars_avg is not None else None

    @property
    def nps(self) -> int | None:
        return nps_score(self.promoters, self.detractors, self.nps_total)


def satisfaction_report(*, user: User, since: datetime | None = None, until: datetime | None = None) -> dict:
    """Four queries: the totals, then per agent, per group and per month (by the answer's UTC month)."""
    qs = answered_invitations(user)
    if since is not None:
        qs = qs.filter(rated_at__gte=since)
    if until is not None:
        qs = qs.filter(rated_at__lt=until)
    qs = qs.order_by()
    totals = Row.of("All", qs.aggregate(**AGGREGATES))
    agents = [
        Row.of(v["agent__name"] or v["agent__email"] or "No agent", v)
        for v in qs.values("agent_id", "agent__name", "agent__email").annotate(**AGGREGATES)
    ]
    groups = [
        Row.of(v["group__name"] or "No group", v) for v in qs.values("group_id", "group__name").annotate(**AGGREGATES)
    ]
    months = [
        Row.of(f"{v['month']:%Y-%m}", v)
        for v in qs.annotate(month=TruncMonth("rated_at", tzinfo=UTC))
        .values("month")
        .annotate(**AGGREGATES)
        .order_by("month")
    ]
    by_name = lambda row: (row.label.startswith("No "), row.label.lower())  # noqa: E731
    return {
        "totals": totals,
        "agents": sorted(agents, key=by_name),
        "groups": sorted(groups, key=by_name),
        "months": months,
    }


class DateInput(forms.DateInput):
    input_type = "date"


class ReportForm(forms.Form):
    since = forms.DateField(label="From", required=False, widget=DateInput)
    until = forms.DateField(label="To", required=False, widget=DateInput)

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The answers' UTC dates, both days included; by default the last twelve months."""
        if not self.is_bound:
            today = timezone.now().astimezone(UTC).date()
            start = today.replace(day=1) - timedelta(days=335)
            return datetime.combine(start.replace(day=1), time.min, UTC), None
        if not self.is_valid():
            return None, None
        since, until = self.cleaned_data["since"], self.cleaned_data["until"]
        return (
            datetime.combine(since, time.min, UTC) if since else None,
            datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None,
        )
