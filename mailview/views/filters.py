"""Settings › Filters: the webmail's rules (list, order, edit), the scripts of other clients
(activate, raw editor with the server's verdict line by line)."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.requests import AuthenticatedRequest
from mailview.imap.client import check_folder_name
from mailview.services import filter_like as like
from mailview.services import filters as service
from mailview.services import out_of_office
from mailview.services.filter_forms import RuleForm
from mailview.services.mailbox import folder_tree
from mailview.services.session import MailSession
from mailview.sieve.rules import FilterSet, Rule


def _rule_or_404(filters: FilterSet, index: int) -> Rule:
    if not 0 <= index < len(filters.rules):
        raise Http404("no such rule")
    return filters.rules[index]


@login_required
def filters_page(request: AuthenticatedRequest) -> HttpResponse:
    mail = MailSession.for_request(request)
    overview = service.filters_overview(mail)
    return render(
        request,
        "mailview/filters/index.html",
        {"tree": folder_tree(mail), "overview": overview, "folder": ""},
    )


def _version(request: AuthenticatedRequest) -> str | None:
    """The script version the page was made from (hidden ``version``), if it sent one."""
    return request.POST.get("version") or None


def _save(request: AuthenticatedRequest, change: service.Change, done: str) -> bool:
    """Save through the service; a refusal becomes a message on the page (nothing lost)."""
    try:
        service.save_filters(
            MailSession.for_request(request), change, expected_version=_version(request)
        )
    except service.FiltersRefused as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        return False
    out_of_office.forget_vacation_status(request.session)
    messages.success(request, done)
    return True


@login_required
def rule_edit(request: AuthenticatedRequest, index: int | None = None) -> HttpResponse:
    mail = MailSession.for_request(request)
    overview = service.filters_overview(mail)
    extensions = overview.capabilities.sieve
    rule = None if index is None else _rule_or_404(overview.filters, index)
    if request.method == "POST":
        form = RuleForm(request.POST, extensions=extensions)
        if form.is_valid():
            new = form.to_rule()

            def change(filters: FilterSet) -> FilterSet:
                rules = list(filters.rules)
                if index is None:
                    rules.append(new)
                else:
                    _rule_or_404(filters, index)
                    rules[index] = new
                return replace(filters, rules=tuple(rules))

            try:
                service.save_filters(mail, change, expected_version=_version(request))
            except service.FiltersConflict as exc:
                # The rule numbers may mean other rules now: back to the list as it is.
                messages.error(request, exc.problems[0])
                return redirect("accounts:filters")
            except service.FiltersRefused as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                out_of_office.forget_vacation_status(request.session)
                messages.success(request, _("Rule %(name)s saved.") % {"name": new.name})
                return redirect("accounts:filters")
    else:
        initial = RuleForm.initial_for(rule) if rule else None
        form = RuleForm(initial=initial, extensions=extensions)
    return render(
        request,
        "mailview/filters/rule.html",
        {
            "tree": folder_tree(mail),
            "form": form,
            "rule": rule,
            "index": index,
            "folders": overview.folders,
            "folder": "",
            "version": request.POST.get("version") or overview.version,
        },
    )


@login_required
@require_POST
def rule_delete(request: AuthenticatedRequest, index: int) -> HttpResponse:
    def change(filters: FilterSet) -> FilterSet:
        _rule_or_404(filters, index)
        return replace(filters, rules=filters.rules[:index] + filters.rules[index + 1 :])

    _save(request, change, _("Rule deleted."))
    return redirect("accounts:filters")


@login_required
@require_POST
def rule_toggle(request: AuthenticatedRequest, index: int) -> HttpResponse:
    def change(filters: FilterSet) -> FilterSet:
        rule = _rule_or_404(filters, index)
        rules = list(filters.rules)
        rules[index] = replace(rule, enabled=not rule.enabled)
        return replace(filters, rules=tuple(rules))

    _save(request, change, _("Rule switched."))
    return redirect("accounts:filters")


@login_required
@require_POST
def rule_order(request: AuthenticatedRequest) -> HttpResponse:
    """A new order: ``order`` (every index once, from drag and drop) or ``move`` + ``to``."""
    order_raw = request.POST.getlist("order")
    move, to = request.POST.get("move", ""), request.POST.get("to", "")

    def change(filters: FilterSet) -> FilterSet:
        count = len(filters.rules)
        if order_raw:
            if not all(v.isdigit() for v in order_raw):
                raise service.FiltersRefused([_("The new order could not be read.")])
            order = [int(v) for v in order_raw]
            if sorted(order) != list(range(count)):
                raise service.FiltersRefused(
                    [_("The rules changed meanwhile; reload the page and try again.")]
                )
        elif move.isdigit() and to.lstrip("-").isdigit():
            order = list(range(count))
            source = int(move)
            _rule_or_404(filters, source)
            order.insert(max(0, min(count - 1, int(to))), order.pop(source))
        else:
            raise service.FiltersRefused([_("The new order could not be read.")])
        return replace(filters, rules=tuple(filters.rules[i] for i in order))

    _save(request, change, _("Order saved."))
    return redirect("accounts:filters")


@login_required
@require_POST
def script_activate(request: AuthenticatedRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    service.activate_script(MailSession.for_request(request), name)
    out_of_office.forget_vacation_status(request.session)
    if name:
        messages.success(request, _("Script %(name)s is now active.") % {"name": name})
    else:
        messages.success(request, _("All filter scripts are switched off."))
    return redirect("accounts:filters")


@login_required
def script_edit(request: AuthenticatedRequest) -> HttpResponse:
    """The raw editor: GET ?name= loads a script; POST checks it, or saves it if it is valid."""
    mail = MailSession.for_request(request)
    name = (request.POST if request.method == "POST" else request.GET).get("name", "").strip()
    verdict, valid, saved, conflict = "", None, False, ""
    version = request.POST.get("version", "")
    if request.method == "POST":
        text = request.POST.get("script", "")
        try:
            if request.POST.get("action") == "save":
                saved, verdict = service.save_raw_script(mail, name, text, version or None)
                valid = saved
            else:
                valid, verdict = service.check_raw_script(mail, text)
        except service.FiltersConflict as exc:
            # Nothing saved, the text kept; saving again now replaces what is on the server.
            conflict = exc.problems[0]
            version = service.script_version(service.read_script_or_none(mail, name))
        except service.FiltersRefused as exc:
            valid, verdict = False, exc.message
        if saved:
            out_of_office.forget_vacation_status(request.session)
            messages.success(request, _("Script %(name)s saved.") % {"name": name})
            version = service.script_version(text)
    else:
        current = service.read_script_or_none(mail, name) if name else None
        text, version = current or "", service.script_version(current)
    return render(
        request,
        "mailview/filters/script.html",
        {
            "tree": folder_tree(mail),
            "name": name,
            "text": text,
            "valid": valid,
            "verdict": verdict,
            "lines": service.checked_lines(text, verdict) if valid is False else [],
            "owned": name == service.OWNED_SCRIPT,
            "folder": "",
            "version": version,
            "conflict": conflict,
        },
    )


@login_required
def script_delete(request: AuthenticatedRequest) -> HttpResponse:
    """Delete a script (often one made by another program), after a confirmation page; the
    active one is switched off first, which the page says."""
    mail = MailSession.for_request(request)
    name = (request.POST if request.method == "POST" else request.GET).get("name", "")
    overview = service.filters_overview(mail, with_folders=False)
    script = next((s for s in overview.scripts if s.name == name), None)
    if script is None:
        raise Http404("no such script")
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            service.delete_script(mail, name, switch_off=request.POST.get("switch_off") == "1")
        except service.FiltersRefused as exc:
            for problem in exc.problems:
                messages.error(request, problem)
        else:
            out_of_office.forget_vacation_status(request.session)
            messages.success(request, _("Script %(name)s deleted.") % {"name": name})
        return redirect("accounts:filters")
    return render(
        request,
        "mailview/filters/script_delete.html",
        {"tree": folder_tree(mail), "script": script, "folder": ""},
    )


@login_required
def filter_like(request: AuthenticatedRequest) -> HttpResponse:
    """ "Filter messages like this": ?folder=&uid= pre-fills a rule from the message; the page
    shows how many messages of the folder match; "save and apply" also files those now."""
    mail = MailSession.for_request(request)
    params = request.POST if request.method == "POST" else request.GET
    folder = check_folder_name(params.get("folder", "") or "INBOX")
    uid_values = params.getlist("uid")
    if not uid_values or not all(v.isdigit() for v in uid_values):
        raise Http404("no message")
    uid_raw = uid_values[0]
    overview = service.filters_overview(mail)
    extensions = overview.capabilities.sieve
    if request.method == "POST":
        form = RuleForm(request.POST, extensions=extensions)
        rule = form.to_rule() if form.is_valid() else None
    else:
        rule = like.rule_like(mail, folder, [int(v) for v in uid_values])
        form = RuleForm(initial=RuleForm.initial_for(rule), extensions=extensions)
    uids = like.matching_uids(mail, folder, rule) if rule is not None else []
    action = request.POST.get("save", "") if request.method == "POST" else ""
    if rule is not None and action in ("1", "apply"):
        new = rule
        try:
            service.save_filters(
                mail, lambda filters: replace(filters, rules=(*filters.rules, new))
            )
        except service.FiltersRefused as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        else:
            out_of_office.forget_vacation_status(request.session)
            done = _("Rule %(name)s saved.") % {"name": new.name}
            if action == "apply":
                applied = like.apply_to_existing(mail, folder, new, uids)
                done += " " + ngettext(
                    "Applied to %(count)d message.", "Applied to %(count)d messages.", applied.count
                ) % {"count": applied.count}
            messages.success(request, done)
            return redirect("mailview:mailbox", folder=folder)
    return render(
        request,
        "mailview/filters/rule.html",
        {
            "tree": folder_tree(mail),
            "form": form,
            "rule": None,
            "like": {"folder": folder, "uid": uid_raw},
            "preview": {"count": len(uids), "folder": folder},
            "folders": overview.folders,
            "folder": folder,
        },
    )
