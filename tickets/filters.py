"""The request list filters, shared by the API and the agent queue. Names follow the /v1 API."""

import copy
from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import Group, User
from sla.models import ClockStatus

from . import search
from .models import Priority, Request, Status

# ?ordering= values: the API's names for the orders the list indexes support.
ORDERINGS = {
    "-createdAt": ("-created_at", "-id"),
    "createdAt": ("created_at", "id"),
    # seen_updated_at: the updatedAt the viewer is shown (tickets.selectors.visible_requests).
    "-updatedAt": ("-seen_updated_at", "-id"),
    "updatedAt": ("seen_updated_at", "id"),
    # Nearest running SLA target first; requests with no running clock last (in both directions).
    "sla": (F("sla_due_at").asc(nulls_last=True), "-created_at", "-id"),
    "-sla": (F("sla_due_at").desc(nulls_last=True), "created_at", "id"),
}
DEFAULT_ORDERING = "-createdAt"
# With updatedSince and no ordering: what changed, oldest change first, so a sync resumes where it stopped.
UPDATED_SINCE_ORDERING = "updatedAt"

# The keyset of each ordering, for cursor pagination: (field, descending, may be null) in order; the
# last key is unique. Nulls sort last in both directions, as in ORDERINGS.
ORDERING_KEYS = {
    "-createdAt": (("created_at", True, False), ("id", True, False)),
    "createdAt": (("created_at", False, False), ("id", False, False)),
    "-updatedAt": (("seen_updated_at", True, False), ("id", True, False)),
    "updatedAt": (("seen_updated_at", False, False), ("id", False, False)),
    "sla": (("sla_due_at", False, True), ("created_at", True, False), ("id", True, False)),
    "-sla": (("sla_due_at", True, True), ("created_at", False, False), ("id", False, False)),
}


def ordering_name(filters: dict) -> str:
    """The ordering a list call uses: the one asked for, else updatedAt after updatedSince, else newest first."""
    if filters.get("ordering"):
        return filters["ordering"]
    return UPDATED_SINCE_ORDERING if filters.get("updatedSince") else DEFAULT_ORDERING


# Each ordering is served by an index in the same order (nulls last included; migrations 0006-0008),
# so a page reads `limit` index entries instead of sorting every match.


# The widest offsets in use are -12:00 and +14:00; like java.time, accept up to 18 hours and refuse the
# rest (PostgreSQL itself refuses offsets past 15:59, which would otherwise surface as a 500).
MAX_UTC_OFFSET = timedelta(hours=18)


