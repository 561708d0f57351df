from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import audit
from accounts.sessions import prune_broadcasts, prune_stale_sessions


class Command(BaseCommand):
    help = (
        "Delete audit log entries older than WEBMAIL_AUDIT_RETENTION_DAYS, and session records "
        "whose session is gone (the workers also do this by themselves)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = audit.prune()
        stale = prune_stale_sessions()
        prune_broadcasts()
        self.stdout.write(
            f"Deleted {deleted} audit entries older than {settings.WEBMAIL_AUDIT_RETENTION_DAYS} "
            f"days and {stale} stale session records."
        )
