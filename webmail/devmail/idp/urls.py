"""URLs of the development identity provider: OIDC under ``/o/`` (the issuer), the login form,
and the dev-only admin endpoints."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from webmail.devmail.idp import admin_api

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("dev/users/", admin_api.put_user),
    path("dev/clients/", admin_api.put_client),
    path("dev/revoke/", admin_api.revoke_user),
]
