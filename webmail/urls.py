from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("metrics", health.metrics, name="metrics"),
    path("accounts/", include("accounts.urls")),
    path(settings.WEBMAIL_ADMIN_PATH, admin.site.urls),
    path("", include("mailview.urls")),
    # Writing mail (issue 4): compose, identities, contacts.
    path("", include("mailview.compose.urls")),
]
