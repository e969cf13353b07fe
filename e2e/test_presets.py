"""Every "Try it in the lab" preset of the course, pressed in Chromium from its lesson."""

import pytest
from playwright.sync_api import Page, expect

from lessons.content_files import read_lesson_sources

PRESETS = [
    (source.slug, preset, "uz" if index % 2 else "en")
    for index, (source, preset) in enumerate(
        (source, preset) for source in read_lesson_sources() for preset in source.presets
    )
]
CHECKBOXES = {
    "cookie_secure",
    "cookie_httponly",
    "expire_at_browser_close",
    "save_every_request",
}


@pytest.mark.parametrize(
    ("lesson_slug", "preset", "language"),
    PRESETS,
    ids=[f"{slug}/{preset.slug}-{language}" for slug, preset, language in PRESETS],
)
def test_a_preset_sets_up_the_lab_from_its_lesson(
    page: Page, live_server, live_lessons, lesson_slug, preset, language
):
    page.goto(f"{live_server.url}/{language}/lessons/{lesson_slug}/")
    box = page.locator(f'[data-testid="try-it"][data-preset="{preset.slug}"]')
    expect(box).to_contain_text(preset.text[language]["title"])
    box.get_by_role("button").click()

    expect(page).to_have_url(f"{live_server.url}/{language}/lab/")
    expect(page.get_by_test_id("preset-banner")).to_contain_text(preset.text[language]["title"])
    form = page.locator("#lab-settings")
    for name, value in preset.settings.items():
        control = form.locator(f"[name={name}]")
        if name in CHECKBOXES:
            assert control.is_checked() is value, name
        else:
            expect(control).to_have_value(str(value))
    for name, value in preset.inputs.items():
        if name == "request_path":
            expect(page.locator(f"input[data-lab-path][value='{value}']")).to_be_checked()
        else:
            expect(page.locator(f"#lab-actions [name={name}]")).to_have_value(str(value))
