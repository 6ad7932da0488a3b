"""/v1/users, /v1/users/:id, /v1/users/me, /v1/groups and /v1/groups/:id."""

import re

import pytest

from accounts.models import Role, User
from tests.envelope import assert_names_field, data_of, error_of
from tests.factories import AgentFactory, GroupFactory

pytestmark = pytest.mark.django_db

USER_KEYS = {"id", "email", "name", "role", "isVip", "isActive", "groups", "createdAt"}
GROUP_KEYS = {"id", "name", "description", "members", "createdAt"}


# --- me ------------------------------------------------------------------------------------------------


def test_me_describes_the_caller(agent, group, api_for):
    data = data_of(api_for(agent).get("/v1/users/me"))
    assert set(data) == USER_KEYS
    assert data["id"] == agent.public_id
    assert (data["email"], data["name"], data["role"]) == ("alice@example.com", "Alice Agent", "agent")
    assert data["isVip"] is False
    assert data["groups"] == [group.public_id]


@pytest.mark.parametrize(("who", "role"), [("requester", "requester"), ("agent", "agent"), ("admin_user", "admin")])
def test_me_shows_the_callers_role(request, api_for, who, role):
    assert data_of(api_for(request.getfixturevalue(who)).get("/v1/users/me"))["role"] == role


def test_me_lists_groups_by_name(agent, api_for):
    zulu = GroupFactory(name="Zulu", members=[agent])
    alpha = GroupFactory(name="Alpha", members=[agent])
    assert data_of(api_for(agent).get("/v1/users/me"))["groups"] == [alpha.public_id, zulu.public_id]


# --- users -----------------------------------------------------------------------------------------------


def test_agents_list_users_with_pagination(agent, requester, admin_user, api_for):
    data = data_of(api_for(agent).get("/v1/users", {"limit": 2}))
    assert set(data) == {"users", "pagination"}
    assert data["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2}
    assert [u["email"] for u in data["users"]] == ["ada@example.com", "alice@example.com"]
    assert all(set(u) == USER_KEYS for u in data["users"])


def test_requesters_may_not_list_users(requester, api_for):
    assert error_of(api_for(requester).get("/v1/users"), 403)["code"] == "permission_denied"


def test_admin_creates_a_user_with_groups(admin_user, agent, group, api_for):
    body = {"email": "Bob@Example.com", "name": "Bob", "role": "agent", "isVip": True, "groups": [group.public_id]}
    data = data_of(api_for(admin_user).post("/v1/users", body, format="json"), 201)
    assert set(data) == USER_KEYS
    assert re.fullmatch(r"usr_[a-z0-9]{16}", data["id"])
    assert (data["email"], data["name"], data["role"], data["isVip"]) == ("bob@example.com", "Bob", "agent", True)
    assert data["groups"] == [group.public_id]
    assert "password" not in data


def test_a_created_user_defaults_to_requester_without_a_password(admin_user, api_for):
    data = data_of(api_for(admin_user).post("/v1/users", {"email": "plain@example.com"}, format="json"), 201)
    assert data["role"] == "requester"
    assert data["isVip"] is False
    assert data["groups"] == []
    assert not User.objects.get(public_id=data["id"]).has_usable_password()


def test_a_user_created_with_a_password_can_get_a_token(admin_user, api_for, client):
    body = {"email": "pw@example.com", "password": "a long enough secret"}
    data_of(api_for(admin_user).post("/v1/users", body, format="json"), 201)
    token = data_of(
        client.post(
            "/v1/auth/token", {"email": "pw@example.com", "password": "a long enough secret"}, "application/json"
        ),
        201,
    )["token"]
    me = client.get("/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert data_of(me)["email"] == "pw@example.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "ada@example.com"}, "email"),
        ({"name": "No email"}, "email"),
        ({"email": "x@example.com", "role": "superhero"}, "role"),
        ({"email": "x@example.com", "password": "123"}, "password"),
        ({"email": "x@example.com", "groups": ["grp_nosuchgroup0000"]}, "groups"),
        ({"email": "x@example.com", "groups": "grp_x"}, "groups"),
        ({"email": "x@example.com", "isVip": "maybe"}, "isVip"),
        ({"email": "x@example.com", "admin": True}, "admin"),
    ],
)
def test_user_create_validation_names_the_field(admin_user, api_for, body, field):
    assert_names_field(error_of(api_for(admin_user).post("/v1/users", body, format="json"), 400), field)


