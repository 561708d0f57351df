"""Which pages may open the app's websockets: the page's own origin, or a trusted one.

Channels' `AllowedHostsOriginValidator` compares host names only, so a page on another port or
scheme of an allowed host (http://127.0.0.1:9999, a plain-HTTP page of an HTTPS site) could
open ws/live/ with the user's cookies and read their events. `SameOriginValidator` accepts a
handshake only when the Origin's scheme, host and port equal the origin the page was served
from (the websocket's own Host, with the scheme of the site) or an entry of
CSRF_TRUSTED_ORIGINS (Django's list of other origins allowed to post forms; the same `*.`
subdomain wildcard applies).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origin(value: str) -> Origin | None:
    """(scheme, host, port) of an origin such as https://mail.example.org:8443; None if it is
    not an http(s) origin."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def own_origin(scope: dict[str, Any]) -> Origin | None:
    """The origin of the page that opens this websocket, as the app serves it: the Host
    header (an allowed host) with the site's scheme (https when WEBMAIL_HTTPS, else what the
    proxy says in X-Forwarded-Proto, else the connection's own)."""
    host_header = _header(scope, b"host")
    domain, port = split_domain_port(host_header)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    if getattr(settings, "WEBMAIL_HTTPS", False):
        scheme = "https"
    else:
        forwarded = _header(scope, b"x-forwarded-proto").split(",")[0].strip().lower()
        if forwarded in DEFAULT_PORTS:
            scheme = forwarded
        else:
            scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    host = domain.strip("[]")
    if not port:
        return scheme, host, DEFAULT_PORTS[scheme]
    return (scheme, host, int(port)) if port.isdigit() else None


def _trusted(origin: Origin, trusted: Iterable[str]) -> bool:
    """Is ``origin`` one of ``trusted`` (https://host[:port], or https://*.domain for the domain
    and its subdomains, as Django's CSRF check reads them)?"""
    scheme, host, port = origin
    for entry in trusted:
        wildcard = "://*." in entry
        pattern = parse_origin(entry.replace("://*.", "://", 1))
        if pattern is None or (pattern[0], pattern[2]) != (scheme, port):
            continue
        if host == pattern[1] or wildcard and is_same_domain(host, "." + pattern[1]):
            return True
    return False


def origin_allowed(scope: dict[str, Any]) -> bool:
    """May the page whose Origin this handshake carries use the websocket?"""
    origin = parse_origin(_header(scope, b"origin"))
    if origin is None:
        return False
    own = own_origin(scope)
    if own is not None and origin == (own[0], own[1].strip("[]"), own[2]):
        return True
    return _trusted(origin, getattr(settings, "CSRF_TRUSTED_ORIGINS", ()))


class SameOriginValidator:
    """ASGI middleware for websockets: refuses the handshake of any other origin."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
