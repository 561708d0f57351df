"""Identities, the address book and its vCard import/export (vobject), and autocomplete."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import vobject
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from vobject.base import ContentLine

from accounts import senders
from accounts.models import Contact, ContactGroup, Identity, RecentAddress
from mailview.compose.addresses import Recipient, check_single_line, normalise_email

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_CARDS = 5000


class _SingleLineMixin(forms.BaseForm):
    single_line: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in self.single_line:
            value = data.get(name) or ""
            if any(ch in value for ch in "\r\n\x00"):
                self.add_error(name, _("Line breaks are not allowed here."))
        return data


class IdentityForm(_SingleLineMixin, forms.ModelForm):
    """An identity of `login`: its address must be one the login may send as."""

    single_line = ("name", "email", "reply_to", "sent_folder")

    def __init__(self, *args: Any, login: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.login = login
        self.fields["email"].help_text = senders.allowed_text(login)
        self.fields["sent_folder"].widget.attrs.update(
            {"list": "sent-folders", "autocomplete": "off", "spellcheck": "false"}
        )

    def clean_sent_folder(self) -> str:
        return str(self.cleaned_data.get("sent_folder") or "").strip()

    def clean_email(self) -> str:
        email = str(self.cleaned_data.get("email") or "")
        if email and not senders.sender_allowed(self.login, email):
            raise forms.ValidationError(senders.refusal_message(self.login))
        return email

    class Meta:
        model = Identity
        fields = [
            "name",
            "email",
            "reply_to",
            "sent_folder",
            "signature_text",
            "signature_html",
            "is_default",
        ]
        widgets = {
            "signature_text": forms.Textarea(attrs={"rows": 4}),
            "signature_html": forms.Textarea(attrs={"rows": 4}),
        }


class ContactForm(_SingleLineMixin, forms.ModelForm):
    single_line = ("name", "email", "phone", "organization")

    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "organization", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class GroupForm(_SingleLineMixin, forms.ModelForm):
    single_line = ("name",)

    class Meta:
        model = ContactGroup
        fields = ["name", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the user's own contacts can be members.
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = Contact.objects.filter(user=user)


def save_identity(form: IdentityForm, user: User) -> Identity:
    identity = form.save(commit=False)
    identity.user = user
    identity.save()
    others = Identity.objects.filter(user=user).exclude(pk=identity.pk)
    if identity.is_default:
        others.update(is_default=False)
    elif not others.filter(is_default=True).exists():
        identity.is_default = True
        identity.save(update_fields=["is_default"])
    return identity


# -- vCard ---------------------------------------------------------------------------------------


def export_vcards(contacts: Iterable[Contact]) -> str:
    out = []
    for contact in contacts:
        card = vobject.vCard()
        card.add("fn").value = contact.name or contact.email
        name = contact.name.split(" ", 1) if contact.name else [""]
        card.add("n").value = vobject.vcard.Name(
            family=name[1] if len(name) > 1 else "", given=name[0]
        )
        email = card.add("email")
        email.value = contact.email
        email.type_param = "INTERNET"
        if contact.phone:
            card.add("tel").value = contact.phone
        if contact.organization:
            card.add("org").value = [contact.organization]
        if contact.notes:
            card.add("note").value = contact.notes
        out.append(card.serialize())
    return "".join(out)


def _value(card: object, name: str) -> str:
    item = getattr(card, name, None)
    if item is None:
        return ""
    value = item.value
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return " ".join(str(value).split())[:200]


def import_vcards(data: bytes, user: User) -> tuple[int, int]:
    """Add the cards' contacts (one per email address); returns (added, skipped)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValueError(_("The file is too large."))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    added = skipped = 0
    existing = set(Contact.objects.filter(user=user).values_list("email", flat=True))
    try:
        cards = list(vobject.readComponents(text, ignoreUnreadable=True))
    except Exception as exc:  # vobject raises many kinds of errors on bad input
        raise ValueError(_("This is not a vCard file.")) from exc
    if not cards:
        raise ValueError(_("No contacts were found in this file."))
    for card in cards[:MAX_IMPORT_CARDS]:
        emails = [e.value for e in card.contents.get("email", []) if isinstance(e, ContentLine)]
        name = _value(card, "fn")
        for raw in emails:
            email = normalise_email(str(raw))
            if email is None or email in existing:
                skipped += 1
                continue
            note = getattr(card, "note", None)
            Contact.objects.create(
                user=user,
                name=name,
                email=email,
                phone=_value(card, "tel")[:64],
                organization=_value(card, "org"),
                notes=str(note.value)[:5000] if note is not None else "",
            )
            existing.add(email)
            added += 1
        if not emails:
            skipped += 1
    return added, skipped


# -- autocomplete -------------------------------------------------------------------------------


def suggestions(user: User, query: str, limit: int = 10) -> list[dict[str, str]]:
    """Contacts, groups (expanded to their members) and recently used addresses matching query."""
    query = query.strip()
    if not query or len(query) > 200:
        return []
    check_single_line(query, "search")
    out: list[dict[str, str]] = []
    seen: set[str] = set()

    def add(label: str, value: str, kind: str, pk: int | None = None) -> None:
        key = value.lower() if kind != "group" else "group:" + label
        if key not in seen and len(out) < limit:
            seen.add(key)
            item = {"label": label, "value": value, "kind": kind}
            if pk is not None:  # an address the user wrote to: it can be removed
                item["id"] = str(pk)
            out.append(item)

    for contact in Contact.objects.filter(user=user).filter(
        Q(name__icontains=query) | Q(email__icontains=query)
    )[:limit]:
        value = str(Recipient(contact.name, contact.email))
        add(value, value, "contact")
    for group in ContactGroup.objects.filter(user=user, name__icontains=query)[:limit]:
        members = ", ".join(str(Recipient(m.name, m.email)) for m in group.members.all())
        if members:
            add(f"{group.name} ({group.members.count()})", members, "group")
    for recent in RecentAddress.objects.filter(user=user).filter(
        Q(name__icontains=query) | Q(email__icontains=query)
    )[:limit]:
        value = str(Recipient(recent.name, recent.email))
        add(value, value, "recent", recent.pk)
    return out
