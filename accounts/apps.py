from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Registers the system checks and the signal receivers. Imported here, not at the top:
        # they import models, which cannot be imported while the app registry is being filled.
        from accounts import checks, receivers  # noqa: F401
