"""Closed is final: the status moves, edits, comments and files each role may make, as tables.

The tables are written out by hand (not derived from tickets.workflow), so a change to the rules
shows up here as a changed row.
"""

import pytest

from helpdesk.errors import PermissionDenied, ValidationFailed
from tests.envelope import assert_names_field, data_of, error_of
from tests.factories import CategoryFactory, CommentFactory, GroupFactory, RequestFactory, upload
from tickets import workflow
from tickets.models import EventKind, Request, RequestEvent, Status
from tickets.services import attachment_add, comment_add, request_update

pytestmark = pytest.mark.django_db

ORDER = [Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED]
OK = "ok"  # the request ends in the status asked for (or stays, when it already is)

# role -> from-status -> outcome of a move to each status in ORDER: OK, the status it ends in when
# that differs from the one asked for, or the HTTP status of the refusal. Every request but the open
# one is assigned to an agent, so an open request cannot become assigned or in progress (400).
MOVES = {
    "requester": {
        Status.OPEN: (OK, 403, 403, 403, OK, OK),
        Status.ASSIGNED: (403, OK, 403, 403, OK, OK),
        Status.IN_PROGRESS: (403, 403, OK, 403, OK, OK),
        Status.PENDING: (403, 403, 403, OK, OK, OK),
        # Reopening goes back to the agent who had it.
        Status.RESOLVED: (Status.IN_PROGRESS, 403, 403, 403, OK, OK),
        Status.CLOSED: (403, 403, 403, 403, 403, OK),
    },
    "agent": {
        Status.OPEN: (OK, 400, 400, OK, OK, OK),
        Status.ASSIGNED: (OK, OK, OK, OK, OK, OK),
        Status.IN_PROGRESS: (OK, OK, OK, OK, OK, OK),
        Status.PENDING: (OK, OK, OK, OK, OK, OK),
        Status.RESOLVED: (OK, OK, OK, OK, OK, OK),
        Status.CLOSED: (403, 403, 403, 403, 403, OK),
    },
    "admin": {
        Status.OPEN: (OK, 400, 400, OK, OK, OK),
        Status.ASSIGNED: (OK, OK, OK, OK, OK, OK),
        Status.IN_PROGRESS: (OK, OK, OK, OK, OK, OK),
        Status.PENDING: (OK, OK, OK, OK, OK, OK),
        Status.RESOLVED: (OK, OK, OK, OK, OK, OK),
        # An admin's correction.
        Status.CLOSED: (OK, OK, OK, OK, OK, OK),
    },
}

MOVE_CASES = [
    pytest.param(role, before, after, outcome, id=f"{role}: {before} -> {after}")
    for role, rows in MOVES.items()
    for before, outcomes in rows.items()
    for after, outcome in zip(ORDER, outcomes, strict=True)
]
ERRORS = {400: ValidationFailed, 403: PermissionDenied}


@pytest.fixture
def actors(requester, agent, admin_user):
    return {"requester": requester, "agent": agent, "admin": admin_user}


@pytest.fixture
def desk(agent):
    return GroupFactory(name="Desk", members=[agent])


def row_in(status, *, requester, agent, desk) -> Request:
    """A request as the database holds it in this status; assigned unless it is open."""
    assigned = {} if status == Status.OPEN else {"assigned_to": agent, "assigned_group": desk}
    return RequestFactory(requester=requester, status=status, **assigned)


def status_events(request):
    return list(RequestEvent.objects.filter(request=request, kind=EventKind.CHANGED, field="status"))


def test_the_move_table_covers_every_role_and_pair_of_statuses():
    assert len(MOVE_CASES) == 3 * len(Status.values) ** 2
    assert all(set(rows) == set(Status.values) for rows in MOVES.values())


@pytest.mark.parametrize(("role", "before", "after", "outcome"), MOVE_CASES)
def test_each_role_may_make_only_its_status_moves(actors, requester, agent, desk, role, before, after, outcome):
    request = row_in(before, requester=requester, agent=agent, desk=desk)
    if outcome in ERRORS:
        with pytest.raises(ERRORS[outcome]) as caught:
            request_update(actor=actors[role], request=request, changes={"status": after})
        assert caught.value.fields == {"status": [caught.value.fields["status"][0]]}
        request.refresh_from_db()
        assert request.status == before
        assert status_events(request) == []
        return
    ends_in = after if outcome == OK else outcome
    assert request_update(actor=actors[role], request=request, changes={"status": after}).status == ends_in
    request.refresh_from_db()
    assert request.status == ends_in
    events = status_events(request)
    if before == ends_in:
        assert events == []
    else:
        assert [(e.actor, e.old_value, e.new_value) for e in events] == [(actors[role], before, ends_in)]


