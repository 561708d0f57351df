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
# A font-face src may also name its format.
FONT_SRC_FUNCTIONS = frozenset({"format"})
CSS_POSITIONS = frozenset({"static", "relative"})
# What a selector may hold: simple selectors, combinators, attribute tests, structural
# pseudo-classes. Anything else (blocks, at-keywords, url(), strings outside [...]) drops the rule.
SELECTOR_FUNCTIONS = frozenset(
    """not is where has nth-child nth-last-child nth-of-type nth-last-of-type lang dir""".split()
)
SELECTOR_LITERALS = frozenset(". , > + ~ * : | = ~= |= ^= $= *= -".split())
FORBIDDEN_IDENTS = frozenset({"expression", "behavior", "-moz-binding"})
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
        # The URLs this sanitizer wrote: the only ones its output may hold (see verify.py).
        self.emitted_urls: set[str] = set()

    def sanitize_css(self, style: str) -> str:
        declarations = tinycss2.parse_declaration_list(
            style, skip_comments=False, skip_whitespace=True
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
            text = f"{node.lower_name}: {value.strip()}{' !important' if node.important else ''}"
            if declarations_safe(text, self.emitted_urls):
                yield text

    def _value(self, tokens: Iterable[Any]) -> str | None:
        out: list[str] = []
        for token in tokens:
            kind = token.type
            if kind == "comment":
                # A removed comment leaves a separator: the tokens on either side must not
                # join into one (`u/**/rl/**/(...)` would otherwise come out as `url(...)`).
                out.append("/**/")
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
                if token.lower_value in FORBIDDEN_IDENTS:
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
        return self._emit_url(url)

    def _emit_url(self, url: str) -> str:
        quoted = quote(url, safe=":/?#[]@!$&'()*+,;=%-._~")
        self.emitted_urls.add(quoted)
        return 'url("' + quoted + '")'

    def sanitize_stylesheet(self, css: str) -> str:
        """A <style> element's contents: plain rules and @media, nothing that loads or imports."""
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        return "\n".join(
            rule for rule in self._rules(rules, 0) if stylesheet_safe(rule, self.emitted_urls)
        )

    def _rules(self, rules: Iterable[Any], depth: int) -> Iterator[str]:
        for rule in rules:
            if rule.type == "qualified-rule":
                selector = tinycss2.serialize(rule.prelude).strip()
                if not selector or "<" in selector or not selector_valid(rule.prelude):
                    continue
                body = "; ".join(
                    self._declarations(
                        tinycss2.parse_declaration_list(
                            rule.content, skip_comments=False, skip_whitespace=True
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
            rule.content, skip_comments=False, skip_whitespace=True
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
            out.append(self._emit_url(kept))
            urls += 1
        text = "".join(out).strip()
        return text if urls and "<" not in text else None


# -- the output, re-read as a browser reads it --------------------------------------------------
# The sanitizer builds its output from checked pieces; these functions tokenize that output
# again and check it with the same rules, so that nothing the pieces form together (tokens
# joined across a removed comment, a block opened by one piece and closed by another) passes.


def selector_valid(tokens: Iterable[Any], *, in_attribute: bool = False) -> bool:
    """A selector of simple selectors, combinators, [attribute] tests and the structural
    pseudo-classes; no blocks, strings outside [...], at-keywords, url() or other functions."""
    for token in tokens:
        kind = token.type
        if kind in ("whitespace", "comment", "ident", "hash", "number", "dimension"):
            continue
        if kind == "literal" and token.value in SELECTOR_LITERALS:
            continue
        if kind == "string" and in_attribute:
            continue
        if kind == "[] block" and not in_attribute:
            if selector_valid(token.content, in_attribute=True):
                continue
        elif kind == "function" and not in_attribute and token.lower_name in SELECTOR_FUNCTIONS:
            if selector_valid(token.arguments):
                continue
        return False
    return True


def _value_safe(tokens: Iterable[Any], urls: set[str], functions: frozenset[str]) -> bool:
    for token in tokens:
        kind = token.type
        if kind in ("error", "{} block", "at-keyword"):
            return False
        if kind == "url" and token.value not in urls:
            return False
        if kind == "function":
            if token.lower_name == "url":
                args = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
                if len(args) != 1 or args[0].type != "string" or args[0].value not in urls:
                    return False
            elif token.lower_name not in functions:
                return False
            elif not _value_safe(token.arguments, urls, functions):
                return False
        elif kind in ("() block", "[] block"):
            if not _value_safe(token.content, urls, functions):
                return False
        elif kind == "ident" and token.lower_value in FORBIDDEN_IDENTS:
            return False
    return True


def _declarations_safe(
    nodes: Iterable[Any], urls: set[str], names: frozenset[str] = CSS_PROPERTIES
) -> bool:
    for node in nodes:
        if node.type != "declaration" or node.lower_name not in names:
            return False
        functions = FONT_SRC_FUNCTIONS if node.lower_name == "src" else CSS_FUNCTIONS
        if not _value_safe(node.value, urls, functions):
            return False
        if node.lower_name == "position":
            words = [t for t in node.value if t.type not in ("whitespace", "comment")]
            if len(words) != 1 or tinycss2.serialize(words).lower() not in CSS_POSITIONS:
                return False
    return True


def declarations_safe(text: str, urls: set[str]) -> bool:
    """Does a style attribute's text, read again, hold only allowed declarations whose
    values load nothing but ``urls`` (the ones the sanitizer wrote)?"""
    nodes = tinycss2.parse_declaration_list(text, skip_comments=True, skip_whitespace=True)
    return _declarations_safe(nodes, urls)


def _rules_safe(rules: Iterable[Any], urls: set[str], depth: int) -> bool:
    for rule in rules:
        if rule.type == "qualified-rule":
            nodes = tinycss2.parse_declaration_list(
                rule.content, skip_comments=True, skip_whitespace=True
            )
            if not selector_valid(rule.prelude) or not _declarations_safe(nodes, urls):
                return False
        elif rule.type == "at-rule" and rule.lower_at_keyword == "media" and depth < 3:
            if rule.content is None or not _value_safe(rule.prelude, set(), frozenset()):
                return False
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            if not _rules_safe(inner, urls, depth + 1):
                return False
        elif rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
            if rule.content is None or any(t.type != "whitespace" for t in rule.prelude):
                return False
            nodes = tinycss2.parse_declaration_list(
                rule.content, skip_comments=True, skip_whitespace=True
            )
            if not _declarations_safe(nodes, urls, FONT_FACE_DESCRIPTORS):
                return False
        else:
            return False
    return True


def stylesheet_safe(text: str, urls: set[str]) -> bool:
    """Does a <style> element's text, read again, hold only checked rules (see
    ``declarations_safe``) under valid selectors, @media and @font-face?"""
    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    return _rules_safe(rules, urls, 0)
