"""Input serializer building blocks shared by every /v1 endpoint."""

from collections.abc import Mapping

from django.core.validators import RegexValidator
from rest_framework import serializers

from helpdesk.converters import PUBLIC_ID_PATTERN

valid_public_id = RegexValidator(f"^{PUBLIC_ID_PATTERN}$", "Not a valid id.")


class StrictCharField(serializers.CharField):
    """A string, and only a string: 123 or true in a text field is a client bug, not a title."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PublicIdField(StrictCharField):
    """An id such as usr_…, grp_…: checked for shape before any lookup."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        self.validators.append(valid_public_id)


class InputSerializer(serializers.Serializer):
    """Validates a request body; unknown fields are errors, so a typo never passes silently."""

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        errors = {name: ["Unknown field."] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**exc.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def create(self, validated_data):  # serializers validate; services write
        raise NotImplementedError

    def update(self, instance, validated_data):
        raise NotImplementedError