def test_a_requester_cannot_be_created_into_a_group(admin_user, group, api_for):
    body = {"email": "r@example.com", "groups": [group.public_id]}
    assert_names_field(error_of(api_for(admin_user).post("/v1/users", body, format="json"), 400), "groups")


@pytest.mark.parametrize("who", ["requester", "agent"])
def test_only_admins_create_users(request, api_for, who):
    client = api_for(request.getfixturevalue(who))
    error = error_of(client.post("/v1/users", {"email": "sneaky@example.com"}, format="json"), 403)
    assert error["code"] == "permission_denied"
    assert not User.objects.filter(email="sneaky@example.com").exists()


def test_agents_read_any_user(agent, requester, api_for):
    data = data_of(api_for(agent).get(f"/v1/users/{requester.public_id}"))
    assert (data["id"], data["role"]) == (requester.public_id, "requester")


def test_a_requester_reads_only_themselves(requester, other_requester, api_for):
    client = api_for(requester)
    assert data_of(client.get(f"/v1/users/{requester.public_id}"))["id"] == requester.public_id
    error_of(client.get(f"/v1/users/{other_requester.public_id}"), 404)


def test_an_unknown_user_is_404(agent, api_for):
    error_of(api_for(agent).get("/v1/users/usr_nobodyatall0000"), 404)


def test_a_user_may_change_their_own_name_and_password(requester, api_for, client):
    body = {"name": "Rita R.", "password": "my new long secret", "currentPassword": "correct horse battery"}
    data = data_of(api_for(requester).patch(f"/v1/users/{requester.public_id}", body, format="json"))
    assert data["name"] == "Rita R."
    login = client.post(
        "/v1/auth/token", {"email": requester.email, "password": "my new long secret"}, "application/json"
    )
    assert login.status_code == 201


@pytest.mark.parametrize(
    "body",
    [{"role": "admin"}, {"role": "agent"}, {"isVip": True}, {"email": "new@example.com"}, {"isActive": False}],
)
def test_a_user_may_not_change_their_own_role_or_other_fields(requester, api_for, body):
    error = error_of(api_for(requester).patch(f"/v1/users/{requester.public_id}", body, format="json"), 403)
    assert error["code"] == "permission_denied"
    requester.refresh_from_db()
    assert (requester.role, requester.is_vip, requester.email) == ("requester", False, "rita@example.com")


@pytest.mark.parametrize("body", [{"name": "X"}, {}])
def test_agents_may_not_change_other_users(agent, requester, api_for, body):
    error_of(api_for(agent).patch(f"/v1/users/{requester.public_id}", body, format="json"), 403)


def test_a_requester_patching_another_user_gets_404(requester, other_requester, api_for):
    error_of(api_for(requester).patch(f"/v1/users/{other_requester.public_id}", {"name": "X"}, format="json"), 404)


def test_admins_change_roles_and_groups(admin_user, requester, group, api_for):
    body = {"role": "agent", "groups": [group.public_id], "isVip": True}
    data = data_of(api_for(admin_user).patch(f"/v1/users/{requester.public_id}", body, format="json"))
    assert (data["role"], data["groups"], data["isVip"]) == ("agent", [group.public_id], True)


def test_admins_cannot_demote_themselves(admin_user, api_for):
    body = {"role": "agent"}
    error = error_of(api_for(admin_user).patch(f"/v1/users/{admin_user.public_id}", body, format="json"), 400)
    assert_names_field(error, "role")


def test_admins_cannot_deactivate_themselves(admin_user, api_for):
    body = {"isActive": False}
    error = error_of(api_for(admin_user).patch(f"/v1/users/{admin_user.public_id}", body, format="json"), 400)
    assert_names_field(error, "isActive")


def test_a_deactivated_users_token_stops_working(admin_user, requester, api_for):
    client = api_for(requester)
    data_of(api_for(admin_user).patch(f"/v1/users/{requester.public_id}", {"isActive": False}, format="json"))
    error_of(client.get("/v1/users/me"), 401)


