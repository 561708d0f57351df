"""SASL messages for AUTHENTICATE (no I/O): PLAIN, and the OAuth 2.0 bearer-token mechanisms
OAUTHBEARER (RFC 7628) and XOAUTH2 (Google's and Microsoft's older form).

Each function returns the client's message base64-encoded, ready for the wire (as the initial
response with SASL-IR, or as the line after the server's "+").
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

#: OAuth mechanisms we speak, best first.
OAUTH_MECHANISMS = ("OAUTHBEARER", "XOAUTH2")


def plain(username: str, password: str) -> bytes:
    return base64.b64encode(f"\0{username}\0{password}".encode())


def _saslname(username: str) -> str:
    """RFC 5801 saslname: "," and "=" escaped as "=2C" and "=3D"."""
    return username.replace("=", "=3D").replace(",", "=2C")


def oauthbearer(username: str, token: str, host: str = "", port: int = 0) -> bytes:
    """RFC 7628 section 3.1: GS2 header with the authorization identity, then key/value pairs
    separated by ^A (host and port are optional and sent when given)."""
    pairs = []
    if host:
        pairs.append(f"host={host}")
    if port:
        pairs.append(f"port={port}")
    pairs.append(f"auth=Bearer {token}")
    message = f"n,a={_saslname(username)},\x01" + "".join(p + "\x01" for p in pairs) + "\x01"
    return base64.b64encode(message.encode())


def xoauth2(username: str, token: str) -> bytes:
    return base64.b64encode(f"user={username}\x01auth=Bearer {token}\x01\x01".encode())


def oauth_mechanism(capabilities: Iterable[str]) -> str | None:
    """The best OAuth mechanism among a server's capabilities (``AUTH=...``), or None."""
    offered = {c.upper() for c in capabilities}
    for mechanism in OAUTH_MECHANISMS:
        if f"AUTH={mechanism}" in offered:
            return mechanism
    return None


def oauth_message(mechanism: str, username: str, token: str) -> bytes:
    """The client's message for ``mechanism``, not yet base64-encoded."""
    if mechanism == "OAUTHBEARER":
        return base64.b64decode(oauthbearer(username, token))
    if mechanism == "XOAUTH2":
        return base64.b64decode(xoauth2(username, token))
    raise ValueError(f"not an OAuth mechanism: {mechanism}")


def oauth_initial_response(mechanism: str, username: str, token: str) -> bytes:
    return base64.b64encode(oauth_message(mechanism, username, token))


def parse_oauth_message(mechanism: str, message: bytes) -> tuple[str, str] | None:
    """(authorization identity, bearer token) from a client's OAUTHBEARER or XOAUTH2 message
    (for servers: the development SMTP server); None if it is malformed."""
    try:
        text = message.decode("utf-8")
    except UnicodeDecodeError:
        return None
    user = ""
    if mechanism == "OAUTHBEARER":
        header, sep, text = text.partition("\x01")
        fields = header.split(",")
        if not sep or len(fields) < 2 or fields[0] not in ("n", "y"):
            return None
        if fields[1].startswith("a="):
            user = fields[1][2:].replace("=2C", ",").replace("=3D", "=")
    elif mechanism != "XOAUTH2":
        return None
    token = ""
    for pair in text.split("\x01"):
        key, _, value = pair.partition("=")
        if key == "user" and mechanism == "XOAUTH2":
            user = value
        elif key == "auth" and value[:7].lower() == "bearer ":
            token = value[7:]
    return (user, token) if user and token else None


def oauth_error_reply(mechanism: str) -> bytes:
    """What the client answers to the server's error challenge (a "+" carrying a JSON status
    after a refused token) so that the server can finish with NO: a lone ^A for OAUTHBEARER
    (RFC 7628 section 3.2.3), an empty line for XOAUTH2."""
    return base64.b64encode(b"\x01") if mechanism == "OAUTHBEARER" else b""
