"""Lighthouse scores of the lesson and lab pages, in both languages, as a table.

    scripts/lighthouse.py                    start the site on a free port and audit it
    scripts/lighthouse.py --url URL          audit a site already running at URL

Lighthouse (installed by `make lighthouse` under var/lighthouse/) drives the
machine's Chromium with its mobile settings. The run fails when a page's
accessibility score is below 100.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from local_site import site

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "var" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CATEGORIES = ("accessibility", "performance", "best-practices", "seo")
PAGES = (
    "/{lang}/",
    "/{lang}/lessons/what-a-session-is/",
    "/{lang}/lessons/cookie-flags/",
    "/{lang}/lab/",
    "/{lang}/glossary/",
)
LANGUAGES = ("en", "uz")


def audit(url: str, attempts: int = 3) -> dict[str, float | None]:
    """One page's scores; a run Lighthouse itself could not trace is tried again."""
    for attempt in range(1, attempts + 1):
        try:
            return audit_once(url)
        except subprocess.CalledProcessError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def audit_once(url: str) -> dict[str, float | None]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                f"--only-categories={','.join(CATEGORIES)}",
                "--chrome-flags=--headless=new --no-sandbox --disable-background-networking",
                "--output=json",
                f"--output-path={report.name}",
            ],
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            check=True,
            timeout=300,
        )
        categories = json.loads(Path(report.name).read_text())["categories"]
    # Lighthouse gives no score (None) for a category it could not measure.
    return {name: categories[name]["score"] for name in CATEGORIES}


def shown(score: float | None) -> str:
    """A score as Lighthouse shows it (0-100), cut down, never rounded up to 100."""
    return "—" if score is None else str(int(score * 100))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running site (default: start one)")
    with site(parser.parse_args().url) as url:
        rows = [
            (page.format(lang=language), audit(url + page.format(lang=language)))
            for language in LANGUAGES
            for page in PAGES
        ]

    width = max(len(path) for path, _scores in rows)
    print(f"\n{'page':<{width}}  " + "  ".join(f"{name:>14}" for name in CATEGORIES))
    for path, scores in rows:
        print(f"{path:<{width}}  " + "  ".join(f"{shown(scores[name]):>14}" for name in CATEGORIES))
    below = [path for path, scores in rows if scores["accessibility"] != 1]
    if below:
        print(f"\naccessibility below 100: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
