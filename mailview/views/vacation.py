"""Settings › Out of office: the vacation reply and forwarding of all mail (both are parts of
the webmail's Sieve script, saved through the filters service)."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Identity
from accounts.requests import AuthenticatedRequest
from mailview.services import filters as service
from mailview.services import out_of_office
from mailview.services.filter_forms import ForwardingForm, VacationForm
from mailview.services.mailbox import folder_tree
from mailview.services.session import MailSession
from mailview.sieve.rules import FilterSet


@login_required
def vacation_page(request: AuthenticatedRequest) -> HttpResponse:
    mail = MailSession.for_request(request)
    overview = service.filters_overview(mail, with_folders=False)
    current = overview.filters
    addresses = list(dict.fromkeys(i.email for i in Identity.for_user(request.user)))
    addresses += [a for a in current.vacation.addresses if a not in addresses]
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    vacation_form = VacationForm(
        posted if which == "vacation" else None,
        initial=VacationForm.initial_for(current.vacation)
        if current.vacation.text
        else {"addresses": addresses[:1], "days": 7},
        addresses=addresses,
        seconds=overview.capabilities.has("vacation-seconds"),
        prefix="vacation",
    )
    forwarding_form = ForwardingForm(
        posted if which == "forwarding" else None,
        initial=ForwardingForm.initial_for(current.forwarding),
        prefix="forwarding",
    )
    form = vacation_form if which == "vacation" else forwarding_form
    if posted and which in ("vacation", "forwarding") and form.is_valid():
        if which == "vacation":
            vacation = vacation_form.to_vacation()

            def change(filters: FilterSet) -> FilterSet:
                return replace(filters, vacation=vacation)

            done = (
                _("Out-of-office reply switched on.")
                if vacation.enabled
                else _("Out-of-office reply saved (off).")
            )
        else:
            forwarding = forwarding_form.to_forwarding()

            def change(filters: FilterSet) -> FilterSet:
                return replace(filters, forwarding=forwarding)

            done = _("Forwarding saved.")
        try:
            service.save_filters(mail, change)
        except service.FiltersRefused as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        else:
            out_of_office.forget_vacation_status(request.session)
            messages.success(request, done)
            return redirect("accounts:vacation")
    return render(
        request,
        "mailview/filters/vacation.html",
        {
            "tree": folder_tree(mail),
            "overview": overview,
            "vacation_form": vacation_form,
            "forwarding_form": forwarding_form,
            "vacation_seconds": overview.capabilities.has("vacation-seconds"),
            "folder": "",
        },
    )
