"""Codes people read aloud or off a projector: short, case-insensitive, no look-alikes."""

import secrets

# No 0/O, 1/I/L: nothing to confuse when copying from a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: str, max_length: int = 16) -> str:
    """What someone typed, as stored: upper case, letters and digits only."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:max_length]
