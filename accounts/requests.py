"""The request type that views behind ``login_required`` receive.

Django's ``HttpRequest.user`` is ``User | AnonymousUser``; behind ``login_required`` it is a
``User``, and ``UserTimezoneMiddleware`` has set ``preferences``. Views annotate their request
with ``AuthenticatedRequest`` so the type checker knows both (the pattern django-stubs documents).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.models import Preferences


class AuthenticatedRequest(HttpRequest):
    user: User
    preferences: Preferences
