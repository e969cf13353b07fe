"""Small filters for the lab's panels, and the tags that draw its cards (lessons/lab/cards.py)."""

from django import template
from django.utils.safestring import SafeString

from lessons.lab import card_text, cards, cookie_card
from lessons.lab.store_card import store_card_of

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def readable_cuts(text) -> str:
    """Where the lab cut a long value to keep it ("…[+13000 B]"), say so in the reader's language."""
    return card_text.readable_cuts(text)


# The cards every lab request redraws, drawn in Python (lessons/lab/cards.py).


@register.simple_tag(takes_context=True)
def result_card(context) -> SafeString:
    return cards.result_card(
        context.get("latest"),
        context.get("solved") or (),
        context.get("action_error"),
        context.get("action_input_names") or (),
    )


@register.simple_tag(takes_context=True)
def cookie_set(context) -> SafeString:
    return cookie_card.cookie_set(
        context.get("latest"),
        context.get("before"),
        context.get("changes"),
        out_of_band=bool(context.get("cards_oob")),
    )


@register.simple_tag(takes_context=True)
def cookie_headers(context) -> SafeString:
    return cookie_card.cookie_headers(
        context.get("latest"), out_of_band=bool(context.get("cards_oob"))
    )


@register.simple_tag(takes_context=True)
def store_card(context) -> SafeString:
    return store_card_of(
        (context.get("panels") or {}).get("engine_path", ""),
        context.get("latest"),
        context.get("changes"),
        context.get("before"),
        out_of_band=bool(context.get("cards_oob")),
    )


@register.simple_tag
def timeline_request(exchange) -> SafeString:
    return cards.timeline_request(exchange)


@register.simple_tag(takes_context=True)
def announcement_swap(context) -> SafeString:
    return cards.announcement_swap(context.get("latest"), context.get("solved") or ())
