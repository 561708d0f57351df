"""CSS in mail: ``MailCSSSanitizer`` (style attributes and <style> elements), built on tinycss2.

Used by ``sanitize.py`` only; ``sanitize_html`` is the public door.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

import tinycss2
from bleach.css_sanitizer import CSSSanitizer

from mailview.mime.urls import UrlPolicy

CSS_PROPERTIES = frozenset(
    """background background-color background-image background-position background-repeat
    background-size border border-bottom border-bottom-color border-bottom-left-radius
    border-bottom-right-radius border-bottom-style border-bottom-width border-collapse
    border-color border-left border-left-color border-left-style border-left-width border-radius
    border-right border-right-color border-right-style border-right-width border-spacing
    border-style border-top border-top-color border-top-left-radius border-top-right-radius
    border-top-style border-top-width border-width bottom box-sizing caption-side clear color
    column-count column-gap direction display empty-cells float font font-family font-size
    font-stretch font-style font-variant font-weight height left letter-spacing line-height
    list-style list-style-position list-style-type margin margin-bottom margin-left margin-right
    margin-top max-height max-width min-height min-width opacity outline overflow overflow-wrap
    overflow-x overflow-y padding padding-bottom padding-left padding-right padding-top position
    right table-layout text-align text-decoration text-decoration-color text-decoration-line
    text-decoration-style text-indent text-overflow text-shadow text-transform top
    vertical-align visibility white-space width word-break word-spacing word-wrap
    mso-line-height-rule""".split()
)
# Functions allowed in values; url() is handled on its own, everything else (expression(),
# var(), env(), attr(), image-set(), element(), paint(), ...) drops the declaration.
CSS_FUNCTIONS = frozenset(
    """rgb rgba hsl hsla calc min max clamp linear-gradient radial-gradient
    repeating-linear-gradient repeating-radial-gradient""".split()
)
CSS_POSITIONS = frozenset({"static", "relative"})
FONT_FACE_DESCRIPTORS = frozenset(
    """font-family src font-style font-weight font-stretch font-display unicode-range
    font-variant font-feature-settings""".split()
)


class MailCSSSanitizer(CSSSanitizer):
    """bleach's CSSSanitizer, checking values too: url() (cid: or allowed remote only), an
    allow-list of functions, no position:fixed/absolute/sticky, no error tokens (unclosed
    url( or strings), escapes and comments resolved by tinycss2 before any check."""

    def __init__(self, context: UrlPolicy) -> None:
        super().__init__(allowed_css_properties=CSS_PROPERTIES, allowed_svg_properties=())
        self.context = context

    def sanitize_css(self, style: str) -> str:
        declarations = tinycss2.parse_declaration_list(
            style, skip_comments=True, skip_whitespace=True
        )
        return "; ".join(self._declarations(declarations))

    def _declarations(self, nodes: Iterable[Any]) -> Iterator[str]:
        for node in nodes:
            if node.type != "declaration" or node.lower_name not in CSS_PROPERTIES:
                continue
            value = self._value(node.value)
            if value is None:
                continue
            if node.lower_name == "position" and value.strip().lower() not in CSS_POSITIONS:
                continue
            if not value.strip():
                continue
            yield f"{node.lower_name}: {value.strip()}{' !important' if node.important else ''}"

    def _value(self, tokens: Iterable[Any]) -> str | None:
        out: list[str] = []
        for token in tokens:
            kind = token.type
            if kind == "comment":
                continue
            if kind in ("error", "{} block", "at-keyword"):
                return None
            if kind == "url":
                url = self._url(token.value)
                if url is None:
                    return None
                out.append(url)
            elif kind == "function":
                name = token.lower_name
                if name == "url":
                    args = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
                    if len(args) != 1 or args[0].type != "string":
                        return None
                    url = self._url(args[0].value)
                    if url is None:
                        return None
                    out.append(url)
                    continue
                if name not in CSS_FUNCTIONS:
                    return None
                inner = self._value(token.arguments)
                if inner is None:
                    return None
                out.append(f"{tinycss2.serializer.serialize_identifier(token.name)}({inner})")
            elif kind in ("() block", "[] block"):
                inner = self._value(token.content)
                if inner is None:
                    return None
                out.append(f"({inner})" if kind == "() block" else f"[{inner}]")
            elif kind == "ident":
                if token.lower_value in ("expression", "behavior", "-moz-binding"):
                    return None
                out.append(tinycss2.serialize([token]))
            elif kind == "whitespace":
                out.append(" ")
            else:
                out.append(tinycss2.serialize([token]))
        text = "".join(out)
        return None if "<" in text else text

    def _url(self, value: str) -> str | None:
        url = self.context.url(value, image=True)
        if url is None:
            return None
        return 'url("' + quote(url, safe=":/?#[]@!$&'()*+,;=%-._~") + '")'

    def sanitize_stylesheet(self, css: str) -> str:
        """A <style> element's contents: plain rules and @media, nothing that loads or imports."""
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        return "\n".join(self._rules(rules, 0))

    def _rules(self, rules: Iterable[Any], depth: int) -> Iterator[str]:
        for rule in rules:
            if rule.type == "qualified-rule":
                selector = tinycss2.serialize(rule.prelude).strip()
                if not selector or "<" in selector or "url(" in selector.lower():
                    continue
                if any(t.type in ("url", "{} block", "error") for t in rule.prelude):
                    continue
                body = "; ".join(
                    self._declarations(
                        tinycss2.parse_declaration_list(
                            rule.content, skip_comments=True, skip_whitespace=True
                        )
                    )
                )
                text = f"{selector} {{ {body} }}"
                if "<" not in text:
                    yield text
            elif rule.type == "at-rule" and rule.lower_at_keyword == "media" and depth < 3:
                query = tinycss2.serialize(rule.prelude).strip()
                if rule.content is None or "<" in query or "(" in query and "url" in query:
                    continue
                inner = tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True
                )
                text = f"@media {query} {{ {' '.join(self._rules(inner, depth + 1))} }}"
                if "<" not in text:
                    yield text
            elif rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
                font_face = self._font_face(rule)
                if font_face and "<" not in font_face:
                    yield font_face
            elif rule.type == "at-rule" and not self.context.allow_remote:
                # @import and friends: counted when they would have loaded something.
                if rule.lower_at_keyword == "import":
                    self.context.remote_blocked += 1

    def _font_face(self, rule: Any) -> str | None:
        """@font-face with its descriptors checked; `src` may only name http(s) fonts, so the
        rule is counted and dropped unless remote content is allowed."""
        if (
            rule.content is None
            or rule.prelude
            and any(t.type not in ("whitespace", "comment") for t in rule.prelude)
        ):
            return None
        declarations = tinycss2.parse_declaration_list(
            rule.content, skip_comments=True, skip_whitespace=True
        )
        out: list[str] = []
        has_src = False
        for node in declarations:
            if node.type != "declaration" or node.lower_name not in FONT_FACE_DESCRIPTORS:
                continue
            if node.lower_name == "src":
                if not self.context.allow_remote:
                    self.context.remote_blocked += 1
                    return None
                value = self._font_src(node.value)
                has_src = has_src or value is not None
            else:
                value = self._value(node.value)
            if value and value.strip():
                out.append(f"{node.lower_name}: {value.strip()}")
        return f"@font-face {{ {'; '.join(out)} }}" if has_src else None

    def _font_src(self, tokens: Iterable[Any]) -> str | None:
        """A font-face `src`: url()s (http(s) only) with format() hints, comma separated."""
        out: list[str] = []
        urls = 0
        for token in tokens:
            kind = token.type
            if kind in ("whitespace", "comment"):
                out.append(" ")
                continue
            if kind == "literal" and token.value == ",":
                out.append(",")
                continue
            url: str | None = None
            if kind == "url":
                url = token.value
            elif kind == "function" and token.lower_name == "url":
                args = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
                if len(args) != 1 or args[0].type != "string":
                    return None
                url = args[0].value
            elif kind == "function" and token.lower_name == "format":
                args = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
                if not all(
                    a.type == "string" or a.type == "literal" and a.value == "," for a in args
                ):
                    return None
                out.append(tinycss2.serialize([token]))
                continue
            else:
                return None
            kept = self.context.remote_url(url)
            if kept is None:
                return None
            out.append('url("' + quote(kept, safe=":/?#[]@!$&'()*+,;=%-._~") + '")')
            urls += 1
        text = "".join(out).strip()
        return text if urls and "<" not in text else None
