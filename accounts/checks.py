"""Refuse to run with a mail server configuration that is unsafe or malformed."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts.servers import default_server


@checks.register(checks.Tags.security, deploy=False)
def check_default_mail_server(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        default_server()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="webmail.E001")]
    return []
