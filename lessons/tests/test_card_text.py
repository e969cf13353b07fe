"""The cards' printing helpers print what Django's template filters would."""

from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from lessons.html_text import html
from lessons.lab.card_text import cut, readable_cuts

# Letters, accents that combine with the letter before, a letter that NFC splits in two
# (Tibetan GHA), and the lab's own cut mark.
TEXT = st.text(alphabet=st.sampled_from("ab<&\u0301\u0308\u0f43 …[+]1B"), max_size=30)


@given(text=TEXT, length=st.integers(min_value=0, max_value=32), safe=st.booleans())
def test_cut_is_truncatechars(text, length, safe):
    value = SafeString(text) if safe else text

    expected = Truncator(value).chars(length)
    got = cut(value, length)

    assert got == expected
    # Whether it is escaped later depends on its type: that must not change either.
    assert type(got) is type(expected)


def test_cut_prints_any_value_as_str_does():
    assert cut(None, 10) == "None"
    assert cut(12345, 3) == "12…"


def test_readable_cuts_says_the_cut_in_words_and_stays_plain_text():
    with override("en"):
        assert readable_cuts("abc…[+13000 B]") == "abc… (13000 more bytes)"
        assert readable_cuts("[1, 2…[+40 items]") == "[1, 2… (40 more items)"
    with override("uz"):
        assert readable_cuts("abc…[+13000 B]") == "abc… (yana 13000 bayt)"
    assert readable_cuts("no cut here") == "no cut here"
    # Even text that was marked safe comes back as plain text: a card escapes it.
    uncut = readable_cuts(SafeString("<b>"))
    assert type(uncut) is str
    assert html("{}", uncut) == "&lt;b&gt;"