def test_user_patch_refuses_a_taken_email(admin_user, requester, api_for):
    body = {"email": "alice@example.com"}
    AgentFactory(email="alice@example.com")
    error = error_of(api_for(admin_user).patch(f"/v1/users/{requester.public_id}", body, format="json"), 400)
    assert_names_field(error, "email")


# --- groups ----------------------------------------------------------------------------------------------


def test_agents_list_groups_with_members(agent, group, api_for):
    GroupFactory(name="Another")
    data = data_of(api_for(agent).get("/v1/groups"))
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 2, "pages": 1}
    assert [g["name"] for g in data["groups"]] == ["Another", "Software Support"]
    software = data["groups"][1]
    assert set(software) == GROUP_KEYS
    assert (software["id"], software["members"]) == (group.public_id, [agent.public_id])


def test_admin_creates_a_group_with_members(admin_user, agent, api_for):
    body = {"name": "Hardware", "description": "Laptops and desks", "members": [agent.public_id, admin_user.public_id]}
    data = data_of(api_for(admin_user).post("/v1/groups", body, format="json"), 201)
    assert set(data) == GROUP_KEYS
    assert re.fullmatch(r"grp_[a-z0-9]{16}", data["id"])
    assert (data["name"], data["description"]) == ("Hardware", "Laptops and desks")
    assert sorted(data["members"]) == sorted([agent.public_id, admin_user.public_id])


def test_a_requester_as_a_group_member_is_400(admin_user, requester, api_for):
    body = {"name": "Mixed", "members": [requester.public_id]}
    assert_names_field(error_of(api_for(admin_user).post("/v1/groups", body, format="json"), 400), "members")


def test_an_unknown_group_member_is_400(admin_user, api_for):
    body = {"name": "Ghosts", "members": ["usr_ghost0000000000"]}
    assert_names_field(error_of(api_for(admin_user).post("/v1/groups", body, format="json"), 400), "members")


def test_a_duplicate_group_name_is_400(admin_user, group, api_for):
    body = {"name": "software support"}
    assert_names_field(error_of(api_for(admin_user).post("/v1/groups", body, format="json"), 400), "name")


def test_admin_changes_a_groups_name_and_members(admin_user, agent, group, api_for):
    colleague = AgentFactory()
    body = {"name": "Apps", "members": [colleague.public_id]}
    data = data_of(api_for(admin_user).patch(f"/v1/groups/{group.public_id}", body, format="json"))
    assert (data["name"], data["members"]) == ("Apps", [colleague.public_id])


def test_patching_a_requester_into_a_group_is_400(admin_user, requester, group, api_for):
    body = {"members": [requester.public_id]}
    error = error_of(api_for(admin_user).patch(f"/v1/groups/{group.public_id}", body, format="json"), 400)
    assert_names_field(error, "members")
    assert not group.members.filter(pk=requester.pk).exists()


def test_agents_read_a_group(agent, group, api_for):
    assert data_of(api_for(agent).get(f"/v1/groups/{group.public_id}"))["members"] == [agent.public_id]


def test_an_unknown_group_is_404(agent, api_for):
    error_of(api_for(agent).get("/v1/groups/grp_nothing00000000"), 404)


@pytest.mark.parametrize("who", ["requester", "agent"])
def test_only_admins_manage_groups(request, group, api_for, who):
    client = api_for(request.getfixturevalue(who))
    error_of(client.post("/v1/groups", {"name": "Mine"}, format="json"), 403)
    error_of(client.patch(f"/v1/groups/{group.public_id}", {"name": "Mine"}, format="json"), 403)
    group.refresh_from_db()
    assert group.name == "Software Support"


def test_requesters_may_not_see_groups(requester, group, api_for):
    client = api_for(requester)
    error_of(client.get("/v1/groups"), 403)
    error_of(client.get(f"/v1/groups/{group.public_id}"), 403)


def test_seed_style_paths_answer_without_a_trailing_slash_redirect(admin_user, group, api_for):
    client = api_for(admin_user)
    for path in ("/v1/users", "/v1/users/me", f"/v1/users/{admin_user.public_id}", "/v1/groups"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/v1/groups/{group.public_id}").status_code == 200


def test_a_requester_created_through_the_api_is_stored_as_a_requester(admin_user, api_for):
    data_of(api_for(admin_user).post("/v1/users", {"email": "q@example.com"}, format="json"), 201)
    assert User.objects.get(email="q@example.com").role == Role.REQUESTER
