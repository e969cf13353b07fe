"""Highlighted code is readable: every token colour has 4.5:1 contrast on its background."""

import re
import sys

from tutorial.paths import BASE_DIR

sys.path.insert(0, str(BASE_DIR / "scripts"))
import pygments_css

SHIPPED = (BASE_DIR / "static" / "css" / "pygments.css").read_text()


def _colours(css: str) -> list[str]:
    return re.findall(r"(?<![-\w])color: (#[0-9a-fA-F]{3,6})\b", css)


def test_the_shipped_stylesheet_is_the_generated_one():
    assert pygments_css.stylesheet() == SHIPPED, "run scripts/pygments_css.py"


def test_every_code_colour_reads_on_its_background_in_light_and_dark():
    light, _media, dark = SHIPPED.partition("@media (prefers-color-scheme: dark)")
    light_background = re.search(r"\.highlight \{ background: (#\w+)", light).group(1)
    dark_background = re.search(r"\.highlight \{ background: (#\w+)", dark).group(1)
    for part, background in ((light, light_background), (dark, dark_background)):
        colours = _colours(part)
        assert len(colours) > 20
        poor = {c for c in colours if pygments_css.contrast(c, background) < 4.5}
        assert poor == set(), f"below 4.5:1 on {background}: {sorted(poor)}"


def test_contrast_is_computed_as_wcag_defines_it():
    assert round(pygments_css.contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(pygments_css.contrast("#777777", "#ffffff"), 2) == 4.48
