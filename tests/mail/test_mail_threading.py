"""The names outgoing mail carries can be read back by intake, and cannot be forged."""

from helpdesk import mail_threading as mt

PUBLIC_ID = "req_AbC123xyz"


def test_a_message_id_we_made_names_its_request():
    made = mt.message_id_for(PUBLIC_ID, "dlv_1")
    assert made.startswith("<dlv_1.req_AbC123xyz.") and made.endswith("@helpdesk.localhost>")
    assert mt.request_id_from_message_id(made) == PUBLIC_ID
    assert mt.request_id_from_message_id(mt.thread_root_id(PUBLIC_ID)) == PUBLIC_ID
    assert mt.message_id_for(PUBLIC_ID) != mt.message_id_for(PUBLIC_ID)


def test_forged_or_foreign_message_ids_name_nothing():
    made = mt.message_id_for(PUBLIC_ID, "x")
    assert mt.request_id_from_message_id(made.replace("req_AbC123xyz", "req_Other12345")) is None
    assert mt.request_id_from_message_id(made.replace("helpdesk.localhost", "evil.example")) is None
    assert mt.request_id_from_message_id("<CAF=abc@mail.gmail.com>") is None
    assert mt.request_id_from_message_id("") is None


def test_the_reply_address_names_its_request_whatever_the_display_name(settings):
    settings.HELPDESK_REPLY_ADDRESS = "help@support.example"
    address = mt.reply_address_for(PUBLIC_ID)
    assert address.startswith("help+req_AbC123xyz.") and address.endswith("@support.example")
    assert mt.request_id_from_address(f'"Support" <{address}>') == PUBLIC_ID
    assert mt.request_id_from_address(address.upper().replace("REQ_ABC123XYZ", PUBLIC_ID)) == PUBLIC_ID
    assert mt.request_id_from_address("help@support.example") is None
    assert mt.request_id_from_address(address.replace("help+", "other+")) is None
    assert mt.request_id_from_address(address.replace(address[-20:-17], "000")) is None
