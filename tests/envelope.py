"""Assertions on the /v1 envelope, shared by the API tests."""


def data_of(response, status=200):
    """The data of a success envelope, after checking its status and shape."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"success", "data"}
    assert body["success"] is True
    return body["data"]


def error_of(response, status):
    """The error of an error envelope, after checking its status and shape."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"success", "error"}
    assert body["success"] is False
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def assert_names_field(error, field):
    """The message starts with the field's name and the fields map has it."""
    assert error["message"].startswith(f"{field}:"), error
    assert field in error["fields"], error
    assert error["fields"][field] and all(isinstance(m, str) for m in error["fields"][field])
