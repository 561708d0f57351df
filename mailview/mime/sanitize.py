"""The only producer of trusted HTML from mail: `sanitize_html` and `text_to_html`.

Every transformation happens on the parsed document, never on the serialized string:

    html5lib parse -> _Prepare (drop dangerous subtrees, SVG/MathML, move `background`
    attributes into CSS) -> bleach's allow-list (tags, attributes, URL schemes; CSS through
    `MailCSSSanitizer`, built on tinycss2) -> _Finish (<style> contents, img src, links) ->
    serializer.

Remote content (anything that would contact another host) is dropped and counted unless the
caller allows it; `cid:` references become URLs of the message's own parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import tinycss2
from bleach import html5lib_shim
from bleach.css_sanitizer import CSSSanitizer
from bleach.sanitizer import BleachSanitizerFilter
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CidResolver = Callable[[str], str | None]

HTML_NS = "http://www.w3.org/1999/xhtml"

ALLOWED_TAGS = frozenset(
    """a abbr acronym address article aside b bdi bdo big blockquote br caption center cite code
    col colgroup dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6
    header hr i img ins kbd li main mark nav ol p pre q s samp section small span strike strong
    style sub summary sup table tbody td tfoot th thead time tr tt u ul var wbr picture source
    video audio""".split()
)
# Kept only when remote content is allowed (they exist to load something from another host).
MEDIA_TAGS = frozenset({"video", "audio"})
# Removed with everything inside them (their text would be noise or worse).
DROP_WITH_CONTENT = frozenset(
    """script title meta link base object embed applet iframe frame
    frameset noscript noembed noframes template xmp plaintext textarea select option optgroup
    button input datalist track canvas map area portal math svg
    param keygen dialog slot""".split()
)
GLOBAL_ATTRIBUTES = frozenset(
    "align valign bgcolor class dir id lang style title width height border".split()
)
TAG_ATTRIBUTES = {
    "a": {"href", "name"},
    "img": {"src", "srcset", "sizes", "alt", "hspace", "vspace"},
    "source": {"src", "srcset", "sizes", "media", "type"},
    "video": {"src", "poster"},
    "audio": {"src"},
    "table": {"cellpadding", "cellspacing", "summary", "frame", "rules"},
    "td": {"colspan", "rowspan", "nowrap", "abbr", "scope", "axis", "headers"},
    "th": {"colspan", "rowspan", "nowrap", "abbr", "scope", "axis", "headers"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value", "type"},
    "col": {"span"},
    "colgroup": {"span"},
    "hr": {"noshade", "size"},
    "time": {"datetime"},
    "details": {"open"},
}
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
DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|jpg|webp|bmp);base64,[a-z0-9+/=\s]*", re.I)
URL_ATTRIBUTES = frozenset({"href", "src"})
# Attributes that load something from another host; dropped (and counted) unless allowed.
REMOTE_ATTRIBUTES = frozenset({"srcset", "poster"})
FONT_FACE_DESCRIPTORS = frozenset(
    """font-family src font-style font-weight font-stretch font-display unicode-range
    font-variant font-feature-settings""".split()
)
_SRCSET_DESCRIPTOR = re.compile(r"\d+(\.\d+)?[wx]|\d+h", re.I)
_INVISIBLE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+")
_DROP = object()


@dataclass(frozen=True)
class SanitizedHTML:
    html: SafeString
    remote_blocked: int


class _Context:
    """Per-call state shared by the filters and the CSS sanitizer."""

    def __init__(self, allow_remote: bool, cid: CidResolver | None) -> None:
        self.allow_remote = allow_remote
        self.cid = cid or (lambda _cid: None)
        self.remote_blocked = 0

    def url(self, value: str, *, image: bool) -> str | None:
        """The URL to keep for `value` (maybe rewritten), or None to drop it."""
        scheme, rest = url_scheme(value)
        if scheme == "cid" and image:
            return self.cid(rest)
        if scheme in ("http", "https") and not rest.startswith("//"):
            return None  # "http:foo" without a host
        if scheme in ("http", "https"):
            if image and not self.allow_remote:
                self.remote_blocked += 1
                return None
            return value.strip()
        if scheme == "mailto" and not image:
            return value.strip()
        if scheme == "data" and image and DATA_IMAGE.fullmatch(_INVISIBLE.sub("", value)):
            return _INVISIBLE.sub("", value)
        if scheme == "" and not image and value.strip().startswith("#"):
            return value.strip()
        return None  # javascript:, vbscript:, relative URLs (they would reach our own site), ...

    def remote_url(self, value: str) -> str | None:
        """An http(s) URL with a host, when remote content is allowed (fonts, media)."""
        scheme, rest = url_scheme(value)
        if scheme not in ("http", "https") or not rest.startswith("//"):
            return None
        if not self.allow_remote:
            self.remote_blocked += 1
            return None
        return value.strip()

    def srcset(self, value: str) -> str | None:
        """A srcset whose every candidate is an allowed image URL with a plain descriptor,
        rebuilt from its parts; None (the attribute dropped) otherwise."""
        candidates = []
        for url, descriptor in parse_srcset(value):
            kept = self.url(url, image=True)
            if kept is None or (descriptor and not _SRCSET_DESCRIPTOR.fullmatch(descriptor)):
                return None
            if any(ch in kept for ch in " ,\t\n\r\f"):
                kept = quote(kept, safe=":/?#[]@!$&'()*+;=%-._~")
            candidates.append(f"{kept} {descriptor}".strip())
        return ", ".join(candidates) or None


def parse_srcset(value: str) -> list[tuple[str, str]]:
    """(URL, descriptor) pairs of a srcset, split as the HTML standard does: a URL runs to
    whitespace (trailing commas end the candidate), a descriptor to the next comma."""
    out = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < end and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if not url:
            break
        if url.endswith(","):
            out.append((url.rstrip(","), ""))
            continue
        start = pos
        depth = 0
        while pos < end and (value[pos] != "," or depth):
            depth += {"(": 1, ")": -1}.get(value[pos], 0)
            pos += 1
        out.append((url, " ".join(value[start:pos].split())))
    return out


def url_scheme(value: str) -> tuple[str, str]:
    """(scheme, rest) of a URL as a browser would read it: controls and whitespace ignored."""
    normal = _INVISIBLE.sub("", value)
    normal = re.sub(r"[^\x00-\x7f]", "", normal)
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):(.*)", normal, re.S)
    if match is None:
        return "", normal
    scheme = match.group(1).lower()
    rest = match.group(2)
    if scheme == "cid":
        rest = value.strip()[4:].strip().strip("<>")
    return scheme, rest


# -- CSS ---------------------------------------------------------------------------------------


class MailCSSSanitizer(CSSSanitizer):
    """bleach's CSSSanitizer, checking values too: url() (cid: or allowed remote only), an
    allow-list of functions, no position:fixed/absolute/sticky, no error tokens (unclosed
    url( or strings), escapes and comments resolved by tinycss2 before any check."""

    def __init__(self, context: _Context) -> None:
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
                text = self._font_face(rule)
                if text and "<" not in text:
                    yield text
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


# -- HTML filters ------------------------------------------------------------------------------


class _Prepare(html5lib_shim.Filter):
    """Before the allow-list: drop dangerous subtrees, foreign content, namespaced attributes;
    <body> becomes a <div>; `background` attributes become CSS (checked like any other)."""

    def __init__(self, source: Any, context: _Context) -> None:
        super().__init__(source)
        self.context = context

    def __iter__(self) -> Iterator[dict[str, Any]]:
        skipping = 0
        for token in super().__iter__():
            kind = token["type"]
            if kind in ("StartTag", "EmptyTag", "EndTag"):
                name = (token.get("name") or "").lower()
                namespace = token.get("namespace")
                dropped = (
                    name in DROP_WITH_CONTENT
                    or (namespace not in (None, HTML_NS))
                    or (name in MEDIA_TAGS and not self.context.allow_remote)
                )
                if skipping:
                    if kind == "StartTag":
                        skipping += 1
                    elif kind == "EndTag":
                        skipping -= 1
                    continue
                if dropped:
                    self._count_dropped(token)
                    if kind == "StartTag":
                        skipping = 1
                    continue
                if name in ("body", "html", "head"):
                    if name != "body":
                        continue
                    token = {**token, "name": "div"}
                if kind != "EndTag":
                    token["data"] = self._attributes(token.get("data") or {})
                yield token
            elif not skipping:
                yield token

    def _attributes(self, attrs: dict[tuple[str | None, str], str]) -> dict[Any, str]:
        out: dict[Any, str] = {}
        background = None
        for (namespace, name), value in attrs.items():
            lname = name.lower()
            if namespace is not None or ":" in lname or not re.fullmatch(r"[a-z][a-z0-9-]*", lname):
                continue
            if lname == "background":
                background = value
                continue
            if lname in ("lowsrc", "dynsrc") or (
                lname in REMOTE_ATTRIBUTES and not self.context.allow_remote
            ):
                self._count(value)
                continue
            out[(None, lname)] = value
        if background:
            css = 'background-image: url("' + re.sub(r'["\\\n\r\f]', "", background) + '")'
            previous = out.get((None, "style"), "")
            out[(None, "style")] = f"{previous}; {css}" if previous else css
        return out

    def _count_dropped(self, token: dict[str, Any]) -> None:
        for (_ns, name), value in (token.get("data") or {}).items():
            if name.lower() in ("src", "poster", "data", "href", "srcset", "background"):
                self._count(value)

    def _count(self, value: str) -> None:
        if not self.context.allow_remote and re.search(r"https?:", value, re.I):
            self.context.remote_blocked += 1


class _Finish(html5lib_shim.Filter):
    """After the allow-list: the URLs of images and links, and the contents of <style>."""

    def __init__(self, source: Any, context: _Context, css: MailCSSSanitizer) -> None:
        super().__init__(source)
        self.context = context
        self.css = css

    def __iter__(self) -> Iterator[dict[str, Any]]:
        in_style = False
        style_text: list[str] = []
        for token in super().__iter__():
            kind = token["type"]
            name = token.get("name")
            if in_style:
                if kind == "EndTag" and name == "style":
                    in_style = False
                    css = self.css.sanitize_stylesheet("".join(style_text))
                    if css:
                        yield {"type": "Characters", "data": css}
                    yield token
                elif kind in ("Characters", "SpaceCharacters"):
                    style_text.append(token["data"])
                elif kind == "Entity":
                    style_text.append(html5lib_shim.convert_entity(token["name"]) or "")
                continue
            if kind == "StartTag" and name == "style":
                in_style = True
                style_text = []
                yield {**token, "data": {}}
                continue
            if kind in ("StartTag", "EmptyTag"):
                attrs = dict(token.get("data") or {})
                if name in ("img", "source", "video", "audio"):
                    for attr in ("src", "poster"):
                        value = attrs.pop((None, attr), None)
                        kept = self.context.url(value, image=True) if value else None
                        if kept is not None:
                            attrs[(None, attr)] = kept
                    srcset = attrs.pop((None, "srcset"), None)
                    kept = self.context.srcset(srcset) if srcset else None
                    if kept is not None:
                        attrs[(None, "srcset")] = kept
                    if name in MEDIA_TAGS:
                        # Shown with the browser's controls; nothing loads before the user
                        # presses play, and nothing plays by itself.
                        attrs[(None, "controls")] = "controls"
                        attrs[(None, "preload")] = "none"
                elif name == "a":
                    href = attrs.pop((None, "href"), None)
                    kept = self.context.url(href, image=False) if href else None
                    if kept is not None:
                        attrs[(None, "href")] = kept
                        if not kept.startswith("#"):
                            attrs[(None, "target")] = "_blank"
                            attrs[(None, "rel")] = "noopener noreferrer"
                token = {**token, "data": attrs}
            yield token


class _Serializer(html5lib_shim.BleachHTMLSerializer):
    # <style> text comes out raw (`a > b` must stay a selector); _Finish guarantees it holds
    # no "<", and every other raw-text element was dropped with its contents.
    escape_rcdata = False


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    return name in GLOBAL_ATTRIBUTES or name in TAG_ATTRIBUTES.get(tag, ())


def _render(
    markup: str,
    context: _Context,
    *,
    tags: frozenset[str] = ALLOWED_TAGS,
    attributes: Callable[[str, str, str], bool] = _attribute_allowed,
) -> SafeString:
    parser = html5lib_shim.BleachHTMLParser(
        tags=None, strip=True, consume_entities=True, namespaceHTMLElements=False
    )
    dom = parser.parse(markup)
    walker = html5lib_shim.getTreeWalker("etree")
    css = MailCSSSanitizer(context)
    stream: Any = _Prepare(walker(dom), context)
    stream = BleachSanitizerFilter(
        source=stream,
        allowed_tags=tags,
        attributes=attributes,
        allowed_protocols={"http", "https", "mailto", "cid", "data"},
        strip_disallowed_tags=True,
        strip_html_comments=True,
        css_sanitizer=css,
    )
    stream = _Finish(stream, context, css)
    serializer = _Serializer(
        quote_attr_values="always",
        omit_optional_tags=False,
        escape_lt_in_attrs=True,
        resolve_entities=False,
        sanitize=False,
        alphabetical_attributes=False,
    )
    return mark_safe(serializer.render(stream))  # noqa: S308 - the output of the allow-list


def sanitize_html(
    markup: str, *, allow_remote: bool = False, cid: CidResolver | None = None
) -> SanitizedHTML:
    """Mail HTML made safe to show in the message frame; counts the remote loads it blocked."""
    context = _Context(allow_remote, cid)
    if "\x00" in markup:
        markup = markup.replace("\x00", "\ufffd")
    return SanitizedHTML(_render(markup, context), context.remote_blocked)


# -- plain text --------------------------------------------------------------------------------

# A URL ends at whitespace, quotes, angle brackets and the usual closing punctuation.
_LINK = re.compile(
    r"""(?P<url>(?:https?://|www\.)[^\s<>"'`\x00-\x1f\x7f]+)"""
    r"""|(?P<mail>(?:mailto:)?[A-Za-z0-9.!#$%&*+/=?^_{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)""",
    re.I,
)
_TRAILING = ".,;:!?)]}'\""


def _link(match: re.Match[str]) -> tuple[str, str, str]:
    """(text shown as link, href, text after the link) for one match."""
    text = match.group(0)
    tail = ""
    while text and text[-1] in _TRAILING:
        if text[-1] == ")" and text.count("(") >= text.count(")"):
            break
        tail = text[-1] + tail
        text = text[:-1]
    if match.group("mail"):
        address = text[7:] if text.lower().startswith("mailto:") else text
        return text, "mailto:" + quote(address, safe="@.+-_!#$%&*/=?^{|}~"), tail
    href = text if "://" in text else "http://" + text
    parts = urlsplit(href)
    if not parts.netloc:
        return "", "", match.group(0)
    return text, quote(href, safe=":/?#[]@!$&'()*+,;=%-._~"), tail


def linkify_line(line: str) -> str:
    """One line of text as HTML: escaped, with web and mail addresses made links.

    Each piece is escaped as it is emitted; nothing is substituted into the output later, so
    no text in the message can pose as a placeholder or inject markup."""
    out: list[str] = []
    pos = 0
    for match in _LINK.finditer(line):
        out.append(escape(line[pos : match.start()]))
        text, href, tail = _link(match)
        if text:
            attrs = 'rel="noopener noreferrer" target="_blank"'
            out.append(f'<a href="{escape(href)}" {attrs}>{escape(text)}</a>')
        out.append(escape(tail))
        pos = match.end()
    out.append(escape(line[pos:]))
    return "".join(out)


def text_to_html(blocks: Iterable[tuple[int, str]]) -> SafeString:
    """Plain text as HTML: `blocks` are (quote depth, line). Each quoted run goes into a
    collapsible <details> (closed when longer than a few lines) with a <blockquote> per level;
    every line goes through `linkify_line`."""
    runs: list[tuple[bool, list[tuple[int, str]]]] = []
    for level, line in blocks:
        quoted = level > 0
        if not runs or runs[-1][0] != quoted:
            runs.append((quoted, []))
        runs[-1][1].append((min(level, 20), line))
    out: list[str] = []
    for quoted, lines in runs:
        if not quoted:
            out.extend(linkify_line(line) + "\n" for _, line in lines)
            continue
        is_open = " open" if len(lines) <= 3 else ""
        out.append(f'<details class="quoted"{is_open}><summary>Quoted text</summary>')
        depth = 0
        for level, line in lines:
            while depth < level:
                out.append("<blockquote>")
                depth += 1
            while depth > level:
                out.append("</blockquote>")
                depth -= 1
            out.append(linkify_line(line) + "\n")
        out.append("</blockquote>" * depth + "</details>")
    return mark_safe("".join(out))  # noqa: S308 - every piece was escaped by linkify_line
