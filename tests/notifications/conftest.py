import pytest

from notifications import outbox


@pytest.fixture(autouse=True)
def _fresh_notification_config(settings):
    # Rules and endpoints are cached per process; every test reads its own.
    settings.WEBHOOK_ALLOW_PRIVATE = True
    outbox.config_changed()
    yield
    outbox.config_changed()
