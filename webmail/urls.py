from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from mailview.urls import account_urls, compose_urls
from webmail import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("metrics", health.metrics, name="metrics"),
    path("accounts/", include(account_urls)),
    path(settings.WEBMAIL_ADMIN_PATH, admin.site.urls),
    path("", include("mailview.urls")),
    # Writing mail: compose, identities, contacts.
    path("", include(compose_urls)),
]
