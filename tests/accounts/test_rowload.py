"""The session and the user (with their settings) read by accounts/rowload.py are what the ORM
reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import Preferences
from accounts.rowload import session_data, user_with_related
from accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_the_user_and_their_settings_in_one_query(django_assert_num_queries):
    user = get_user_model().objects.create_user("someone@example.org", is_staff=True)
    prefs = Preferences.for_user(user)
    prefs.time_zone, prefs.density, prefs.mark_read_on_open = "Europe/Berlin", "compact", False
    prefs.save()
    with django_assert_num_queries(1):
        loaded = user_with_related(get_user_model(), Preferences, str(user.pk))
        assert loaded is not None
        assert Preferences.of_request_user(loaded) == prefs  # no second query
        kept = loaded._state.fields_cache["preferences"]
    orm = get_user_model().objects.get(pk=user.pk)
    for field in get_user_model()._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(orm, field.attname), field.name
    for field in Preferences._meta.concrete_fields:
        assert getattr(kept, field.attname) == getattr(prefs, field.attname), field.name
    assert loaded.is_staff is True and kept.mark_read_on_open is False
    assert not loaded._state.adding and loaded._state.db == "default"


def test_a_user_without_settings_and_no_user():
    user = get_user_model().objects.create_user("plain@example.org")
    loaded = user_with_related(get_user_model(), Preferences, user.pk)
    assert loaded is not None and loaded._state.fields_cache["preferences"] is None
    assert Preferences.of_request_user(loaded).user_id == user.pk  # made on first use
    assert user_with_related(get_user_model(), Preferences, 999_999) is None


def test_sessions_read_back_and_expired_ones_are_gone():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    assert session_data(Session, store.session_key) is not None
    assert SessionStore(store.session_key).load() == {"answer": 42}
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert session_data(Session, store.session_key) is None
    again = SessionStore(store.session_key)
    assert again.load() == {} and again.session_key is None
    assert SessionStore("no-such-key-0123456789abcdef").load() == {}


def test_exists_answers_as_the_orm_for_equal_and_in_conditions(django_assert_num_queries):
    from accounts.models import AuditEvent
    from accounts.rowload import exists

    users = get_user_model().objects
    me, other = users.create(username="me@example.test"), users.create(username="o@example.test")
    AuditEvent.objects.create(user=other, event="login", login="o@example.test")
    cases = [
        {"user": me.pk},
        {"user": other.pk},
        {"user": other.pk, "event": "login"},
        {"user": other.pk, "event": "logout"},
        {"user": other.pk, "event": ("logout", "login")},
        {"user": other.pk, "event": ("logout",)},
        {"user": me.pk, "event": ("logout", "login")},
    ]
    for conditions in cases:
        with django_assert_num_queries(1):
            answer = exists(AuditEvent, **conditions)
        lookups = {f"{k}__in" if isinstance(v, tuple) else k: v for k, v in conditions.items()}
        assert answer == AuditEvent.objects.filter(**lookups).exists(), conditions
