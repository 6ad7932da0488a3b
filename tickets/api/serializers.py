from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.api.serializers import UserRefSerializer
from helpdesk.api.fields import BoundedListField, InputSerializer, PublicIdField, StrictCharField, valid_public_id
from sla.models import ClockStatus
from surveys.api.serializers import RequestSurveySerializer

from ..models import Priority, Source, Status

TITLE_MAX = 200
DESCRIPTION_MAX = 50_000
COMMENT_MAX = 50_000


# --- output ------------------------------------------------------------------------------------


class RequesterSerializer(UserRefSerializer):
    isVip = serializers.BooleanField(source="is_vip")


class GroupRefSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()


class AuthorSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField(source="get_full_name")


class CommentSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    content = serializers.CharField()
    author = AuthorSerializer()
    isInternal = serializers.BooleanField(source="is_internal")
    createdAt = serializers.DateTimeField(source="created_at")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    filename = serializers.CharField()
    size = serializers.IntegerField()
    uploadedAt = serializers.DateTimeField(source="created_at")


class AttachmentCreatedSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    filename = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        path = reverse("api-attachment", args=[attachment.public_id])
        return self.context["request"].build_absolute_uri(path)


class SlaSerializer(serializers.Serializer):
    tier = serializers.CharField(help_text="The SLA tier the request's policy picked.")
    responseTarget = serializers.DateTimeField(source="first_response.target_at")
    resolutionTarget = serializers.DateTimeField(source="resolution.target_at")
    responseStatus = serializers.ChoiceField(choices=ClockStatus.choices, source="first_response.status")
    resolutionStatus = serializers.ChoiceField(choices=ClockStatus.choices, source="resolution.status")


class _RequestBase(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    number = serializers.IntegerField(help_text="The human number shown in the UI and emails (#123).")
    title = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = serializers.CharField(source="category.name", allow_null=True, default=None)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(
        source="seen_updated_at", help_text="The last change; for requesters, the last change they can see."
    )


class RequestListItemSerializer(_RequestBase):
    assignedTo = serializers.CharField(source="assigned_to.public_id", allow_null=True, default=None)
    assignedGroup = serializers.CharField(source="assigned_group.public_id", allow_null=True, default=None)
    requester = UserRefSerializer()


class RequestListItemWithSurveySerializer(RequestListItemSerializer):
    """A list item with ?include=survey (the requests must have `survey_invitation` attached)."""

    survey = RequestSurveySerializer(source="survey_invitation", allow_null=True)


class RequestDetailSerializer(_RequestBase):
    tags = serializers.SerializerMethodField()
    assignedTo = UserRefSerializer(source="assigned_to", allow_null=True)
    assignedGroup = GroupRefSerializer(source="assigned_group", allow_null=True)
    requester = RequesterSerializer()
    source = serializers.ChoiceField(choices=Source.choices)
    resolution = serializers.CharField()
    firstResponseAt = serializers.DateTimeField(source="first_response_at", allow_null=True)
    resolvedAt = serializers.DateTimeField(source="resolved_at", allow_null=True)
    closedAt = serializers.DateTimeField(source="closed_at", allow_null=True)
    sla = SlaSerializer()
    firstResponseMinutes = serializers.IntegerField(
        source="sla.first_response_minutes",
        allow_null=True,
        help_text="Business minutes from creation to the first response (pauses excluded); null before it.",
    )
    resolutionMinutes = serializers.IntegerField(
        source="sla.resolution_minutes",
        allow_null=True,
        help_text="Business minutes from creation to resolution (pauses excluded); null while unresolved.",
    )
    comments = CommentSerializer(source="visible_comments", many=True)
    attachments = AttachmentSerializer(source="visible_attachments", many=True)
    survey = RequestSurveySerializer(
        source="survey_invitation",
        allow_null=True,
        help_text="The latest satisfaction survey sent for the request; null when none was sent.",
    )

    def get_tags(self, request) -> list[str]:
        return sorted(t.name for t in request.tags.all())


class RequestCreatedSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    createdAt = serializers.DateTimeField(source="created_at")


class RequestUpdatedSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    status = serializers.ChoiceField(choices=Status.choices)
    updatedAt = serializers.DateTimeField(
        source="seen_updated_at", help_text="The last change; for requesters, the last change they can see."
    )


class DeletedSerializer(serializers.Serializer):
    deleted = serializers.BooleanField()


# --- input -------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="RequesterByEmail")
class _RequesterByEmail(InputSerializer):
    email = serializers.EmailField(max_length=254)
    name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")


class RequesterField(serializers.Field):
    default_error_messages = {"invalid": "Give a user id (usr_…) or an object with an email."}

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip():
            try:
                valid_public_id(data.strip())
            except DjangoValidationError:
                self.fail("invalid")
            return {"requester_id": data.strip()}
        if isinstance(data, Mapping):
            person = _RequesterByEmail(data=data)
            if not person.is_valid():
                raise serializers.ValidationError(
                    [f"{field}: {msg}" for field, msgs in person.errors.items() for msg in msgs]
                )
            return {"requester_email": person.validated_data["email"], "requester_name": person.validated_data["name"]}
        self.fail("invalid")

    def to_representation(self, value):
        return value


class RequesterFieldSchema(OpenApiSerializerFieldExtension):
    """A user id or {email, name}: the object is _RequesterByEmail's own schema (unknown keys refused)."""

    target_class = RequesterField

    def map_serializer_field(self, auto_schema, direction):
        by_email = auto_schema.resolve_serializer(_RequesterByEmail, direction)
        return {
            "oneOf": [
                {"type": "string", "pattern": valid_public_id.regex.pattern, "description": "An existing user's id"},
                by_email.ref,
            ],
            "description": "Agents only: who the request is for. Made as a new requester if the email is new.",
        }


def _id_field(**kwargs):
    return PublicIdField(required=False, allow_null=True, allow_blank=True, **kwargs)


def _tags_field():
    return BoundedListField(child=StrictCharField(max_length=50), required=False, max_length=50)


class RequestCreateInput(InputSerializer):
    title = StrictCharField(max_length=TITLE_MAX)
    description = StrictCharField(max_length=DESCRIPTION_MAX)
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = StrictCharField(max_length=50, required=False, allow_null=True, allow_blank=True)
    assignedTo = _id_field(help_text="User id of an agent (agents only).")
    assignedGroup = _id_field(help_text="Group id (agents only).")
    tags = _tags_field()
    requester = RequesterField(required=False)


class RequestUpdateInput(InputSerializer):
    title = StrictCharField(max_length=TITLE_MAX, required=False)
    description = StrictCharField(max_length=DESCRIPTION_MAX, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = StrictCharField(max_length=50, required=False, allow_null=True, allow_blank=True)
    assignedTo = _id_field(help_text="User id of an agent, or null to unassign.")
    assignedGroup = _id_field(help_text="Group id, or null.")
    tags = _tags_field()
    resolution = StrictCharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)


class CommentCreateInput(InputSerializer):
    content = StrictCharField(max_length=COMMENT_MAX)
    isInternal = serializers.BooleanField(required=False, default=False)
