from rest_framework import serializers

from helpdesk.api.fields import BoundedListField, InputSerializer, PublicIdField, StrictCharField

from ..models import Group, Role, User


class UserRefSerializer(serializers.Serializer):
    """A user as other resources show them."""

    id = serializers.CharField(source="public_id")
    email = serializers.EmailField()
    name = serializers.CharField()


class UserSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    isVip = serializers.BooleanField(source="is_vip")
    isActive = serializers.BooleanField(source="is_active")
    groups = serializers.SerializerMethodField(help_text="Ids of the groups the user is a member of.")
    createdAt = serializers.DateTimeField(source="date_joined")

    def get_groups(self, user: User) -> list[str]:
        return [g.public_id for g in user.agent_groups.all()]


class UserCreateInput(InputSerializer):
    email = serializers.EmailField(max_length=254)
    name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.REQUESTER)
    isVip = serializers.BooleanField(default=False)
    password = StrictCharField(
        required=False,
        allow_blank=False,
        max_length=128,
        trim_whitespace=False,
        write_only=True,
        help_text="Optional; without it the user cannot log in with a password until one is set.",
    )
    groups = BoundedListField(child=PublicIdField(), required=False, max_length=100)


class UserUpdateInput(InputSerializer):
    email = serializers.EmailField(max_length=254, required=False)
    name = StrictCharField(max_length=150, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    isVip = serializers.BooleanField(required=False)
    isActive = serializers.BooleanField(required=False)
    password = StrictCharField(
        required=False,
        max_length=128,
        trim_whitespace=False,
        write_only=True,
        help_text=(
            "A new password. It revokes the user's API tokens, except the token this call is made with "
            "when users change their own; the user's browser sessions elsewhere are logged out."
        ),
    )
    currentPassword = StrictCharField(
        required=False,
        max_length=128,
        trim_whitespace=False,
        write_only=True,
        help_text="Required with `password` when changing your own password (admins too); not when an admin "
        "changes another user's.",
    )
    groups = BoundedListField(child=PublicIdField(), required=False, max_length=100)


class GroupSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    description = serializers.CharField()
    members = serializers.SerializerMethodField(help_text="Ids of the member users.")
    createdAt = serializers.DateTimeField(source="created_at")

    def get_members(self, group: Group) -> list[str]:
        return [u.public_id for u in group.members.all()]


class GroupCreateInput(InputSerializer):
    name = StrictCharField(max_length=100)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    members = BoundedListField(child=PublicIdField(), required=False, default=list, max_length=500)


class GroupUpdateInput(InputSerializer):
    name = StrictCharField(max_length=100, required=False)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    members = BoundedListField(child=PublicIdField(), required=False, max_length=500)


class TokenLoginInput(InputSerializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=128, trim_whitespace=False)
    name = StrictCharField(max_length=100, required=False, allow_blank=True, default="")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`. Shown only once.")


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.BooleanField()
