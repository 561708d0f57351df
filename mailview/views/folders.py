"""Folder management page, folder changes, import and export."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import AsyncIterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.requests import AuthenticatedRequest
from mailview.imap.client import check_folder_name
from mailview.imap.errors import InvalidName
from mailview.services import folder_admin
from mailview.services import mailbox as services
from mailview.services import transfer as mbox
from mailview.services.session import MailSession
from mailview.views.actions import safe_next

MAX_IMPORT_FILES = 20
NDJSON = "application/x-ndjson"


def download_name(text: str, suffix: str) -> str:
    """A file name from a folder name or subject: no paths, no control characters."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r'[\\/:*?"<>|]+', "_", text).strip(" .")[:100]
    return (text or "mail") + suffix


@login_required
def manage(request: AuthenticatedRequest) -> HttpResponse:
    tree, overview = folder_admin.overview(MailSession.for_request(request))
    return render(
        request,
        "mailview/folders/manage.html",
        {"tree": tree, "overview": overview, "folder": "", "parents": overview.rows},
    )


def _back(request: HttpRequest) -> str:
    return safe_next(request, reverse("mailview:folders"))


@login_required
@require_POST
def create(request: AuthenticatedRequest) -> HttpResponse:
    name = folder_admin.create_folder(
        MailSession.for_request(request),
        request.POST.get("name", ""),
        request.POST.get("parent", ""),
    )
    shown = services.display_name(MailSession.for_request(request), name)
    messages.success(request, _("Folder %(name)s created.") % {"name": shown})
    return redirect(_back(request))


@login_required
@require_POST
def rename(request: AuthenticatedRequest) -> HttpResponse:
    new_name = folder_admin.rename_folder(
        MailSession.for_request(request),
        request.POST.get("folder", ""),
        request.POST.get("name", ""),
    )
    shown = services.display_name(MailSession.for_request(request), new_name)
    messages.success(request, _("Folder renamed to %(name)s.") % {"name": shown})
    return redirect(_back(request))


@login_required
@require_POST
def delete(request: AuthenticatedRequest) -> HttpResponse:
    name = check_folder_name(request.POST.get("folder", ""))
    mail = MailSession.for_request(request)
    with_subfolders = request.POST.get("subfolders") == "1"
    if request.POST.get("confirm") == "1":
        try:
            folder_admin.delete_folder(mail, name, with_subfolders=with_subfolders)
        except folder_admin.HasSubfolders:
            pass  # subfolders appeared since the question: ask again, naming them
        else:
            shown = services.display_name(mail, name)
            messages.success(request, _("Folder %(name)s deleted.") % {"name": shown})
            return redirect(reverse("mailview:folders"))
    below = folder_admin.subfolders(mail, name)
    shown = services.display_name(mail, name)
    if below:
        text = ngettext(
            "The folder %(name)s, its subfolder and every message in them will be deleted "
            "permanently.",
            "The folder %(name)s, its %(n)d subfolders and every message in them will be "
            "deleted permanently.",
            len(below),
        ) % {"name": shown, "n": len(below)}
    else:
        text = _("The folder %(name)s and every message in it will be deleted permanently.") % {
            "name": shown
        }
    return render(
        request,
        "mailview/actions_confirm.html",
        {
            "tree": services.folder_tree(mail),
            "title": _("Delete folder?"),
            "text": text,
            "fields": [("folder", name)] + ([("subfolders", "1")] if below else []),
            "action_url": request.path,
            "cancel_url": reverse("mailview:folders"),
            "folder": "",
        },
    )


@login_required
@require_POST
def subscribe(request: AuthenticatedRequest) -> HttpResponse:
    name = request.POST.get("folder", "")
    on = request.POST.get("subscribed") == "1"
    folder_admin.set_subscribed(MailSession.for_request(request), name, on)
    text = _("%(name)s is shown in the folder list.") if on else _("%(name)s is hidden.")
    messages.success(
        request, text % {"name": services.display_name(MailSession.for_request(request), name)}
    )
    return redirect(_back(request))


@login_required
def import_messages(request: AuthenticatedRequest) -> HttpResponseBase:
    """GET: the form. POST: APPEND the uploaded .eml/.mbox files; the report page.

    A POST that accepts application/x-ndjson (the page's script) gets the import's progress
    as it works instead: one JSON object per line, {"done": n, "total": m}, then
    {"result": {...}} with the report.
    """
    mail = MailSession.for_request(request)
    report = None
    folder = request.POST.get("folder") or request.GET.get("folder") or "INBOX"
    error = None
    if request.method == "POST":
        folder = check_folder_name(folder)
        files = request.FILES.getlist("files")
        if not files:
            error = _("Choose one or more .eml or .mbox files.")
        elif len(files) > MAX_IMPORT_FILES:
            error = _("At most %(n)d files at once.") % {"n": MAX_IMPORT_FILES}
        else:
            uploads = [(download_name(f.name or "upload", ""), f) for f in files]
            if NDJSON in request.headers.get("Accept", ""):
                response = StreamingHttpResponse(
                    _import_events(mbox.import_progress(mail, folder, uploads)),
                    content_type=f"{NDJSON}; charset=utf-8",
                )
                response["Cache-Control"] = "no-store"
                response["X-Accel-Buffering"] = "no"  # a proxy must pass each line on at once
                return response
            report = mbox.import_messages(mail, folder, mbox.upload_messages(uploads))
    tree = services.folder_tree(mail)
    return render(
        request,
        "mailview/folders/import.html",
        {
            "tree": tree,
            "folder": folder,
            "current": tree.find(folder),
            "shown": services.display_name(mail, folder),
            "report": report,
            "error": error,
        },
        status=400 if error else 200,
    )


async def _import_events(
    events: AsyncIterator[mbox.ImportProgress | mbox.ImportReport],
) -> AsyncIterator[bytes]:
    """The import's events as JSON lines; the report also as the page's own markup."""
    async for event in events:
        if isinstance(event, mbox.ImportProgress):
            line: dict[str, object] = {"done": event.done, "total": event.total}
        else:
            line = {
                "result": {
                    "folder": event.folder,
                    "imported": event.imported,
                    "failed": [{"which": which, "why": why} for which, why in event.failed],
                    "changed": [{"which": which, "what": what} for which, what in event.changed],
                    "html": render_to_string(
                        "mailview/folders/_import_report.html", {"report": event}
                    ),
                }
            }
        yield json.dumps(line).encode() + b"\n"


@login_required
def export_mbox(request: AuthenticatedRequest, folder: str) -> StreamingHttpResponse:
    mail = MailSession.for_request(request)
    uids = mbox.folder_uids(mail, folder)  # validates the folder and raises if it is missing
    response = StreamingHttpResponse(
        mbox.mbox_stream(mail, folder, uids), content_type="application/mbox"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, download_name(services.display_name(mail, folder).replace("/", "-"), ".mbox")
    )
    response["X-Message-Count"] = str(len(uids))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def export_eml(request: AuthenticatedRequest, folder: str, uid: int) -> StreamingHttpResponse:
    if uid <= 0:
        raise InvalidName("uid", user_message=_("Invalid message."))
    mail = MailSession.for_request(request)
    first = mbox.first_chunk(mail, folder, uid)
    response = StreamingHttpResponse(
        mbox.eml_stream(mail, folder, uid, first), content_type="message/rfc822"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, download_name(f"message-{uid}", ".eml")
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
