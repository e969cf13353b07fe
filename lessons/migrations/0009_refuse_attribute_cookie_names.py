"""Lab settings saved before attribute names were refused as cookie names get Django's default."""

from http.cookies import Morsel

from django.db import migrations

ATTRIBUTE_NAMES = {*Morsel._reserved, "partitioned"}


def reset_attribute_cookie_names(apps, schema_editor):
    LabConfig = apps.get_model("lessons", "LabConfig")
    for config in LabConfig.objects.only("pk", "cookie_name"):
        if config.cookie_name.lower() in ATTRIBUTE_NAMES:
            LabConfig.objects.filter(pk=config.pk).update(cookie_name="sessionid")


class Migration(migrations.Migration):
    dependencies = [("lessons", "0008_lab_cache_alias")]

    operations = [migrations.RunPython(reset_attribute_cookie_names, migrations.RunPython.noop)]
