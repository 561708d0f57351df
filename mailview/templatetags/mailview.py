from __future__ import annotations

from urllib.parse import urlencode

from django import template

from mailview.render.format import compactsize, count_line, fulldate, maildate, unseen_badge
from mailview.render.rows import RECIPIENT_ROLES, render_rows

register = template.Library()
register.filter("maildate", maildate)
register.filter("fulldate", fulldate)
register.filter("compactsize", compactsize)
register.simple_tag(unseen_badge)
register.simple_tag(count_line)


@register.simple_tag(takes_context=True)
def sort_query(context: template.Context, key: str) -> str:
    """Query string for a column header: sort by `key`; clicking the active column flips it."""
    page = context["page"]
    req = page.request
    if req.sort == key:
        order = "asc" if req.reverse else "desc"
    else:
        order = "asc" if key in ("from", "subject") else "desc"
    return "?" + urlencode({"sort": key, "order": order})


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, number: int) -> str:
    req = context["page"].request
    return "?" + urlencode(
        {"sort": req.sort, "order": "desc" if req.reverse else "asc", "page": number}
    )


@register.simple_tag(takes_context=True)
def sort_state(context: template.Context, key: str) -> str:
    req = context["page"].request
    if req.sort != key:
        return "none"
    return "descending" if req.reverse else "ascending"


@register.simple_tag
def message_rows(kind: str, rows: object, message_prefix: str, role: str | None = None) -> str:
    """The rows of a message table (list, search or threads), rendered by mailview.render.rows;
    `role`: the folder's special use (Sent and Drafts show the recipients)."""
    recipients = role in RECIPIENT_ROLES
    return render_rows(kind, rows, message_prefix, recipients=recipients)  # type: ignore[arg-type]
