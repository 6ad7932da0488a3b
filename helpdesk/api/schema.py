"""OpenAPI helpers so the schema shows the envelopes exactly as the API sends them."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

_ERROR = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "success": serializers.BooleanField(help_text="Always false"),
        "error": inline_serializer(
            name="Error",
            fields={
                "code": serializers.CharField(help_text="Machine-readable, e.g. validation_error, not_found."),
                "message": serializers.CharField(help_text="Names the offending field first, as 'field: problem'."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="Messages per field (camelCase names).",
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
    return inline_serializer(
        name=f"{name}Envelope", fields={"success": serializers.BooleanField(help_text="Always true"), "data": data}
    )


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


PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number (default 1). A page past the end is an empty list."),
    OpenApiParameter("limit", int, description="Items per page (default 20, 1 to 100)."),
]
