"""What requesters can infer: their updatedAt and ordering=updatedAt move only with changes they see.

Agents keep the request's real last change. Rows are moved back in time first, so a change made
now shows in the API's second-precision timestamps.
"""

from datetime import UTC, datetime

import pytest

from tests.envelope import data_of
from tests.factories import upload
from tickets.models import Priority, Request
from tickets.services import attachment_add, comment_add, request_create, request_update

pytestmark = pytest.mark.django_db

DAY_1 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
DAY_2 = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)


def opened(requester, title, at):
    request = request_create(actor=requester, title=title, description="It broke", priority=Priority.LOW)
    Request.objects.filter(pk=request.pk).update(updated_at=at, public_updated_at=at)
    return request


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def updated_at_of(client, request):
    return data_of(client.get(f"/v1/requests/{request.public_id}"))["updatedAt"]


def order_of(client, ordering="-updatedAt"):
    return [item["title"] for item in data_of(client.get(f"/v1/requests?ordering={ordering}"))["requests"]]


@pytest.fixture
def two_requests(requester):
    return opened(requester, "Older", DAY_1), opened(requester, "Newer", DAY_2)


def test_an_internal_note_moves_neither_the_requesters_updated_at_nor_their_order(
    requester, agent, api_for, two_requests
):
    older, _ = two_requests
    comment_add(actor=agent, request=older, content="Requester is grumpy", is_internal=True)
    mine = api_for(requester)
    assert updated_at_of(mine, older) == iso(DAY_1)
    assert [item["updatedAt"] for item in data_of(mine.get("/v1/requests?ordering=updatedAt"))["requests"]] == [
        iso(DAY_1),
        iso(DAY_2),
    ]
    assert order_of(mine) == ["Newer", "Older"]
    assert order_of(mine, "updatedAt") == ["Older", "Newer"]
    # The agent sees the real last change.
    desk = api_for(agent)
    assert updated_at_of(desk, older) != iso(DAY_1)
    assert order_of(desk) == ["Older", "Newer"]


def test_a_file_on_an_internal_note_does_not_move_the_requesters_updated_at(requester, agent, api_for, two_requests):
    older, _ = two_requests
    note = comment_add(actor=agent, request=older, content="Log attached", is_internal=True)
    Request.objects.filter(pk=older.pk).update(updated_at=DAY_1)
    attachment_add(actor=agent, request=older, upload=upload("vpn.log", b"handshake failed"), comment=note)
    assert updated_at_of(api_for(requester), older) == iso(DAY_1)
    assert updated_at_of(api_for(agent), older) != iso(DAY_1)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda agent, r: comment_add(actor=agent, request=r, content="We are on it"), id="public reply"),
        pytest.param(lambda agent, r: attachment_add(actor=agent, request=r, upload=upload()), id="public file"),
        pytest.param(
            lambda agent, r: request_update(actor=agent, request=r, changes={"priority": Priority.HIGH}),
            id="field change",
        ),
    ],
)
def test_a_change_the_requester_can_see_moves_their_updated_at_and_order(
    requester, agent, api_for, two_requests, change
):
    older, _ = two_requests
    change(agent, older)
    mine = api_for(requester)
    assert updated_at_of(mine, older) == updated_at_of(api_for(agent), older) != iso(DAY_1)
    assert order_of(mine) == ["Older", "Newer"]


def test_the_requesters_patch_answer_shows_the_updated_at_they_can_see(requester, agent, api_for, two_requests):
    older, _ = two_requests
    comment_add(actor=agent, request=older, content="Requester is grumpy", is_internal=True)
    url = f"/v1/requests/{older.public_id}"
    unchanged = data_of(api_for(requester).patch(url, {"title": "Older"}, format="json"))
    assert unchanged["updatedAt"] == iso(DAY_1)
    agents_view = data_of(api_for(agent).patch(url, {"title": "Older"}, format="json"))
    assert agents_view["updatedAt"] != iso(DAY_1)
