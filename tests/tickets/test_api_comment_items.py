"""The request detail and the comment calls shape comments with a plain function
(tickets.api.comment_items): clients must get exactly what the declared serializers show."""

import json

import pytest

from tests.factories import CategoryFactory, CommentFactory, RequestFactory
from tickets import selectors
from tickets.api.serializers import CommentSerializer, RequestDetailSerializer
from tickets.models import Comment


@pytest.fixture
def discussed(requester, agent, group):
    request = RequestFactory(
        requester=requester, assigned_to=agent, assigned_group=group, category=CategoryFactory(name="Hardware")
    )
    CommentFactory(request=request, author=requester, content='It says "PC LOAD LETTER" \u2028 ✓')
    CommentFactory(request=request, author=agent, content="Checking the tray.")
    CommentFactory(request=request, author=agent, content="Internal: toner order", is_internal=True)
    agent.name = ""  # an author with no name shows the address
    agent.save()
    return request


def _declared(user, request):
    found = selectors.request_get(user=user, public_id=request.public_id, detail=True)
    found.survey_invitation = None
    return json.loads(json.dumps(RequestDetailSerializer(found).data))


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_the_detail_is_exactly_the_declared_serializer_output(discussed, api_for, request, who):
    user = request.getfixturevalue(who)
    data = api_for(user).get(f"/v1/requests/{discussed.public_id}").json()["data"]
    assert data == _declared(user, discussed)
    assert list(data) == list(RequestDetailSerializer().fields)  # the key order too
    assert len(data["comments"]) == (3 if who == "agent" else 2)  # requesters never see internal notes
    assert data["comments"][1]["author"]["name"] == "alice@example.com"


def test_the_comment_list_and_a_new_comment_are_the_declared_shape(discussed, agent, api_for):
    client = api_for(agent)
    listed = client.get(f"/v1/requests/{discussed.public_id}/comments").json()["data"]["comments"]
    declared = CommentSerializer(Comment.objects.filter(request=discussed).order_by("created_at", "id"), many=True)
    assert listed == json.loads(json.dumps(declared.data))
    created = client.post(f"/v1/requests/{discussed.public_id}/comments", {"content": "Fixed."}, format="json")
    assert created.status_code == 201
    assert created.json()["data"] == json.loads(json.dumps(CommentSerializer(Comment.objects.last()).data))
    assert list(created.json()["data"]) == ["id", "content", "author", "isInternal", "createdAt"]
