"""The only producer of trusted HTML from mail: `sanitize_html` and `text_to_html`.

Every transformation happens on the parsed document, never on the serialized string:

    html5lib parse -> _Prepare (drop dangerous subtrees, SVG/MathML, move `background`
    attributes into CSS) -> bleach's allow-list (tags, attributes, URL schemes; CSS through
    `MailCSSSanitizer` of css.py, built on tinycss2) -> _Finish (<style> contents, img src,
    links) -> serializer.

Remote content (anything that would contact another host) is dropped and counted unless the
caller allows it; `cid:` references become URLs of the message's own parts (urls.py says which
URLs are kept). css.py and urls.py are helpers of this module; nothing else imports them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from bleach import html5lib_shim
from bleach.sanitizer import BleachSanitizerFilter
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from mailview.mime.complexity import flatten, too_complex
from mailview.mime.css import MailCSSSanitizer
from mailview.mime.text import text_lines
from mailview.mime.urls import CidResolver, UrlPolicy

if TYPE_CHECKING:
    # types-bleach describes bleach's vendored html5lib as the html5lib package and leaves
    # these two out of html5lib_shim; at run time they are bleach's own copies.
    from html5lib.filters.base import Filter
    from html5lib.treewalkers import getTreeWalker
else:
    Filter = html5lib_shim.Filter
    getTreeWalker = html5lib_shim.getTreeWalker

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
# Attributes that load something from another host; dropped (and counted) unless allowed.
REMOTE_ATTRIBUTES = frozenset({"srcset", "poster"})


TOO_COMPLEX = "This message is too complex to display; view its source."


@dataclass(frozen=True)
class SanitizedHTML:
    html: SafeString
    remote_blocked: int
    # Beyond the parser's budget (complexity.py): `html` is the part's text, flattened.
    too_complex: bool = False
    # Elements that went through the filters: the sanitizer's work, bounded by the budget.
    elements: int = 0


# -- HTML filters ------------------------------------------------------------------------------


class _Prepare(Filter):
    """Before the allow-list: drop dangerous subtrees, foreign content, namespaced attributes;
    <body> becomes a <div>; `background` attributes become CSS (checked like any other)."""

    def __init__(self, source: Any, context: UrlPolicy) -> None:
        super().__init__(source)
        self.context = context
        self.elements = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        skipping = 0
        for token in super().__iter__():
            kind = token["type"]
            if kind in ("StartTag", "EmptyTag"):
                self.elements += 1
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


class _Finish(Filter):
    """After the allow-list: the URLs of images and links, and the contents of <style>."""

    def __init__(self, source: Any, context: UrlPolicy, css: MailCSSSanitizer) -> None:
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
    context: UrlPolicy,
    *,
    tags: frozenset[str] = ALLOWED_TAGS,
    attributes: Callable[[str, str, str], bool] = _attribute_allowed,
) -> tuple[SafeString, int]:
    parser = html5lib_shim.BleachHTMLParser(
        tags=None, strip=True, consume_entities=True, namespaceHTMLElements=False
    )
    dom = parser.parse(markup)
    walker = getTreeWalker("etree")
    css = MailCSSSanitizer(context)
    prepare = _Prepare(walker(dom), context)
    stream: Any = prepare
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
    html = mark_safe(serializer.render(stream))  # noqa: S308 - the output of the allow-list
    return html, prepare.elements


def sanitize_html(
    markup: str, *, allow_remote: bool = False, cid: CidResolver | None = None
) -> SanitizedHTML:
    """Mail HTML made safe to show in the message frame; counts the remote loads it blocked."""
    context = UrlPolicy(allow_remote, cid)
    if "\x00" in markup:
        markup = markup.replace("\x00", "\ufffd")
    if too_complex(markup):
        notice = f'<p class="too-complex" role="note">{escape(TOO_COMPLEX)}</p>'
        lines = text_lines(flatten(markup))
        return SanitizedHTML(mark_safe(notice + text_to_html(lines)), 0, too_complex=True)  # noqa: S308
    html, elements = _render(markup, context)
    return SanitizedHTML(html, context.remote_blocked, elements=elements)


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
        summary = escape(gettext("Quoted text"))
        out.append(f'<details class="quoted"{is_open}><summary>{summary}</summary>')
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
