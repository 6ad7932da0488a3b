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
