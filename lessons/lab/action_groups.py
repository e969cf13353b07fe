"""The lab's buttons as the page lays them out: groups of actions, and the login drawer."""

from django.utils.translation import gettext_lazy as _

from lessons.lab.actions import ACTIONS
from lessons.models import LabConfig, LabExchange

# Actions grouped as the lab page lays them out.
ACTION_GROUPS = (
    ("data", ("set", "get", "contains", "delete", "pop", "append", "append_modified")),
    ("session", ("clear", "flush", "cycle_key", "visit", "read", "clearsessions", "evict_cache")),
    ("expiry", ("expiry_seconds", "expiry_date", "expiry_zero", "expiry_none")),
)
# In a drawer of their own, open once they are in use or a preset names them.
LOGIN_ACTION_GROUPS = (
    (
        "login",
        ("login", "whoami", "logout", "change_password", "change_password_keep", "naive_login"),
    ),
    ("browsers", ("copy_to_b", "plant_from_b")),
)
# In the same drawer, below the login actions: the lessons that need a button or two more.
MORE_ACTION_GROUPS = (
    ("test_cookie", ("set_test_cookie", "test_cookie_worked", "delete_test_cookie")),
    ("at_once", ("two_tabs",)),
    ("http_cache", ("cached_public_page", "cached_personal_page")),
    ("async", ("async_aset", "async_aget", "async_sync_get")),
)
ACTION_GROUP_LABELS = {
    "data": _("Session data"),
    "session": _("The whole session"),
    "expiry": _("Expiry"),
    "login": _("Logging in"),
    "browsers": _("Between the two browsers"),
    "test_cookie": _("The test cookie"),
    "at_once": _("Two requests at once"),
    "http_cache": _("A cache in front of the page"),
    "async": _("In an async view"),
}


def action_groups(groups) -> list:
    return [
        (group, ACTION_GROUP_LABELS[group], [ACTIONS[name] for name in names])
        for group, names in groups
    ]


LOGIN_ACTION_NAMES = frozenset(name for _group, names in LOGIN_ACTION_GROUPS for name in names)
DRAWER_ACTION_NAMES = LOGIN_ACTION_NAMES | frozenset(
    name for _group, names in MORE_ACTION_GROUPS for name in names
)


def login_actions_open(config: LabConfig, panels: dict) -> bool:
    """Open the drawer of login and other actions when the open preset names its buttons
    or they are in use."""
    if config.browser_b_cookies:
        return True
    if any(step["action"] in DRAWER_ACTION_NAMES for step in panels["checklist"]):
        return True
    return any(
        entry["action"] in DRAWER_ACTION_NAMES or entry["browser"] == LabExchange.Browser.B
        for entry in panels["timeline"]
    )
