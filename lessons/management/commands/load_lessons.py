from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lessons.content_files import CONTENT_DIR, ContentError, read_lesson_sources
from lessons.models import Lesson


class Command(BaseCommand):
    help = (
        "Create or update lessons from the Markdown files in lessons/content/. "
        "Safe to run again: lessons whose files did not change are left alone, "
        "and lessons that exist only in the database (written in the admin) are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would change without writing anything.",
        )
        parser.add_argument(
            "--content-dir",
            type=Path,
            default=CONTENT_DIR,
            help="Where the lesson folders are (default: lessons/content/).",
        )

    def handle(self, *args, dry_run: bool, content_dir: Path, **options):
        try:
            sources = read_lesson_sources(content_dir)
        except (ContentError, OSError) as error:
            raise CommandError(str(error)) from error

        counts = {"created": 0, "updated": 0, "unchanged": 0}
        with transaction.atomic():
            existing = {lesson.slug: lesson for lesson in Lesson.objects.all()}
            for source in sources:
                values = source.field_values()
                lesson = existing.pop(source.slug, None)
                label = f"{source.order:02d} {source.slug}"
                if lesson is None:
                    counts["created"] += 1
                    self.stdout.write(f"  created    {label}")
                    if not dry_run:
                        Lesson.objects.create(slug=source.slug, **values)
                    continue
                changed = [name for name, value in values.items() if getattr(lesson, name) != value]
                if not changed:
                    counts["unchanged"] += 1
                    continue
                counts["updated"] += 1
                self.stdout.write(f"  updated    {label}: {', '.join(sorted(changed))}")
                if not dry_run:
                    for name in changed:
                        setattr(lesson, name, values[name])
                    lesson.save(update_fields=changed)
            for slug in sorted(existing):
                self.stdout.write(
                    f"  kept       {slug} (in the database only, not in {content_dir})"
                )

        self.stdout.write(
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {len(existing)} kept from the database only."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
