"""Dev-only endpoints of the identity provider, for the test fixtures and the demo: create a
user, register a client, revoke a user's tokens. Each needs the admin token that the parent
process chose (header ``X-Devidp-Admin``); there is no such endpoint in a real provider."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import AccessToken, Application, RefreshToken

from webmail.devmail.idp.settings import ADMIN_TOKEN

View = Callable[[HttpRequest], HttpResponse]


def _admin(view: Callable[[dict[str, Any]], dict[str, Any]]) -> View:
    @csrf_exempt
    @require_POST
    def wrapped(request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Devidp-Admin", "")
        if not hmac.compare_digest(given.encode(), ADMIN_TOKEN.encode()):
            return JsonResponse({"error": "forbidden"}, status=403)
        return JsonResponse(view(json.loads(request.body)))

    return wrapped


@_admin
def put_user(data: dict[str, Any]) -> dict[str, Any]:
    user, _ = get_user_model().objects.get_or_create(username=data["username"])
    user.email = data.get("email", "")
    user.set_password(data["password"])
    user.save()
    return {"ok": True}


@_admin
def put_client(data: dict[str, Any]) -> dict[str, Any]:
    Application.objects.filter(client_id=data["client_id"]).delete()
    Application.objects.create(
        name=data.get("name", data["client_id"]),
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(data.get("redirect_uris", [])),
        post_logout_redirect_uris=" ".join(data.get("post_logout_redirect_uris", [])),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    return {"ok": True}


@_admin
def revoke_user(data: dict[str, Any]) -> dict[str, Any]:
    """Revoke every refresh and access token of a user (as an admin of a real provider can)."""
    user = get_user_model().objects.get(username=data["username"])
    refresh = list(RefreshToken.objects.filter(user=user, revoked__isnull=True))
    for token in refresh:
        token.revoke()
    AccessToken.objects.filter(user=user).delete()
    return {"revoked": len(refresh)}
