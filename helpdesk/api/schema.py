"""OpenAPI helpers so the schema shows the envelopes exactly as the API sends them.

The schema is also what client generators read, so it must be exact: every field a response always
carries is required, a request body that refuses unknown fields says additionalProperties: false,
constants are constants, and operation ids read as the names a generated client will expose.
"""

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

from .pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_PAGE

# Text the API accepts: anything but NUL. Where a field may be blank, drf-spectacular adds the empty
# string as a oneOf choice of its own, so this must not match it too.
NO_NUL = r"^[^\u0000]+$"

_ACTIONS = {"get": "get", "post": "create", "put": "replace", "patch": "update", "delete": "delete"}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the /v1 conventions (DEFAULT_SCHEMA_CLASS)."""

    def get_operation_id(self) -> str:
        # GET /v1/requests/{id}/comments -> requests_comments_list; GET /v1/requests/{id} -> requests_get.
        # Endpoints that fit no such rule (users/me, a download) name themselves in extend_schema.
        action = _ACTIONS[self.method.lower()]
        if action == "get" and not self.path.rstrip("/").endswith("}"):
            action = "list"
        return "_".join([*self._tokenize_path(), action])

    def get_description(self) -> str:
        # Only a view's own docstring describes it: inspect.getdoc would repeat ApiView's everywhere.
        for described in (getattr(self.view, self.method.lower(), None), type(self.view)):
            if described is not None and described.__doc__:
                return get_doc(described)
        return ""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and not any(isinstance(v, RegexValidator) for v in field.validators)  # their pattern says more
        ):
            # DRF's CharField refuses the NUL character (PostgreSQL cannot store it): say so.
            schema["pattern"] = NO_NUL
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and schema.get("properties"):
            # An output serializer sends every field it declares (null when there is nothing), so a
            # client may rely on each key being there; nullable fields already say so.
            schema["required"] = list(schema["properties"])
        return schema


class StrictInputSchema(OpenApiSerializerExtension):
    """helpdesk.api.fields.InputSerializer refuses unknown fields: the schema says so too."""

    target_class = "helpdesk.api.fields.InputSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if not type(self.target).__doc__:
            schema.pop("description", None)  # inherited from InputSerializer: says nothing of this body
        return {**schema, "additionalProperties": False}


@extend_schema_field({"type": "boolean", "enum": [True]})
class _AlwaysTrue(serializers.BooleanField):
    pass


@extend_schema_field({"type": "boolean", "enum": [False]})
class _AlwaysFalse(serializers.BooleanField):
    pass


_ERROR = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "success": _AlwaysFalse(),
        "error": inline_serializer(
            name="Error",
            fields={
                "code": serializers.CharField(help_text="Machine-readable, e.g. validation_error, not_found."),
                "message": serializers.CharField(help_text="Names the offending field first, as 'field: problem'."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="Messages per field (camelCase names); empty when no field is at fault.",
                ),
            },
        ),
    },
)

_ERROR_TEXT = {
    400: "Invalid input; the message names the field",
    401: "Missing, malformed or revoked token",
    403: "Not allowed for your role",
    404: "Unknown id, or a request you may not see",
    413: "Upload over the size limit",
    429: "Rate limit reached; see the Retry-After header",
}


def envelope(name: str, data) -> serializers.Serializer:
    """{"success": true, "data": <data>} where data is a serializer (instance or class)."""
    if isinstance(data, type):
        data = data()
    return inline_serializer(name=f"{name}Envelope", fields={"success": _AlwaysTrue(), "data": data})


def responses(ok: dict, *errors: int) -> dict:
    """Success responses plus the error envelope for each status, and 401/429 everywhere."""
    result = dict(ok)
    for status in sorted({*errors, 401, 429}):
        result[status] = OpenApiResponse(_ERROR, description=_ERROR_TEXT.get(status, "Error"))
    return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A token from POST /v1/auth/token."}


_PAGINATION = inline_serializer(
    name="Pagination", fields={k: serializers.IntegerField() for k in ("page", "limit", "total", "pages")}
)


def page_envelope(name: str, key: str, item) -> serializers.Serializer:
    """{"success": true, "data": {<key>: [item, ...], "pagination": {page, limit, total, pages}}}."""
    return envelope(
        name, inline_serializer(name=f"{name}Data", fields={key: item(many=True), "pagination": _PAGINATION})
    )


# The bounds helpdesk.api.pagination enforces; outside them the answer is a 400.
PAGE_PARAMETERS = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        description="Page number. A page past the end is an empty list.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        description="Items per page.",
    ),
]
