"""AGENT_REACH: with "groups", agents see and work only the requests within their reach."""

import os
import subprocess  # noqa: S404
import sys

import pytest
from django.conf import settings as django_settings

from helpdesk.errors import NotFound
from tests.factories import AgentFactory, GroupFactory, RequestFactory, upload
from tickets.selectors import attachment_get, request_get, request_list
from tickets.services import attachment_add, comment_add, request_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(agent, requester):
    """The agent's group, another group, and one request of each kind the rule distinguishes."""
    mine = GroupFactory(name="Mine", members=[agent])
    theirs = GroupFactory(name="Theirs", members=[AgentFactory()])
    return {
        "my group": RequestFactory(title="my group", requester=requester, assigned_group=mine),
        "no group": RequestFactory(title="no group", requester=requester),
        "assigned to me": RequestFactory(
            title="assigned to me", requester=requester, assigned_group=theirs, assigned_to=agent
        ),
        "asked by me": RequestFactory(title="asked by me", requester=agent, assigned_group=theirs),
        "their group": RequestFactory(title="their group", requester=requester, assigned_group=theirs),
    }


def titles(user):
    return sorted(r.title for r in request_list(user=user))


def test_with_groups_reach_an_agent_sees_their_groups_their_assignments_and_untriaged_requests(settings, agent, desk):
    settings.AGENT_REACH = "groups"
    assert titles(agent) == ["asked by me", "assigned to me", "my group", "no group"]


def test_by_default_an_agent_sees_every_request(agent, desk):
    assert titles(agent) == sorted(desk)


def test_an_admin_sees_every_request_whatever_the_reach(settings, admin_user, desk):
    settings.AGENT_REACH = "groups"
    assert titles(admin_user) == sorted(desk)


def test_reach_does_not_widen_what_a_requester_sees(settings, requester, desk):
    settings.AGENT_REACH = "groups"
    assert titles(requester) == ["assigned to me", "my group", "no group", "their group"]


def test_a_request_out_of_reach_is_not_found_for_every_read_and_write(settings, agent, requester, desk):
    settings.AGENT_REACH = "groups"
    theirs = desk["their group"]
    attachment = attachment_add(actor=requester, request=theirs, upload=upload())
    with pytest.raises(NotFound):
        request_get(user=agent, public_id=theirs.public_id)
    with pytest.raises(NotFound):
        attachment_get(user=agent, public_id=attachment.public_id)
    with pytest.raises(NotFound):
        request_update(actor=agent, request=theirs, changes={"priority": "high"})
    with pytest.raises(NotFound):
        comment_add(actor=agent, request=theirs, content="Mine now", is_internal=True)
    with pytest.raises(NotFound):
        attachment_add(actor=agent, request=theirs, upload=upload())
    assert not theirs.comments.exists()
    assert theirs.attachments.count() == 1


def test_an_agent_who_hands_a_request_to_another_group_gets_a_normal_answer(settings, agent, desk, api_for):
    settings.AGENT_REACH = "groups"
    theirs_id = desk["their group"].assigned_group.public_id
    url = f"/v1/requests/{desk['my group'].public_id}"
    response = api_for(agent).patch(url, {"assignedGroup": theirs_id}, format="json")
    assert response.status_code == 200, response.content
    assert api_for(agent).get(url).status_code == 404


def test_an_unknown_reach_stops_the_start_with_a_clear_message():
    env = {**os.environ, "AGENT_REACH": "everyone", "DJANGO_SETTINGS_MODULE": "helpdesk.settings"}
    run = subprocess.run(
        [sys.executable, "-c", "import helpdesk.settings"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "AGENT_REACH must be 'all' or 'groups'" in run.stderr
