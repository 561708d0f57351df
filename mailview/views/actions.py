"""Views for actions on messages (POST forms with CSRF; static/webmail/actions.js enhances them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.requests import AuthenticatedRequest
from mailview.imap.client import IMAPConnection, check_folder_name
from mailview.render.search import SearchNote, live_parts, search_parts
from mailview.services import actions, search, threads
from mailview.services import mailbox as services
from mailview.services.session import MailSession
from mailview.views.kept import kept_frame
from mailview.views.message import list_path, preview_context

UNDO_KEY = "webmail_undo"


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: the form's `next` if it is a path on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _confirm(request: HttpRequest, mail: MailSession, title: str, text: str) -> HttpResponse:
    """A confirmation page that posts the same form again with confirm=1 (works without JS)."""
    fields = [
        (key, value)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken", "confirm")
        for value in request.POST.getlist(key)
    ]
    return render(
        request,
        "mailview/actions_confirm.html",
        {
            "tree": services.folder_tree(mail),
            "title": title,
            "text": text,
            "fields": fields,
            "action_url": request.path,
            "cancel_url": safe_next(request, reverse("mailview:home")),
            "folder": request.POST.get("folder", ""),
        },
    )


@login_required
@require_POST
def message_action(request: AuthenticatedRequest) -> HttpResponse:
    folder = request.POST.get("folder") or None
    if folder is not None:
        check_folder_name(folder)
    fallback = reverse("mailview:mailbox", args=[folder]) if folder else reverse("mailview:home")
    next_url = safe_next(request, fallback)
    selection = actions.parse_selection(
        folder, request.POST.getlist("uid"), request.POST.getlist("m")
    )
    action = request.POST.get("action", "")
    mail = MailSession.for_request(request)
    delete_mode = request.preferences.delete_action
    confirmed = request.POST.get("confirm") == "1"
    if action == "delete" and not confirmed:

        def permanent(conn: IMAPConnection) -> bool:
            if delete_mode == "delete":
                return True
            return any(actions.is_role(conn, name, "\\Trash") for name in selection)

        if mail.run(permanent):
            n = sum(len(uids) for uids in selection.values())
            return _confirm(
                request,
                mail,
                _("Delete for good?"),
                ngettext(
                    "%(n)d message will be deleted permanently. This cannot be undone.",
                    "%(n)d messages will be deleted permanently. This cannot be undone.",
                    n,
                )
                % {"n": n},
            )
    result = actions.apply_action(
        mail,
        selection,
        action,
        request.POST.get("target") or None,
        delete_mode=delete_mode,
        confirmed=confirmed,
    )
    if result.undo is not None:
        request.session[UNDO_KEY] = result.undo.as_session()
    elif action not in actions.FLAG_ACTIONS:
        request.session.pop(UNDO_KEY, None)
    # A move or delete that can be undone says so in its notice, with the Undo link in it.
    messages.success(request, result.message, extra_tags="undo" if result.undo else "")
    # After moving the open message away, its page is gone: go to the list instead.
    message_root = reverse("mailview:message", args=["x", 1])[: -len("x/1/")]
    if (
        action not in actions.FLAG_ACTIONS
        and action != "copy"
        and next_url.startswith(message_root)
    ):
        next_url = fallback
    return redirect(next_url)


@login_required
@require_POST
def undo_action(request: AuthenticatedRequest) -> HttpResponse:
    next_url = safe_next(request, reverse("mailview:home"))
    record = actions.UndoRecord.from_session(request.session.get(UNDO_KEY))
    if record is None:
        messages.warning(request, _("There is nothing to undo."))
        return redirect(next_url)
    result = actions.undo(MailSession.for_request(request), record)
    request.session.pop(UNDO_KEY, None)
    messages.success(request, result.message)
    return redirect(next_url)


@login_required
@require_POST
def empty_folder(request: AuthenticatedRequest) -> HttpResponse:
    folder = check_folder_name(request.POST.get("folder", ""))
    mail = MailSession.for_request(request)
    if request.POST.get("confirm") != "1":
        return _confirm(
            request,
            mail,
            _("Empty this folder?"),
            _("Every message in %(folder)s will be deleted permanently. This cannot be undone.")
            % {"folder": folder},
        )
    result = actions.empty_folder(mail, folder)
    request.session.pop(UNDO_KEY, None)
    messages.success(request, result.message)
    return redirect(safe_next(request, reverse("mailview:mailbox", args=[folder])))


@login_required
def thread_list(request: AuthenticatedRequest, folder: str) -> HttpResponse:
    req = services.ListRequest.from_query(
        folder,
        sort=request.GET.get("sort"),
        order=request.GET.get("order"),
        page=request.GET.get("page"),
        page_size=request.preferences.page_size,
    )
    try:
        open_uid = int(request.GET.get("open", ""))
    except ValueError:
        open_uid = None
    mail = MailSession.for_request(request)
    page = threads.thread_page(mail, req, open_uid)
    tree = services.folder_tree(mail)
    message_prefix = reverse("mailview:message", args=[folder, 0])[: -len("0/")]
    return render(
        request,
        "mailview/mailbox.html",
        {
            "tree": tree,
            "page": page,
            "threads": True,
            "folder": folder,
            "current": tree.find(folder),
            "message_prefix": message_prefix,
            "rights": services.page_rights(mail, tree, folder),  # as in the plain list
            "list_path": list_path(request),
            **preview_context(request, folder),
        },
    )


@login_required
def search_results(request: AuthenticatedRequest) -> HttpResponse:
    """GET /search/: the quick box and the advanced form; results paged like the list.

    With the header ``X-Search-Live: 1`` (search as you type, static/webmail/search.js) only the
    results part of the page is answered.
    """
    form = search.SearchForm(request.GET or None)
    mail = MailSession.for_request(request)
    results = None
    query = None
    if form.is_bound and form.is_valid():
        query = search.SearchQuery.from_form(form.cleaned_data)
    folder = (query.folder if query else request.GET.get("folder")) or "INBOX"
    if query is not None and not query.empty:
        try:
            page = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page = 1
        tree, results = search.search_page(mail, query, page, request.preferences.page_size)
        indexed, within = results.indexed, results.query.within
        slow, messages = results.slow_text, results.messages_searched
    else:
        tree, options = search.search_form(mail, folder)
        indexed, within, slow = options.indexed, options.within, options.large
        messages = options.messages
    advanced = (
        bool(request.GET.get("advanced"))
        or bool(query and (query.since or query.until or query.unread or query.flagged))
        or bool(query and (query.attachment or query.larger_kb is not None or query.smaller_kb))
    )
    base = request.GET.copy()
    base.pop("page", None)
    current = tree.find(folder)
    parts = search_parts(
        form,
        action=reverse("mailview:search"),
        within=within,
        advanced=advanced,
        note=SearchNote(indexed, slow, (current.label if current else "") or folder, messages),
        summary=results.summary() if results is not None else None,
        rows=results.rows if results is not None else None,
        page_base=base.urlencode(),
        message_root=reverse("mailview:message", args=["x", 1])[: -len("x/1/")],
    )
    if request.headers.get("X-Search-Live") == "1":
        return HttpResponse(live_parts(parts))
    # The page around the form, the summary and the rows is the same from one search to the
    # next (same folder tree, same settings): it is kept, and only those parts are drawn.
    slots = {
        "slot_form": parts.form,
        "slot_summary": parts.summary,
        "slot_rows": parts.rows,
        "list_path": escape(request.get_full_path()),
    }
    found = bool(results and results.rows)  # the toolbar and the table only with rows to act on
    frame = {"tree": tree, "folder": folder, "current": current, "found": found}
    inputs = (tree, folder, found)
    return kept_frame(request, "mailview/search.html", frame, inputs, slots)
