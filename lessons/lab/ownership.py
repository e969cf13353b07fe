"""Whose session does a lab cookie name? The lab never lets Django load someone else's."""

from collections.abc import Sequence

from lessons.engines import ENGINES, engines_sharing_keys
from lessons.lab.store import is_session_key, stored_record_exists
from lessons.learners import TimelineExchange
from lessons.models import LabConfig, LabSessionKey, Learner

# Requests whose cookie was set by the lab beside Django (Browser B's, planted): their key
# is not one Django made for this learner.
SET_BESIDE_DJANGO = frozenset({"plant_from_b"})


def why_hidden(
    learner: Learner,
    config: LabConfig,
    session_key: str,
    earlier: Sequence[TimelineExchange] = (),
) -> str | None:
    """Why this cookie value must not reach Django, or None when it may.

    A key the learner was given, or one that names nothing at all (typed,
    made up, left from another engine, already expired and cleared), goes to
    Django untouched, which then behaves exactly as in any project: a new
    session on a write, a deleting Set-Cookie on a read. A key that names a
    stored record that is not this learner's would load, change or delete it:
    "someone_else" (another learner's), "not_yours" (a record the lab gave
    nobody now, such as a forgotten learner's) or "unchecked" (the store
    cannot be asked).
    """
    if not ENGINES[config.engine].stores_on_server or not is_session_key(session_key):
        return None  # nothing is ever stored under such a value
    if earlier and held_after(earlier[0], config, session_key):
        return None
    owners = set(
        LabSessionKey.objects.filter(
            engine__in=engines_sharing_keys(config.engine), session_key=session_key
        ).values_list("learner_id", flat=True)
    )
    if learner.pk in owners:
        return None
    if owners:
        return "someone_else"
    exists = stored_record_exists(config.engine, session_key, config.cache_alias)
    if exists is None:
        return "unchecked"
    return "not_yours" if exists else None


def held_after(previous: TimelineExchange, config: LabConfig, session_key: str) -> bool:
    """Did the learner's previous request, with these same store settings, end with this key?

    Then it passed this check then or Django made it for them, and Django never
    stores a session under a key it did not make itself: nobody else can have
    put a record under it since.
    """
    snapshot = previous.settings_snapshot
    return (
        previous.action not in SET_BESIDE_DJANGO
        and previous.session_key == session_key
        and snapshot.get("SESSION_ENGINE") == ENGINES[config.engine].path
        and snapshot.get("SESSION_CACHE_ALIAS") == config.cache_alias
    )
