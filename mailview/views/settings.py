"""The Settings area: one page per section (accounts/settings_area.py lists them).

Form sections show some fields of the user's Preferences or ComposeSettings; the other sections
(identities, contacts, folders, security) are pages of their own views rendered inside the area.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import PreferencesForm
from accounts.language import chosen_language
from accounts.models import Preferences
from accounts.requests import AuthenticatedRequest
from accounts.settings_area import BY_SLUG, Section


def section_form(section: Section, request: AuthenticatedRequest) -> forms.ModelForm:
    data = request.POST if request.method == "POST" else None
    if section.model is Preferences:
        return PreferencesForm(data, instance=request.preferences, only=section.fields)
    assert section.model is not None
    form_class = forms.modelform_factory(section.model, fields=section.fields)
    instance = section.model.for_user(request.user)  # type: ignore[attr-defined]
    return form_class(data, instance=instance)


@login_required
def section_page(request: AuthenticatedRequest, section: str = "general") -> HttpResponse:
    found = BY_SLUG.get(section)
    if found is None or not found.is_form:
        raise Http404("no such settings section")
    form = section_form(found, request)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            # A new language applies at once, to this message too ("as the browser": the request's).
            translation.activate(
                chosen_language(request.preferences)
                or translation.get_language_from_request(request)
            )
            messages.success(request, _("Settings saved."))
            return redirect(request.path)
    return render(
        request,
        "settings/section.html",
        {"section": found, "form": form},
        status=400 if request.method == "POST" else 200,
    )


#: The list's share of the panes (per cent) the splitter may be dragged to.
SPLIT_RANGE = range(20, 81)


@login_required
@require_POST
def pane_split(request: AuthenticatedRequest) -> HttpResponse:
    """The splitter between the list and the preview was moved (static/webmail/panes.js):
    remember the list's share for this layout, for this user, on every device."""
    layout = request.POST.get("layout", "")
    try:
        size = int(request.POST.get("size", ""))
    except ValueError:
        size = 0
    if layout not in ("right", "below") or size not in SPLIT_RANGE:
        return HttpResponse(_("No such pane size."), status=400, content_type="text/plain")
    prefs = request.preferences
    field = f"split_{layout}"
    setattr(prefs, field, size)
    prefs.save(update_fields=[field])
    return HttpResponse(status=204)
