"""Writing the outbox: tickets.reactions hands each batch of recorded events here, inside the change's
transaction. The rows are written now (a rolled-back change leaves none) and handed to a worker
after commit; if the broker is down they simply wait for the sweep.

Cost per write: the enabled rules and active endpoints come from a per-process cache (refreshed
every NOTIFY_CONFIG_SECONDS, and at once in the process that changed them), so a write that
notifies pays one query for the people and one INSERT for all its rows; one that notifies nobody
pays nothing.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import User
from helpdesk.broker import send_after_commit
from tickets.models import Comment, EventKind, Request, RequestEvent

from . import payloads, rules
from .models import (
    SURVEY_INVITATION,
    Channel,
    Delivery,
    NotificationPreference,
    NotificationRule,
    Rule,
    WebhookEndpoint,
    WebhookEvent,
)

log = logging.getLogger(__name__)

_config: dict = {"at": None}
_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def muted():
    """Changes made inside notify nobody: for loading demo or seed data, whose history is not news."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def config_changed(**kwargs) -> None:
    """Signal receiver (apps.py): a rule or an endpoint changed; read them again on next use."""
    _config["at"] = None


def _current_config() -> tuple[set[str], list[tuple[int, frozenset]]]:
    now = time.monotonic()
    if _config["at"] is None or now - _config["at"] > settings.NOTIFY_CONFIG_SECONDS:
        disabled = set(NotificationRule.objects.filter(enabled=False).values_list("rule", flat=True))
        endpoints = [
            (pk, frozenset(events or ()))
            for pk, events in WebhookEndpoint.objects.filter(active=True).values_list("pk", "events")
        ]
        _config.update(at=now, enabled={r for r in Rule.values if r not in disabled}, endpoints=endpoints)
    return _config["enabled"], _config["endpoints"]


def _webhook_types(events, requests) -> list[tuple[str, RequestEvent, dict]]:
    """(event type, first event, extra data) per webhook message of this batch: one request.updated
    per request carrying every field it changed, one message for each other event."""
    found, changes = [], {}
    for event in events:
        if event.kind == EventKind.CREATED:
            found.append((WebhookEvent.REQUEST_CREATED, event, {}))
        elif event.kind == EventKind.DELETED:
            found.append((WebhookEvent.REQUEST_DELETED, event, {}))
        elif event.kind == EventKind.COMMENTED:
            found.append((WebhookEvent.COMMENT_CREATED, event, {"comment_id": event.new_value}))
        elif event.kind == EventKind.CHANGED:
            if event.request_id not in changes:
                changes[event.request_id] = {}
                found.append((WebhookEvent.REQUEST_UPDATED, event, {"changes": changes[event.request_id]}))
            changes[event.request_id][payloads.api_field(event.field)] = {
                "from": event.old_value or None,
                "to": event.new_value or None,
            }
        elif event.kind == EventKind.SLA and event.new_value in ("at_risk", "breached"):
            kind = WebhookEvent.SLA_AT_RISK if event.new_value == "at_risk" else WebhookEvent.SLA_BREACHED
            found.append((kind, event, {"clock": payloads.api_field(event.field)}))
    return found


def _requests_of(events) -> dict[int, Request]:
    requests, missing = {}, set()
    for event in events:
        if RequestEvent.request.is_cached(event):
            requests[event.request_id] = event.request
        else:
            missing.add(event.request_id)
    if missing - set(requests):
        requests.update(Request.all_objects.in_bulk(missing - set(requests)))
    return requests


_q = connection.ops.quote_name
_USER_FIELDS = ("id", "public_id", "email", "name", "role", "is_active")
_PREF_FIELDS = ("request_created_agents", "requester_reply", "assigned", "sla_at_risk", "sla_breached")
# The people of a batch, their groups and their switches in one statement. Written out rather than
# built by the ORM because it runs inside every notifying write: on the benchmark machine the ORM's
# version of this very statement took ~4 ms against ~0.4 ms for the text (scripts/bench_notifications.py).
_PEOPLE_SQL = (
    "SELECT {user_columns}, m.group_id, p.id, {pref_columns} FROM {users} u "  # noqa: S608 (our own names)
    "LEFT OUTER JOIN {members} m ON m.user_id = u.id "
    "LEFT OUTER JOIN {prefs} p ON p.user_id = u.id "
    "WHERE u.is_active AND ({condition}) ORDER BY u.id"
)


