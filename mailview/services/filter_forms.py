"""The forms of the Filters and Out-of-office pages, and their conversion to and from the typed
filters of `mailview.sieve.rules`.

A rule form has a fixed number of condition rows and action rows (blank rows are ignored), so
it works without JavaScript; the page's script only hides the spare rows until asked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mailview.mime.sanitize import sanitize_html
from mailview.render.widgets import widget_renderer
from mailview.sieve.rules import Action, Condition, Forwarding, Rule, Vacation, is_address

__all__ = ["ForwardingForm", "RuleForm", "VacationForm"]

CONDITION_ROWS = 4
ACTION_ROWS = 4

FIELD_CHOICES = [
    ("", _("(none)")),
    ("from", _("From")),
    ("to_cc", _("To or Cc")),
    ("subject", _("Subject")),
    ("list_id", _("List-Id (mailing list)")),
    ("header", _("Header named…")),
    ("size_over", _("Size larger than (KB)")),
    ("size_under", _("Size smaller than (KB)")),
    ("has_attachment", _("Has an attachment")),
]
MATCH_CHOICES = [
    ("contains", _("contains")),
    ("is", _("is")),
    ("not_contains", _("does not contain")),
]
ACTION_CHOICES = [
    ("", _("(none)")),
    ("move", _("Move to folder")),
    ("copy", _("Copy to folder")),
    ("mark_read", _("Mark as read")),
    ("flag", _("Flag")),
    ("redirect_copy", _("Forward a copy to")),
    ("redirect", _("Redirect (no copy kept) to")),
    ("reject", _("Reject with message")),
    ("discard", _("Discard silently")),
    ("stop", _("Stop processing further rules")),
]


class RuleForm(forms.Form):
    default_renderer = widget_renderer

    name = forms.CharField(label=_("Rule name"), max_length=100)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    match_all = forms.TypedChoiceField(
        label=_("Apply when"),
        choices=[("1", _("all conditions match")), ("0", _("any condition matches"))],
        coerce=lambda v: v == "1",
        initial="1",
    )

    def __init__(self, *args: Any, extensions: frozenset[str] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields = [c for c in FIELD_CHOICES if c[0] != "has_attachment" or "mime" in extensions]
        actions = [c for c in ACTION_CHOICES if c[0] != "reject" or "reject" in extensions]
        for i in range(CONDITION_ROWS):
            self.fields[f"cond_field_{i}"] = forms.ChoiceField(
                label=_("Condition"), choices=fields, required=False
            )
            self.fields[f"cond_header_{i}"] = forms.CharField(
                label=_("Header name"), max_length=100, required=False
            )
            self.fields[f"cond_match_{i}"] = forms.ChoiceField(
                label=_("Match"), choices=MATCH_CHOICES, required=False
            )
            self.fields[f"cond_value_{i}"] = forms.CharField(
                label=_("Value"), max_length=500, required=False, strip=False
            )
        for i in range(ACTION_ROWS):
            self.fields[f"act_kind_{i}"] = forms.ChoiceField(
                label=_("Action"), choices=actions, required=False
            )
            self.fields[f"act_value_{i}"] = forms.CharField(
                label=_("Folder, address or message"), max_length=2000, required=False
            )

    def condition_rows(self) -> list[tuple[Any, Any, Any, Any]]:
        return [
            (
                self[f"cond_field_{i}"],
                self[f"cond_header_{i}"],
                self[f"cond_match_{i}"],
                self[f"cond_value_{i}"],
            )
            for i in range(CONDITION_ROWS)
        ]

    def action_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"act_kind_{i}"], self[f"act_value_{i}"]) for i in range(ACTION_ROWS)]

    @classmethod
    def initial_for(cls, rule: Rule) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": rule.name,
            "enabled": rule.enabled,
            "match_all": "1" if rule.match_all else "0",
        }
        for i, cond in enumerate(rule.conditions[:CONDITION_ROWS]):
            data |= {
                f"cond_field_{i}": cond.field,
                f"cond_header_{i}": cond.header,
                f"cond_match_{i}": cond.match,
                f"cond_value_{i}": cond.value,
            }
        for i, action in enumerate(rule.actions[:ACTION_ROWS]):
            data |= {f"act_kind_{i}": action.kind, f"act_value_{i}": action.value}
        return data

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(ACTION_ROWS):
            kind = data.get(f"act_kind_{i}")
            value = (data.get(f"act_value_{i}") or "").strip()
            if kind in ("redirect", "redirect_copy") and not is_address(value):
                self.add_error(f"act_value_{i}", _("Enter one email address."))
            elif kind in ("move", "copy") and not value:
                self.add_error(f"act_value_{i}", _("Choose a folder."))
        return data

    def to_rule(self) -> Rule:
        data = self.cleaned_data
        conditions = []
        for i in range(CONDITION_ROWS):
            field = data.get(f"cond_field_{i}") or ""
            if not field:
                continue
            conditions.append(
                Condition(
                    field=field,
                    value=data.get(f"cond_value_{i}") or "",
                    match=data.get(f"cond_match_{i}") or "contains",
                    header=(data.get(f"cond_header_{i}") or "").strip(),
                )
            )
        actions = []
        for i in range(ACTION_ROWS):
            kind = data.get(f"act_kind_{i}") or ""
            if kind:
                value = data.get(f"act_value_{i}") or ""
                if kind != "reject":
                    value = value.strip()
                actions.append(Action(kind, value))
        return Rule(
            name=data["name"].strip(),
            conditions=tuple(conditions),
            actions=tuple(actions),
            match_all=bool(data["match_all"]),
            enabled=bool(data["enabled"]),
        )


class VacationForm(forms.Form):
    default_renderer = widget_renderer

    enabled = forms.BooleanField(label=_("Send automatic replies"), required=False)
    start = forms.DateField(
        label=_("From (first day)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("Until (last day)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Message (plain text)"), widget=forms.Textarea, max_length=10_000
    )
    html = forms.CharField(
        label=_("Message as HTML (optional; sent beside the plain text)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=50_000,
        required=False,
    )
    addresses = forms.MultipleChoiceField(
        label=_("Reply to mail sent to"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    days = forms.IntegerField(
        label=_("Reply to each sender once every"), min_value=1, max_value=365, initial=7
    )
    unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[("days", _("days")), ("hours", _("hours"))],
        initial="days",
        required=False,
    )

    def __init__(
        self, *args: Any, addresses: list[str], seconds: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not seconds:
            # Without vacation-seconds (RFC 6131) the server counts whole days only.
            del self.fields["unit"]
        choices = self.fields["addresses"]
        assert isinstance(choices, forms.MultipleChoiceField)
        choices.choices = [(a, a) for a in addresses]
        self.fields["text"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("enabled") and not (data.get("text") or "").strip():
            self.add_error("text", _("Write the text of the automatic reply."))
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day is before the first day."))
        return data

    @classmethod
    def initial_for(cls, vac: Vacation) -> dict[str, Any]:
        return {
            "enabled": vac.enabled,
            "start": vac.start,
            "end": vac.end,
            "subject": vac.subject,
            "text": vac.text,
            "html": vac.html,
            "addresses": list(vac.addresses),
            "days": vac.seconds // 3600 if vac.seconds else vac.days,
            "unit": "hours" if vac.seconds else "days",
        }

    def to_vacation(self) -> Vacation:
        data = self.cleaned_data
        return Vacation(
            enabled=bool(data["enabled"]),
            subject=(data.get("subject") or "").strip(),
            text=data.get("text") or "",
            # The reply goes to strangers' mail programs: only the sanitizer's HTML is sent.
            html=str(sanitize_html(data["html"]).html) if (data.get("html") or "").strip() else "",
            addresses=tuple(data.get("addresses") or ()),
            days=int(data["days"]) if data.get("unit") != "hours" else 1,
            seconds=int(data["days"]) * 3600 if data.get("unit") == "hours" else 0,
            start=data.get("start"),
            end=data.get("end"),
        )


class ForwardingForm(forms.Form):
    default_renderer = widget_renderer

    forward = forms.BooleanField(label=_("Forward all mail"), required=False)
    address = forms.CharField(label=_("To address"), max_length=254, required=False)
    keep_copy = forms.BooleanField(label=_("Keep a copy here"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        address = (data.get("address") or "").strip()
        if (data.get("forward") or address) and not is_address(address):
            self.add_error("address", _("Enter one email address."))
        return data

    @classmethod
    def initial_for(cls, fwd: Forwarding) -> dict[str, Any]:
        return {"forward": fwd.enabled, "address": fwd.address, "keep_copy": fwd.keep_copy}

    def to_forwarding(self) -> Forwarding:
        data = self.cleaned_data
        return Forwarding(
            enabled=bool(data["forward"]),
            address=(data.get("address") or "").strip(),
            keep_copy=bool(data["keep_copy"]),
        )
