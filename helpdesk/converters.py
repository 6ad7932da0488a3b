from django.urls import register_converter

PUBLIC_ID_PATTERN = r"[A-Za-z0-9_]{1,64}"


class PublicIdConverter:
    """A public id such as req_ab12…: letters, digits and underscores only, so a stray byte (a NUL,
    a slash) in a URL is a 404 and never reaches the database."""

    regex = PUBLIC_ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicIdConverter, "pid")
