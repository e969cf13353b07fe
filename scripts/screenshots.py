"""Screenshots of the lab for docs/screenshots/: a laptop and a phone, light and dark, both
languages, each taken right after a learner pressed "Set a key" on a fresh lab; and on a
laptop, in both languages, the session fixation preset of lesson 14 played to its end.

    scripts/screenshots.py                   start the site on a free port and photograph it
    scripts/screenshots.py --url URL         photograph a site already running at URL
"""

import argparse
import os
import sys
from pathlib import Path

from local_site import ROOT, site
from playwright.sync_api import expect, sync_playwright

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
LANGUAGES = ("en", "uz")
SCHEMES = ("light", "dark")


def photograph(url: str) -> list[Path]:
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for device, (width, height) in SIZES.items():
            for language in LANGUAGES:
                for scheme in SCHEMES:
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        color_scheme=scheme,
                        is_mobile=device == "phone",
                        has_touch=device == "phone",
                    )
                    page = context.new_page()
                    page.goto(f"{url}/{language}/lab/")
                    with page.expect_response(lambda r: "/lab/run/" in r.url):
                        page.locator("#lab-actions button[value=set]").click()
                    expect(page.locator("#document-cookie")).not_to_have_text("—")
                    path = OUT / f"lab-{device}-{language}-{scheme}.png"
                    page.screenshot(path=path)
                    written.append(path)
                    context.close()
        for language in LANGUAGES:
            written.append(photograph_fixation(browser, url, language))
        browser.close()
    return written


def photograph_fixation(browser, url: str, language: str) -> Path:
    """Lesson 14's fixation preset: B's key planted, a login that keeps it, B logged in."""
    width, height = SIZES["laptop"]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{url}/{language}/lessons/sessions-and-login/")
    page.locator('[data-preset="fixation-without-cycle-key"]').get_by_role("button").click()
    for browser_name, action in (("b", "set"), ("a", "plant_from_b"), ("a", "naive_login"),
                                 ("b", "whoami")):  # fmt: skip
        page.get_by_test_id(f"browser-{browser_name}").check()
        with page.expect_response(lambda r: "/lab/run/" in r.url):
            page.locator(f"#lab-actions button[value={action}]").click()
    expect(page.get_by_test_id("request-user")).to_have_text("alice")
    path = OUT / f"lab-fixation-laptop-{language}-light.png"
    page.screenshot(path=path)
    context.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running site (default: start one)")
    OUT.mkdir(parents=True, exist_ok=True)
    with site(parser.parse_args().url) as url:
        for path in photograph(url):
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
