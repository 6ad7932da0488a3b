"""The embedded broker (no Redis): Celery's filesystem transport with atomic message writes."""

import os

from kombu import Connection
from kombu.transport import filesystem

from helpdesk import queue_files


def connection(tmp_path) -> Connection:
    # Kombu keeps declared exchanges per process: each test uses queue names of its own.
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(tmp_path)}
    return Connection(transport=queue_files.Transport, transport_options=options)


def test_a_message_goes_through_the_queue_folder(tmp_path):
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue("jobs")
        queue.put({"request_id": 7})
        message = queue.get(timeout=2)
        assert message.payload == {"request_id": 7}
        message.ack()
        queue.close()


def test_a_reader_never_sees_a_message_file_before_it_is_complete(tmp_path, monkeypatch):
    seen_while_writing = []
    real_dumps = queue_files.dumps

    def dumps_and_look(payload):
        # The moment the body is being written: no file may yet carry the name readers look for.
        seen_while_writing.extend(n for n in os.listdir(tmp_path / "queue") if n.endswith(".msg"))
        return real_dumps(payload)

    monkeypatch.setattr(queue_files, "dumps", dumps_and_look)
    monkeypatch.setattr(filesystem, "dumps", dumps_and_look)  # kombu's own writer, were it used
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue("notes")
        queue.put({"n": 1})
        assert seen_while_writing == []
        assert [n for n in os.listdir(tmp_path / "queue") if n.endswith(".notes.msg")]
        queue.close()
