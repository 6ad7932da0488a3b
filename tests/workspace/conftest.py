"""Fixtures of the workspace page tests."""

import pytest
from django.test import Client


@pytest.fixture
def agent_client(agent):
    """A browser session of the agent fixture (Alice Agent)."""
    client = Client()
    client.force_login(agent)
    return client
