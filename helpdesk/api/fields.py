"""Input serializer building blocks shared by every /v1 endpoint."""

import heapq
from collections.abc import Mapping

from django.core.validators import RegexValidator
from rest_framework import serializers
from rest_framework.settings import api_settings

from helpdesk.converters import PUBLIC_ID_PATTERN

valid_public_id = RegexValidator(f"^{PUBLIC_ID_PATTERN}$", "Not a valid id.")


class StrictCharField(serializers.CharField):
    """A string, and only a string: 123 or true in a text field is a client bug, not a title."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        # Refuse an overlong string before the validators walk it character by character.
        if self.max_length is not None and len(value) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return value


class PublicIdField(StrictCharField):
    """An id such as usr_…, grp_…: checked for shape before any lookup."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        self.validators.append(valid_public_id)


class BoundedListField(serializers.ListField):
    """A list with a required maximum length, checked before any item is validated: a list of a
    million items costs one len(), not a million item errors."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


# An error names this many unknown fields at most, and counts the rest.
UNKNOWN_FIELDS_NAMED = 5


def unknown_field_errors(names) -> dict[str, list[str]]:
    errors = {name: ["Unknown field."] for name in heapq.nsmallest(UNKNOWN_FIELDS_NAMED, names)}
    if len(names) > UNKNOWN_FIELDS_NAMED:
        more = len(names) - UNKNOWN_FIELDS_NAMED
        errors[api_settings.NON_FIELD_ERRORS_KEY] = [f"And {more:,} more unknown fields."]
    return errors


class InputSerializer(serializers.Serializer):
    """Validates a request body; unknown fields are errors, so a typo never passes silently."""

    def to_internal_value(self, data):
        unknown = set(data) - set(self.fields) if isinstance(data, Mapping) else set()
        errors = unknown_field_errors(unknown)
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
