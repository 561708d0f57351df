from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_merge_0002_hosted_0003_merge_20261121_0821"),
    ]

    operations = [
        migrations.AddField(
            model_name="domain",
            name="case_sensitive_logins",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Only if this domain's mail server tells User@ and user@ apart. Off: the part "
                    "before @ is lower-cased, so every spelling of a login is one account."
                ),
                verbose_name="logins are case-sensitive",
            ),
        ),
    ]
