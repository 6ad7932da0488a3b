from django.db import migrations

DEFAULT_RULES = [
    "request_created_requester",
    "request_created_agents",
    "public_reply",
    "requester_reply",
    "assigned",
    "resolved",
    "sla_at_risk",
    "sla_breached",
    "webhook_disabled",
]


def add_rules(apps, schema_editor):
    NotificationRule = apps.get_model("notifications", "NotificationRule")
    for rule in DEFAULT_RULES:
        NotificationRule.objects.get_or_create(rule=rule, defaults={"enabled": True})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
