from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from helpdesk.api.fields import InputSerializer, PublicIdField, StrictCharField

from ..models import AfterImport

AFTER_IMPORT_HELP = "What happens on the server to imported mail: mark it seen, move it to `moveTo`, or delete it."


class ImapSerializer(serializers.Serializer):
    host = serializers.CharField(source="imap_host")
    port = serializers.IntegerField(source="imap_port")
    tls = serializers.BooleanField(source="imap_tls")
    username = serializers.CharField(source="imap_username")
    passwordSet = serializers.SerializerMethodField(help_text="Whether a password is stored; it is never returned.")
    folder = serializers.CharField(source="imap_folder")
    afterImport = serializers.ChoiceField(
        source="after_import", choices=AfterImport.choices, help_text=AFTER_IMPORT_HELP
    )
    moveTo = serializers.CharField(source="move_to_folder")

    def get_passwordSet(self, mailbox) -> bool:  # noqa: N802 (the API's field name)
        return bool(mailbox.imap_password)


class MailboxSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    address = serializers.EmailField()
    groupId = serializers.SerializerMethodField()
    active = serializers.BooleanField()
    imap = ImapSerializer(source="*", help_text="IMAP polling; host is empty for a mailbox that only takes posts.")
    inboundUrl = serializers.SerializerMethodField(help_text="Where a mail provider posts raw messages.")
    lastPolledAt = serializers.DateTimeField(source="last_polled_at", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    createdAt = serializers.DateTimeField(source="created_at")

    def get_groupId(self, mailbox) -> str | None:  # noqa: N802
        return mailbox.group.public_id if mailbox.group_id else None

    def get_inboundUrl(self, mailbox) -> str:  # noqa: N802
        return f"/v1/mailboxes/{mailbox.public_id}/inbound"


class MailboxCreatedSerializer(MailboxSerializer):
    inboundSecret = serializers.CharField(
        help_text="The Bearer token of POST /v1/mailboxes/:id/inbound. Shown only now; only its hash is kept."
    )


PASSWORD_HELP = (
    "Write-only: stored as given (the IMAP server needs it) and never returned. "
    "Empty in an update keeps the stored one."
)


class ImapCreateInput(InputSerializer):
    host = StrictCharField(max_length=255, allow_blank=True, default="", help_text="Empty: no IMAP polling.")
    port = serializers.IntegerField(min_value=1, max_value=65535, default=993)
    tls = serializers.BooleanField(default=True)
    username = StrictCharField(max_length=255, allow_blank=True, default="")
    password = StrictCharField(
        max_length=255, allow_blank=True, default="", trim_whitespace=False, write_only=True, help_text=PASSWORD_HELP
    )
    folder = StrictCharField(max_length=255, default="INBOX")
    afterImport = serializers.ChoiceField(choices=AfterImport.choices, default="seen", help_text=AFTER_IMPORT_HELP)
    moveTo = StrictCharField(max_length=255, allow_blank=True, default="Imported")


class ImapUpdateInput(InputSerializer):
    host = StrictCharField(max_length=255, allow_blank=True, required=False, help_text="Empty: no IMAP polling.")
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    tls = serializers.BooleanField(required=False)
    username = StrictCharField(max_length=255, allow_blank=True, required=False)
    password = StrictCharField(
        max_length=255,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        write_only=True,
        help_text=PASSWORD_HELP,
    )
    folder = StrictCharField(max_length=255, required=False)
    afterImport = serializers.ChoiceField(choices=AfterImport.choices, required=False, help_text=AFTER_IMPORT_HELP)
    moveTo = StrictCharField(max_length=255, allow_blank=True, required=False)


class MailboxCreateInput(InputSerializer):
    name = StrictCharField(max_length=100)
    address = serializers.EmailField(max_length=254)
    groupId = PublicIdField(required=False, allow_null=True)
    active = serializers.BooleanField(default=True)
    imap = ImapCreateInput(required=False)


class MailboxUpdateInput(InputSerializer):
    name = StrictCharField(max_length=100, required=False)
    address = serializers.EmailField(max_length=254, required=False)
    groupId = PublicIdField(required=False, allow_null=True)
    active = serializers.BooleanField(required=False)
    imap = ImapUpdateInput(required=False)


class InboundImportedSerializer(serializers.Serializer):
    requestId = serializers.CharField(help_text="The request the message opened or answered.")
    commentId = serializers.CharField(allow_null=True, help_text="The reply it became; null when it opened a request.")


class InboundIgnoredSerializer(serializers.Serializer):
    ignored = serializers.CharField(help_text="Why: an auto-reply, bounce or bulk mail, a loop, a refused sender.")


class InboundQuarantinedSerializer(serializers.Serializer):
    quarantined = serializers.CharField(help_text="Why it could not be imported; admins see it and may retry.")


INBOUND_RESULT = PolymorphicProxySerializer(
    component_name="InboundResult",
    serializers=[InboundImportedSerializer, InboundIgnoredSerializer, InboundQuarantinedSerializer],
    resource_type_field_name=None,
)
