import pytest

from mailboxes import services
from mailboxes.models import AfterImport
from tests.mailboxes import corpus, imap_server
from tickets import services as tickets
from tickets.models import Priority, Status

LIMIT = 64 * 1024  # the attachment limit in these tests: the corpus' 100 KB file is over it


@pytest.fixture(autouse=True)
def _intake_settings(settings):
    settings.ATTACHMENT_MAX_BYTES = LIMIT
    settings.HELPDESK_REPLY_ADDRESS = "support@helpdesk.localhost"
    settings.MAIL_DOMAIN = ""
    settings.DEFAULT_FROM_EMAIL = "Helpdesk <support@helpdesk.localhost>"
    settings.EMAIL_INTAKE_UNKNOWN_SENDERS = "create"


@pytest.fixture
def mailbox(db, group):
    mailbox, _ = services.mailbox_create(actor=None, name="Support", address="support@helpdesk.localhost", group=group)
    return mailbox


@pytest.fixture
def thread_request(requester):
    """Rita's open request that the corpus' replies answer."""
    return tickets.request_create(
        actor=requester, title="Printer on floor 3 jams", description="It jams.", priority=Priority.MEDIUM
    )


@pytest.fixture
def closed_request(requester, agent):
    request = tickets.request_create(
        actor=requester, title="Laptop battery swells", description="Swollen.", priority=Priority.MEDIUM
    )
    tickets.request_update(actor=agent, request=request, changes={"status": Status.CLOSED})
    request.refresh_from_db()
    return request


@pytest.fixture
def corpus_values(thread_request, closed_request):
    return corpus.values_for(thread_request, closed_request)


@pytest.fixture
def receive(mailbox):
    def receive(raw: bytes, channel: str = "imap"):
        return services.message_receive(mailbox=mailbox, raw=raw, channel=channel)

    return receive


@pytest.fixture(scope="session")
def imap_session():
    server = imap_server.start()
    try:
        yield server
    finally:
        imap_server.stop(server)


@pytest.fixture
def imap(imap_session):
    """The real IMAP server (pymap), emptied for this test."""
    imap_session.clear()
    return imap_session


@pytest.fixture
def imap_mailbox(mailbox, imap):
    changes = {
        "imap_host": imap.host,
        "imap_port": imap.port,
        "imap_tls": False,
        "imap_username": imap.username,
        "imap_password": imap.password,
        "after_import": AfterImport.MARK_SEEN,
    }
    return services.mailbox_update(actor=None, mailbox=mailbox, changes=changes)
