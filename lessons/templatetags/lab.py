"""Small filters for the lab's panels."""

import json

from django import template

register = template.Library()

# Set-Cookie attribute names as Django writes them (the parser lowercases them).
ATTRIBUTE_LABELS = {
    "expires": "expires",
    "max-age": "Max-Age",
    "path": "Path",
    "domain": "Domain",
    "secure": "Secure",
    "httponly": "HttpOnly",
    "samesite": "SameSite",
}


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def as_json(value) -> str:
    """A stored value as JSON, the way the learner wrote it."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def attribute_label(name: str) -> str:
    return ATTRIBUTE_LABELS.get(name, name)
