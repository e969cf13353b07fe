"""Move the site's own sessions out of django_session, so that visitors stay who they were.

A row of django_session whose key the lab never handed to a learner is the
site's own: it moves to lessons_sitesession, signed again with the site
engine's salt. Lab rows stay where they are; expired rows are left for
clearsessions.
"""

from django.contrib.sessions.serializers import JSONSerializer
from django.core import signing
from django.db import migrations
from django.utils import timezone

DJANGO_DB_SALT = "django.contrib.sessions.SessionStore"
SITE_SALT = "lessons.session_engines.site_sessions"
LAB_DATABASE_ENGINES = ("db", "cached_db")


def move_site_sessions(apps, schema_editor):
    Session = apps.get_model("sessions", "Session")
    SiteSession = apps.get_model("lessons", "SiteSession")
    LabSessionKey = apps.get_model("lessons", "LabSessionKey")
    lab_keys = set(
        LabSessionKey.objects.filter(engine__in=LAB_DATABASE_ENGINES).values_list(
            "session_key", flat=True
        )
    )
    moved = []
    for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if row.session_key in lab_keys:
            continue
        try:
            data = signing.loads(row.session_data, salt=DJANGO_DB_SALT, serializer=JSONSerializer)
        except (signing.BadSignature, ValueError):
            continue
        SiteSession.objects.update_or_create(
            session_key=row.session_key,
            defaults={
                "session_data": signing.dumps(
                    data, salt=SITE_SALT, serializer=JSONSerializer, compress=True
                ),
                "expire_date": row.expire_date,
            },
        )
        moved.append(row.session_key)
    Session.objects.filter(session_key__in=moved).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0010_site_sessions"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(move_site_sessions, migrations.RunPython.noop)]
