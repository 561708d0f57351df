from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from mailview.render.format import compactsize, count_line, fulldate, maildate, unseen_badge
from mailview.render.pages import kept_fragment
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


@register.simple_tag(takes_context=True)
def folder_tree(context: template.Context) -> SafeString:
    """The folder tree (mailview/_folders.html), drawn once per state: the same tree, open
    folder and language are the same HTML."""
    names = {"tree": context.get("tree"), "folder": context.get("folder")}
    return _fragment(context, "mailview/_folders.html", names)


@register.simple_tag(takes_context=True)
def list_toolbar(context: template.Context, results: bool = False) -> SafeString:
    """The actions toolbar of a list (mailview/_toolbar.html), drawn once per state."""
    names = {
        "tree": context.get("tree"),
        "folder": context.get("folder"),
        "current": context.get("current"),
        "rights": context.get("rights"),
        "results": results,
    }
    return _fragment(context, "mailview/_toolbar.html", names)


def _fragment(context: template.Context, name: str, names: dict[str, object]) -> SafeString:
    """``name`` drawn from ``names`` alone (all it reads), or kept from the last time."""
    user = context.get("user")
    if user is None or not user.is_authenticated:  # a page drawn outside a request
        return mark_safe(render_to_string(name, names))  # noqa: S308 - as below
    inputs = (tuple(names.items()), get_language(), get_script_prefix())
    html = kept_fragment(user.get_username(), name, inputs, lambda: render_to_string(name, names))
    return mark_safe(html)  # noqa: S308 - a template's own output, escaped by it
