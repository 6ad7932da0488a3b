from rest_framework import serializers

from helpdesk.api.fields import BoundedListField, InputSerializer, StrictCharField

from ..models import DeliveryStatus, WebhookEvent

URL_MAX = 2000


class WebhookSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    active = serializers.BooleanField()
    description = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    failingSince = serializers.DateTimeField(
        source="failing_since", allow_null=True, help_text="First failure since the last success; null when healthy."
    )
    disabledAt = serializers.DateTimeField(source="disabled_at", allow_null=True)
    disabledReason = serializers.CharField(source="disabled_reason")


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (Standard Webhooks, whsec_…). Shown this once: store it now."
    )


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    webhookId = serializers.CharField(
        source="idempotency_key", help_text="The webhook-id header: the same on every retry of this message."
    )
    event = serializers.CharField(help_text="The event type, or webhook.test.")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    responseStatus = serializers.IntegerField(source="response_status", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    createdAt = serializers.DateTimeField(source="created_at")
    sentAt = serializers.DateTimeField(source="sent_at", allow_null=True)
    nextAttemptAt = serializers.SerializerMethodField(help_text="When it is tried next; null when finished.")

    def get_nextAttemptAt(self, delivery) -> str | None:  # noqa: N802 (the API's name)
        if delivery.status != DeliveryStatus.PENDING or delivery.due_at is None:
            return None
        return serializers.DateTimeField().to_representation(delivery.due_at)


def _events_field(**kwargs):
    return BoundedListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        min_length=1,
        max_length=len(WebhookEvent.values),
        **kwargs,
    )


class WebhookCreateInput(InputSerializer):
    url = serializers.URLField(max_length=URL_MAX)
    events = _events_field(help_text="Event types to send; at least one.")
    active = serializers.BooleanField(required=False, default=True)
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class WebhookUpdateInput(InputSerializer):
    url = serializers.URLField(max_length=URL_MAX, required=False)
    events = _events_field(required=False)
    active = serializers.BooleanField(required=False, help_text="true switches a disabled endpoint on again.")
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
