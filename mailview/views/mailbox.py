"""Views read the request, call a service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.requests import AuthenticatedRequest
from mailview.services import mailbox as services
from mailview.services import out_of_office
from mailview.services.session import MailSession
from mailview.views import actions as views_actions
from mailview.views.kept import kept_or_rendered
from mailview.views.message import list_path, preview_context
from mailview.views.view_mode import conversation_view


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    return redirect("mailview:mailbox", folder="INBOX")


@login_required
def mailbox(request: AuthenticatedRequest, folder: str) -> HttpResponse:
    # The out-of-office banner's state, when it must be read, is read beside the list's IMAP.
    out_of_office.begin_vacation_status(MailSession.for_request(request), request.session)
    if conversation_view(request):
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
    shown = preview_context(request, folder)
    context = {
        "tree": tree,
        "page": page,
        "folder": folder,
        "current": current,
        "message_prefix": message_prefix,
        # Another user's or a shared folder: only the actions its rights allow.
        "rights": services.page_rights(mail, tree, folder),
        "list_path": list_path(request),
        **shown,
    }
    if shown or "msg" in request.GET:
        # A message open in the preview (?msg=): read (and marked read) now, never kept.
        return render(request, "mailview/mailbox.html", context)
    # An unchanged page (same rows, tree, rights, settings, session...) is not rendered again.
    inputs = (folder, page, tree, context["rights"], context["list_path"])
    return kept_or_rendered(request, "mailview/mailbox.html", context, inputs)
