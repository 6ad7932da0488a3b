"""GET/POST /v1/requests and GET/PATCH/DELETE /v1/requests/:id, as a client of the API sees them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, User
from tests.envelope import assert_names_field, data_of, error_of
from tests.factories import AgentFactory, CategoryFactory, GroupFactory, RequesterFactory, RequestFactory
from tickets.models import Comment, EventKind, Priority, Request, RequestEvent, Status
from tickets.services import comment_add, request_create

pytestmark = pytest.mark.django_db


ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

SEED_LIST_ITEM_KEYS = {
    "id",
    "title",
    "description",
    "status",
    "priority",
    "category",
    "createdAt",
    "updatedAt",
    "assignedTo",
    "assignedGroup",
    "requester",
}
SEED_DETAIL_KEYS = SEED_LIST_ITEM_KEYS | {"tags", "sla", "comments", "attachments"}
# Documented additions beyond the seed: the human number and the timestamps the UI shows.
DETAIL_EXTRA_KEYS = {
    "number",
    "source",
    "resolution",
    "firstResponseAt",
    "resolvedAt",
    "closedAt",
    "firstResponseMinutes",
    "resolutionMinutes",  # Desk365-style durations, in business minutes
    "survey",  # Desk365's survey_rating: the latest satisfaction survey sent (surveys app)
}


def ids_of(data):
    return [item["id"] for item in data["requests"]]


def at(day, hour=12):
    return datetime(2024, 1, day, hour, 0, tzinfo=UTC)


def new_request(actor, **kwargs):
    fields = {"title": "Cannot access email", "description": "Outlook error", "priority": Priority.HIGH}
    return request_create(actor=actor, **{**fields, **kwargs})


# --- list ------------------------------------------------------------------------------------------


def test_list_answers_requests_and_pagination_in_the_success_envelope(agent, api_for):
    RequestFactory.create_batch(3)
    data = data_of(api_for(agent).get("/v1/requests"))
    assert set(data) == {"requests", "pagination"}
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 3, "pages": 1}


def test_list_item_has_exactly_the_seed_keys_plus_number(agent, group, api_for):
    software = CategoryFactory(name="software")
    created = new_request(agent, category="software", assigned_to=agent.public_id)
    item = data_of(api_for(agent).get("/v1/requests"))["requests"][0]
    assert set(item) == SEED_LIST_ITEM_KEYS | {"number"}
    assert item["id"] == created.public_id
    assert item["number"] == created.pk
    assert item["category"] == software.name
    assert item["assignedTo"] == agent.public_id
    assert item["assignedGroup"] == group.public_id
    assert item["requester"] == {"id": agent.public_id, "email": agent.email, "name": agent.name}
    assert ISO_Z.match(item["createdAt"]) and ISO_Z.match(item["updatedAt"])


def test_list_item_shows_null_assignee_and_group_when_unassigned(agent, requester, api_for):
    new_request(requester)
    item = data_of(api_for(agent).get("/v1/requests"))["requests"][0]
    assert item["assignedTo"] is None
    assert item["assignedGroup"] is None
    assert item["category"] is None


def test_list_is_newest_first(agent, api_for):
    middle = RequestFactory(created_at=at(2))
    newest = RequestFactory(created_at=at(3))
    oldest = RequestFactory(created_at=at(1))
    data = data_of(api_for(agent).get("/v1/requests"))
    assert ids_of(data) == [newest.public_id, middle.public_id, oldest.public_id]


@pytest.mark.parametrize(
    ("param", "value", "field"),
    [
        ("status", Status.PENDING, "status"),
        ("status", Status.RESOLVED, "status"),
        ("priority", Priority.CRITICAL, "priority"),
        ("priority", Priority.LOW, "priority"),
    ],
)
def test_list_filters_by_status_and_priority(agent, api_for, param, value, field):
    match = RequestFactory(**{field: value})
    RequestFactory(status=Status.OPEN, priority=Priority.MEDIUM)
    data = data_of(api_for(agent).get("/v1/requests", {param: value}))
    assert ids_of(data) == [match.public_id]
    assert data["pagination"]["total"] == 1


def test_list_filters_by_assignee_user_id(agent, api_for):
    other_agent = AgentFactory()
    mine = RequestFactory(assigned_to=agent, status=Status.ASSIGNED)
    RequestFactory(assigned_to=other_agent, status=Status.ASSIGNED)
    RequestFactory()
    data = data_of(api_for(agent).get("/v1/requests", {"assignedTo": agent.public_id}))
    assert ids_of(data) == [mine.public_id]


def test_list_filters_by_group_id(agent, group, api_for):
    other_group = GroupFactory()
    in_group = RequestFactory(assigned_group=group)
    RequestFactory(assigned_group=other_group)
    RequestFactory()
    data = data_of(api_for(agent).get("/v1/requests", {"groupId": group.public_id}))
    assert ids_of(data) == [in_group.public_id]


def test_list_filter_by_an_unknown_id_is_an_empty_list_not_an_error(agent, api_for):
    RequestFactory()
    data = data_of(api_for(agent).get("/v1/requests", {"assignedTo": "usr_nobody", "groupId": "grp_none"}))
    assert data["requests"] == []
    assert data["pagination"]["total"] == 0


def test_list_filters_by_created_after_and_before_with_utc_datetimes(agent, api_for):
    RequestFactory(created_at=at(1))
    inside = RequestFactory(created_at=at(5))
    RequestFactory(created_at=at(9))
    data = data_of(
        api_for(agent).get(
            "/v1/requests", {"createdAfter": "2024-01-03T00:00:00Z", "createdBefore": "2024-01-07T10:30:00Z"}
        )
    )
    assert ids_of(data) == [inside.public_id]


def test_created_after_includes_the_instant_itself(agent, api_for):
    exact = RequestFactory(created_at=at(5, hour=10))
    data = data_of(api_for(agent).get("/v1/requests", {"createdAfter": "2024-01-05T10:00:00Z"}))
    assert ids_of(data) == [exact.public_id]


def test_list_filters_by_date_only_bounds_as_utc_midnight(agent, api_for):
    RequestFactory(created_at=at(4, hour=23))
    first = RequestFactory(created_at=at(5, hour=0))
    last = RequestFactory(created_at=at(6, hour=23))
    RequestFactory(created_at=at(7, hour=0))
    data = data_of(api_for(agent).get("/v1/requests", {"createdAfter": "2024-01-05", "createdBefore": "2024-01-07"}))
    assert ids_of(data) == [last.public_id, first.public_id]


def test_list_filters_by_offset_datetime(agent, api_for):
    RequestFactory(created_at=at(5, hour=8))
    later = RequestFactory(created_at=at(5, hour=10))
    # 11:00+02:00 is 09:00 UTC.
    data = data_of(api_for(agent).get("/v1/requests", {"createdAfter": "2024-01-05T11:00:00+02:00"}))
    assert ids_of(data) == [later.public_id]


def test_list_combines_filters(agent, group, api_for):
    wanted = RequestFactory(
        status=Status.ASSIGNED, priority=Priority.HIGH, assigned_to=agent, assigned_group=group, created_at=at(5)
    )
    RequestFactory(status=Status.ASSIGNED, priority=Priority.LOW, assigned_to=agent, assigned_group=group)
    RequestFactory(status=Status.OPEN, priority=Priority.HIGH, assigned_group=group, created_at=at(5))
    RequestFactory(
        status=Status.ASSIGNED, priority=Priority.HIGH, assigned_to=agent, assigned_group=group, created_at=at(20)
    )
    query = {
        "status": "assigned",
        "priority": "high",
        "assignedTo": agent.public_id,
        "groupId": group.public_id,
        "createdAfter": "2024-01-01",
        "createdBefore": "2024-01-10T00:00:00Z",
    }
    data = data_of(api_for(agent).get("/v1/requests", query))
    assert ids_of(data) == [wanted.public_id]


def test_list_has_a_default_limit_of_20(agent, api_for):
    RequestFactory.create_batch(21)
    data = data_of(api_for(agent).get("/v1/requests"))
    assert len(data["requests"]) == 20
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 21, "pages": 2}


def test_list_pages_do_not_overlap_and_cover_every_request(agent, api_for):
    made = {r.public_id for r in RequestFactory.create_batch(5, created_at=at(5))}  # same instant: id breaks ties
    client = api_for(agent)
    seen = []
    for page in (1, 2, 3):
        data = data_of(client.get("/v1/requests", {"page": page, "limit": 2}))
        assert data["pagination"] == {"page": page, "limit": 2, "total": 5, "pages": 3}
        seen += ids_of(data)
    assert len(seen) == 5
    assert set(seen) == made


def test_a_page_past_the_end_is_an_empty_list_with_the_true_total(agent, api_for):
    RequestFactory.create_batch(3)
    data = data_of(api_for(agent).get("/v1/requests", {"page": 7, "limit": 2}))
    assert data["requests"] == []
    assert data["pagination"] == {"page": 7, "limit": 2, "total": 3, "pages": 2}


def test_an_empty_list_has_zero_pages(agent, api_for):
    data = data_of(api_for(agent).get("/v1/requests"))
    assert data == {"requests": [], "pagination": {"page": 1, "limit": 20, "total": 0, "pages": 0}}


def test_requesters_list_only_their_own_requests(requester, other_requester, agent, api_for):
    mine = RequestFactory(requester=requester)
    RequestFactory(requester=other_requester)
    data = data_of(api_for(requester).get("/v1/requests"))
    assert ids_of(data) == [mine.public_id]
    assert data["pagination"]["total"] == 1


def test_agents_list_every_requesters_requests(requester, other_requester, agent, api_for):
    RequestFactory(requester=requester)
    RequestFactory(requester=other_requester)
    assert data_of(api_for(agent).get("/v1/requests"))["pagination"]["total"] == 2


# --- detail ----------------------------------------------------------------------------------------


def test_detail_has_the_seed_shape(agent, requester, group, api_for):
    CategoryFactory(name="software")
    created = new_request(
        agent,
        category="software",
        tags=["outlook", "email"],
        assigned_to=agent.public_id,
        requester_id=requester.public_id,
    )
    comment_add(actor=agent, request=created, content="I'll look into this right away")
    data = data_of(api_for(agent).get(f"/v1/requests/{created.public_id}"))

    assert set(data) == SEED_DETAIL_KEYS | DETAIL_EXTRA_KEYS
    assert data["id"] == created.public_id
    assert data["status"] == "assigned"
    assert data["category"] == "software"
    assert data["tags"] == ["email", "outlook"]
    assert data["assignedTo"] == {"id": agent.public_id, "email": agent.email, "name": agent.name}
    assert data["assignedGroup"] == {"id": group.public_id, "name": "Software Support"}
    assert data["requester"] == {
        "id": requester.public_id,
        "email": requester.email,
        "name": requester.name,
        "isVip": False,
    }
    assert set(data["sla"]) == {"tier", "responseTarget", "resolutionTarget", "responseStatus", "resolutionStatus"}
    assert data["sla"]["tier"] == "Tier 2"  # high priority
    assert ISO_Z.match(data["sla"]["responseTarget"]) and ISO_Z.match(data["sla"]["resolutionTarget"])
    [comment] = data["comments"]
    assert set(comment) == {"id", "content", "author", "isInternal", "createdAt"}
    assert comment["author"] == {"id": agent.public_id, "name": agent.name}
    assert comment["isInternal"] is False
    assert comment["id"].startswith("cmt_")
    assert data["attachments"] == []
    for key in ("createdAt", "updatedAt", "firstResponseAt"):
        assert ISO_Z.match(data[key]), key


def test_detail_shows_null_assignee_and_group_objects_when_unassigned(agent, requester, api_for):
    created = new_request(requester)
    data = data_of(api_for(agent).get(f"/v1/requests/{created.public_id}"))
    assert data["assignedTo"] is None
    assert data["assignedGroup"] is None
    assert data["requester"]["isVip"] is False
    assert data["tags"] == []


def test_detail_shows_a_vip_requester(agent, api_for):
    vip = RequesterFactory(is_vip=True)
    created = new_request(vip)
    assert data_of(api_for(agent).get(f"/v1/requests/{created.public_id}"))["requester"]["isVip"] is True


def test_detail_of_an_unknown_id_is_404_in_the_envelope(agent, api_for):
    error = error_of(api_for(agent).get("/v1/requests/req_doesnotexist0000"), 404)
    assert error["code"] == "not_found"


def test_requester_gets_404_for_another_requesters_request(requester, other_requester, api_for):
    theirs = new_request(other_requester)
    error_of(api_for(requester).get(f"/v1/requests/{theirs.public_id}"), 404)


def test_requester_sees_their_own_request(requester, api_for):
    mine = new_request(requester)
    assert data_of(api_for(requester).get(f"/v1/requests/{mine.public_id}"))["id"] == mine.public_id


def test_requests_are_not_looked_up_by_their_number(agent, api_for):
    created = new_request(agent)
    error_of(api_for(agent).get(f"/v1/requests/{created.pk}"), 404)


# --- create ----------------------------------------------------------------------------------------

SEED_CREATE = {
    "title": "New laptop setup required",
    "description": "New employee starting Monday needs laptop configured",
    "priority": "medium",
}


def test_create_answers_201_with_id_title_status_and_created_at(requester, api_for):
    data = data_of(api_for(requester).post("/v1/requests", SEED_CREATE, format="json"), 201)
    assert set(data) == {"id", "title", "status", "createdAt"}
    assert data["title"] == "New laptop setup required"
    assert data["status"] == "open"
    assert ISO_Z.match(data["createdAt"])
    created = Request.objects.get(public_id=data["id"])
    assert created.requester == requester
    assert created.source == "api"


def test_create_with_the_seed_example_body(agent, api_for):
    hardware_group = GroupFactory(name="Hardware", members=[agent])
    CategoryFactory(name="hardware", label="Hardware")
    body = {
        **SEED_CREATE,
        "category": "hardware",
        "assignedGroup": hardware_group.public_id,
        "tags": ["new-hire", "laptop"],
    }
    data = data_of(api_for(agent).post("/v1/requests", body, format="json"), 201)
    created = Request.objects.get(public_id=data["id"])
    assert data["status"] == "open"  # a group alone is not an assignee
    assert created.assigned_group == hardware_group
    assert created.category.name == "hardware"
    assert sorted(created.tags.values_list("name", flat=True)) == ["laptop", "new-hire"]


def test_ids_are_prefixed_and_random(requester, api_for):
    client = api_for(requester)
    first = data_of(client.post("/v1/requests", SEED_CREATE, format="json"), 201)["id"]
    second = data_of(client.post("/v1/requests", SEED_CREATE, format="json"), 201)["id"]
    for public_id in (first, second):
        assert re.fullmatch(r"req_[a-z0-9]{16}", public_id)
    # Unrelated, not sequential: 16 random characters almost never share a long prefix.
    shared = 0
    while shared < 16 and first[4 + shared] == second[4 + shared]:
        shared += 1
    assert shared < 8


@pytest.mark.parametrize(
    ("factory", "prefix"),
    [
        (RequesterFactory, "usr_"),
        (GroupFactory, "grp_"),
        (RequestFactory, "req_"),
    ],
)
def test_every_resource_id_carries_its_type_prefix(factory, prefix):
    assert re.fullmatch(rf"{prefix}[a-z0-9]{{16}}", factory().public_id)


def test_agent_creates_for_a_new_requester_given_by_email(agent, api_for):
    body = {**SEED_CREATE, "requester": {"email": "New@X.com", "name": "New"}}
    data = data_of(api_for(agent).post("/v1/requests", body, format="json"), 201)
    created = Request.objects.get(public_id=data["id"])
    person = User.objects.get(email="new@x.com")
    assert created.requester == person
    assert person.role == Role.REQUESTER
    assert person.name == "New"
    assert not person.has_usable_password()


def test_agent_creates_for_an_existing_requester_given_by_email(agent, requester, api_for):
    body = {**SEED_CREATE, "requester": {"email": requester.email.upper()}}
    data = data_of(api_for(agent).post("/v1/requests", body, format="json"), 201)
    assert Request.objects.get(public_id=data["id"]).requester == requester
    assert User.objects.filter(email__iexact=requester.email).count() == 1


def test_agent_creates_for_a_requester_given_by_id(agent, requester, api_for):
    body = {**SEED_CREATE, "requester": requester.public_id}
    data = data_of(api_for(agent).post("/v1/requests", body, format="json"), 201)
    assert Request.objects.get(public_id=data["id"]).requester == requester


def test_agent_create_for_an_unknown_requester_id_is_400(agent, api_for):
    body = {**SEED_CREATE, "requester": "usr_nosuchuser00000"}
    assert_names_field(error_of(api_for(agent).post("/v1/requests", body, format="json"), 400), "requester")


def test_agent_create_for_a_deactivated_requester_is_400(agent, requester, api_for):
    requester.is_active = False
    requester.save()
    body = {**SEED_CREATE, "requester": requester.public_id}
    assert_names_field(error_of(api_for(agent).post("/v1/requests", body, format="json"), 400), "requester")


def test_agent_create_with_a_bad_requester_email_is_400(agent, api_for):
    body = {**SEED_CREATE, "requester": {"email": "not-an-email"}}
    assert_names_field(error_of(api_for(agent).post("/v1/requests", body, format="json"), 400), "requester")


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"requester": {"email": "someone@x.com"}}, id="requester-by-email"),
        pytest.param({"requester": "OTHER"}, id="requester-by-id"),
        pytest.param({"assignedTo": "AGENT"}, id="assignedTo"),
        pytest.param({"assignedGroup": "GROUP"}, id="assignedGroup"),
    ],
)
def test_requesters_cannot_create_for_others_or_assign(requester, other_requester, agent, group, api_for, extra):
    stand_ins = {"OTHER": other_requester.public_id, "AGENT": agent.public_id, "GROUP": group.public_id}
    extra = {key: stand_ins.get(value, value) if isinstance(value, str) else value for key, value in extra.items()}
    error = error_of(api_for(requester).post("/v1/requests", {**SEED_CREATE, **extra}, format="json"), 403)
    assert error["code"] == "permission_denied"
    assert not Request.objects.exists()
    assert not User.objects.filter(email="someone@x.com").exists()


def test_create_with_an_assignee_starts_assigned_in_their_first_group(agent, api_for):
    zeta = GroupFactory(name="Zeta", members=[agent])
    alpha = GroupFactory(name="Alpha", members=[agent])
    data = data_of(
        api_for(agent).post("/v1/requests", {**SEED_CREATE, "assignedTo": agent.public_id}, format="json"), 201
    )
    created = Request.objects.get(public_id=data["id"])
    assert data["status"] == "assigned"
    assert created.assigned_group == alpha != zeta


def test_create_assigning_a_requester_is_400(agent, requester, api_for):
    body = {**SEED_CREATE, "assignedTo": requester.public_id}
    assert_names_field(error_of(api_for(agent).post("/v1/requests", body, format="json"), 400), "assignedTo")


def test_create_with_an_unknown_category_is_400(agent, api_for):
    body = {**SEED_CREATE, "category": "nope"}
    assert_names_field(error_of(api_for(agent).post("/v1/requests", body, format="json"), 400), "category")


def test_create_records_a_created_event(requester, api_for):
    data = data_of(api_for(requester).post("/v1/requests", SEED_CREATE, format="json"), 201)
    event = RequestEvent.objects.get(request__public_id=data["id"])
    assert (event.kind, event.actor, event.new_value) == (EventKind.CREATED, requester, "open")


# --- update ----------------------------------------------------------------------------------------


@pytest.fixture
def open_request(requester):
    return new_request(requester)


def patch(client, request, body):
    return client.patch(f"/v1/requests/{request.public_id}", body, format="json")


def test_patch_answers_id_status_and_updated_at(agent, open_request, api_for):
    data = data_of(patch(api_for(agent), open_request, {"status": "resolved", "resolution": "Recreated profile"}))
    assert set(data) == {"id", "status", "updatedAt"}
    assert data == {"id": open_request.public_id, "status": "resolved", "updatedAt": data["updatedAt"]}
    assert ISO_Z.match(data["updatedAt"])
    open_request.refresh_from_db()
    assert open_request.resolution == "Recreated profile"
    assert open_request.resolved_at is not None


@pytest.mark.parametrize(
    ("body", "field", "old", "new"),
    [
        ({"title": "Outlook is down"}, "title", "Cannot access email", "Outlook is down"),
        ({"description": "Since 9am"}, "description", "Outlook error", "Since 9am"),
        ({"priority": "critical"}, "priority", "high", "critical"),
        ({"status": "pending"}, "status", "open", "pending"),
        ({"category": "software"}, "category", "", "software"),
        ({"tags": ["VPN", "email"]}, "tags", "", "email, vpn"),
        ({"resolution": "Rebooted"}, "resolution", "", "Rebooted"),
    ],
)
def test_every_change_is_recorded_as_an_event_with_old_and_new_values(
    agent, open_request, api_for, body, field, old, new
):
    CategoryFactory(name="software")
    data_of(patch(api_for(agent), open_request, body))
    event = RequestEvent.objects.get(request=open_request, kind=EventKind.CHANGED)
    assert (event.actor, event.field, event.old_value, event.new_value) == (agent, field, old, new)


def test_patch_persists_every_field(agent, group, open_request, api_for):
    CategoryFactory(name="software")
    body = {
        "title": "T",
        "description": "D",
        "priority": "low",
        "category": "software",
        "assignedTo": agent.public_id,
        "assignedGroup": group.public_id,
        "tags": ["a", "b"],
        "resolution": "R",
        "status": "in_progress",
    }
    data_of(patch(api_for(agent), open_request, body))
    detail = data_of(api_for(agent).get(f"/v1/requests/{open_request.public_id}"))
    assert (detail["title"], detail["description"], detail["priority"], detail["category"]) == (
        "T",
        "D",
        "low",
        "software",
    )
    assert detail["assignedTo"]["id"] == agent.public_id
    assert detail["assignedGroup"]["id"] == group.public_id
    assert (detail["tags"], detail["resolution"], detail["status"]) == (["a", "b"], "R", "in_progress")


def test_a_patch_that_changes_nothing_records_nothing_and_keeps_updated_at(agent, open_request, api_for):
    before = open_request.updated_at
    data_of(patch(api_for(agent), open_request, {"title": open_request.title, "priority": "high"}))
    open_request.refresh_from_db()
    assert open_request.updated_at == before
    assert not RequestEvent.objects.filter(request=open_request, kind=EventKind.CHANGED).exists()


def test_patch_of_an_unknown_request_is_404(agent, api_for):
    error_of(api_for(agent).patch("/v1/requests/req_doesnotexist0000", {"title": "x"}, format="json"), 404)


# --- assignment ------------------------------------------------------------------------------------


def test_assigning_an_agent_to_a_groupless_request_puts_it_in_their_first_group(agent, open_request, api_for):
    GroupFactory(name="Networks", members=[agent])
    desk = GroupFactory(name="Desk", members=[agent])
    data = data_of(patch(api_for(agent), open_request, {"assignedTo": agent.public_id}))
    open_request.refresh_from_db()
    assert data["status"] == "assigned"
    assert open_request.assigned_group == desk


def test_assigning_an_agent_without_groups_leaves_the_group_empty(agent, open_request, api_for):
    data_of(patch(api_for(agent), open_request, {"assignedTo": agent.public_id}))
    open_request.refresh_from_db()
    assert (open_request.assigned_to, open_request.assigned_group) == (agent, None)


def test_assigning_an_agent_outside_the_requests_group_is_400(agent, open_request, api_for):
    outsider = AgentFactory()
    team = GroupFactory(name="Team", members=[agent])
    data_of(patch(api_for(agent), open_request, {"assignedGroup": team.public_id}))
    error = error_of(patch(api_for(agent), open_request, {"assignedTo": outsider.public_id}), 400)
    assert_names_field(error, "assignedTo")
    open_request.refresh_from_db()
    assert open_request.assigned_to is None


def test_assigning_an_agent_outside_the_group_works_when_the_group_changes_too(agent, open_request, api_for):
    outsider = AgentFactory()
    team = GroupFactory(name="Team", members=[agent])
    theirs = GroupFactory(name="Theirs", members=[outsider])
    data_of(patch(api_for(agent), open_request, {"assignedGroup": team.public_id}))
    body = {"assignedTo": outsider.public_id, "assignedGroup": theirs.public_id}
    assert data_of(patch(api_for(agent), open_request, body))["status"] == "assigned"
    open_request.refresh_from_db()
    assert (open_request.assigned_to, open_request.assigned_group) == (outsider, theirs)


def test_changing_the_group_to_one_the_new_assignee_is_not_in_is_400(agent, open_request, api_for):
    outsider = AgentFactory()
    elsewhere = GroupFactory(name="Elsewhere")
    body = {"assignedTo": outsider.public_id, "assignedGroup": elsewhere.public_id}
    assert_names_field(error_of(patch(api_for(agent), open_request, body), 400), "assignedTo")


def test_assigning_a_requester_is_400(agent, other_requester, open_request, api_for):
    error = error_of(patch(api_for(agent), open_request, {"assignedTo": other_requester.public_id}), 400)
    assert_names_field(error, "assignedTo")


def test_assigning_an_unknown_user_is_400(agent, open_request, api_for):
    error = error_of(patch(api_for(agent), open_request, {"assignedTo": "usr_nobody000000000"}), 400)
    assert_names_field(error, "assignedTo")


def test_assigning_an_unknown_group_is_400(agent, open_request, api_for):
    error = error_of(patch(api_for(agent), open_request, {"assignedGroup": "grp_nothing00000000"}), 400)
    assert_names_field(error, "assignedGroup")


def test_assigning_an_open_request_moves_it_to_assigned(agent, open_request, api_for):
    assert data_of(patch(api_for(agent), open_request, {"assignedTo": agent.public_id}))["status"] == "assigned"


def test_unassigning_an_assigned_request_moves_it_back_to_open(agent, open_request, api_for):
    client = api_for(agent)
    data_of(patch(client, open_request, {"assignedTo": agent.public_id}))
    assert data_of(patch(client, open_request, {"assignedTo": None}))["status"] == "open"
    open_request.refresh_from_db()
    assert open_request.assigned_to is None


def test_assignment_changes_are_recorded_with_old_and_new_values(agent, group, open_request, api_for):
    data_of(patch(api_for(agent), open_request, {"assignedTo": agent.public_id}))
    changes = {
        e.field: (e.old_value, e.new_value)
        for e in RequestEvent.objects.filter(request=open_request, kind=EventKind.CHANGED)
    }
    assert changes == {
        "status": ("open", "assigned"),
        "assigned_to": ("", agent.email),
        "assigned_group": ("", group.name),
    }


@pytest.mark.parametrize("status", ["assigned", "in_progress"])
def test_a_working_status_without_an_assignee_is_400(agent, open_request, api_for, status):
    assert_names_field(error_of(patch(api_for(agent), open_request, {"status": status}), 400), "status")


@pytest.mark.parametrize("status", ["assigned", "in_progress"])
def test_unassigning_a_request_being_worked_puts_it_back_to_open(agent, open_request, api_for, status):
    client = api_for(agent)
    data_of(patch(client, open_request, {"assignedTo": agent.public_id, "status": status}))
    assert data_of(patch(client, open_request, {"assignedTo": None}))["status"] == "open"
    open_request.refresh_from_db()
    assert open_request.assigned_to is None


def test_unassigning_with_an_explicit_working_status_is_400(agent, open_request, api_for):
    client = api_for(agent)
    data_of(patch(client, open_request, {"assignedTo": agent.public_id}))
    response = patch(client, open_request, {"assignedTo": None, "status": "in_progress"})
    assert_names_field(error_of(response, 400), "status")


# --- requester rules -------------------------------------------------------------------------------


def test_requester_may_edit_the_title_of_their_own_request(requester, open_request, api_for):
    data_of(patch(api_for(requester), open_request, {"title": "Better title"}))
    open_request.refresh_from_db()
    assert open_request.title == "Better title"


def test_requester_gets_404_when_patching_another_requesters_request(other_requester, open_request, api_for):
    error_of(patch(api_for(other_requester), open_request, {"title": "Mine now"}), 404)
    open_request.refresh_from_db()
    assert open_request.title == "Cannot access email"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"priority": "critical"}, id="priority"),
        pytest.param({"assignedTo": "AGENT"}, id="assignedTo"),
        pytest.param({"assignedGroup": "GROUP"}, id="assignedGroup"),
        pytest.param({"tags": ["urgent"]}, id="tags"),
        pytest.param({"resolution": "Fixed it myself"}, id="resolution"),
        pytest.param({"status": "pending"}, id="status-pending"),
    ],
)
def test_requester_cannot_change_agent_fields(requester, agent, group, open_request, api_for, body):
    stand_ins = {"AGENT": agent.public_id, "GROUP": group.public_id}
    body = {key: stand_ins.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    error = error_of(patch(api_for(requester), open_request, body), 403)
    assert error["code"] == "permission_denied"
    open_request.refresh_from_db()
    assert (open_request.priority, open_request.assigned_to, open_request.status) == ("high", None, "open")


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_requester_may_resolve_or_close_their_own_request(requester, open_request, api_for, status):
    assert data_of(patch(api_for(requester), open_request, {"status": status}))["status"] == status


def test_requester_may_reopen_a_resolved_request(requester, agent, open_request, api_for):
    data_of(patch(api_for(agent), open_request, {"status": "resolved"}))
    assert data_of(patch(api_for(requester), open_request, {"status": "open"}))["status"] == "open"
    open_request.refresh_from_db()
    assert open_request.resolved_at is None


def test_a_reopened_request_that_still_has_an_agent_goes_back_to_in_progress(requester, agent, open_request, api_for):
    data_of(patch(api_for(agent), open_request, {"assignedTo": agent.public_id, "status": "resolved"}))
    assert data_of(patch(api_for(requester), open_request, {"status": "open"}))["status"] == "in_progress"


def test_requester_cannot_reopen_a_closed_request(requester, agent, open_request, api_for):
    data_of(patch(api_for(agent), open_request, {"status": "closed"}))
    assert error_of(patch(api_for(requester), open_request, {"status": "open"}), 403)["fields"] == {
        "status": ["not allowed"]
    }


def test_requester_cannot_reopen_a_request_that_is_not_done(requester, agent, open_request, api_for):
    data_of(patch(api_for(agent), open_request, {"status": "pending"}))
    assert error_of(patch(api_for(requester), open_request, {"status": "open"}), 403)["fields"] == {
        "status": ["not allowed"]
    }


# --- delete ----------------------------------------------------------------------------------------


def test_admin_deletes_a_request_and_it_is_gone_for_everyone_but_kept_in_the_database(
    admin_user, agent, requester, open_request, api_for
):
    url = f"/v1/requests/{open_request.public_id}"
    assert data_of(api_for(admin_user).delete(url)) == {"deleted": True}

    for user in (admin_user, agent, requester):
        client = api_for(user)
        error_of(client.get(url), 404)
        error_of(client.patch(url, {"title": "x"}, format="json"), 404)
        error_of(client.get(f"{url}/comments"), 404)
        assert open_request.public_id not in ids_of(data_of(client.get("/v1/requests")))
    error_of(api_for(admin_user).delete(url), 404)

    kept = Request.all_objects.get(pk=open_request.pk)
    assert kept.deleted_at is not None
    assert not Request.objects.filter(pk=open_request.pk).exists()
    assert RequestEvent.objects.filter(request=kept, kind=EventKind.DELETED, actor=admin_user).exists()


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_only_admins_may_delete_even_a_requesters_own_request(request, open_request, api_for, who):
    user = request.getfixturevalue(who)
    error = error_of(api_for(user).delete(f"/v1/requests/{open_request.public_id}"), 403)
    assert error["code"] == "permission_denied"
    assert Request.objects.filter(pk=open_request.pk).exists()


def test_deleting_an_unknown_request_is_404_for_admins(admin_user, api_for):
    error_of(api_for(admin_user).delete("/v1/requests/req_doesnotexist0000"), 404)


def test_comments_survive_on_a_deleted_request_for_restoring(admin_user, agent, open_request, api_for):
    comment_add(actor=agent, request=open_request, content="Looking")
    data_of(api_for(admin_user).delete(f"/v1/requests/{open_request.public_id}"))
    assert Comment.objects.filter(request_id=open_request.pk).count() == 1


# --- paths -----------------------------------------------------------------------------------------


def test_seed_paths_answer_without_a_trailing_slash_redirect(agent, open_request, api_for):
    client = api_for(agent)
    for path in (
        "/v1/requests",
        f"/v1/requests/{open_request.public_id}",
        f"/v1/requests/{open_request.public_id}/comments",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    response = client.post("/v1/requests", SEED_CREATE, format="json")
    assert response.status_code == 201


def test_updated_at_moves_forward_on_change(agent, open_request, api_for):
    Request.objects.filter(pk=open_request.pk).update(updated_at=timezone.now() - timedelta(days=1))
    before = Request.objects.get(pk=open_request.pk).updated_at
    data_of(patch(api_for(agent), open_request, {"priority": "low"}))
    open_request.refresh_from_db()
    assert open_request.updated_at > before


# --- query counts ----------------------------------------------------------------------------------


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_the_list_costs_the_same_queries_for_few_or_many_requests(agent, group, api_for):
    category = CategoryFactory(name="software")

    def make(n):
        for _ in range(n):
            RequestFactory(assigned_to=agent, assigned_group=group, category=category, status=Status.ASSIGNED)

    client = api_for(agent)
    make(2)
    client.get("/v1/requests")  # the first call also records the token's last use
    few = queries_for(client, "/v1/requests")
    make(10)
    assert queries_for(client, "/v1/requests") == few


def test_the_detail_costs_the_same_queries_for_few_or_many_comments(agent, requester, api_for):
    created = new_request(requester, tags=["a", "b"])
    client = api_for(agent)
    path = f"/v1/requests/{created.public_id}"
    comment_add(actor=requester, request=created, content="first")
    client.get(path)
    few = queries_for(client, path)
    for n in range(5):
        comment_add(actor=AgentFactory(), request=created, content=f"reply {n}", is_internal=n % 2 == 0)
    assert queries_for(client, path) == few
