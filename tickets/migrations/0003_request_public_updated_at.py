import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    # Until now every change counted for requesters too: their last visible change is updated_at.
    Request = apps.get_model("tickets", "Request")
    Request._base_manager.update(public_updated_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_group_calendar"),
        ("tickets", "0002_request_sla_fields"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="request",
            name="public_updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["requester", "-public_updated_at", "-id"],
                name="req_requester_public_updated",
            ),
        ),
    ]
