"""``python -m webmail.devmail.idp``: run the development identity provider (its parent,
``IdentityProvider``, sets the environment that its settings read)."""

from __future__ import annotations

import os
import sys


def main() -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "webmail.devmail.idp.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    from webmail.devmail.idp.settings import PORT

    call_command("migrate", verbosity=0, interactive=False)
    run("127.0.0.1", PORT, get_wsgi_application(), threading=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
