from django.contrib.admin.apps import AdminConfig


class WebmailAdminConfig(AdminConfig):
    """django.contrib.admin, with the webmail's admin site (dashboard, local staff login).

    Also the webmail's start-up: `ready` registers the metrics hooks of the IMAP layer.
    """

    default_site = "webmail.admin_site.WebmailAdminSite"

    def ready(self) -> None:
        super().ready()
        # The outermost layer wires the lower ones to the metrics: login attempts (a signal of
        # accounts). Imported in ready(): apps.py is imported while the app registry is filled,
        # before any models module may be.
        from accounts.signals import login_attempted
        from webmail.metrics import count_login_attempt

        login_attempted.connect(count_login_attempt, dispatch_uid="webmail.metrics.logins")

        # IMAP command timings, through the IMAP layer's hook.
        from mailview.imap.hooks import set_command_observer
        from webmail.metrics import observe_imap_command

        set_command_observer(observe_imap_command)

        # The memory of cached sort orders, all connections of this process together.
        from django.conf import settings

        from mailview.imap.cache import set_order_budget

        set_order_budget(settings.WEBMAIL_SORT_CACHE_BYTES)

        # Rendered pages kept to serve an unchanged page again (mailview/render/pages.py).
        from mailview.render.pages import fragment_store, page_store

        page_store.set_limit(settings.WEBMAIL_PAGE_CACHE_BYTES)
        fragment_store.set_limit(settings.WEBMAIL_PAGE_CACHE_BYTES // 8)

        # IMAP ID (RFC 2971): what the app says about itself after login (never the user's
        # browser); the servers' replies are listed on the admin dashboard.
        from mailview.imap.hooks import set_client_id

        name = settings.WEBMAIL_IMAP_ID_NAME
        set_client_id({"name": name, "version": settings.WEBMAIL_IMAP_ID_VERSION} if name else None)
