from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from mailview.urls import account_urls, compose_urls
from webmail import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("metrics", health.metrics, name="metrics"),
    # The JavaScript catalogue (templates/base.html loads it before the app's scripts).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include(account_urls)),
    path(settings.WEBMAIL_ADMIN_PATH, admin.site.urls),
    path("", include("mailview.urls")),
    # Writing mail: compose, identities, contacts.
    path("", include(compose_urls)),
]