# --- other changes to a closed request -------------------------------------------------------------

# A change to a closed request: what each role gets. Requesters never change agents' fields (403),
# whatever the status; on a closed request nobody but an admin changes anything (400 naming the field).
CLOSED_EDITS = [
    ({"title": "Renamed"}, {"requester": 400, "agent": 400, "admin": OK}),
    ({"description": "More words"}, {"requester": 400, "agent": 400, "admin": OK}),
    ({"priority": "critical"}, {"requester": 403, "agent": 400, "admin": OK}),
    ({"resolution": "Replaced the cable"}, {"requester": 403, "agent": 400, "admin": OK}),
    ({"tags": ["vpn"]}, {"requester": 403, "agent": 400, "admin": OK}),
    ({"category": "hardware"}, {"requester": 403, "agent": 400, "admin": OK}),
    ({"assigned_to": None}, {"requester": 403, "agent": 400, "admin": OK}),
]


@pytest.mark.parametrize(
    ("changes", "role", "outcome"),
    [
        pytest.param(changes, role, outcome, id=f"{role}: {next(iter(changes))}")
        for changes, outcomes in CLOSED_EDITS
        for role, outcome in outcomes.items()
    ],
)
def test_only_an_admin_changes_a_closed_request(actors, requester, agent, desk, changes, role, outcome):
    CategoryFactory(name="hardware")
    request = row_in(Status.CLOSED, requester=requester, agent=agent, desk=desk)
    field = next(iter(changes))
    if outcome in ERRORS:
        with pytest.raises(ERRORS[outcome]) as caught:
            request_update(actor=actors[role], request=request, changes=changes)
        assert field in caught.value.fields
        if outcome == 400:
            assert "open a new request" in caught.value.message
        assert not RequestEvent.objects.filter(request=request).exists()
        assert not request.tags.exists()
        return
    request_update(actor=actors[role], request=request, changes=changes)
    event = RequestEvent.objects.get(request=request)
    assert (event.kind, event.field, event.actor) == (EventKind.CHANGED, field, actors[role])
    request.refresh_from_db()
    assert request.status == Status.CLOSED


@pytest.mark.parametrize("role", ["requester", "agent"])
def test_repeating_a_closed_requests_own_values_is_no_change_and_not_refused(actors, requester, agent, desk, role):
    request = row_in(Status.CLOSED, requester=requester, agent=agent, desk=desk)
    same = {"status": Status.CLOSED, "title": request.title, "description": request.description}
    assert request_update(actor=actors[role], request=request, changes=same).status == Status.CLOSED
    assert not RequestEvent.objects.filter(request=request).exists()


@pytest.mark.parametrize("before", [Status.OPEN, Status.PENDING])
def test_a_requester_still_edits_the_title_and_description_of_a_live_request(requester, agent, desk, before):
    request = row_in(before, requester=requester, agent=agent, desk=desk)
    request_update(actor=requester, request=request, changes={"title": "Clearer", "description": "Details"})
    request.refresh_from_db()
    assert (request.title, request.description) == ("Clearer", "Details")


# --- comments and files on a closed request ----------------------------------------------------------

# (role, internal?) -> outcome on a live and on a closed request: 201 for a comment made.
POSTS = {
    ("requester", False): (201, 400),
    ("requester", True): (403, 403),
    ("agent", False): (201, 400),
    ("agent", True): (201, 201),
    ("admin", False): (201, 400),
    ("admin", True): (201, 201),
}


@pytest.mark.parametrize(
    ("role", "internal", "status", "outcome"),
    [
        pytest.param(role, internal, status, outcome, id=f"{role} {'note' if internal else 'reply'} on {status}")
        for (role, internal), outcomes in POSTS.items()
        for status, outcome in zip([Status.PENDING, Status.CLOSED], outcomes, strict=True)
    ],
)
def test_a_closed_request_takes_only_internal_notes(actors, requester, agent, desk, role, internal, status, outcome):
    request = row_in(status, requester=requester, agent=agent, desk=desk)
    if outcome in ERRORS:
        with pytest.raises(ERRORS[outcome]) as caught:
            comment_add(actor=actors[role], request=request, content="One more thing", is_internal=internal)
        if outcome == 400:
            assert caught.value.fields == {"content": [caught.value.message]}
            assert "open a new request" in caught.value.message
        assert not request.comments.exists()
        return
    comment_add(actor=actors[role], request=request, content="One more thing", is_internal=internal)
    assert request.comments.get().is_internal is internal
    request.refresh_from_db()
    if status == Status.CLOSED:
        assert request.status == Status.CLOSED


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_agents_attach_files_to_internal_notes_on_a_closed_request(actors, requester, agent, desk, role):
    request = row_in(Status.CLOSED, requester=requester, agent=agent, desk=desk)
    note = CommentFactory(request=request, author=actors[role], is_internal=True)
    attachment_add(actor=actors[role], request=request, upload=upload(), comment=note)
    public = CommentFactory(request=request, author=actors[role], is_internal=False)
    with pytest.raises(ValidationFailed) as caught:
        attachment_add(actor=actors[role], request=request, upload=upload(), comment=public)
    assert "file" in caught.value.fields
    assert [a.comment for a in request.attachments.all()] == [note]


