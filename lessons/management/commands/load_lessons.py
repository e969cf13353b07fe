from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction

from lessons.content_files import CONTENT_DIR, ContentError, LessonSource, read_lesson_sources
from lessons.models import Exercise, GlossaryTerm, LabPreset, Lesson


class Command(BaseCommand):
    help = (
        "Create or update lessons (with their lab presets and glossary terms) from the files "
        "in lessons/content/. Safe to run again: what did not change is left alone, and "
        "lessons that exist only in the database (written in the admin) are kept."
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

    # The report is for whoever runs the command, in the language of its messages.
    @no_translations
    def handle(self, *args, dry_run: bool, content_dir: Path, **options):
        try:
            sources = read_lesson_sources(content_dir)
        except (ContentError, OSError) as error:
            raise CommandError(str(error)) from error

        counts = {"created": 0, "updated": 0, "unchanged": 0}
        outdated = []
        with transaction.atomic():
            existing = {lesson.slug: lesson for lesson in Lesson.objects.all()}
            for source in sources:
                lesson = existing.pop(source.slug, None)
                label = f"{source.order:02d} {source.slug}"
                changes = self.sync_lesson(source, lesson, dry_run)
                if lesson is None:
                    counts["created"] += 1
                    self.stdout.write(f"  created    {label}")
                elif changes:
                    counts["updated"] += 1
                    self.stdout.write(f"  updated    {label}: {', '.join(changes)}")
                else:
                    counts["unchanged"] += 1
                if not dry_run:
                    lesson = Lesson.objects.get(slug=source.slug)
                    if lesson.uzbek_may_be_outdated:
                        outdated.append(source.slug)
            for slug in sorted(existing):
                self.stdout.write(
                    f"  kept       {slug} (in the database only, not in {content_dir})"
                )
            if dry_run:
                transaction.set_rollback(True)

        self.stdout.write(
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {len(existing)} kept from the database only."
        )
        for slug in outdated:
            self.stdout.write(
                f"  Uzbek may be out of date: {slug} (its English text changed after the "
                "Uzbek was written; review it in the admin)"
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")

    def sync_lesson(self, source: LessonSource, lesson: Lesson | None, dry_run: bool) -> list[str]:
        """Bring one lesson, its presets and its terms in line with the files; name what changed."""
        values = source.field_values()
        if lesson is None:
            lesson = Lesson(slug=source.slug, **values)
            lesson.mark_uzbek_reviewed()
            lesson.save()
            self.sync_presets(lesson, source)
            self.sync_terms(lesson, source)
            self.sync_exercises(lesson, source)
            return ["new"]
        changed = sorted(name for name, value in values.items() if getattr(lesson, name) != value)
        if changed:
            uzbek_rewritten = any(name.endswith("_uz") for name in changed)
            for name in changed:
                setattr(lesson, name, values[name])
            # Uzbek text changed together with the English: written for it.
            # English alone changed: the Uzbek stays flagged until reviewed.
            if uzbek_rewritten:
                lesson.mark_uzbek_reviewed()
            lesson.save()
        changed += self.sync_presets(lesson, source)
        changed += self.sync_terms(lesson, source)
        changed += self.sync_exercises(lesson, source)
        return changed

    def sync_presets(self, lesson: Lesson, source: LessonSource) -> list[str]:
        return self.sync_by_slug(lesson.presets, LabPreset, lesson, source.presets, "preset")

    def sync_terms(self, lesson: Lesson, source: LessonSource) -> list[str]:
        wanted = [term.field_values() for term in source.terms]
        current = [
            {name: getattr(term, name) for name in values}
            for term, values in zip(lesson.glossary_terms.order_by("id"), wanted, strict=False)
        ]
        if current == wanted and lesson.glossary_terms.count() == len(wanted):
            return []
        lesson.glossary_terms.all().delete()
        GlossaryTerm.objects.bulk_create(GlossaryTerm(lesson=lesson, **values) for values in wanted)
        return ["glossary"]

    def sync_exercises(self, lesson: Lesson, source: LessonSource) -> list[str]:
        return self.sync_by_slug(lesson.exercises, Exercise, lesson, source.exercises, "exercise")

    def sync_by_slug(self, related, model, lesson: Lesson, sources, label: str) -> list[str]:
        """Create, update in place or remove a lesson's presets or exercises, matched by slug.

        Rows are updated, not recreated: learners' settings and progress point at them.
        """
        changes = []
        existing = {item.slug: item for item in related.all()}
        for item_source in sources:
            values = item_source.field_values()
            item = existing.pop(item_source.slug, None)
            if item is None:
                model.objects.create(lesson=lesson, slug=item_source.slug, **values)
                changes.append(f"{label} {item_source.slug} added")
            elif any(getattr(item, name) != value for name, value in values.items()):
                model.objects.filter(pk=item.pk).update(**values)
                changes.append(f"{label} {item_source.slug} changed")
        for slug, item in existing.items():
            item.delete()
            changes.append(f"{label} {slug} removed")
        return changes
