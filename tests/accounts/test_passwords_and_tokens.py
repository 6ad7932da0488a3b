"""Changing a password needs the current one and ends the old API tokens by every path; tokens expire."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import token_issue
from tests.envelope import assert_names_field, data_of, error_of

pytestmark = pytest.mark.django_db

OLD = "correct horse battery"  # the factories' password
NEW = "a brand new long secret 7"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def works(raw: str) -> bool:
    status = bearer(raw).get("/v1/users/me").status_code
    assert status in (200, 401), status
    return status == 200


def patch_user(client, user, body):
    return client.patch(f"/v1/users/{user.public_id}", body, format="json")


# --- the current password ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["requester", "agent", "admin_user"])
@pytest.mark.parametrize("current", [None, "", "not my password"])
def test_changing_ones_own_password_needs_the_current_one(request, api_for, who, current):
    user = request.getfixturevalue(who)
    body = {"password": NEW} if current is None else {"password": NEW, "currentPassword": current}

    error = error_of(patch_user(api_for(user), user, body), 400)

    assert_names_field(error, "currentPassword")
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_with_the_current_password_ones_own_password_changes(requester, api_for):
    body = {"password": NEW, "currentPassword": OLD, "name": "Rita R."}
    data = data_of(patch_user(api_for(requester), requester, body))
    assert data["name"] == "Rita R."
    assert "currentPassword" not in data and "password" not in data
    requester.refresh_from_db()
    assert requester.check_password(NEW)


def test_an_admin_sets_another_users_password_without_knowing_theirs(admin_user, agent, api_for):
    data_of(patch_user(api_for(admin_user), agent, {"password": NEW}))
    agent.refresh_from_db()
    assert agent.check_password(NEW)


def test_the_current_password_is_checked_before_the_new_one_is_judged(requester, api_for):
    error = error_of(patch_user(api_for(requester), requester, {"password": "123", "currentPassword": "wrong"}), 400)
    assert_names_field(error, "currentPassword")


# --- tokens revoked by a password change ----------------------------------------------------------------


def test_changing_ones_own_password_with_a_token_keeps_that_token_and_revokes_the_others(requester):
    _, calling = token_issue(user=requester, name="this script")
    _, other = token_issue(user=requester, name="old laptop")

    data_of(patch_user(bearer(calling), requester, {"password": NEW, "currentPassword": OLD}))

    assert works(calling)
    assert not works(other)
    assert ApiToken.objects.get(name="old laptop").revoked_at is not None


def test_an_admin_changing_a_users_password_revokes_all_that_users_tokens(admin_user, agent, api_for):
    _, first = token_issue(user=agent)
    _, second = token_issue(user=agent)
    admin_client = api_for(admin_user)

    data_of(patch_user(admin_client, agent, {"password": NEW}))

    assert not works(first) and not works(second)
    data_of(admin_client.get("/v1/users/me"))  # the admin's own token is untouched


def test_a_change_without_a_new_password_revokes_nothing(requester, api_for):
    _, other = token_issue(user=requester)
    data_of(patch_user(api_for(requester), requester, {"name": "Rita R."}))
    assert works(other)


def test_a_refused_password_change_revokes_nothing(requester, api_for):
    _, other = token_issue(user=requester)
    error_of(patch_user(api_for(requester), requester, {"password": NEW, "currentPassword": "wrong"}), 400)
    assert works(other)


def test_changing_ones_password_in_a_browser_keeps_that_session_and_ends_the_others(requester):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.login(username=requester.email, password=OLD)
    _, token = token_issue(user=requester)

    body = {"password": NEW, "currentPassword": OLD}
    data_of(here.patch(f"/v1/users/{requester.public_id}", body, content_type="application/json"))

    assert data_of(here.get("/v1/users/me"))["id"] == requester.public_id
    error_of(elsewhere.get("/v1/users/me"), 401)
    assert not works(token)


def test_the_admin_password_form_revokes_the_users_tokens(admin_user, agent):
    _, token = token_issue(user=agent)
    client = Client()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[agent.pk]), {"password1": NEW, "password2": NEW}
    )

    assert response.status_code == 302
    assert not works(token)


def test_an_admin_changing_their_own_password_in_admin_stays_logged_in(admin_user):
    _, token = token_issue(user=admin_user)
    client = Client()
    assert client.login(username=admin_user.email, password=OLD)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[admin_user.pk]), {"password1": NEW, "password2": NEW}
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert not works(token)


def test_disabling_password_log_in_in_admin_revokes_the_users_tokens(admin_user, agent):
    _, token = token_issue(user=agent)
    client = Client()
    client.force_login(admin_user)

    client.post(
        reverse("admin:auth_user_password_change", args=[agent.pk]), {"usable_password": "false", "unset-password": "1"}
    )

    agent.refresh_from_db()
    assert not agent.has_usable_password()
    assert not works(token)


def test_a_password_reset_revokes_the_users_tokens(requester):
    _, token = token_issue(user=requester)
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(requester.pk))
    link = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(requester)])

    form_url = client.get(link)["Location"]  # Django swaps the token for a session and redirects
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    assert not works(token)


def test_the_browser_password_change_page_revokes_tokens_and_keeps_the_session(requester):
    _, token = token_issue(user=requester)
    client = Client()
    assert client.login(username=requester.email, password=OLD)

    response = client.post(
        reverse("password_change"), {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 302
    assert not works(token)
    assert data_of(client.get("/v1/users/me"))["id"] == requester.public_id


def test_manage_py_changepassword_revokes_the_users_tokens(requester, monkeypatch):
    _, token = token_issue(user=requester)
    monkeypatch.setattr("django.contrib.auth.management.commands.changepassword.Command._get_pass", lambda *a: NEW)

    call_command("changepassword", requester.email, stdout=io.StringIO())

    requester.refresh_from_db()
    assert requester.check_password(NEW)
    assert not works(token)


class OneRoundPBKDF2(PBKDF2PasswordHasher):
    """A fast stand-in for a stronger hasher than the stored hash's, so a log-in upgrades the hash."""

    algorithm = "pbkdf2_one_round"
    iterations = 1


