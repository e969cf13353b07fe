from django.db import migrations, models


def number_the_timelines(apps, schema_editor):
    """Number each learner's kept exchanges from their oldest, as new ones will be."""
    LabExchange = apps.get_model("lessons", "LabExchange")
    learner_ids = LabExchange.objects.values_list("learner_id", flat=True).distinct()
    for learner_id in learner_ids.iterator():
        exchanges = list(
            LabExchange.objects.filter(learner_id=learner_id).order_by("created_at", "id")
        )
        for number, exchange in enumerate(exchanges, start=1):
            exchange.number = number
        LabExchange.objects.bulk_update(exchanges, ["number"])


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0017_lab_login"),
    ]

    operations = [
        migrations.AddField(
            model_name="labexchange",
            name="number",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.RunPython(number_the_timelines, migrations.RunPython.noop),
    ]
