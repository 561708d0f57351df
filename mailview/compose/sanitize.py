"""The HTML we send: ONE function, so it can switch to the shared sanitizer of received mail
(``mailview.mime.sanitize``) in one place."""

from __future__ import annotations

import re

import bleach

# Elements whose content is not text: removed with what they hold (bleach would keep the text).
_DROP_WITH_CONTENT = re.compile(
    r"(?is)<(script|style|template|title|head|iframe|object|noscript|textarea|select)\b.*?</\1\s*>"
)

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "hr",
        "i", "li", "ol", "p", "pre", "s", "span", "strike", "strong", "sub", "sup", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "blockquote": ["type", "cite"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def clean_outgoing_html(markup: str) -> str:
    """HTML from the editor, reduced to a strict allow-list (no scripts, styles, images, forms)."""
    markup = _DROP_WITH_CONTENT.sub("", markup)
    return bleach.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
