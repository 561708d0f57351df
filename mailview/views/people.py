"""Identities (with the compose settings) and the address book."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Contact, ContactGroup, Identity, RecentAddress
from accounts.requests import AuthenticatedRequest
from mailview.compose import people
from mailview.compose.addresses import normalise_email
from mailview.compose.errors import HeaderInjection
from mailview.services import mailbox as services
from mailview.services import sharing
from mailview.services.session import MailSession


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    context["tree"] = services.folder_tree(MailSession.for_request(request))
    return render(request, template, context, status=status)


# -- identities ----------------------------------------------------------------------------------


@login_required
def identities(request: AuthenticatedRequest) -> HttpResponse:
    """The identities (how replies start: Settings → Composing)."""
    return _page(request, "people/identities.html", {"identities": Identity.for_user(request.user)})


@login_required
def identity_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(Identity, pk=pk, user=request.user) if pk else None
    form = people.IdentityForm(
        request.POST or None, instance=instance, login=request.user.get_username()
    )
    mail = MailSession.for_request(request)
    if request.method == "POST" and form.is_valid():
        folder = form.cleaned_data["sent_folder"]
        refusal = sharing.insert_refusal(mail, folder) if folder else None
        if refusal:
            form.add_error("sent_folder", refusal)
        else:
            people.save_identity(form, request.user)
            messages.success(request, _("Identity saved."))
            return redirect("compose:identities")
    return _page(
        request,
        "people/identity_form.html",
        {"form": form, "identity": instance},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def identity_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    identity = get_object_or_404(Identity, pk=pk, user=request.user)
    if Identity.objects.filter(user=request.user).count() <= 1:
        messages.error(request, _("You need at least one identity."))
        return redirect("compose:identities")
    was_default = identity.is_default
    identity.delete()
    if was_default:
        first = Identity.objects.filter(user=request.user).first()
        if first:
            first.is_default = True
            first.save(update_fields=["is_default"])
    messages.success(request, _("Identity deleted."))
    return redirect("compose:identities")


# -- contacts ------------------------------------------------------------------------------------


@login_required
def contacts(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    items = Contact.objects.filter(user=request.user)
    if query:
        items = items.filter(name__icontains=query) | items.filter(email__icontains=query)
    groups = ContactGroup.objects.filter(user=request.user).prefetch_related("members")
    return _page(
        request,
        "people/contacts.html",
        {"contacts": items[:1000], "groups": groups, "query": query},
    )


@login_required
def contact_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(Contact, pk=pk, user=request.user) if pk else None
    initial = {}
    if instance is None:
        initial = {"name": request.GET.get("name", "")[:200], "email": request.GET.get("email", "")}
    form = people.ContactForm(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.user = request.user
        contact.save()
        messages.success(request, _("Contact saved."))
        return redirect("compose:contacts")
    return _page(
        request,
        "people/contact_form.html",
        {"form": form, "contact": instance},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def contact_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    get_object_or_404(Contact, pk=pk, user=request.user).delete()
    messages.success(request, _("Contact deleted."))
    return redirect("compose:contacts")


@login_required
@require_POST
def contact_add_sender(request: AuthenticatedRequest) -> HttpResponse:
    """ "Add to contacts" from a message's sender."""
    name = request.POST.get("name", "")[:200]
    email = normalise_email(request.POST.get("email", ""))
    if email is None or any(ch in name for ch in "\r\n\x00"):
        messages.error(request, _("This sender's address cannot be added to your contacts."))
    elif Contact.objects.filter(user=request.user, email=email).exists():
        messages.info(request, _("%(email)s is already in your contacts.") % {"email": email})
    else:
        Contact.objects.create(user=request.user, name=name.strip(), email=email)
        messages.success(request, _("%(email)s added to your contacts.") % {"email": email})
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = "/mail/INBOX/"
    return redirect(back)


@login_required
def group_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(ContactGroup, pk=pk, user=request.user) if pk else None
    form = people.GroupForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        group = form.save(commit=False)
        group.user = request.user
        group.save()
        form.save_m2m()
        messages.success(request, _("Group saved."))
        return redirect("compose:contacts")
    return _page(
        request,
        "people/group_form.html",
        {"form": form, "group": instance},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def group_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    get_object_or_404(ContactGroup, pk=pk, user=request.user).delete()
    messages.success(request, _("Group deleted."))
    return redirect("compose:contacts")


@login_required
def contacts_export(request: AuthenticatedRequest) -> HttpResponse:
    data = people.export_vcards(Contact.objects.filter(user=request.user))
    response = HttpResponse(data, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
    return response


@login_required
@require_POST
def contacts_import(request: AuthenticatedRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a vCard file to import."))
        return redirect("compose:contacts")
    if upload.size and upload.size > people.MAX_IMPORT_BYTES:
        messages.error(request, _("The file is too large."))
        return redirect("compose:contacts")
    try:
        added, skipped = people.import_vcards(upload.read(), request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("compose:contacts")
    messages.success(
        request,
        _("%(added)d contacts imported, %(skipped)d skipped (duplicates or no address).")
        % {"added": added, "skipped": skipped},
    )
    return redirect("compose:contacts")


@login_required
def autocomplete(request: AuthenticatedRequest) -> JsonResponse:
    try:
        items = people.suggestions(request.user, request.GET.get("q", ""))
    except HeaderInjection:
        items = []
    return JsonResponse({"results": items})


@login_required
@require_POST
def recent_remove(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """Forget an address the user wrote to: it is no longer suggested (until used again)."""
    recent = get_object_or_404(RecentAddress, pk=pk, user=request.user)
    recent.delete()
    return JsonResponse({"ok": True})
