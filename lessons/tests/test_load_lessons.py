"""The load_lessons command: content files in, lessons out, idempotent."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lessons.content_files import read_lesson_sources
from lessons.models import Lesson


def write_lesson(root: Path, folder: str, en_title="A title", uz_title="Sarlavha", body="Body"):
    lesson_dir = root / folder
    lesson_dir.mkdir(parents=True, exist_ok=True)
    for language, title in (("en", en_title), ("uz", uz_title)):
        front_matter = f"---\ntitle: {title}\nsummary: Summary {language}\n---\n"
        (lesson_dir / f"{language}.md").write_text(
            f"{front_matter}\n## Part\n\n{body} {language}\n", encoding="utf-8"
        )
    return lesson_dir


def load(*args, content_dir=None):
    out = StringIO()
    extra = ["--content-dir", str(content_dir)] if content_dir else []
    call_command("load_lessons", *args, *extra, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_loads_the_real_content_files_in_both_languages():
    sources = read_lesson_sources()
    output = load()
    assert f"{len(sources)} created, 0 updated, 0 unchanged" in output
    for source in sources:
        lesson = Lesson.objects.get(slug=source.slug)
        assert lesson.order == source.order
        assert lesson.title_en == source.title["en"] and lesson.title_uz == source.title["uz"]
        assert lesson.body_uz == source.body["uz"]


@pytest.mark.django_db
def test_second_run_changes_nothing():
    load()
    count = Lesson.objects.count()
    output = load()
    assert f"0 created, 0 updated, {count} unchanged" in output
    assert Lesson.objects.count() == count


@pytest.mark.django_db
def test_dry_run_reports_but_writes_nothing(tmp_path):
    write_lesson(tmp_path, "01-first")
    output = load("--dry-run", content_dir=tmp_path)
    assert "created    01 first" in output
    assert "Dry run: nothing was written." in output
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_an_edited_file_is_reported_with_the_changed_fields(tmp_path):
    write_lesson(tmp_path, "01-first")
    write_lesson(tmp_path, "02-second")
    load(content_dir=tmp_path)
    write_lesson(tmp_path, "02-second", uz_title="Yangi sarlavha", body="Changed")
    output = load(content_dir=tmp_path)
    assert "updated    02 second: body_en, body_uz, title_uz" in output
    assert "0 created, 1 updated, 1 unchanged" in output
    assert Lesson.objects.get(slug="second").title_uz == "Yangi sarlavha"


@pytest.mark.django_db
def test_lessons_written_in_the_admin_are_kept(tmp_path):
    Lesson.objects.create(
        slug="admin-only", order=9, title_en="T", title_uz="T", summary_en="S", summary_uz="S",
        body_en="B", body_uz="B",
    )  # fmt: skip
    write_lesson(tmp_path, "01-first")
    output = load(content_dir=tmp_path)
    assert "kept       admin-only" in output
    assert Lesson.objects.filter(slug="admin-only").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "uz.md").unlink(), "uz.md: missing"),
        (lambda d: (d / "en.md").write_text("no front matter", encoding="utf-8"), "front matter"),
        (
            lambda d: (d / "en.md").write_text("---\ntitle: T\n---\nBody\n", encoding="utf-8"),
            "lacks summary",
        ),
        (
            lambda d: (d / "en.md").write_text(
                "---\ntitle: T\nsummary: S\nauthor: X\n---\nBody\n", encoding="utf-8"
            ),
            "expected 'title: …' or 'summary: …'",
        ),
        (
            lambda d: (d / "en.md").write_text(
                "---\ntitle: T\nsummary: S\n---\n\n", encoding="utf-8"
            ),
            "body is empty",
        ),
        (lambda d: d.rename(d.parent / "first"), "lesson folders are named <order>-<slug>"),
    ],
)
def test_a_broken_content_file_is_named_and_nothing_is_loaded(tmp_path, damage, message):
    write_lesson(tmp_path, "01-good")
    damage(write_lesson(tmp_path, "02-first"))
    with pytest.raises(CommandError, match=message):
        load(content_dir=tmp_path)
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_two_lessons_with_one_order_are_refused(tmp_path):
    write_lesson(tmp_path, "01-first")
    write_lesson(tmp_path, "1-second")
    with pytest.raises(CommandError, match="share the order"):
        load(content_dir=tmp_path)


@pytest.mark.django_db
def test_an_exercise_naming_a_preset_its_lesson_lacks_is_refused(tmp_path):
    import shutil

    from lessons.content_files import CONTENT_DIR

    lesson_dir = shutil.copytree(CONTENT_DIR / "01-what-a-session-is", tmp_path / "01-lesson")
    exercises = lesson_dir / "exercises.toml"
    text = exercises.read_text(encoding="utf-8")
    assert 'preset = "no-cookie-until-changed"' in text
    exercises.write_text(text.replace('"no-cookie-until-changed"', '"nowhere"'), encoding="utf-8")
    with pytest.raises(CommandError, match="names the preset 'nowhere'"):
        load(content_dir=tmp_path)
    assert not Lesson.objects.exists()
