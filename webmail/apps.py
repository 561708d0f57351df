from django.contrib.admin.apps import AdminConfig


class WebmailAdminConfig(AdminConfig):
    """django.contrib.admin, with the webmail's admin site (dashboard, local staff login).

    Also the webmail's start-up: `ready` registers the metrics hooks of the IMAP layer.
    """

    default_site = "webmail.admin_site.WebmailAdminSite"

    def ready(self) -> None:
        super().ready()
        # Imported here: metrics need the app registry (Django's rule for ready()).
        from mailview.imap.hooks import set_command_observer

        from .metrics import observe_imap_command

        set_command_observer(observe_imap_command)