class DateOrDateTimeField(forms.Field):
    """ISO 8601 date or date-time; a date means its midnight UTC, a naive time is read as UTC.
    The value is returned in UTC, so every database compares the same instant."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date or date-time, such as 2024-01-15T10:30:00Z.",
        "offset": "The UTC offset must be between -18:00 and +18:00.",
        "range": "The date is outside the supported range (years 1 to 9999 in UTC).",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().replace(" ", "+")  # an unescaped "+" in a query string arrives as a space
        try:
            parsed = parse_datetime(text)
            if parsed is None:
                day = parse_date(text)
                parsed = datetime.combine(day, time.min) if day else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            return timezone.make_aware(parsed, UTC)
        if abs(parsed.utcoffset()) > MAX_UTC_OFFSET:
            raise forms.ValidationError(self.error_messages["offset"], code="offset")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59:59-12:00 is in year 10000 in UTC
            raise forms.ValidationError(self.error_messages["range"], code="range") from None


class DateOrDateTimeFilter(django_filters.Filter):
    field_class = DateOrDateTimeField


class RequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    # Public ids are resolved to keys first (one indexed lookup): a join on the public id made the
    # planner expect a handful of rows and sort tens of thousands.
    assignedTo = django_filters.CharFilter(method="by_assignee", max_length=64)
    groupId = django_filters.CharFilter(method="by_group", max_length=64)
    createdAfter = DateOrDateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateOrDateTimeFilter(field_name="created_at", lookup_expr="lt")
    # seen_updated_at: the updatedAt the viewer is shown (requesters: the last change they can see).
    updatedSince = DateOrDateTimeFilter(field_name="seen_updated_at", lookup_expr="gte")
    slaStatus = django_filters.ChoiceFilter(field_name="sla_status", choices=ClockStatus.choices)
    ordering = django_filters.ChoiceFilter(
        choices=[(name, name) for name in ORDERINGS], method="order", empty_label=None
    )

    class Meta:
        model = Request
        fields: list[str] = []

    _form_class = None

    def get_form_class(self):
        # Its fields are the same on every call (QueueFilter's choices are not): build the form class
        # once per process, not on every list call, and let its forms share the fields (_Shared).
        cls = type(self)
        if cls.__dict__.get("_form_class") is None:
            form_class = super().get_form_class()
            form_class.base_fields = _SharedFields(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class

    def order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])

    def by_assignee(self, queryset, name, value):
        return _by_key(queryset, "assigned_to_id", User.objects.filter(public_id=value))

    def by_group(self, queryset, name, value):
        return _by_key(queryset, "assigned_group_id", Group.objects.filter(public_id=value))


class _SharedFields(dict):
    """The fields of RequestFilter's form: validating reads them and never changes them, so each form
    shares them instead of deep-copying them (django-filter and Django forms deep-copy every filter
    and field for every call: a sixth of a list call's CPU)."""

    def __deepcopy__(self, memo):
        return dict(self)


class _ShallowFilters(dict):
    """RequestFilter's filters: each FilterSet gets its own shallow copies (their settings are never
    changed per call), with a method filter re-pointed at its copy, whose parent is that FilterSet."""

    def __deepcopy__(self, memo):
        copies = {}
        for name, base in self.items():
            copies[name] = copy.copy(base)
            if base.method is not None:
                copies[name].method = base.method  # a FilterMethod of the copy, not of the base
        return copies


RequestFilter.base_filters = _ShallowFilters(RequestFilter.base_filters)


def _by_key(queryset, column: str, owner):
    pk = owner.values_list("pk", flat=True).first()
    # An unknown id matches nothing (not an error), as it did when the filter joined on the id.
    return queryset.filter(**{column: pk}) if pk is not None else queryset.none()


# --- the agent queue --------------------------------------------------------------------------------

_PRIORITY_RANK = Case(
    *[When(priority=p, then=Value(i)) for i, p in enumerate(Priority.values)], output_field=IntegerField()
)
_STATUS_RANK = Case(*[When(status=s, then=Value(i)) for i, s in enumerate(Status.values)], output_field=IntegerField())

# ?sort= values of the queue: every column, both directions; the id breaks ties so pages never overlap.
QUEUE_SORTS = {
    "sla": (F("sla_due_at").asc(nulls_last=True), "-created_at", "-id"),
    "number": ("id",),
    "title": (Lower("title"), "-id"),
    "requester": (Lower("requester__name"), "requester__email", "-id"),
    "status": (_STATUS_RANK, "-id"),
    "priority": (_PRIORITY_RANK, "-id"),
    "group": (F("assigned_group__name").asc(nulls_last=True), "-id"),
    "assignee": (F("assigned_to__name").asc(nulls_last=True), "-id"),
    "updated": ("updated_at", "id"),
    "created": ("created_at", "id"),
}


def _reverse(order):
    if isinstance(order, str):
        return order[1:] if order.startswith("-") else f"-{order}"
    if isinstance(order, OrderBy):
        return OrderBy(order.expression, descending=not order.descending, nulls_last=True)
    return order.desc()


QUEUE_ORDERINGS = {
    **QUEUE_SORTS,
    **{f"-{name}": tuple(_reverse(o) for o in orders) for name, orders in QUEUE_SORTS.items()},
}
QUEUE_SORT_LABELS = {
    "sla": "SLA due",
    "number": "Number",
    "title": "Title",
    "requester": "Requester",
    "status": "Status",
    "priority": "Priority",
    "group": "Group",
    "assignee": "Assignee",
    "updated": "Updated",
    "created": "Created",
}


class DateFilterInput(forms.DateInput):
    input_type = "date"


class InFilter(django_filters.MultipleChoiceFilter):
    """Several values of one column as `column IN (...)`: django-filter's OR of equalities made
    PostgreSQL OR bitmaps together instead of reading one index range per value."""

    def filter(self, qs, value):
        if not value or self.is_noop(qs, value):
            return qs
        return qs.filter(**{f"{self.field_name}__in": list(value)})


class QueueFilter(django_filters.FilterSet):
    """The agent queue's filters and sort, read from the URL so every state is a bookmarkable link.
    Built on the same visible_requests() as the API list: nobody sees more here than there."""

    q = django_filters.CharFilter(method="search", label="Search", max_length=200)
    # distinct=False: plain columns cannot repeat a row, and DISTINCT would stop every index serving the order.
    status = InFilter(choices=Status.choices, distinct=False)
    priority = InFilter(choices=Priority.choices, distinct=False)
    assignee = django_filters.ChoiceFilter(method="by_assignee", empty_label="Anyone")
    group = django_filters.ChoiceFilter(method="by_group", empty_label="Any group")
    sla = InFilter(field_name="sla_status", choices=ClockStatus.choices, label="SLA", distinct=False)
    category = django_filters.ChoiceFilter(field_name="category__name", empty_label="Any category")
    tag = django_filters.CharFilter(field_name="tags__name", label="Tag", max_length=50)
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Created from", widget=DateFilterInput
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="Created to", widget=DateFilterInput
    )
    sort = django_filters.ChoiceFilter(
        choices=[(k, k) for k in QUEUE_ORDERINGS], method="order", empty_label=None, label="Sort"
    )

    class Meta:
        model = Request
        fields: list[str] = []

    def __init__(self, data=None, *args, user, agents=(), groups=(), categories=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user
        # The pickers' choices already hold every agent and group: their keys cost no query.
        self.agent_pks = {a.public_id: a.pk for a in agents}
        self.group_pks = {g.public_id: g.pk for g in groups}
        self.filters["assignee"].extra["choices"] = [("me", "Me"), ("none", "Unassigned")] + [
            (a.public_id, a.get_full_name()) for a in agents
        ]
        self.filters["group"].extra["choices"] = [("mine", "My groups"), ("none", "No group")] + [
            (g.public_id, g.name) for g in groups
        ]
        self.filters["category"].extra["choices"] = [(c.name, str(c)) for c in categories]

    def search(self, queryset, name, value):
        return search.matching(queryset, value) if value.strip() else queryset

    def by_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assigned_to=self.user)
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset.filter(assigned_to_id=self.agent_pks[value])

    def by_group(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(assigned_group__in=self.user.agent_groups.all())
        if value == "none":
            return queryset.filter(assigned_group__isnull=True)
        return queryset.filter(assigned_group_id=self.group_pks[value])

    def order(self, queryset, name, value):
        return queryset.order_by(*QUEUE_ORDERINGS[value])
