"""drf-spectacular postprocessing: what every /v1 answer carries, written into the schema once."""

_RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Calls allowed per window (API_RATE_LIMIT), counted per user; per address without credentials.",
    "RateLimit-Remaining": "Calls left in the current window.",
    "RateLimit-Reset": "Seconds until the current window ends.",
}


def _header(description: str) -> dict:
    return {"schema": {"type": "integer", "minimum": 0}, "description": description}


def rate_limit_headers(result, generator, request, public):
    """Every answer carries the RateLimit-* headers (when a limit is set); a 429 also Retry-After."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/v1/") or path in ("/v1/schema", "/v1/docs"):
            continue
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                headers.update({name: _header(text) for name, text in _RATE_LIMIT_HEADERS.items()})
                if str(status) == "429":
                    headers["Retry-After"] = _header("Seconds to wait before calling again.")
    return result