def _people_sql(user_ids, group_ids, everyone) -> tuple[str, list]:
    conditions, params = [], []

    def among(column: str, values) -> str:
        params.extend(values)
        return f"{column} IN ({', '.join(['%s'] * len(values))})"

    if user_ids:
        conditions.append(among("u.id", sorted(user_ids)))
    if group_ids:
        conditions.append(f"({among('u.role', rules.AGENT_ROLES)} AND {among('m.group_id', sorted(group_ids))})")
    if everyone:
        conditions.append(among("u.role", rules.AGENT_ROLES))
    sql = _PEOPLE_SQL.format(
        user_columns=", ".join(f"u.{_q(f)}" for f in _USER_FIELDS),
        pref_columns=", ".join(f"p.{_q(f)}" for f in _PREF_FIELDS),
        users=_q(User._meta.db_table),
        members=_q(User.agent_groups.through._meta.db_table),
        prefs=_q(NotificationPreference._meta.db_table),
        condition=" OR ".join(conditions) or "FALSE",
    )
    return sql, params


def _load_people(user_ids: set[int], group_ids: set[int], everyone: bool) -> rules.People:
    """Every user the batch needs, with their preferences and group memberships, in one query."""
    sql, params = _people_sql(user_ids, group_ids, everyone)
    people = rules.People(by_id={}, members={}, all_agents=[])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(_USER_FIELDS)
    for row in rows:
        user = people.by_id.get(row[0])
        if user is None:
            user = User.from_db(connection.alias, _USER_FIELDS, row[:width])
            prefs_id = row[width + 1]
            user.notify_prefs = (
                NotificationPreference(
                    id=prefs_id, user_id=user.pk, **dict(zip(_PREF_FIELDS, row[width + 2 :], strict=True))
                )
                if prefs_id is not None
                else None
            )
            people.by_id[user.pk] = user
        group_id = row[width]
        if group_id in group_ids and user not in people.members.setdefault(group_id, []):
            people.members[group_id].append(user)
    if everyone:
        people.all_agents = [u for u in people.by_id.values() if u.role in rules.AGENT_ROLES]
    return people


def deliveries_for(events) -> list[Delivery]:
    """The outbox rows a batch of recorded events calls for (unsaved)."""
    enabled, endpoints = _current_config()
    requests = _requests_of(events)
    intents = [i for i in rules.intents(events, requests) if i.rule in enabled or i.rule == SURVEY_INVITATION]
    hooks = _webhook_types(events, requests) if endpoints else []
    hooks = [(kind, event, extra, [pk for pk, wanted in endpoints if kind in wanted]) for kind, event, extra in hooks]
    hooks = [hook for hook in hooks if hook[3]]
    if not intents and not hooks:
        return []

    user_ids, group_ids, everyone = set(), set(), False
    for intent in intents:
        ids, groups, all_agents = rules.audience_ids(intent, requests[intent.event.request_id])
        user_ids |= ids
        group_ids |= groups
        everyone |= all_agents
    for _, event, _, _ in hooks:  # the webhook body names the requester and the assignee
        request = requests[event.request_id]
        user_ids |= {request.requester_id, request.assigned_to_id} - {None}
    people = _load_people(user_ids, group_ids, everyone)

    now = timezone.now()
    first_try = now + timedelta(seconds=settings.NOTIFY_FIRST_TRY_GRACE_SECONDS)
    rows, told = [], {}
    for intent in intents:
        request = requests[intent.event.request_id]
        for user in rules.recipients(intent, request, people):
            if intent.rule == SURVEY_INVITATION:
                resolved = told.get((intent.event.pk, Rule.RESOLVED, user.pk))
                if resolved is not None:  # one email per event: the "resolved" email asks the survey
                    resolved.payload["survey"] = intent.survey
                    continue
                key = f"survey-{intent.survey}"  # one email per invitation, whatever event carried it
            else:
                key = f"e{intent.event.pk}-{intent.rule}-u{user.pk}"
            row = Delivery(
                idempotency_key=key,
                channel=Channel.EMAIL,
                event=intent.rule,
                request=request,
                recipient=user,
                payload=_email_context(intent),
                due_at=first_try,
                created_at=now,
            )
            told[(intent.event.pk, intent.rule, user.pk)] = row
            rows.append(row)
    for kind, event, extra, endpoint_ids in hooks:
        request = requests[event.request_id]
        body = payloads.webhook_body(kind, event, request, people.by_id, extra, now=now)
        for endpoint_id in endpoint_ids:
            rows.append(
                Delivery(
                    idempotency_key=f"e{event.pk}-{kind.replace('.', '_')}-w{endpoint_id}",
                    channel=Channel.WEBHOOK,
                    event=kind,
                    request=request,
                    endpoint_id=endpoint_id,
                    payload=body,
                    due_at=first_try,
                    created_at=now,
                )
            )
    return rows


