"""Exchanges recorded before LabExchange.inputs existed: give the append actions the key they
were given, read once from the Python line they showed, so a learner's earlier appends still
count for the exercise that checks them."""

import json
import re

from django.db import migrations

APPEND_KEY = re.compile(r'^request\.session\[("(?:[^"\\]|\\.)*")\]\.append\(')


def backfill(apps, schema_editor):
    LabExchange = apps.get_model("lessons", "LabExchange")
    appends = LabExchange.objects.filter(action__in=["append", "append_modified"], inputs={})
    for exchange in appends.iterator():
        match = APPEND_KEY.match(exchange.python or "")
        if match:
            exchange.inputs = {"key": json.loads(match.group(1))}
            exchange.save(update_fields=["inputs"])


class Migration(migrations.Migration):
    dependencies = [("lessons", "0013_exchange_inputs")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
