"""Fixtures of the portal page tests."""

import pytest
from django.test import Client


@pytest.fixture
def portal(requester):
    """A browser session of the requester fixture (Rita Requester)."""
    client = Client()
    client.force_login(requester)
    return client