def _email_context(intent: rules.Intent) -> dict:
    event = intent.event
    context = {"event_id": event.pk}
    if intent.survey:
        context["survey"] = intent.survey
    if event.kind == EventKind.COMMENTED:
        context["comment_id"] = event.new_value
    if event.kind == EventKind.SLA:
        context["clock"] = event.field
    return context


def events_recorded(events) -> None:
    """The reaction tickets.reactions calls: outbox rows now, a worker after commit."""
    if _muted.get():
        return
    rows = deliveries_for(events)
    if rows:
        enqueue(_insert(rows))


_INSERT_FIELDS = [
    f for f in Delivery._meta.concrete_fields if not f.primary_key
]  # every column but the id, which the INSERT returns


def _insert(rows: list[Delivery]) -> list[Delivery]:
    """One INSERT … RETURNING id for the batch's rows. Written out for the same reason as the people
    query: Django's bulk_create() cost ~2 ms for six rows on the benchmark machine, the statement ~0.5."""
    values, params = [], []
    for row in rows:
        values.append(f"({', '.join(['%s'] * len(_INSERT_FIELDS))})")
        params.extend(f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in _INSERT_FIELDS)
    columns = ", ".join(_q(f.column) for f in _INSERT_FIELDS)
    sql = f"INSERT INTO {_q(Delivery._meta.db_table)} ({columns}) VALUES {', '.join(values)} RETURNING {_q('id')}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [found[0] for found in cursor.fetchall()]
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
    return rows


def webhook_event(kind: str, *, request: Request, data: dict, key: str, now=None) -> list[Delivery]:
    """An event that is no RequestEvent (survey.rated, from the surveys app) for the endpoints that
    asked for it: call it inside the change's transaction, like events_recorded. key names the event
    once (e.g. the rating's id), so calling twice writes nothing twice."""
    if _muted.get():
        return []
    _, endpoints = _current_config()
    wanted = [pk for pk, events in endpoints if kind in events]
    if not wanted:
        return []
    now = now or timezone.now()
    body = {
        "type": kind,
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": {"request": payloads.request_data(request, {}), **data},
    }
    first_try = now + timedelta(seconds=settings.NOTIFY_FIRST_TRY_GRACE_SECONDS)
    keys = [f"{key}-{kind.replace('.', '_')}-w{pk}" for pk in wanted]
    done = set(Delivery.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    rows = Delivery.objects.bulk_create(
        Delivery(
            idempotency_key=k,
            channel=Channel.WEBHOOK,
            event=kind,
            request=request,
            endpoint_id=pk,
            payload=body,
            due_at=first_try,
            created_at=now,
        )
        for pk, k in zip(wanted, keys, strict=True)
        if k not in done
    )
    if rows:
        enqueue(rows)
    return rows


def enqueue(rows: list[Delivery]) -> None:
    """Hands written rows to a worker once the transaction commits; without a broker they wait for
    the sweep (beat), so nothing is lost."""
    from .tasks import deliver

    ids = [row.pk for row in rows]
    send_after_commit(deliver, ids, fallback=lambda: log.warning("Broker unavailable; %d deliveries wait", len(ids)))


def comment_of(context: dict) -> Comment | None:
    comment_id = context.get("comment_id")
    return Comment.objects.select_related("author").filter(public_id=comment_id).first() if comment_id else None
