"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webmail.settings")
# Django must be set up before anything imports models (as get_asgi_application does).
django.setup(set_prefix=False)

from webmail.asgi_handler import PooledThreadsASGIHandler  # noqa: E402

# Django's handler, keeping the threads of sync requests (and their DB connections) for reuse.
django_asgi_app = PooledThreadsASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from mailview.live.routing import websocket_urlpatterns  # noqa: E402
from webmail.origin import SameOriginValidator  # noqa: E402
from webmail.workers import start_worker_thread  # noqa: E402

# Live figures for the dashboard, and sessions ended by other worker processes.
start_worker_thread()

from webmail.gcfreeze import collect_young_less_often, freeze_long_lived  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Only pages of the app's own origin (or CSRF_TRUSTED_ORIGINS): webmail/origin.py.
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Start-up's objects out of the collector's sight (webmail/gcfreeze.py); once more after the
# first requests (webmail/asgi_handler.py). Young objects collected less often.
freeze_long_lived()
collect_young_less_often()
