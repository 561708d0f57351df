"""The websocket origin check: scheme, host and port of the page must be the app's own origin
or one of CSRF_TRUSTED_ORIGINS (the browser test is tests/browser/test_websocket_origin.py)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from mailview.live.routing import websocket_urlpatterns
from webmail.origin import SameOriginValidator, origin_allowed, parse_origin


def scope(origin: str | None, host: str = "mail.example.org", **extra: str) -> dict:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers += [(k.replace("_", "-").encode(), v.encode()) for k, v in extra.items()]
    return {"type": "websocket", "scheme": "ws", "headers": headers}


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = ["mail.example.org", "127.0.0.1"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://webmail.example.net", "https://*.example.com:8443"]
    settings.WEBMAIL_HTTPS = False


def test_the_pages_own_origin_is_allowed():
    assert origin_allowed(scope("http://mail.example.org"))
    assert origin_allowed(scope("http://mail.example.org:80"))
    assert origin_allowed(scope("http://127.0.0.1:8123", host="127.0.0.1:8123"))
    assert origin_allowed(scope("https://mail.example.org", x_forwarded_proto="https"))


@pytest.mark.parametrize(
    "origin",
    [
        "http://mail.example.org:9999",  # another port of the same host
        "https://mail.example.org",  # another scheme
        "http://evil.example",
        "http://mail.example.org.evil.example",
        "null",
        "",
        "file://",
        "http://mail.example.org/path",
    ],
)
def test_any_other_origin_is_refused(origin):
    assert not origin_allowed(scope(origin))


def test_a_missing_origin_or_a_host_not_allowed_is_refused():
    assert not origin_allowed(scope(None))
    assert not origin_allowed(scope("http://evil.example", host="evil.example"))


def test_with_https_only_https_pages_of_the_site_are_its_own(settings):
    settings.WEBMAIL_HTTPS = True
    assert origin_allowed(scope("https://mail.example.org"))
    assert not origin_allowed(scope("http://mail.example.org"))


def test_csrf_trusted_origins_are_allowed_with_their_port():
    assert origin_allowed(scope("https://webmail.example.net"))
    assert not origin_allowed(scope("http://webmail.example.net"))
    assert not origin_allowed(scope("https://webmail.example.net:444"))
    assert origin_allowed(scope("https://a.example.com:8443"))
    assert origin_allowed(scope("https://example.com:8443"))
    assert not origin_allowed(scope("https://a.example.com"))
    assert not origin_allowed(scope("https://evilexample.com:8443"))


def test_parse_origin_reads_scheme_host_and_default_port():
    assert parse_origin("HTTPS://Mail.Example.org") == ("https", "mail.example.org", 443)
    assert parse_origin("http://[::1]:8000") == ("http", "::1", 8000)
    assert parse_origin("http://x:notaport") is None


@pytest.mark.django_db
def test_the_websocket_stack_refuses_another_port_at_the_handshake():
    # The stack of webmail/asgi.py; the whole app in a browser: tests/browser/.
    application = SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))

    async def handshake(origin: str) -> bool:
        headers = [(b"host", b"127.0.0.1:8000"), (b"origin", origin.encode())]
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        connected, _code = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert not async_to_sync(handshake)("http://127.0.0.1:9999")
