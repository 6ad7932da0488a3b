"""The corpus of real-shaped messages (tests/mailboxes/corpus/*.eml) and how tests fill in the
parts that name a request: its Message-ID, reply address and number, made the way notifications
make them (helpdesk/mail_threading.py)."""

from pathlib import Path

from helpdesk.mail_threading import message_id_for, reply_address_for, thread_root_id

CORPUS = Path(__file__).parent / "corpus"


def names() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.eml"))


def values_for(request, closed=None) -> dict[str, str]:
    values = {
        "MESSAGE_ID": message_id_for(request.public_id, "comment-1"),
        "MESSAGE_ID_2": message_id_for(request.public_id, "comment-2"),
        "THREAD_ROOT": thread_root_id(request.public_id),
        "REPLY_ADDRESS": reply_address_for(request.public_id),
        "NUMBER": str(request.number),
    }
    if closed is not None:
        values |= {
            "CLOSED_MESSAGE_ID": message_id_for(closed.public_id, "closing"),
            "CLOSED_NUMBER": str(closed.number),
        }
    return values


def load(name: str, **values: str) -> bytes:
    """A corpus message with CRLF line ends, as on the wire, and its {{PLACEHOLDERS}} filled in."""
    raw = (CORPUS / f"{name}.eml").read_bytes()
    for key, value in values.items():
        raw = raw.replace(b"{{" + key.encode() + b"}}", value.encode())
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
