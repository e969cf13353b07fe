"""Checks for the session security lesson."""

from itertools import pairwise

from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence

CART = "cart"


@check("rotate-keep-cart")
def rotate_keep_cart(evidence: Evidence) -> Verdict:
    """cycle_key() on a server-side session: a new key, the same cart, the old record gone."""
    exchanges = evidence.chronological
    tried = False
    for before, rotated in pairwise(exchanges):
        if rotated.action != "cycle_key":
            continue
        tried = True
        cart_before = (evidence.stored_data(before) or {}).get(CART)
        if cart_before is None:
            continue
        if rotated.settings_snapshot.get("SESSION_ENGINE", "").endswith("signed_cookies"):
            return Verdict(
                False,
                _(
                    "With signed cookies there is no stored session to rotate: choose a server-side engine."
                ),
            )
        cart_after = (evidence.stored_data(rotated) or {}).get(CART)
        if (
            rotated.session_key
            and rotated.session_key != before.session_key
            and cart_after == cart_before
        ):
            return Verdict(
                True,
                _("Done: the session key changed and the cart %(cart)s came along.")
                % {"cart": cart_after},
            )
    if any(exchange.action == "flush" for exchange in exchanges):
        return Verdict(
            False, _("flush() also gives a new key, but it throws the cart away. Rotate instead.")
        )
    if tried:
        return Verdict(
            False, _("Put something in the key cart first, then rotate the session key.")
        )
    return Verdict(False, _("Set the key cart, then rotate the session key (cycle_key())."))
