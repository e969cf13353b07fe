"""The registry of lab exercise checks.

A check is a function taking Evidence and returning a Verdict; it is
registered under the name an exercise's `check` field uses:

    @check("hide-from-javascript")
    def hide_from_javascript(evidence: Evidence) -> Verdict: ...

Verdict messages say what the check saw, in the learner's language
(gettext), so that "not yet" teaches something.
"""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pkgutil import iter_modules

from lessons.exercises.evidence import Evidence


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


CHECKS: dict[str, Callable[[Evidence], Verdict]] = {}


def check(name: str):
    """Register a check function under `name`."""

    def register(function: Callable[[Evidence], Verdict]) -> Callable[[Evidence], Verdict]:
        if name in CHECKS:
            raise ValueError(f"two checks are named {name!r}")
        CHECKS[name] = function
        return function

    return register


_loaded = False


def load_all_checks() -> dict[str, Callable[[Evidence], Verdict]]:
    """Import every module of this package (once), so that their checks register."""
    global _loaded
    if not _loaded:
        for module in iter_modules(__path__):
            import_module(f"{__name__}.{module.name}")
        _loaded = True
    return CHECKS
