from django.apps import AppConfig


class MailviewConfig(AppConfig):
    name = "mailview"
    verbose_name = "Mail"
