"""The one domain error type. Services raise it; the API turns it into the error envelope and the
HTML views into form errors."""


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    @classmethod
    def for_field(cls, field: str, message: str, **kwargs) -> "DomainError":
        return cls(message, fields={field: [message]}, **kwargs)


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 400


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class TooLarge(DomainError):
    code = "payload_too_large"
    status = 413


class RateLimited(DomainError):
    """Too many attempts; retry_after says in how many seconds the window ends."""

    code = "throttled"
    status = 429

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Conflict(DomainError):
    """Someone else changed the thing since the caller last saw it."""

    code = "conflict"
    status = 409


class Unavailable(DomainError):
    """Something the change needs (a mail server, say) is not answering; trying later may work."""

    code = "unavailable"
    status = 503
