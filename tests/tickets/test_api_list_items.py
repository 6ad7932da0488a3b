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
