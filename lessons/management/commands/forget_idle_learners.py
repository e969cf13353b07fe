import shutil

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lessons.lab.forgetting import forget_learners, idle_learners, orphan_file_directories

DEFAULT_DAYS = 90


class Command(BaseCommand):
    help = (
        "Forget learners not seen for --days days who belong to no classroom: their progress, "
        "lab settings and timeline, and their lab sessions in every store (database rows, "
        "files, Redis and memcached keys). Also removes expired lab sessions from the "
        "database and file directories left by learners who no longer exist. "
        "`make classroom` runs it at every start; on a server that stays up, run it daily "
        "from cron (docs/hosting.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"how long a learner must have been away (default {DEFAULT_DAYS})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would go, remove nothing"
        )

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        idle = idle_learners(days)
        orphans = orphan_file_directories()
        expired = Session.objects.filter(expire_date__lt=timezone.now())
        if dry_run:
            self.stdout.write(
                f"Would forget {idle.count()} learners not seen for {days} days, remove "
                f"{expired.count()} expired lab sessions and {len(orphans)} orphan file "
                "directories."
            )
            return
        forgotten = forget_learners(idle)
        for path in orphans:
            shutil.rmtree(path, ignore_errors=True)
        expired_count = expired.count()
        # Django's own clean-up of the lab's django_session table (the site's
        # own sessions are cleared by `manage.py clearsessions`).
        DatabaseSessionStore.clear_expired()
        self.stdout.write(
            f"Forgot {forgotten.learners} learners not seen for {days} days, with "
            f"{forgotten.sessions} lab sessions and {forgotten.directories} file directories; "
            f"removed {expired_count} expired lab sessions and {len(orphans)} orphan file "
            "directories."
        )
        if forgotten.unreachable:
            self.stdout.write(
                f"Not reachable: {', '.join(forgotten.unreachable)}. Their keys expire there "
                "on their own."
            )
