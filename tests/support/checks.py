"""Structural checks on sanitized HTML: parse it as a browser would and inspect the tree."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import tinycss2
from bleach._vendor import html5lib  # type: ignore[import-not-found]  # bleach's own copy: no stubs

from mailview.mime.sanitize import ALLOWED_TAGS, MEDIA_TAGS
from mailview.mime.urls import parse_srcset

DOCUMENT_TAGS = {"html", "head", "body"}
FRAME_TAGS = {"meta"}
SAFE_DATA = re.compile(r"data:image/(png|gif|jpeg|jpg|webp|bmp);base64,[A-Za-z0-9+/=]*")


def elements(markup: str):
    document = html5lib.parse(markup, namespaceHTMLElements=False)
    return list(document.iter())


def assert_inert(markup: str, *, remote_allowed: bool = False, frame: bool = False) -> None:
    """No script, handler, active URL, foreign content, loader or frame-escaping CSS."""
    for element in elements(markup):
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments
        assert "}" not in tag, f"foreign element {tag}"
        allowed = ALLOWED_TAGS | DOCUMENT_TAGS | (FRAME_TAGS if frame else set())
        assert tag in allowed, f"element {tag} kept"
        if tag in MEDIA_TAGS:
            assert remote_allowed, f"{tag} while remote content is blocked"
            assert element.attrib.get("preload") == "none" and "controls" in element.attrib
        for name, value in element.attrib.items():
            lname = name.lower()
            assert not lname.startswith("on"), f"handler {name} on {tag}"
            assert ":" not in lname, f"namespaced attribute {name}"
            assert lname not in ("background", "action", "formaction", "autoplay")
            if lname in ("srcset", "poster"):
                assert remote_allowed, f"{name} on {tag} while remote content is blocked"
            if lname in ("href", "src", "poster"):
                check_url(value, remote_allowed=remote_allowed, image=(lname != "href"))
            if lname == "srcset":
                for url, descriptor in parse_srcset(value):
                    check_url(url, remote_allowed=remote_allowed, image=True)
                    assert re.fullmatch(r"(\d+(\.\d+)?[wx]|\d+h)?", descriptor), value
            if lname == "style":
                check_css(value, remote_allowed=remote_allowed)
        if tag == "style":
            css = element.text or ""
            assert "<" not in css
            check_css(css, remote_allowed=remote_allowed)


def check_url(value: str, *, remote_allowed: bool, image: bool) -> None:
    value = value.strip()
    lowered = re.sub(r"[\x00-\x20]", "", value).lower()
    if lowered.startswith("data:"):
        assert image and SAFE_DATA.fullmatch(re.sub(r"\s", "", value)), value
    elif lowered.startswith(("http://", "https://")):
        assert remote_allowed or not image, value
    elif lowered.startswith("mailto:"):
        assert not image, value
    elif lowered.startswith("#"):
        assert not image
    else:
        assert image and value.startswith("/message-part/"), value


def check_css(css: str, *, remote_allowed: bool) -> None:
    lowered = css.lower()
    for word in ("expression", "behavior", "binding", "@import", "var(", "\\"):
        assert word not in lowered, (word, css)
    if "@font-face" in lowered:
        assert remote_allowed, css
    assert not re.search(r"position\s*:\s*(fixed|absolute|sticky)", lowered), css
    urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", lowered)
    # As a browser reads it: comments gone, tokens (url( joined across anything) found anywhere.
    urls += [url.lower() for url in css_urls(tinycss2.parse_component_value_list(css))]
    for url in urls:
        if url.startswith(("http://", "https://")):
            assert remote_allowed, css
        else:
            assert url.startswith("/message-part/"), css


def css_urls(tokens: Iterable[Any]) -> list[str]:
    """Every URL a browser would load from these CSS tokens (nested blocks included)."""
    out: list[str] = []
    for token in tokens:
        if token.type == "url":
            out.append(token.value)
        elif token.type == "function":
            if token.lower_name in ("url", "src", "image-set"):
                out.extend(a.value for a in token.arguments if a.type == "string")
            out.extend(css_urls(token.arguments))
        elif token.type in ("() block", "[] block", "{} block"):
            out.extend(css_urls(token.content))
        elif token.type == "at-rule" or token.type == "qualified-rule":
            out.extend(css_urls(token.prelude))
            out.extend(css_urls(token.content or []))
    return out
