"""One Django user per canonical login: users that differ only by case are merged (issue 12)."""

from typing import Any

from django.conf import settings
from django.db import migrations


def merge(apps: Any, schema_editor: Any) -> None:
    from accounts.login_merge import merge_case_variants

    merge_case_variants(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_domain_case_sensitive_logins"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("sessions", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("mailview", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
