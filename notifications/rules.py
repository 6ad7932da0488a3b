"""Who hears about what: recorded events in, (rule, recipient) pairs out.

Pure of the ORM once the people are loaded: `intents(events)` says which rules an event fires and
for which audience; `recipients(...)` turns an audience into users with the rules of point 2 of the
design: nobody hears of their own action (except the requester's acknowledgement, which is the
receipt of their own request), requesters hear only of public things, a deactivated user gets
nothing, and an agent's own switches are honoured.
"""

from dataclasses import dataclass, field

from accounts.models import Role, User
from tickets import workflow
from tickets.models import EventKind, Request, RequestEvent

from .models import AGENT_CHOICES, SURVEY_INVITATION, Rule

# Audiences: who a rule speaks to, resolved against the request when the people are loaded.
REQUESTER = "requester"
ASSIGNEE = "assignee"
ASSIGNEE_ELSE_GROUP = "assignee_else_group"  # the assignee, else the group's agents, else all agents
GROUP_ELSE_ALL = "group_else_all"  # the group's agents, else all agents
AGENT_ROLES = (Role.AGENT, Role.ADMIN)


@dataclass(frozen=True)
class Intent:
    rule: str
    event: RequestEvent
    audience: str
    exclude_actor: bool = True
    skip: frozenset = field(default_factory=frozenset)  # user ids told by another rule of the same event
    survey: str = ""  # the survey invitation (svi_…) this email asks about


def survey_intent(event: RequestEvent) -> Intent | None:
    """The survey invitation the surveys app recorded for this event (its reaction runs first and
    leaves it on the event): an email to the requester, also when they made the change themselves
    (they are asked, not told). One email per event: when the requester also gets the "resolved"
    email of the same event, the outbox puts the survey in that one instead (outbox.deliveries_for)."""
    invitation = getattr(event, "survey_invitation", None)
    if invitation is None:
        return None
    return Intent(SURVEY_INVITATION, event, REQUESTER, exclude_actor=False, survey=invitation.public_id)


def intents(events, requests: dict[int, Request]) -> list[Intent]:
    """The email rules these events fire, before anyone is looked up."""
    found: list[Intent] = []
    for event in events:
        request = requests[event.request_id]
        if event.kind == EventKind.CREATED:
            found.append(Intent(Rule.REQUEST_CREATED_REQUESTER, event, REQUESTER, exclude_actor=False))
            if request.assigned_to_id:
                found.append(Intent(Rule.ASSIGNED, event, ASSIGNEE))
            found.append(
                Intent(Rule.REQUEST_CREATED_AGENTS, event, GROUP_ELSE_ALL, skip=frozenset({request.assigned_to_id}))
            )
        elif event.kind == EventKind.COMMENTED and not event.is_internal:
            if event.actor_id == request.requester_id:
                found.append(Intent(Rule.REQUESTER_REPLY, event, ASSIGNEE_ELSE_GROUP))
            else:
                found.append(Intent(Rule.PUBLIC_REPLY, event, REQUESTER))
        elif event.kind == EventKind.CHANGED and event.field == "assigned_to" and event.new_value:
            found.append(Intent(Rule.ASSIGNED, event, ASSIGNEE))
        elif event.kind == EventKind.CHANGED and event.field == "status" and event.new_value in workflow.DONE:
            if event.new_value == "resolved" or event.old_value not in workflow.DONE:
                found.append(Intent(Rule.RESOLVED, event, REQUESTER))
            if (survey := survey_intent(event)) is not None:
                found.append(survey)
        elif event.kind == EventKind.SLA and event.new_value in ("at_risk", "breached"):
            rule = Rule.SLA_AT_RISK if event.new_value == "at_risk" else Rule.SLA_BREACHED
            found.append(Intent(rule, event, ASSIGNEE_ELSE_GROUP))
    return found


@dataclass
class People:
    """The users one batch needs, loaded in one query (see outbox._load_people)."""

    by_id: dict[int, User]
    members: dict[int, list[User]]  # group id -> its active agents
    all_agents: list[User]


def audience_ids(intent: Intent, request: Request) -> tuple[set[int], set[int], bool]:
    """(user ids, group ids, all agents?) an intent needs loaded."""
    if intent.audience == REQUESTER:
        return {request.requester_id}, set(), False
    if intent.audience == ASSIGNEE:
        return ({request.assigned_to_id} if request.assigned_to_id else set()), set(), False
    if intent.audience == ASSIGNEE_ELSE_GROUP and request.assigned_to_id:
        return {request.assigned_to_id}, set(), False
    if request.assigned_group_id:
        return set(), {request.assigned_group_id}, False
    return set(), set(), True


def recipients(intent: Intent, request: Request, people: People) -> list[User]:
    ids, groups, everyone = audience_ids(intent, request)
    candidates = [people.by_id[i] for i in ids if i in people.by_id]
    for group_id in groups:
        candidates += people.members.get(group_id, [])
    if everyone:
        candidates += people.all_agents
    chosen, seen = [], set()
    for user in candidates:
        if user.pk in seen or user.pk in intent.skip:
            continue
        seen.add(user.pk)
        if may_receive(intent, request, user):
            chosen.append(user)
    return chosen


def may_receive(intent: Intent, request: Request, user: User) -> bool:
    if not user.is_active:
        return False
    if intent.exclude_actor and user.pk == intent.event.actor_id:
        return False
    if intent.audience != REQUESTER and not user.is_agent:
        return False  # agents' notices (group mail, SLA, assignments) never reach a requester
    if intent.event.is_internal and not user.is_agent:
        return False
    if intent.rule in AGENT_CHOICES and user.is_agent:
        prefs = getattr(user, "notify_prefs", None)  # loaded with the user (outbox._load_people)
        if prefs is not None and not prefs.wants(intent.rule):
            return False
    return True