def test_a_hash_upgrade_at_log_in_is_not_a_password_change(settings, requester):
    _, token = token_issue(user=requester)
    settings.PASSWORD_HASHERS = [
        f"{__name__}.OneRoundPBKDF2",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert Client().login(username=requester.email, password=OLD)

    requester.refresh_from_db()
    assert requester.password.startswith("pbkdf2_one_round$")  # the hash was upgraded
    assert works(token)


def test_a_new_user_made_with_a_password_gets_tokens_that_work():
    user = User.objects.create_user("new@example.com", password=OLD)
    _, raw = token_issue(user=user)
    assert works(raw)


# --- expiry ------------------------------------------------------------------------------------------


def test_an_expired_token_is_refused_with_the_same_401_as_a_revoked_one(requester):
    _, expired = token_issue(user=requester, expires_at=timezone.now() - timedelta(seconds=1))
    revoked_token, revoked = token_issue(user=requester)
    ApiToken.objects.filter(pk=revoked_token.pk).update(revoked_at=timezone.now())

    expired_response = bearer(expired).get("/v1/users/me")
    revoked_response = bearer(revoked).get("/v1/users/me")

    assert error_of(expired_response, 401) == error_of(revoked_response, 401)
    assert expired_response["WWW-Authenticate"] == revoked_response["WWW-Authenticate"]


def test_a_token_works_until_it_expires(requester):
    _, raw = token_issue(user=requester, expires_at=timezone.now() + timedelta(minutes=5))
    assert works(raw)


def test_without_a_ttl_log_in_tokens_never_expire(settings, requester):
    settings.API_TOKEN_TTL_DAYS = None
    data_of(APIClient().post("/v1/auth/token", {"email": requester.email, "password": OLD}, format="json"), 201)
    assert ApiToken.objects.get(user=requester).expires_at is None


def test_the_ttl_setting_gives_log_in_tokens_an_expiry(settings, requester):
    settings.API_TOKEN_TTL_DAYS = 30
    before = timezone.now()

    raw = data_of(APIClient().post("/v1/auth/token", {"email": requester.email, "password": OLD}, format="json"), 201)[
        "token"
    ]

    expires_at = ApiToken.objects.get(user=requester).expires_at
    assert before + timedelta(days=30) <= expires_at <= timezone.now() + timedelta(days=30)
    assert works(raw)
