from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

from helpdesk.api.envelope import ok
from helpdesk.api.pagination import paginate
from helpdesk.api.schema import PAGE_PARAMETERS, envelope, page_envelope, responses
from helpdesk.api.views import ApiView, rename
from helpdesk.client_ip import client_ip
from helpdesk.errors import ValidationFailed

from .. import selectors, services
from ..models import ApiToken
from .serializers import (
    GroupCreateInput,
    GroupSerializer,
    GroupUpdateInput,
    RevokedSerializer,
    TokenLoginInput,
    TokenSerializer,
    UserCreateInput,
    UserSerializer,
    UserUpdateInput,
)

USER_FIELDS = {"isVip": "is_vip", "isActive": "is_active", "groups": "group_ids", "currentPassword": "current_password"}
GROUP_FIELDS = {"members": "member_ids"}


class TokenView(ApiView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else super().get_permissions()

    def perform_authentication(self, request):
        # Logging in needs no credentials; a stale session or token must not get in the way.
        if request.method == "POST":
            request.user, request.auth = AnonymousUser(), None
        else:
            super().perform_authentication(request)

    @extend_schema(
        request=TokenLoginInput,
        responses=responses({201: envelope("TokenCreated", TokenSerializer)}, 400),
        auth=[],
        summary="Exchange email and password for a bearer token",
    )
    def post(self, request):
        data = TokenLoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        _, raw = services.token_login(**data.validated_data, client_ip=client_ip(request))
        return ok({"token": raw}, status=201)

    @extend_schema(
        request=None,
        responses=responses({200: envelope("TokenRevoked", RevokedSerializer)}, 400),
        summary="Revoke the token this call is made with",
        operation_id="auth_token_revoke",
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ValidationFailed("Call this with the bearer token to revoke.", code="no_token")
        services.token_revoke(token=request.auth)
        return ok({"revoked": True})


class UserListView(ApiView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=responses({200: page_envelope("UserPage", "users", UserSerializer)}, 400, 403),
        summary="List users (agents and admins)",
    )
    def get(self, request):
        users, pagination = paginate(selectors.user_list(actor=request.user), request.query_params)
        return ok({"users": UserSerializer(users, many=True).data, "pagination": pagination})

    @extend_schema(
        request=UserCreateInput,
        responses=responses({201: envelope("UserCreated", UserSerializer)}, 400, 403),
        summary="Create a user (admins)",
    )
    def post(self, request):
        data = UserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(actor=request.user, **rename(data.validated_data, USER_FIELDS))
        return ok(UserSerializer(user).data, status=201)


class UserDetailView(ApiView):
    @extend_schema(responses=responses({200: envelope("UserDetail", UserSerializer)}, 404), summary="Get a user")
    def get(self, request, user_id):
        return ok(UserSerializer(selectors.user_get(actor=request.user, public_id=user_id)).data)

    @extend_schema(
        request=UserUpdateInput,
        responses=responses({200: envelope("UserUpdated", UserSerializer)}, 400, 403, 404),
        summary="Update a user (admins; anyone their own name and password)",
    )
    def patch(self, request, user_id):
        user = selectors.user_get(actor=request.user, public_id=user_id)
        data = UserUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        changes = rename(data.validated_data, USER_FIELDS)
        user = services.user_update(actor=request.user, user=user, changes=changes, token=token)
        by_session = isinstance(request.successful_authenticator, SessionAuthentication)
        if "password" in changes and user.pk == request.user.pk and by_session:
            # A new password changes the session hash: keep this browser logged in (others are not).
            update_session_auth_hash(request, user)
        return ok(UserSerializer(selectors.user_get(actor=request.user, public_id=user.public_id)).data)


class UserMeView(ApiView):
    @extend_schema(
        responses=responses({200: envelope("Me", UserSerializer)}), summary="The caller", operation_id="users_me"
    )
    def get(self, request):
        return ok(UserSerializer(selectors.user_get(actor=request.user, public_id=request.user.public_id)).data)


class GroupListView(ApiView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=responses({200: page_envelope("GroupPage", "groups", GroupSerializer)}, 400, 403),
        summary="List groups (agents and admins)",
    )
    def get(self, request):
        groups, pagination = paginate(selectors.group_list(actor=request.user), request.query_params)
        return ok({"groups": GroupSerializer(groups, many=True).data, "pagination": pagination})

    @extend_schema(
        request=GroupCreateInput,
        responses=responses({201: envelope("GroupCreated", GroupSerializer)}, 400, 403),
        summary="Create a group (admins)",
    )
    def post(self, request):
        data = GroupCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.group_create(actor=request.user, **rename(data.validated_data, GROUP_FIELDS))
        return ok(GroupSerializer(group).data, status=201)


class GroupDetailView(ApiView):
    @extend_schema(
        responses=responses({200: envelope("GroupDetail", GroupSerializer)}, 403, 404), summary="Get a group"
    )
    def get(self, request, group_id):
        return ok(GroupSerializer(selectors.group_get(actor=request.user, public_id=group_id)).data)

    @extend_schema(
        request=GroupUpdateInput,
        responses=responses({200: envelope("GroupUpdated", GroupSerializer)}, 400, 403, 404),
        summary="Update a group (admins)",
    )
    def patch(self, request, group_id):
        group = selectors.group_get(actor=request.user, public_id=group_id)
        data = GroupUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.group_update(
            actor=request.user, group=group, changes=rename(data.validated_data, GROUP_FIELDS)
        )
        return ok(GroupSerializer(selectors.group_get(actor=request.user, public_id=group.public_id)).data)
