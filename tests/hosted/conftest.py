"""Fixtures for the hosted-deployment tests: an admin, logged-in mail users, domains."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.servers import clear_domain_cache


@pytest.fixture(autouse=True)
def _fresh_domain_cache():
    clear_domain_cache()
    yield
    clear_domain_cache()


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser(
        "root-admin", "root@example.org", "admin-password-123"
    )


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root-admin", "password": "admin-password-123"},
    )
    assert response.status_code == 302, response.content[:500]
    return client


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
