"""The list at scale: id filters resolved to keys, every ordering both ways, bounded totals, cursors."""

import pytest

from tests.factories import GroupFactory, RequestFactory
from tickets.filters import QueueFilter
from tickets.models import Request


def ids(response):
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["data"]["requests"]]


def test_assignee_and_group_filters_match_by_public_id_and_unknown_ids_match_nothing(agent, requester, api_for):
    group = GroupFactory(members=[agent])
    mine = RequestFactory(requester=requester, assigned_to=agent, assigned_group=group, status="assigned")
    RequestFactory(requester=requester)
    client = api_for(agent)
    assert ids(client.get(f"/v1/requests?assignedTo={agent.public_id}")) == [mine.public_id]
    assert ids(client.get(f"/v1/requests?groupId={group.public_id}")) == [mine.public_id]
    assert ids(client.get("/v1/requests?assignedTo=usr_nobody")) == []
    assert ids(client.get("/v1/requests?groupId=grp_nothing")) == []
    assert client.get("/v1/requests?assignedTo=usr_nobody").json()["data"]["pagination"]["total"] == 0


@pytest.mark.parametrize("ordering", ["createdAt", "updatedAt", "sla"])
def test_every_ordering_reverses_with_a_minus_and_never_repeats_a_request(agent, requester, api_for, ordering):
    RequestFactory.create_batch(7, requester=requester)
    client = api_for(agent)
    forward = ids(client.get(f"/v1/requests?ordering={ordering}&limit=100"))
    backward = ids(client.get(f"/v1/requests?ordering=-{ordering}&limit=100"))
    assert len(set(forward)) == 7 and set(forward) == set(backward)
    if ordering != "sla":  # no clocks here: every due date is empty, and empty ones come last both ways
        assert backward == forward[::-1]


def test_the_queue_filters_several_statuses_with_one_in_list(agent, requester):
    RequestFactory(requester=requester, status="open")
    RequestFactory(requester=requester, status="pending")
    RequestFactory(requester=requester, status="closed")
    filters = QueueFilter({"status": ["open", "pending"]}, queryset=Request.objects.all(), user=agent)
    assert filters.is_valid()
    # One IN list: PostgreSQL reads one index range per value instead of OR-ing bitmaps.
    assert '"status" IN (' in str(filters.qs.query)
    assert filters.qs.count() == 2
