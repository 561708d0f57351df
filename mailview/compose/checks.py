"""What to ask before sending, and whether a compose holds anything worth a draft (pure).

`send_warnings`: no subject; the text mentions an attachment ("attached", "anbei", "ci-joint"…)
but none is attached. Quoted lines (a reply's "> ...") and the signature do not count: only
what the user wrote. `worth_a_draft`: a compose that only has a recipient (or the signature a
new message starts with) is not saved, so Drafts do not fill with empty "(no subject)" messages.
"""

from __future__ import annotations

import html
import re

from django.utils.translation import gettext as _

from mailview.compose.start import ComposeFields

#: Words that say a file comes with the message, in the languages our users write.
ATTACHMENT_WORDS = re.compile(
    r"\b(attach(ed|ment|ments|ing)?|enclosed|anbei|angehängt|im anhang|beigefügt|ci-joint|"
    r"pi[eè]ces? jointes?|en pi[eè]ce jointe|adjunto|adjunta|allegato|in allegato|"
    r"bijgevoegd|bijlage|em anexo|załącznik)\b",
    re.IGNORECASE,
)
_TAGS = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|div|li|blockquote|h[1-6])>|<br\s*/?>", re.IGNORECASE)
_QUOTE_BLOCK = re.compile(r"<blockquote\b.*?</blockquote>", re.IGNORECASE | re.DOTALL)


def own_text(fields: ComposeFields) -> str:
    """The words the user wrote: without quoted lines and without the signature."""
    if fields.format == "html":
        markup = _QUOTE_BLOCK.sub("", fields.html)
        text = html.unescape(_TAGS.sub("", _BLOCK_END.sub("\n", markup)))
    else:
        text = fields.text
    lines: list[str] = []
    for line in text.splitlines():
        if line.rstrip() == "--":  # the signature delimiter ("-- ")
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(line)
    return "\n".join(lines).strip()


def mentions_attachment(fields: ComposeFields) -> bool:
    return bool(ATTACHMENT_WORDS.search(own_text(fields)))


def send_warnings(fields: ComposeFields, attachments: int) -> list[str]:
    """What the user is asked to confirm before the message goes out (empty: send at once)."""
    warnings = []
    if not fields.subject.strip():
        warnings.append(_("This message has no subject."))
    if not attachments and mentions_attachment(fields):
        warnings.append(_("The text mentions an attachment, but no file is attached."))
    return warnings


def worth_a_draft(fields: ComposeFields, attachments: int, *, replying: bool) -> bool:
    """False for a compose with nothing but recipients (and the signature it started with).

    A reply or forward is kept as soon as it exists: it carries the quoted original."""
    return bool(replying or attachments or fields.subject.strip() or own_text(fields))
