"""Small helpers shared by the /v1 views."""


def rename(data: dict, names: dict[str, str]) -> dict:
    """API field names to service argument names, keeping only the fields that were sent."""
    return {names.get(key, key): value for key, value in data.items()}
