import secrets

from django.db import migrations, models

import lessons.models


def give_every_learner_a_token(apps, schema_editor):
    Learner = apps.get_model("lessons", "Learner")
    for learner in Learner.objects.filter(cross_site_token__isnull=True):
        learner.cross_site_token = secrets.token_urlsafe(16)
        learner.save(update_fields=["cross_site_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0003_presets_glossary_review"),
    ]

    operations = [
        migrations.AddField(
            model_name="learner",
            name="cross_site_token",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(give_every_learner_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="learner",
            name="cross_site_token",
            field=models.CharField(
                default=lessons.models.new_cross_site_token,
                editable=False,
                max_length=32,
                unique=True,
            ),
        ),
    ]
