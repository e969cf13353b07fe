"""The site's configuration has one source: the settings' Environment block."""

import re

from tutorial.paths import BASE_DIR

SETTINGS = (BASE_DIR / "tutorial" / "settings.py").read_text()
READS = re.compile(r'(?:env_bool|env_int|env_list|os\.environ\.get)\(\s*"([A-Z_]+)"')


def _environment_block() -> str:
    start = SETTINGS.index("# --- Environment ---")
    return SETTINGS[start : SETTINGS.index("# --- ", start + 1)]


def test_the_settings_read_the_environment_in_one_block():
    everywhere = set(READS.findall(SETTINGS)) - {"DJANGO_ENV_FILE"}
    assert everywhere, "no variable found: the pattern no longer matches the settings"
    assert set(READS.findall(_environment_block())) == everywhere


def test_every_variable_is_in_env_example_and_the_readme():
    variables = set(READS.findall(SETTINGS))
    example = (BASE_DIR / ".env.example").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, re.MULTILINE))
    assert variables - listed == set(), "missing from .env.example"
    assert {name for name in variables if f"`{name}`" not in readme} == set(), "not in the README"
