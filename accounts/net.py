"""The client's address, and whether it is inside configured networks."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's IP address (REMOTE_ADDR; behind a proxy, Daphne's --proxy-headers sets it)."""
    if request is None:
        return None
    value = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


@cache
def _networks(specs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)
    except ValueError as exc:
        raise ImproperlyConfigured(f"WEBMAIL_ADMIN_NETWORKS: {exc}") from None


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
