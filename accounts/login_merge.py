"""Merging the Django users that are spellings of one login (the data migration of issue 12).

Before logins were canonical (accounts.logins), `Alice@Example.org` and `alice@example.org` could
be two webmail users of one mailbox. `merge_case_variants(apps)` makes them one user named with the
canonical login. It takes an app registry so that the migration can pass its historical models
(and a test the real ones); it uses nothing but the registry's models.

What the merged user keeps: every row that pointed at any of the spellings (two-factor devices,
identities, contacts, settings, audit entries...; a one-to-one row comes from the kept user, else
from the first spelling that has one); disabled wins (an inactive user or a disabled mail account
in the group makes the merged one so); staff and superuser flags and groups are united. The
browser sessions of the other spellings are ended (their session rows deleted). Local accounts
(with a usable password) are never merged or renamed: they log in to the admin only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction

from accounts.logins import canonical_login


def merge_case_variants(apps: Any) -> list[str]:
    """Merge every group of mail users whose logins are one canonical login; the logins merged."""
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    domain_model = apps.get_model("accounts", "Domain")
    sensitive = frozenset(
        domain_model.objects.filter(case_sensitive_logins=True).values_list("name", flat=True)
    )
    groups: dict[str, list[Any]] = defaultdict(list)
    local: set[str] = set()
    for user in user_model.objects.order_by("pk"):
        login = canonical_login(user.username, sensitive)
        if user.password.startswith(UNUSABLE_PASSWORD_PREFIX):
            groups[login].append(user)
        else:
            local.add(login)
    merged = []
    for login, users in groups.items():
        if login in local or (len(users) == 1 and users[0].username == login):
            continue  # a local account owns the name (its mail logins are refused anyway)
        with transaction.atomic():
            _merge(apps, user_model, login, users)
        merged.append(login)
    return merged


def _merge(apps: Any, user_model: Any, login: str, users: list[Any]) -> None:
    keeper = next((u for u in users if u.username == login), users[0])
    others = [u for u in users if u.pk != keeper.pk]
    spellings = [u.username for u in users]
    _merge_mail_accounts(apps, keeper, users, login)
    _end_sessions(apps, others)
    for rel in user_model._meta.related_objects:
        if rel.many_to_many or rel.related_model is user_model:
            continue
        model, field = rel.related_model, rel.field.name
        if rel.one_to_one:
            if not model.objects.filter(**{field: keeper}).exists():
                first = model.objects.filter(**{f"{field}__in": others}).order_by("pk").first()
                if first is not None:
                    model.objects.filter(pk=first.pk).update(**{field: keeper})
            model.objects.filter(**{f"{field}__in": others}).delete()
            continue
        for row in model.objects.filter(**{f"{field}__in": others}):
            try:
                with transaction.atomic():
                    model.objects.filter(pk=row.pk).update(**{field: keeper})
            except IntegrityError:  # the kept user has the same row already (a unique pair)
                model.objects.filter(pk=row.pk).delete()
    for other in others:
        keeper.groups.add(*other.groups.all())
        keeper.user_permissions.add(*other.user_permissions.all())
    keeper.is_active = all(u.is_active for u in users)
    keeper.is_staff = any(u.is_staff for u in users)
    keeper.is_superuser = any(u.is_superuser for u in users)
    keeper.date_joined = min(u.date_joined for u in users)
    last = [u.last_login for u in users if u.last_login is not None]
    keeper.last_login = max(last) if last else None
    user_model.objects.filter(pk__in=[u.pk for u in others]).delete()
    keeper.username = login
    keeper.save()
    audit_model = apps.get_model("accounts", "AuditEvent")
    audit_model.objects.filter(login__in=spellings).update(login=login)
    audit_model.objects.create(
        event="admin_action",
        login=login,
        user=keeper,
        details={"action": "merge spellings of a login", "spellings": sorted(spellings)},
    )


def _merge_mail_accounts(apps: Any, keeper: Any, users: list[Any], login: str) -> None:
    """One mail account for the merged user; disabled if any spelling's account was."""
    account_model = apps.get_model("accounts", "MailAccount")
    accounts = list(account_model.objects.filter(user__in=users).order_by("pk"))
    if not accounts:
        return
    kept = next((a for a in accounts if a.user_id == keeper.pk), accounts[0])
    enabled = all(a.enabled for a in accounts)
    seen = [a.last_login_at for a in accounts if a.last_login_at is not None]
    latest = max(seen) if seen else None
    address = next((a.last_login_address for a in accounts if a.last_login_at == latest), None)
    account_model.objects.filter(pk__in=[a.pk for a in accounts if a.pk != kept.pk]).delete()
    account_model.objects.filter(pk=kept.pk).update(
        user=keeper,
        login=login,
        enabled=enabled,
        last_login_at=latest,
        last_login_address=address,
    )


def _end_sessions(apps: Any, others: list[Any]) -> None:
    """The other spellings' browsers are logged out: their Django sessions are deleted."""
    active_model = apps.get_model("accounts", "ActiveSession")
    session_model = apps.get_model("sessions", "Session")
    keys = list(active_model.objects.filter(user__in=others).values_list("session_key", flat=True))
    session_model.objects.filter(session_key__in=keys).delete()
    active_model.objects.filter(user__in=others).delete()
