"""Conversations or a flat list: the list views and the message view ask the same question."""

from __future__ import annotations

from accounts.requests import AuthenticatedRequest

VIEW_KEY = "webmail_view"


def conversation_view(request: AuthenticatedRequest) -> bool:
    """Conversations or a flat list: ?view= sets it for the session; the setting is the default."""
    view = request.GET.get("view")
    if view in ("threads", "list"):
        request.session[VIEW_KEY] = view
    chosen = request.session.get(VIEW_KEY)
    if chosen in ("threads", "list"):
        return chosen == "threads"
    return request.preferences.conversation_view
