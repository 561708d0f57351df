from django.apps import AppConfig


class MailviewConfig(AppConfig):
    name = "mailview"
    verbose_name = "Mail"

    def ready(self) -> None:
        # Registers live mail's receiver of accounts' mail_sessions_ended (watchers, websockets).
        # Imported in ready(): it imports models, not importable while the registry is filled.
        from mailview.live import registry  # noqa: F401
