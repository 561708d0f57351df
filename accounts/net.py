"""The client's address, and whether it is inside configured networks; what kind of request."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's IP address: the one function every part of the app asks.

    The socket's peer (REMOTE_ADDR), unless that is one of WEBMAIL_TRUSTED_PROXIES: then
    X-Forwarded-For is read from the right (each proxy appends the address it saw) and the
    first entry that is not a trusted proxy is the client. Entries further left were written
    by the client and are never believed."""
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR") or "")
    trusted = _networks(tuple(settings.WEBMAIL_TRUSTED_PROXIES), "WEBMAIL_TRUSTED_PROXIES")
    if peer is None or not trusted or not _inside(peer, trusted):
        return str(peer) if peer is not None else None
    client = peer
    forwarded = (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for entry in reversed(forwarded):
        hop = _address(entry)
        if hop is None:
            break  # garbage a trusted proxy passed on: the last address it vouched for
        client = hop
        if not _inside(hop, trusted):
            break
    return str(client)


def _inside(ip: Address, nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    return any(ip in net for net in nets)


@cache
def _networks(
    specs: tuple[str, ...], setting: str = "WEBMAIL_ADMIN_NETWORKS"
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{setting}: {exc}") from None


def address_allowed(address: str | None, networks: Iterable[str]) -> bool:
    """True if `networks` is empty (no restriction) or holds `address`."""
    nets = _networks(tuple(networks))
    if not nets:
        return True
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in nets)


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return (request.META.get("HTTP_USER_AGENT") or "")[:300]


def is_navigation(request: HttpRequest) -> bool:
    """True for a page the browser shows (a link, a form, the address bar), False for a page's
    background request (fetch, XMLHttpRequest), which cannot follow a redirect to another site.
    Browsers without Fetch Metadata count as navigations (the redirect is then the old way)."""
    return request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"
