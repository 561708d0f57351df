"""The CSS sanitizer checks what it writes, not only what it read: constructs that tokens form
once a comment between them is gone, and selectors holding blocks, never pass."""

from __future__ import annotations

import pytest
import tinycss2

from mailview.mime.css import declarations_safe, selector_valid, stylesheet_safe
from mailview.mime.sanitize import sanitize_html
from tests.support.checks import assert_inert, css_urls

JOINED_BY_A_REMOVED_COMMENT = [
    '<div style="background: u/**/rl/**/(https://evil.example/a.png)">x</div>',
    '<div style="background-image: u/**/r/**/l/**/(https://evil.example/a.png)">x</div>',
    '<div style="background: #fff u/**/rl/**/(//evil.example/a.png) no-repeat">x</div>',
    "<style>p { background: u/**/rl/**/(https://evil.example/a.png) }</style><p>x</p>",
    "<style>@media screen { p { background: u/**/rl/**/(https://evil.example/m.png) } }</style>",
    "<style>@im/**/port url(https://evil.example/x.css); p { color: red }</style>",
    "<style>p { @im/**/port url(https://evil.example/x.css); color: red }</style>",
    '<div style="width: ex/**/pression(alert(1)); position: fi/**/xed">x</div>',
]

SELECTORS_WITH_BLOCKS = [
    "<style>a[x={}] { color: red }</style>",
    "<style>a[title={}@import url(https://evil.example/x.css);] { color: red }</style>",
    "<style>a:not({}) { color: red }</style>",
    "<style>a[x=url(https://evil.example/s.png)] { color: red }</style>",
    "<style>a[{background:url(https://evil.example/q.png)}] { color: red }</style>",
    "<style>p:nth-child({) { color: red }</style><p>x</p>",
    "<style>@bogus; a[x=y] @media { color: red }</style>",
]


def browser_urls(html: str) -> list[str]:
    """The URLs a browser would read from the style attributes and <style> text of ``html``."""
    from tests.support.checks import elements

    urls: list[str] = []
    for element in elements(html):
        if not isinstance(element.tag, str):
            continue
        if "style" in element.attrib:
            urls += css_urls(tinycss2.parse_component_value_list(element.attrib["style"]))
        if element.tag == "style":
            urls += css_urls(tinycss2.parse_stylesheet(element.text or ""))
    return urls


@pytest.mark.parametrize("payload", JOINED_BY_A_REMOVED_COMMENT)
def test_tokens_a_comment_separated_never_join_into_a_url(payload):
    for allow_remote in (False, True):
        html = str(sanitize_html(payload, allow_remote=allow_remote).html)
        assert_inert(html, remote_allowed=allow_remote)
        assert not any("evil.example" in url for url in browser_urls(html)), html
        assert "expression" not in html and "fixed" not in html.replace("/**/", "")


def test_a_declaration_next_to_a_rejected_one_survives():
    html = str(
        sanitize_html(
            '<p style="background: u/**/rl/**/(https://e.example/a.png); color: red">'
        ).html
    )
    assert "color: red" in html
    assert browser_urls(html) == []


@pytest.mark.parametrize("payload", SELECTORS_WITH_BLOCKS)
def test_selectors_holding_blocks_or_urls_drop_their_rule(payload):
    html = str(sanitize_html(payload + "<style>b { color: blue }</style>").html)
    assert_inert(html)
    assert "color: red" not in html and "evil.example" not in html
    assert "b { color: blue }" in html


def test_ordinary_selectors_are_kept():
    css = (
        'a[title~="y" i] > b, p:nth-child(2n+1), ul li:not(.x):first-child, '
        "td::before, h1 + h2 ~ h3, *|p, #main .c"
    )
    html = str(sanitize_html(f"<style>{css} {{ color: red }}</style>").html)
    assert "color: red" in html and 'a[title~="y" i] > b' in html and ":not(.x)" in html


def test_the_output_check_reads_what_was_written():
    # What the pieces would form together is refused, whatever the pieces were.
    assert not declarations_safe("background: url(https://evil.example/a.png)", set())
    assert declarations_safe('background: url("/message-part/1")', {"/message-part/1"})
    assert not declarations_safe("color: red; position: fixed", set())
    assert not declarations_safe("width: expression(alert(1))", set())
    assert not stylesheet_safe("@import url(https://evil.example/x.css);", set())
    assert not stylesheet_safe("a[x={}] { color: red }", set())
    assert stylesheet_safe("@media screen { a > b { color: red } }", set())
    assert not selector_valid(tinycss2.parse_component_value_list("a[x={}]"))
    assert selector_valid(tinycss2.parse_component_value_list('a[x="{}"]'))
