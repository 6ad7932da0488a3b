"""GET /v1/requests builds its items from columns (tickets.api.list_items), not with DRF serializers:
clients must get exactly what the declared RequestListItemSerializer shape shows."""

import json

import pytest

from tests.factories import CategoryFactory, GroupFactory, RequestFactory
from tickets import selectors
from tickets.api.serializers import RequestListItemSerializer


@pytest.fixture
def mixed_requests(agent, requester, group):
    return [
        # Everything set, and a title and name that JSON must escape.
        RequestFactory(
            requester=requester,
            assigned_to=agent,
            assigned_group=group,
            category=CategoryFactory(name="Hardware"),
            title='Printer "P1" on fire \u2028 ✓',
            status="assigned",
            priority="high",
        ),
        # Nothing optional set.
        RequestFactory(requester=requester, assigned_to=None, assigned_group=None, category=None),
        # A group but no assignee.
        RequestFactory(requester=requester, assigned_group=GroupFactory(), status="open", priority="low"),
    ]


def _declared(user, ordering="-updatedAt"):
    requests = selectors.request_list(user=user, filters={"ordering": ordering})
    return json.loads(json.dumps(RequestListItemSerializer(requests, many=True).data))


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_list_items_are_exactly_the_declared_serializer_output(mixed_requests, api_for, request, who):
    user = request.getfixturevalue(who)
    response = api_for(user).get("/v1/requests?ordering=-updatedAt")
    assert response.status_code == 200
    assert response.json()["data"]["requests"] == _declared(user)
    assert len(response.json()["data"]["requests"]) == 3


def test_list_items_keep_the_declared_key_order(mixed_requests, agent, api_for):
    item = api_for(agent).get("/v1/requests").json()["data"]["requests"][0]
    assert list(item) == list(RequestListItemSerializer().fields)
    assert list(item["requester"]) == ["id", "email", "name"]


def test_rows_by_ids_keep_the_order_given_and_leave_out_deleted_requests(
    mixed_requests, agent, django_assert_num_queries
):
    from django.db import connection
    from django.utils import timezone

    from tickets.api.list_items import list_rows, rows_by_ids

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statement (other databases read the rows with the ORM): the PostgreSQL pass")
    first, second, third = mixed_requests
    ids = [third.pk, first.pk, second.pk]
    rows = rows_by_ids(ids, updated_field="updated_at")
    assert [row["id"] for row in rows] == ids
    # Each row is what the ORM's list_rows makes of the same request.
    orm = {row["id"]: row for row in list_rows(selectors.request_list(user=agent))}
    assert rows == [orm[pk] for pk in ids]
    type(first).all_objects.filter(pk=first.pk).update(deleted_at=timezone.now())  # deleted meanwhile
    assert [row["id"] for row in rows_by_ids(ids, updated_field="updated_at")] == [third.pk, second.pk]
    with django_assert_num_queries(0):
        assert rows_by_ids([], updated_field="updated_at") == []
