from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path(settings.WEBMAIL_ADMIN_PATH, admin.site.urls),
    path("", include("mailview.urls")),
    # Writing mail (issue 4): compose, identities, contacts.
    path("", include("mailview.compose.urls")),
]
