"""The HTML we send: the same sanitizer as received mail (`mailview.mime.sanitize`), behind one
function so that compose never builds HTML of its own."""

from __future__ import annotations

from mailview.mime.complexity import flatten
from mailview.mime.sanitize import sanitize_html, text_to_html
from mailview.mime.text import text_lines


def clean_outgoing_html(markup: str) -> str:
    """HTML from the editor, made safe exactly as a received message would be (no script, forms,
    event handlers or CSS tricks). Remote loads (images, CSS url()) are dropped as for received
    mail without permission: what we send carries no tracking pixel; pasted images arrive from the
    editor as data: URLs, which stay."""
    result = sanitize_html(markup, allow_remote=False)
    if result.too_complex:  # beyond the sanitizer's budget: its text, without the notice
        return str(text_to_html(text_lines(flatten(markup))))
    return str(result.html)
