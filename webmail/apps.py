from django.contrib.admin.apps import AdminConfig


class WebmailAdminConfig(AdminConfig):
    """django.contrib.admin, with the webmail's admin site (dashboard, local staff login)."""

    default_site = "webmail.admin_site.WebmailAdminSite"
