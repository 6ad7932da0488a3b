# Group names become unique without regard to case (the services always compared them that way).

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_case_duplicates(apps, schema_editor):
    """Fails loudly, naming them, if two groups differ only in case: rename one, then migrate again."""
    Group = apps.get_model("accounts", "Group")
    clashes = (
        Group.objects.annotate(key=Lower("name")).values("key").annotate(n=Count("id")).filter(n__gt=1).values_list("key", flat=True)
    )
    names = sorted(Group.objects.annotate(key=Lower("name")).filter(key__in=list(clashes)).values_list("name", flat=True))
    if names:
        raise RuntimeError(
            "Group names must be unique without regard to case; rename all but one of: " + ", ".join(names)
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_apitoken_expires_at'),
        ('sla', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='group',
            name='name',
            field=models.CharField(max_length=100),
        ),
        migrations.AddConstraint(
            model_name='group',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='group_name_unique_ci', violation_error_message='A group with this name already exists.'),
        ),
    ]
