"""Views read the request, call a service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.requests import AuthenticatedRequest
from mailview.services import mailbox as services
from mailview.services.session import MailSession
from mailview.views import actions as views_actions
from mailview.views.kept import kept_or_rendered


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    return redirect("mailview:mailbox", folder="INBOX")


@login_required
def mailbox(request: AuthenticatedRequest, folder: str) -> HttpResponse:
    if views_actions.conversation_view(request):
        return views_actions.thread_list(request, folder)
    req = services.ListRequest.from_query(
        folder,
        sort=request.GET.get("sort"),
        order=request.GET.get("order"),
        page=request.GET.get("page"),
        page_size=request.preferences.page_size,
    )
    mail = MailSession.for_request(request)
    tree, page = services.mailbox_page(mail, req)
    # Reversed once, not per row: message links are this prefix plus the UID.
    message_prefix = reverse("mailview:message", args=[folder, 0])[: -len("0/")]
    current = tree.find(folder)
    shared = current is not None and current.section != "personal"
    # Another user's or a shared folder: only the actions its rights allow.
    rights = services.folder_rights(mail, folder) if shared else services.ALL_RIGHTS
    context = {
        "tree": tree,
        "page": page,
        "folder": folder,
        "current": current,
        "message_prefix": message_prefix,
        "rights": rights,
    }
    # An unchanged page (same rows, tree, rights, settings, session...) is not rendered again.
    inputs = (folder, page, tree, rights)
    return kept_or_rendered(request, "mailview/mailbox.html", context, inputs)
