from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Preferences


class UserTimezoneMiddleware:
    """Dates are shown in the user's own time zone (a preference)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            prefs = Preferences.for_user(request.user)
            request.preferences = prefs  # type: ignore[attr-defined]
            timezone.activate(prefs.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
