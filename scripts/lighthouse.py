"""Lighthouse scores of the lesson and lab pages, in both languages, as a table.

    scripts/lighthouse.py                    start the site on a free port and audit it
    scripts/lighthouse.py --url URL          audit a site already running at URL

Lighthouse (installed by `make lighthouse` under var/lighthouse/) drives the
machine's Chromium with its mobile settings. Beside the scores, each page's
weight (the bytes transferred on a first visit, Lighthouse's total-byte-weight)
and the requests it sent to other hosts. The run fails when a page's
accessibility score is below 100; the other targets (performance at least 98,
at most 100 KB, no request elsewhere) are reported. Audit the classroom setup
(`make classroom`, then URL=...): the development server sends files
uncompressed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from local_site import site

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "var" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CATEGORIES = ("accessibility", "performance", "best-practices", "seo")
PAGES = (
    "/{lang}/",
    "/{lang}/lessons/what-a-session-is/",
    "/{lang}/lessons/cookie-flags/",
    # The longest lesson, and one with diagrams in both languages.
    "/{lang}/lessons/writing-your-own-engine/",
    "/{lang}/lessons/sessions-and-login/",
    "/{lang}/lab/",
    "/{lang}/glossary/",
    "/{lang}/search/?q=cookie",
    "/{lang}/progress/",
    "/{lang}/join/",
    "/{lang}/instructor/login/",
)
LANGUAGES = ("en", "uz")
# A first visit's bytes, at most (the classroom setup: compressed static files).
MAX_WEIGHT = 100 * 1024


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
        result = json.loads(Path(report.name).read_text())
    categories, audits = result["categories"], result["audits"]
    # Lighthouse gives no score (None) for a category it could not measure.
    scores = {name: categories[name]["score"] for name in CATEGORIES}
    scores["weight"] = audits["total-byte-weight"].get("numericValue")
    requests = audits["network-requests"].get("details", {}).get("items", [])
    here = urlsplit(url).netloc
    scores["elsewhere"] = sum(
        1 for item in requests if urlsplit(item.get("url", "")).netloc not in ("", here)
    )
    return scores


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
    columns = [*CATEGORIES, "KB", "elsewhere"]
    print(f"\n{'page':<{width}}  " + "  ".join(f"{name:>14}" for name in columns))
    for path, scores in rows:
        cells = [shown(scores[name]) for name in CATEGORIES]
        weight = scores["weight"]
        cells += ["—" if weight is None else f"{weight / 1024:.1f}", str(scores["elsewhere"])]
        print(f"{path:<{width}}  " + "  ".join(f"{cell:>14}" for cell in cells))
    for path, scores in rows:
        if scores["performance"] is not None and scores["performance"] < 0.98:
            print(f"performance below 98: {path}")
        if scores["weight"] is not None and scores["weight"] > MAX_WEIGHT:
            print(f"over {MAX_WEIGHT // 1024} KB: {path}")
        if scores["elsewhere"]:
            print(f"requests to other hosts: {path}")
    below = [path for path, scores in rows if scores["accessibility"] != 1]
    if below:
        print(f"\naccessibility below 100: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
