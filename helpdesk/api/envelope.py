"""The /v1 envelope: {"success": true, "data": ...} or {"success": false, "error": {...}}."""

import re

from rest_framework.response import Response

_CAMEL = re.compile(r"_([a-z])")


def camel(name: str) -> str:
    """Service field names are snake_case; the API speaks camelCase (assigned_to -> assignedTo)."""
    return _CAMEL.sub(lambda m: m.group(1).upper(), name)


def ok(data, status: int = 200, headers=None) -> Response:
    return Response({"success": True, "data": data}, status=status, headers=headers)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"success": False, "error": {"code": code, "message": message, "fields": fields or {}}}
