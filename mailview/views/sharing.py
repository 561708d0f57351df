"""Sharing a folder (IMAP ACL): who has access, give access, remove access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.requests import AuthenticatedRequest
from mailview.imap.acl import PRESETS
from mailview.services import sharing as service
from mailview.services.mailbox import folder_tree
from mailview.services.session import MailSession

PRESET_LABELS = {
    "read": pgettext_lazy("access to a shared folder", "Read"),
    "read_write": gettext_lazy("Read and write (flags, move, delete)"),
    "full": gettext_lazy("Full (also subfolders and sharing)"),
}


@login_required
def share_page(request: AuthenticatedRequest) -> HttpResponse:
    mail = MailSession.for_request(request)
    params = request.POST if request.method == "POST" else request.GET
    folder = params.get("folder", "")
    error = ""
    grantee = ""
    if request.method == "POST":
        grantee = request.POST.get("login", "")
        try:
            if request.POST.get("action") == "remove":
                service.unshare_folder(mail, folder, grantee)
                messages.success(request, _("%(login)s no longer has access.") % {"login": grantee})
            else:
                who = service.share_folder(mail, folder, grantee, request.POST.get("preset", ""))
                messages.success(request, _("Shared with %(login)s.") % {"login": who})
        except service.SharingRefused as exc:
            error = str(exc.user_message)
        else:
            return redirect(reverse("mailview:folder_share") + "?" + urlencode({"folder": folder}))
    sharing = service.folder_sharing(mail, folder)
    return render(
        request,
        "mailview/folders/share.html",
        {
            "tree": folder_tree(mail),
            "sharing": sharing,
            "presets": [(name, PRESET_LABELS[name], PRESETS[name]) for name in PRESETS],
            "labels": PRESET_LABELS,
            "error": error,
            "grantee": grantee,
            "folder": "",
        },
    )
