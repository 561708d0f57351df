"""Pathological HTML (very deep, very many or misnested tags): the sanitizer's work is bounded,
and such a part is shown flattened to its text with a notice instead of being parsed."""

from __future__ import annotations

import pytest

from mailview.mime.complexity import MAX_DEPTH, MAX_ELEMENTS, flatten, too_complex
from mailview.mime.sanitize import TOO_COMPLEX, sanitize_html
from tests.support.checks import assert_inert

PATHOLOGICAL = {
    "10,000 nested elements": "<div>" * 10_000 + "deep text" + "</div>" * 10_000,
    "10,000 unclosed tables": "<table><tr><td>" * 3_400 + "deep text",
    "misnested formatting": "<a><b><i><u><s>deep text" * 6_000,
    "formatting never closed": "<b><i>" * 20_000 + "deep text" + "</b></i>" * 20_000,
    "wrong end tags": "<font><em></b></i>" * 20_000 + "deep text",
    "many flat elements": "<p>deep text <b>x</b></p>" * 20_000,
}


@pytest.mark.parametrize("markup", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_html_is_flattened_without_being_parsed(markup):
    result = sanitize_html(markup)
    assert result.too_complex
    assert result.elements == 0  # the HTML parser never ran
    html = str(result.html)
    assert TOO_COMPLEX in html and "deep text" in html
    assert_inert(html)


def test_work_is_bounded_by_the_budget_just_below_it():
    markup = "<div>" * (MAX_DEPTH - 1) + "text" + "</div>" * (MAX_DEPTH - 1)
    markup += "<p>x</p>" * (MAX_ELEMENTS - MAX_DEPTH)
    assert not too_complex(markup)
    result = sanitize_html(markup)
    assert not result.too_complex
    assert result.elements <= MAX_ELEMENTS + 3  # and the html, head, body of any document
    assert "<p>x</p>" in result.html


def test_depth_counts_what_a_browser_keeps_open():
    # Closed elements do not add up; an end tag closes the elements opened inside it.
    assert not too_complex("<div><p>x</p></div>" * 2_000)
    assert not too_complex(("<div><span><b>x" + "</div>") * 2_000)
    assert too_complex("<div>" * (MAX_DEPTH + 1))
    # Void elements open nothing; an end tag of an element that is not open closes nothing.
    assert not too_complex("<br><img src=x><hr>" * 1_000)
    assert too_complex("<span></p>" * (MAX_DEPTH + 1))


def test_flattened_text_is_the_text_and_never_markup():
    markup = (
        "<div>" * 10_000
        + "<script>alert(1)</script><style>p { color: red }</style>"
        + "<p>Hello &amp; &lt;b&gt;welcome&lt;/b&gt;</p><p>Second<br>line</p>"
        + '<img src=x onerror="alert(2)"> if a < b then'
    )
    text = flatten(markup)
    assert "alert" not in text and "color: red" not in text
    assert "Hello & <b>welcome</b>" in text
    assert "Second\nline" in text and "if a < b then" in text
    html = str(sanitize_html(markup).html)
    assert_inert(html)
    assert "Hello &amp; &lt;b&gt;welcome&lt;/b&gt;" in html and "<b>" not in html