def test_a_requester_reply_reopens_a_resolved_request_but_never_a_closed_one(requester, agent, desk):
    resolved = row_in(Status.RESOLVED, requester=requester, agent=agent, desk=desk)
    comment_add(actor=requester, request=resolved, content="Still broken")
    resolved.refresh_from_db()
    assert resolved.status == Status.IN_PROGRESS
    closed = row_in(Status.CLOSED, requester=requester, agent=agent, desk=desk)
    with pytest.raises(ValidationFailed):
        comment_add(actor=requester, request=closed, content="Still broken")
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED


# --- through the API ---------------------------------------------------------------------------------


def patch(client, request, body):
    return client.patch(f"/v1/requests/{request.public_id}", body, format="json")


def test_a_requester_cannot_reopen_a_closed_request_by_resolving_it_first(requester, agent, desk, api_for):
    # Today's hole: closed -> resolved was accepted, and resolved -> open then reopened it.
    request = row_in(Status.CLOSED, requester=requester, agent=agent, desk=desk)
    client = api_for(requester)
    for status in ("resolved", "open"):
        error = error_of(patch(client, request, {"status": status}), 403)
        assert error["fields"] == {"status": ["not allowed"]}
        assert "closed" in error["message"]
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert not RequestEvent.objects.filter(request=request).exists()


@pytest.mark.parametrize("field", ["title", "description"])
def test_a_requester_cannot_edit_a_closed_request(requester, agent, desk, api_for, field):
    request = row_in(Status.CLOSED, requester=requester, agent=agent, desk=desk)
    before = getattr(request, field)
    error = error_of(patch(api_for(requester), request, {field: "Edited after closing"}), 400)
    assert_names_field(error, field)
    assert "open a new request" in error["message"]
    request.refresh_from_db()
    assert getattr(request, field) == before


def test_an_agent_cannot_reopen_or_edit_a_closed_request_but_may_note_on_it(requester, agent, desk, api_for):
    request = row_in(Status.CLOSED, requester=requester, agent=agent, desk=desk)
    client = api_for(agent)
    assert "only an admin" in error_of(patch(client, request, {"status": "in_progress"}), 403)["message"]
    assert_names_field(error_of(patch(client, request, {"priority": "critical"}), 400), "priority")
    url = f"/v1/requests/{request.public_id}/comments"
    reply = error_of(client.post(url, {"content": "Fixed for good"}, format="json"), 400)
    assert_names_field(reply, "content")
    assert "open a new request" in reply["message"]
    note = data_of(client.post(url, {"content": "Root cause: expired cert", "isInternal": True}, format="json"), 201)
    assert note["isInternal"] is True


def test_an_admin_reopens_a_closed_request_as_a_recorded_correction(requester, agent, admin_user, desk, api_for):
    request = row_in(Status.CLOSED, requester=requester, agent=agent, desk=desk)
    assert data_of(patch(api_for(admin_user), request, {"status": "in_progress"}))["status"] == "in_progress"
    event = RequestEvent.objects.get(request=request)
    assert (event.actor, event.field, event.old_value, event.new_value) == (
        admin_user,
        "status",
        "closed",
        "in_progress",
    )


# --- the rules as data -------------------------------------------------------------------------------


def test_each_role_may_make_every_move_of_the_role_below_it_and_only_admins_leave_closed():
    assert workflow.MOVES[workflow.REQUESTER] <= workflow.MOVES[workflow.AGENT] <= workflow.MOVES[workflow.ADMIN]
    leaving_closed = {role for role, moves in workflow.MOVES.items() if any(b == Status.CLOSED for b, _ in moves)}
    assert leaving_closed == {workflow.ADMIN}
